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
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
     * Each product is fused into the sum, and so is alpha's: with {@code x = 1 + 2^-12},
     * {@code x^2 = 1 + 2^-11 + 2^-24} is not a float (it rounds to {@code 1 + 2^-11}, a tie to even), so
     * {@code x * x - (1 + 2^-11)} is 0 with the product rounded and the exact {@code 2^-24} with it fused.
     */
    @Test
    void productsAndAlphaAreFusedIntoTheSum() {
        float x = 1 + 0x1p-12f;
        float y = -(1 + 0x1p-11f);
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(0x1p-24f, product(arena, new float[] {y, x}, new float[] {1, x}, 1, 0, 0));  // fma(x, x, y)
            assertEquals(0x1p-24f, product(arena, new float[] {1}, new float[] {x}, x, 1, y));         // fma(alpha, s, beta C)
        }
    }

    /**
     * Special values by hand, from the documented operations (docs/kernels.md, gemm, "Special values"):
     * NaN terms, 0 * Inf, infinities of both signs give NaN; infinities of one sign give that infinity; a
     * partial sum that overflows is an infinity from then on (issue 14: MAX * 2 + MAX * -2 is +Inf, as in the
     * SIMD backend: the first fma rounds 2 MAX to +Inf, and +Inf - 2 MAX is +Inf).
     */
    @Test
    void specialValuesByHand() {
        float max = Float.MAX_VALUE;
        float inf = Float.POSITIVE_INFINITY;
        float nan = Float.NaN;
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(inf, product(arena, new float[] {max, max}, new float[] {2, -2}, 1, 0, 0));
            assertEquals(-inf, product(arena, new float[] {max, max}, new float[] {-2, 2}, 1, 0, 0));
            assertEquals(nan, product(arena, new float[] {1, nan}, new float[] {0, 0}, 1, 0, 0));        // NaN times 0
            assertEquals(nan, product(arena, new float[] {inf, 1}, new float[] {0, 1}, 1, 0, 0));        // 0 * Inf
            assertEquals(nan, product(arena, new float[] {inf, inf}, new float[] {1, -1}, 1, 0, 0));     // +Inf + -Inf
            assertEquals(-inf, product(arena, new float[] {inf, 1}, new float[] {-1, 1e30f}, 1, 0, 0));  // one sign
            assertEquals(-inf, product(arena, new float[] {inf, 1}, new float[] {1, 1e30f}, -1, 0, 0));  // alpha's sign
            assertEquals(nan, product(arena, new float[] {inf}, new float[] {1}, 1, 1, -inf));           // +Inf + beta C = -Inf
            // beta C rounds to -Inf on its own (2 * -MAX); alpha s = 2 MAX is fused into the same sum, unrounded:
            // fma(2, MAX, -Inf) = -Inf (rounding 2 * MAX on its own first would give +Inf + -Inf = NaN)
            assertEquals(-inf, product(arena, new float[] {max}, new float[] {1}, 2, 2, -max));
            assertEquals(0f, product(arena, new float[] {nan}, new float[] {inf}, 0, 0, nan));          // alpha = beta = 0: nothing read
        }
    }

    /** {@code alpha * a b + beta * c} for a (1, k), b (k, 1) and c (1, 1). */
    private float product(Arena arena, float[] a, float[] b, float alpha, float beta, float c) {
        Matrix cm = Matrix.of(arena, 1, 1, c);
        ref.gemm(cm, Matrix.of(arena, 1, a.length, a), Trans.N, Matrix.of(arena, b.length, 1, b), Trans.N, alpha, beta);
        return cm.get(0, 0);
    }

    /**
     * k past 2^26 (where 32 k overflows an int): one segment of k floats is both A (1, k) (or, transposed,
     * (k, 1)) and B (k, 1), zero but for 1, 2, 4, 8, 16 at l = 0, 2^24, 2^26 - 1, 2^26, k - 1, so C = 1 + 4 + 16
     * + 64 + 256 = 341, exactly (every partial sum is an integer below 2^24): a wrong element, or one left out,
     * changes it.
     */
    @Test
    void largeKAddressesEveryElement() {
        int k = (1 << 26) + 5;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment x = arena.allocate((long) k * Float.BYTES, Matrix.ALIGNMENT);
            int[] at = {0, 1 << 24, (1 << 26) - 1, 1 << 26, k - 1};
            for (int p = 0; p < at.length; p++) {
                x.setAtIndex(ValueLayout.JAVA_FLOAT, at[p], 1 << p);
            }
            Matrix b = Matrix.wrap(x, 0, k, 1, 1);
            Matrix c = Matrix.allocate(arena, 1, 1);
            ref.gemm(c, Matrix.wrap(x, 0, 1, k, k), Trans.N, b, Trans.N, 1, 0);
            assertEquals(341f, c.get(0, 0));
            ref.gemm(c, Matrix.wrap(x, 0, k, 1, 1), Trans.T, b, Trans.N, 1, 0);
            assertEquals(341f, c.get(0, 0));
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
