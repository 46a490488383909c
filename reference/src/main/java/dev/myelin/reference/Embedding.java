package dev.myelin.reference;

import static dev.myelin.reference.Elementwise.get;
import static dev.myelin.reference.Elementwise.set;

import dev.myelin.core.Matrix;

/**
 * Reference embedding lookup and its gradient: the specification, plain loops.
 *
 * <p>The lookup is a copy, exact. The gradient is a scatter-add whose summation order is fixed: each element of
 * table row v starts from {@code +0} ({@code beta == 0}) or its old value ({@code beta == 1}) and adds
 * {@code dY[i][j]} for every position i with {@code ids[i] == v}, in increasing i, one float rounding per
 * addition. The loop below visits the positions in order and adds each into its row, which is that order for
 * every row. Arguments are checked by {@link dev.myelin.core.Kernels}.
 */
final class Embedding {

    private Embedding() {
    }

    // y is (n, d), table is (vocabulary, d): Y[i] = table[ids[i]]
    static void embeddingForward(Matrix y, Matrix table, int[] ids) {
        for (int i = 0; i < y.rows(); i++) {
            for (int j = 0; j < y.cols(); j++) {
                set(y, i, j, get(table, ids[i], j));
            }
        }
    }

    // dTable is (vocabulary, d), dY is (n, d): dTable = beta dTable + scatter-add of dY's rows, in order of i
    static void embeddingBackward(Matrix dTable, Matrix dY, int[] ids, float beta) {
        if (beta == 0) {
            for (int v = 0; v < dTable.rows(); v++) {
                for (int j = 0; j < dTable.cols(); j++) {
                    set(dTable, v, j, 0f);
                }
            }
        }
        for (int i = 0; i < dY.rows(); i++) {
            for (int j = 0; j < dY.cols(); j++) {
                set(dTable, ids[i], j, get(dTable, ids[i], j) + get(dY, i, j));
            }
        }
    }
}
