package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

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

/**
 * GEMM's rule for Inf and NaN (docs/kernels.md, gemm, "Special values"), in both backends. Both fuse each
 * product into the sum (one FMA per term), and {@code alpha * s} into {@code beta * C}'s sum, so:
 * <ul>
 *   <li>With one k block ({@code k <= KC}) the SIMD backend performs the reference's operations in the
 *       reference's order: the two agree bit for bit, whatever the inputs (NaN, infinities, sums that
 *       overflow, subnormals).</li>
 *   <li>With more blocks they group the sum differently, and the rule holds in both: for finite alpha and
 *       beta, the terms of element (i, j) being {@code alpha a_il b_lj} (exact) and {@code fl(beta c_ij)}: a
 *       NaN term (a NaN input, or 0 * Inf) or infinite terms of both signs give NaN; infinite terms of one
 *       sign give that infinity; all-finite terms give a finite result within the error bound, provided
 *       the finite terms' magnitudes sum to at most {@code MAX_VALUE / (1 + gamma(k + 2))} (then no partial
 *       sum overflows, in any order). The inputs here are in [-1, 1] or special, so that holds.</li>
 * </ul>
 */
class GemmSpecialValuesTest {

    private static final float MAX = Float.MAX_VALUE;
    private static final float INF = Float.POSITIVE_INFINITY;

    /** Issue 14: A = [MAX, MAX], B = [2, -2]^T. The first FMA rounds 2 MAX to +Inf; +Inf - 2 MAX is +Inf. */
    @Test
    void overflowingFirstSumIsInfinityInBothBackends() {
        int wide = 2 * SimdTesting.lanes() + 3;                              // past the narrow path
        for (Kernels k : new Kernels[] {SimdTesting.REFERENCE, SimdTesting.simd()}) {
            try (Arena arena = Arena.ofConfined()) {
                Matrix a = Matrix.of(arena, 1, 2, MAX, MAX);
                Matrix c = Matrix.allocate(arena, 1, 1);
                k.gemm(c, a, Trans.N, Matrix.of(arena, 2, 1, 2, -2), Trans.N, 1, 0);
                assertEquals(INF, c.get(0, 0), k.name() + ", narrow path");
                Matrix b = Matrix.allocate(arena, 2, wide);
                Matrix bt = Matrix.allocate(arena, wide, 2);
                for (int j = 0; j < wide; j++) {
                    b.set(0, j, 2);
                    b.set(1, j, -2);
                    bt.set(j, 0, 2);
                    bt.set(j, 1, -2);
                }
                Matrix cw = Matrix.allocate(arena, 1, wide);
                k.gemm(cw, a, Trans.N, b, Trans.N, 1, 0);
                for (float v : cw.toArray()) {
                    assertEquals(INF, v, k.name() + ", op(B) = B, " + wide + " columns");
                }
                k.gemm(cw, a, Trans.N, bt, Trans.T, 1, 0);
                for (float v : cw.toArray()) {
                    assertEquals(INF, v, k.name() + ", op(B) = B^T, " + wide + " columns");
                }
            }
        }
    }

