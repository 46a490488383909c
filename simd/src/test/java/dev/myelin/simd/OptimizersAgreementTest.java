package dev.myelin.simd;

import dev.myelin.core.Cases;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Property: the SIMD optimizer updates equal the reference bit for bit, W and every state buffer, over
 * three consecutive steps. Exact by construction: both compute the per-call scalars by the same double
 * formulas and then perform the same float operations per element in the same order, without FMA
 * (sqrt and division are correctly rounded in both). Inputs hold one special value in a hundred.
 * Test method names are the Kernels methods they cover (KernelCompletenessTest).
 */
class OptimizersAgreementTest {

    private static final int RANDOM = 30;

    private static final int STEPS = 3;

    /** An optimizer call on buffers {W, state..., dW} with hyperparameters h at step {@code step}. */
    private interface Update {
        void apply(Kernels k, Matrix[] buffers, Object[] h, int step);
    }

    /** {@code squares} is the index of a buffer that holds squares (Adam's V, never negative), or -1. */
    private static Stream<DynamicTest> property(String kernel, long base, int buffers, int squares,
                                                java.util.function.Function<SplittableRandom, Object[]> hyper, Update update) {
        return Agree.shapes(base, RANDOM, false).stream().map(s -> {
            SplittableRandom rnd = Cases.random(s.index());
            Object[] h = hyper.apply(rnd);
            int step0 = rnd.nextInt(4) == 0 ? rnd.nextInt(1, 1 << 20) : 1;
            String name = kernel + " " + java.util.Arrays.toString(h) + " step0=" + step0 + " " + s.describe();
            return DynamicTest.dynamicTest(name, () -> {
                float[][] init = new float[buffers][];
                for (int b = 0; b < buffers; b++) {
                    init[b] = Cases.values(rnd, s.rows() * s.cols(), -2, 2, 0.01);
                    if (b == squares) {
                        for (int e = 0; e < init[b].length; e++) {
                            init[b][e] = Math.abs(init[b][e]);
                        }
                    }
                }
                float[][][] result = new float[2][buffers][];
                Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
                try (Arena arena = Arena.ofConfined()) {
                    for (int k = 0; k < 2; k++) {
                        Matrix[] m = new Matrix[buffers];
                        for (int b = 0; b < buffers; b++) {
                            m[b] = Agree.matrix(arena, rnd, s.rows(), s.cols(), init[b]);
                        }
                        for (int step = step0; step < step0 + STEPS; step++) {
                            update.apply(backends[k], m, h, step);
                        }
                        for (int b = 0; b < buffers; b++) {
                            result[k][b] = m[b].toArray();
                        }
                    }
                }
                for (int b = 0; b < buffers; b++) {
                    Agree.exact(name + " buffer " + b, result[0][b], result[1][b], s.cols());
                }
            });
        });
    }

    private static float pick(SplittableRandom rnd, float common, float lo, float hi) {
        return switch (rnd.nextInt(3)) {
            case 0 -> 0f;
            case 1 -> common;
            default -> (float) rnd.nextDouble(lo, hi);
        };
    }

    @TestFactory
    Stream<DynamicTest> sgdUpdate() {
        return property("sgdUpdate", 50_000_000L, 3, -1, rnd -> {
            float momentum = pick(rnd, 0.9f, 0, 1);
            return new Object[] {pick(rnd, 0.01f, 0, 1), momentum, pick(rnd, 1e-4f, 0, 0.1f), momentum > 0 && rnd.nextBoolean()};
        }, (k, m, h, step) -> k.sgdUpdate(m[0], m[1], m[2], (float) h[0], (float) h[1], (float) h[2], (boolean) h[3]));
    }

    @TestFactory
    Stream<DynamicTest> adamUpdate() {
        return property("adamUpdate", 51_000_000L, 4, 2, OptimizersAgreementTest::adamHyper,
                (k, m, h, step) -> k.adamUpdate(m[0], m[1], m[2], m[3], (float) h[0], (float) h[1], (float) h[2],
                        (float) h[3], (float) h[4], step));
    }

    @TestFactory
    Stream<DynamicTest> adamwUpdate() {
        return property("adamwUpdate", 52_000_000L, 4, 2, OptimizersAgreementTest::adamHyper,
                (k, m, h, step) -> k.adamwUpdate(m[0], m[1], m[2], m[3], (float) h[0], (float) h[1], (float) h[2],
                        (float) h[3], (float) h[4], step));
    }

    private static Object[] adamHyper(SplittableRandom rnd) {
        return new Object[] {pick(rnd, 1e-3f, 0, 0.1f), pick(rnd, 0.9f, 0, 0.999f), pick(rnd, 0.999f, 0, 0.9999f),
            rnd.nextBoolean() ? 1e-8f : (float) rnd.nextDouble(1e-10, 1e-2), pick(rnd, 0.01f, 0, 0.1f)};
    }
}
