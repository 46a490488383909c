package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertFalse;

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
import org.junit.jupiter.api.TestFactory;

/**
 * Property: the SIMD GEMM agrees with the reference GEMM, element by element, within
 * <pre>
 *   |C_simd - C_ref|_ij <= 2 * (gamma(k + 2) * (|alpha| (|op(A)||op(B)|)_ij + |beta C0_ij|) + (k + 2) 2^-149)
 * </pre>
 * Each backend is within {@link ErrorBounds#gemmBound} of the exact result whatever its summation
 * order (docs/kernels.md, "gemm: error bound"), so by the triangle inequality the two are within twice
 * that of each other. Cases: every transpose pair with m, n, k from the edge sizes relative to the lane
 * count, then random shapes up to 300 (and k past the KC block of 384); alpha and beta from
 * {0, 1, -1, random}; operands and C as views with ld > cols at odd offsets. When beta == 0, C starts
 * as NaN and must not leak.
 */
class GemmAgreementTest {

    private static final float[] SPECIAL = {0f, 1f, -1f};

    /** Edge shapes: all 4 transpose pairs x 7 x 7 (m, n) edge sizes, k an edge size too: 196 cases. */
    @TestFactory
    Stream<DynamicTest> edgeShapes() {
        int[] edges = Cases.edgeSizes(SimdTesting.lanes());
        int per = edges.length * edges.length;
        return IntStream.range(0, 4 * per).mapToObj(i -> {
            SplittableRandom rnd = Cases.random(i);
            Trans opA = Trans.values()[i / per / 2];
            Trans opB = Trans.values()[i / per % 2];
            int m = edges[i % per / edges.length];
            int n = edges[i % edges.length];
            int k = edges[rnd.nextInt(edges.length)];
            return gemmCase(i, rnd, opA, opB, m, n, k);
        });
    }

    /** Random shapes: 760 small (up to 96), 40 up to 300, 20 with k across KC blocks (385..900): 820 cases. */
    @TestFactory
    Stream<DynamicTest> randomShapes() {
        int count = 820 * Cases.SCALE;
        return IntStream.range(0, count).mapToObj(j -> {
            long i = 1_000_000L + j;
            SplittableRandom rnd = Cases.random(i);
            int kind = j % 41;
            int max = kind == 0 ? 300 : 96;
            int m = rnd.nextInt(1, max + 1);
            int n = rnd.nextInt(1, max + 1);
            int k = kind == 1 ? rnd.nextInt(385, 901) : rnd.nextInt(1, max + 1);
            return gemmCase(i, rnd, Trans.values()[rnd.nextInt(2)], Trans.values()[rnd.nextInt(2)], m, n, k);
        });
    }

    private static DynamicTest gemmCase(long index, SplittableRandom rnd, Trans opA, Trans opB, int m, int n, int k) {
        float alpha = pick(rnd);
        float beta = pick(rnd);
        String name = String.format("op(A)=%s op(B)=%s m=%d n=%d k=%d alpha=%s beta=%s %s %s",
                opA, opB, m, n, k, alpha, beta, SimdTesting.setting(), Cases.tag(index));
        return DynamicTest.dynamicTest(name, () -> {
            Kernels simd = SimdTesting.simd();
            try (Arena arena = Arena.ofConfined()) {
                Matrix a = opA == Trans.N ? Cases.matrix(arena, rnd, m, k) : Cases.matrix(arena, rnd, k, m);
                Matrix b = opB == Trans.N ? Cases.matrix(arena, rnd, k, n) : Cases.matrix(arena, rnd, n, k);
                Matrix c0 = Cases.matrix(arena, rnd, m, n);
                if (beta == 0) {
                    c0.fill(Float.NaN); // never read when beta == 0
                }
                Matrix cRef = Cases.layout(arena, rnd, m, n);
                Matrix cSimd = Cases.layout(arena, rnd, m, n);
                cRef.copyFrom(c0.toArray());
                cSimd.copyFrom(c0.toArray());

                SimdTesting.REFERENCE.gemm(cRef, a, opA, b, opB, alpha, beta);
                simd.gemm(cSimd, a, opA, b, opB, alpha, beta);

                double[] bound = ErrorBounds.gemmBound(c0, a, opA, b, opB, alpha, beta);
                for (int e = 0; e < bound.length; e++) {
                    bound[e] *= 2;
                }
                ErrorBounds.compare(cRef, cSimd, bound).orThrow(name);
                if (beta == 0) {
                    for (float v : cSimd.toArray()) {
                        assertFalse(Float.isNaN(v), () -> "NaN from C leaked with beta == 0: " + name);
                    }
                }
            }
        });
    }

    /** 0, 1, -1 each a fifth of the time, else uniform in [-2, 2). */
    private static float pick(SplittableRandom rnd) {
        int r = rnd.nextInt(5);
        return r < SPECIAL.length ? SPECIAL[r] : (float) rnd.nextDouble(-2, 2);
    }
}