    /**
     * k <= KC: bit for bit (NaN by position), on inputs where one element in 100, 20 or 5 is a special value
     * (NaN, +-Inf, +-0, +-MAX_VALUE, subnormals, ...), every transpose pair, narrow and packed paths, alpha
     * and beta from {0, 1, -1, 2, random}, C special too when beta != 0 (NaN-filled when beta == 0).
     */
    @TestFactory
    Stream<DynamicTest> oneKBlockIsBitIdentical() {
        int[] edges = Cases.edgeSizes(SimdTesting.lanes());
        return IntStream.range(0, 300 * Cases.SCALE).mapToObj(i -> {
            long index = 9_000_000L + i;
            SplittableRandom rnd = Cases.random(index);
            int m = i % 3 == 0 ? edges[rnd.nextInt(edges.length)] : rnd.nextInt(1, 40);
            int n = i % 3 == 1 ? edges[rnd.nextInt(edges.length)] : rnd.nextInt(1, 3 * SimdTesting.lanes() + 2);
            int k = switch (i % 4) {
                case 0 -> edges[rnd.nextInt(edges.length)];
                case 1 -> Gemm.KC;
                default -> rnd.nextInt(1, Gemm.KC + 1);
            };
            Trans opA = Trans.values()[rnd.nextInt(2)];
            Trans opB = Trans.values()[rnd.nextInt(2)];
            float alpha = scalar(rnd, true);
            float beta = scalar(rnd, true);
            double p = new double[] {0.01, 0.05, 0.2}[rnd.nextInt(3)];
            String name = String.format("op(A)=%s op(B)=%s m=%d n=%d k=%d alpha=%s beta=%s specials %s %s %s",
                    opA, opB, m, n, k, alpha, beta, p, SimdTesting.setting(), Cases.tag(index));
            return DynamicTest.dynamicTest(name, () -> {
                Kernels simd = SimdTesting.simd();
                try (Arena arena = Arena.ofConfined()) {
                    Matrix a = special(arena, rnd, opA == Trans.N ? m : k, opA == Trans.N ? k : m, p);
                    Matrix b = special(arena, rnd, opB == Trans.N ? k : n, opB == Trans.N ? n : k, p);
                    float[] c0 = beta == 0 ? nans(m * n) : Cases.values(rnd, m * n, -1, 1, p);
                    Matrix cRef = Agree.matrix(arena, rnd, m, n, c0);
                    Matrix cSimd = Agree.matrix(arena, rnd, m, n, c0);
                    SimdTesting.REFERENCE.gemm(cRef, a, opA, b, opB, alpha, beta);
                    simd.gemm(cSimd, a, opA, b, opB, alpha, beta);
                    Agree.exact(name, cRef.toArray(), cSimd.toArray(), n);
                }
            });
        });
    }

    /**
     * k > KC (two to four k blocks): each backend gives the class the rule predicts (NaN, +Inf, -Inf or
     * finite), and the finite results agree within twice {@link ErrorBounds#gemmBound}, as in
     * GemmAgreementTest. Inputs uniform in [-1, 1), one element in 2000 or 500 NaN, +-Inf or +-0; alpha
     * nonzero and finite.
     */
    @TestFactory
    Stream<DynamicTest> manyKBlocksFollowTheRule() {
        float[] specials = {Float.NaN, INF, -INF, 0f, -0f};
        return IntStream.range(0, 120 * Cases.SCALE).mapToObj(i -> {
            long index = 9_500_000L + i;
            SplittableRandom rnd = Cases.random(index);
            int m = rnd.nextInt(1, 30);
            int n = rnd.nextInt(1, 3 * SimdTesting.lanes() + 2);
            int k = rnd.nextInt(Gemm.KC + 1, 4 * Gemm.KC + 1);
            Trans opA = Trans.values()[rnd.nextInt(2)];
            Trans opB = Trans.values()[rnd.nextInt(2)];
            float alpha = scalar(rnd, false);
            float beta = scalar(rnd, true);
            double p = rnd.nextBoolean() ? 0.0005 : 0.002;
            String name = String.format("op(A)=%s op(B)=%s m=%d n=%d k=%d alpha=%s beta=%s specials %s %s %s",
                    opA, opB, m, n, k, alpha, beta, p, SimdTesting.setting(), Cases.tag(index));
            return DynamicTest.dynamicTest(name, () -> {
                Kernels simd = SimdTesting.simd();
                try (Arena arena = Arena.ofConfined()) {
                    Matrix a = sprinkled(arena, rnd, opA == Trans.N ? m : k, opA == Trans.N ? k : m, p, specials);
                    Matrix b = sprinkled(arena, rnd, opB == Trans.N ? k : n, opB == Trans.N ? n : k, p, specials);
                    Matrix c0 = sprinkled(arena, rnd, m, n, beta == 0 ? 0 : 20 * p, specials);
                    if (beta == 0) {
                        c0.fill(Float.NaN);
                    }
                    Matrix cRef = Agree.matrix(arena, rnd, m, n, c0.toArray());
                    Matrix cSimd = Agree.matrix(arena, rnd, m, n, c0.toArray());
                    SimdTesting.REFERENCE.gemm(cRef, a, opA, b, opB, alpha, beta);
                    simd.gemm(cSimd, a, opA, b, opB, alpha, beta);
                    double[] bound = ErrorBounds.gemmBound(c0, a, opA, b, opB, alpha, beta);
                    float[] ref = cRef.toArray();
                    float[] got = cSimd.toArray();
                    for (int e = 0; e < m * n; e++) {
                        float expected = predict(a, opA, b, opB, c0, alpha, beta, e / n, e % n);
                        String at = name + ": (" + e / n + ", " + e % n + ") predicted " + expected + ", reference " + ref[e]
                                + ", simd " + got[e];
                        if (Float.isFinite(expected)) {
                            if (!Float.isFinite(ref[e]) || !Float.isFinite(got[e]) || !(Math.abs((double) ref[e] - got[e]) <= 2 * bound[e])) {
                                throw new AssertionError(at + ", bound " + 2 * bound[e]);
                            }
                        } else {
                            assertEquals(expected, ref[e], at);
                            assertEquals(expected, got[e], at);
                        }
                    }
                }
            });
        });
    }

