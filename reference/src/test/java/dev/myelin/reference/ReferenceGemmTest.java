package dev.myelin.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.myelin.core.Backends;
import dev.myelin.core.Cases;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The reference GEMM on its own: hand-computed answers, and a double-precision oracle. */
class ReferenceGemmTest {

    private final Kernels ref = Backends.reference();

    // Small integers: every product and sum is exact in float, so these compare exactly.

    @Test
    void twoByTwoByHand() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrix.of(arena, 2, 2, 1, 2, 3, 4);
            Matrix b = Matrix.of(arena, 2, 2, 5, 6, 7, 8);
            Matrix c = Matrix.allocate(arena, 2, 2);
            ref.gemm(c, a, Trans.N, b, Trans.N, 1, 0);
            assertArrayEquals(new float[] {19, 22, 43, 50}, c.toArray());
            ref.gemm(c, a, Trans.T, b, Trans.N, 1, 0);        // A^T B = [1 3; 2 4] [5 6; 7 8]
            assertArrayEquals(new float[] {26, 30, 38, 44}, c.toArray());
            ref.gemm(c, a, Trans.N, b, Trans.T, 1, 0);        // A B^T = [1 2; 3 4] [5 7; 6 8]
            assertArrayEquals(new float[] {17, 23, 39, 53}, c.toArray());
            ref.gemm(c, a, Trans.T, b, Trans.T, 1, 0);        // A^T B^T = [1 3; 2 4] [5 7; 6 8]
            assertArrayEquals(new float[] {23, 31, 34, 46}, c.toArray());
        }
    }

    @Test
    void alphaAndBetaByHand() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrix.of(arena, 1, 3, 1, 2, 3);
            Matrix b = Matrix.of(arena, 3, 2, 1, 0, 0, 1, 1, 1);   // a b = [4, 5]
            Matrix c = Matrix.of(arena, 1, 2, 10, 20);
            ref.gemm(c, a, Trans.N, b, Trans.N, 2, -1);            // 2 [4 5] - [10 20]
            assertArrayEquals(new float[] {-2, -10}, c.toArray());
            ref.gemm(c, a, Trans.N, b, Trans.N, 0, 3);             // alpha = 0: C = 3 C
            assertArrayEquals(new float[] {-6, -30}, c.toArray());
        }
    }

    @Test
    void betaZeroNeverReadsC() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrix.of(arena, 1, 1, 3);
            Matrix b = Matrix.of(arena, 1, 1, 4);
            Matrix c = Matrix.of(arena, 1, 1, Float.NaN);
            ref.gemm(c, a, Trans.N, b, Trans.N, 1, 0);
            assertEquals(12f, c.get(0, 0));
            c.set(0, 0, Float.POSITIVE_INFINITY);
            ref.gemm(c, a, Trans.N, b, Trans.N, 0, 0);             // alpha = beta = 0: zeros
            assertEquals(0f, c.get(0, 0));
        }
    }

    @Test
    void viewsAddressTheRightElements() {
        try (Arena arena = Arena.ofConfined()) {
            // A 4x5 parent; the view is rows 1..2, cols 2..3: [[7, 8], [12, 13]].
            Matrix parent = Matrix.allocate(arena, 4, 5);
            float[] v = new float[20];
            for (int i = 0; i < 20; i++) {
                v[i] = i;
            }
            parent.copyFrom(v);
            Matrix a = parent.view(1, 2, 2, 2);
            Matrix id = Matrix.of(arena, 2, 2, 1, 0, 0, 1);
            Matrix out = Matrix.allocate(arena, 3, 7).view(1, 3, 2, 2);
            ref.gemm(out, a, Trans.N, id, Trans.N, 1, 0);
            assertArrayEquals(new float[] {7, 8, 12, 13}, out.toArray());
            ref.gemm(out, a, Trans.T, id, Trans.N, 1, 0);
            assertArrayEquals(new float[] {7, 12, 8, 13}, out.toArray());
        }
    }

    /**
     * Against a double-precision oracle on random views and shapes. The reference is within
     * {@link ErrorBounds#gemmBound} of the exact product (docs/kernels.md); the oracle, summed in double,
     * is within k 2^-53 P of it (P = |alpha| |op(A)||op(B)| + |beta C0|), and k 2^-52 P covers that:
     * {@code |C_ref - C_double| <= gemmBound + k 2^-52 P}.
     */
    @TestFactory
    Stream<DynamicTest> agreesWithDoubleOracle() {
        return IntStream.range(0, 300 * Cases.SCALE).mapToObj(i -> {
            SplittableRandom rnd = Cases.random(i);
            int m = rnd.nextInt(1, 40);
            int n = rnd.nextInt(1, 40);
            int k = i % 10 == 0 ? rnd.nextInt(300, 1200) : rnd.nextInt(1, 60);
            Trans opA = Trans.values()[rnd.nextInt(2)];
            Trans opB = Trans.values()[rnd.nextInt(2)];
            float alpha = rnd.nextInt(4) == 0 ? 1f : (float) rnd.nextDouble(-2, 2);
            float beta = rnd.nextInt(3) == 0 ? 0f : (float) rnd.nextDouble(-2, 2);
            String name = "opA=" + opA + " opB=" + opB + " m=" + m + " n=" + n + " k=" + k + " alpha=" + alpha
                    + " beta=" + beta + " " + Cases.tag(i);
            return DynamicTest.dynamicTest(name, () -> {
                try (Arena arena = Arena.ofConfined()) {
                    Matrix a = opA == Trans.N ? Cases.matrix(arena, rnd, m, k) : Cases.matrix(arena, rnd, k, m);
                    Matrix b = opB == Trans.N ? Cases.matrix(arena, rnd, k, n) : Cases.matrix(arena, rnd, n, k);
                    Matrix c = Cases.matrix(arena, rnd, m, n);
                    float[] c0 = c.toArray();
                    double[] exact = new double[m * n];
                    double[] scale = new double[m * n];
                    for (int r = 0; r < m; r++) {
                        for (int col = 0; col < n; col++) {
                            double s = 0;
                            double p = 0;
                            for (int l = 0; l < k; l++) {
                                double x = opA == Trans.N ? a.get(r, l) : a.get(l, r);
                                double y = opB == Trans.N ? b.get(l, col) : b.get(col, l);
                                s += x * y;
                                p += Math.abs(x * y);
                            }
                            double bc = beta == 0 ? 0 : (double) beta * c0[r * n + col];
                            exact[r * n + col] = alpha * s + bc;
                            scale[r * n + col] = Math.abs(alpha) * p + Math.abs(bc);
                        }
                    }
                    double[] bound = ErrorBounds.gemmBound(c, a, opA, b, opB, alpha, beta);
                    for (int e = 0; e < bound.length; e++) {
                        bound[e] += k * 0x1p-52 * scale[e];
                    }
                    ref.gemm(c, a, opA, b, opB, alpha, beta);
                    ErrorBounds.compare(exact, c.toArray(), bound, n).orThrow(name);
                }
            });
        });
    }
}
