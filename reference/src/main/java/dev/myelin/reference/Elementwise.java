package dev.myelin.reference;

import dev.myelin.core.Matrix;
import java.lang.foreign.ValueLayout;

/**
 * Reference elementwise kernels and reductions: the specification.
 *
 * <p>Plain loops over rows i and columns j in index order; element (i, j) of a matrix is read and
 * written at element index {@code offset + i * ld + j} of its segment, so views need no special case.
 * Arithmetic is float, one IEEE operation per operator of the formula, evaluated left to right as
 * written; Java never fuses {@code a * b + c}. The SIMD backend performs the same operations on each
 * element, so every kernel here except {@link #columnSums} is reproduced bit for bit, and
 * {@code columnSums} sums in the same order (i = 0, 1, ..., m-1 for each column) and is reproduced bit
 * for bit too. {@link #rowMax} and {@link #rowArgmax} use {@link Math#max} order: NaN above everything,
 * then +Inf, ..., +0.0 above -0.0. Arguments are checked by {@link dev.myelin.core.Kernels}.
 */
final class Elementwise {

    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Elementwise() {
    }

    /** Element index of (i, j) in m's segment. */
    static long at(Matrix m, int i, int j) {
        return m.offset() + (long) i * m.ld() + j;
    }

    static float get(Matrix m, int i, int j) {
        return m.segment().getAtIndex(F, at(m, i, j));
    }

    static void set(Matrix m, int i, int j, float v) {
        m.segment().setAtIndex(F, at(m, i, j), v);
    }

    // x is (m, n)
    static void fill(Matrix x, float value) {
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                set(x, i, j, value);
            }
        }
    }

    // y, x are (m, n)
    static void copy(Matrix y, Matrix x) {
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                set(y, i, j, get(x, i, j));
            }
        }
    }

    // y is (m, n): y = alpha * y
    static void scale(Matrix y, float alpha) {
        for (int i = 0; i < y.rows(); i++) {
            for (int j = 0; j < y.cols(); j++) {
                set(y, i, j, alpha * get(y, i, j));
            }
        }
    }

    // y, x are (m, n): y = alpha * x + y, the product rounded, then the sum
    static void axpy(Matrix y, float alpha, Matrix x) {
        for (int i = 0; i < y.rows(); i++) {
            for (int j = 0; j < y.cols(); j++) {
                set(y, i, j, alpha * get(x, i, j) + get(y, i, j));
            }
        }
    }

    // z, x, y are (m, n)
    static void mul(Matrix z, Matrix x, Matrix y) {
        for (int i = 0; i < z.rows(); i++) {
            for (int j = 0; j < z.cols(); j++) {
                set(z, i, j, get(x, i, j) * get(y, i, j));
            }
        }
    }

    // y is (m, n), b is (1, n)
    static void addRowVector(Matrix y, Matrix b) {
        for (int i = 0; i < y.rows(); i++) {
            for (int j = 0; j < y.cols(); j++) {
                set(y, i, j, get(y, i, j) + get(b, 0, j));
            }
        }
    }

    // y is (m, n), s is (1, n)
    static void mulRowVector(Matrix y, Matrix s) {
        for (int i = 0; i < y.rows(); i++) {
            for (int j = 0; j < y.cols(); j++) {
                set(y, i, j, get(y, i, j) * get(s, 0, j));
            }
        }
    }

    // s is (1, n), x is (m, n): t = ((X[0][j] + X[1][j]) + X[2][j]) + ...; s[j] = beta == 0 ? t : beta * s[j] + t
    static void columnSums(Matrix s, Matrix x, float beta) {
        for (int j = 0; j < x.cols(); j++) {
            float t = get(x, 0, j);
            for (int i = 1; i < x.rows(); i++) {
                t += get(x, i, j);
            }
            set(s, 0, j, beta == 0 ? t : beta * get(s, 0, j) + t);
        }
    }

    // max is (m, 1), x is (m, n)
    static void rowMax(Matrix max, Matrix x) {
        for (int i = 0; i < x.rows(); i++) {
            float best = get(x, i, 0);
            for (int j = 1; j < x.cols(); j++) {
                best = Math.max(best, get(x, i, j));
            }
            set(max, i, 0, best);
        }
    }

    // index has length >= m, x is (m, n)
    static void rowArgmax(int[] index, Matrix x) {
        for (int i = 0; i < x.rows(); i++) {
            int arg = 0;
            float best = get(x, i, 0);
            for (int j = 1; j < x.cols(); j++) {
                float v = get(x, i, j);
                if (above(v, best)) {
                    arg = j;
                    best = v;
                }
            }
            index[i] = arg;
        }
    }

    /** True if {@code v} is strictly above {@code best} in {@link Math#max} order: NaN on top, +0.0 above -0.0. */
    static boolean above(float v, float best) {
        if (Float.isNaN(best)) {
            return false;
        }
        if (Float.isNaN(v)) {
            return true;
        }
        if (v == 0 && best == 0) {
            return Float.floatToRawIntBits(best) < 0 && Float.floatToRawIntBits(v) == 0;  // +0.0 over -0.0
        }
        return v > best;
    }
}