    /**
     * The rule's class of element (i, j): NaN, +Inf or -Inf, or 0 for "finite". Terms {@code alpha a b}
     * (exact: only their sign matters here) and {@code fl(beta c)} when beta != 0.
     */
    private static float predict(Matrix a, Trans opA, Matrix b, Trans opB, Matrix c0, float alpha, float beta, int i, int j) {
        boolean nan = false;
        boolean plus = false;
        boolean minus = false;
        for (int l = 0; l < opA.cols(a); l++) {
            float x = opA == Trans.N ? a.get(i, l) : a.get(l, i);
            float y = opB == Trans.N ? b.get(l, j) : b.get(j, l);
            if (Float.isNaN(x) || Float.isNaN(y)) {
                nan = true;
            } else if (Float.isInfinite(x) || Float.isInfinite(y)) {
                if (x == 0 || y == 0) {
                    nan = true;                                              // 0 * Inf
                } else if (Math.signum(alpha) * Math.signum(x) * Math.signum(y) > 0) {
                    plus = true;
                } else {
                    minus = true;
                }
            }
        }
        if (beta != 0) {
            float t = beta * c0.get(i, j);
            nan |= Float.isNaN(t);
            plus |= t == INF;
            minus |= t == -INF;
        }
        return nan || (plus && minus) ? Float.NaN : plus ? INF : minus ? -INF : 0f;
    }

    /** 0, 1, -1, 2 each a sixth of the time (0 only when allowed), else uniform in [-2, 2). */
    private static float scalar(SplittableRandom rnd, boolean zero) {
        int r = rnd.nextInt(6);
        return switch (r) {
            case 0 -> zero ? 0f : 0.5f;
            case 1 -> 1f;
            case 2 -> -1f;
            case 3 -> 2f;
            default -> {
                float v = (float) rnd.nextDouble(-2, 2);
                yield v == 0 && !zero ? 1f : v;
            }
        };
    }

    /** A matrix at a random layout, uniform in [-1, 1) with one element in 1/p one of {@link Cases#special}. */
    private static Matrix special(Arena arena, SplittableRandom rnd, int rows, int cols, double p) {
        return Agree.matrix(arena, rnd, rows, cols, Cases.values(rnd, rows * cols, -1, 1, p));
    }

    /** As {@link #special}, the special values drawn from {@code specials}. */
    private static Matrix sprinkled(Arena arena, SplittableRandom rnd, int rows, int cols, double p, float[] specials) {
        float[] v = new float[rows * cols];
        for (int e = 0; e < v.length; e++) {
            v[e] = rnd.nextDouble() < p ? specials[rnd.nextInt(specials.length)] : (float) rnd.nextDouble(-1, 1);
        }
        return Agree.matrix(arena, rnd, rows, cols, v);
    }

    private static float[] nans(int count) {
        float[] v = new float[count];
        java.util.Arrays.fill(v, Float.NaN);
        return v;
    }
}
