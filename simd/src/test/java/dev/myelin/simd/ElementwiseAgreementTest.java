package dev.myelin.simd;

import static dev.myelin.core.Cases.values;
import static dev.myelin.simd.Agree.exact;

import dev.myelin.core.Cases;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Property: the SIMD elementwise kernels and reductions equal the reference bit for bit (NaNs compared
 * by position). Every one is exact by construction: fill, copy and the row maximum and argmax involve no
 * rounding; scale, axpy, mul, addRowVector and mulRowVector perform the reference's float operations per element
 * (axpy as a rounded product then a rounded sum, no FMA); columnSums adds each column's rows in the
 * reference's order (0, 1, ..., m-1, one lane per column). So the inputs may hold anything: one
 * element in twenty is a special value (NaN, +-Inf, +-0, subnormals, +-MAX_VALUE). Test method names
 * are the Kernels methods they cover (KernelCompletenessTest).
 */
class ElementwiseAgreementTest {

    private static final double P_SPECIAL = 0.05;

    /** 21 edge shapes and 40 random ones per kernel. */
    private static final int RANDOM = 40;

    private static float[] vals(SplittableRandom rnd, Agree.Shape s) {
        return values(rnd, s.rows() * s.cols(), -4, 4, P_SPECIAL);
    }

    /** An exact elementwise property: see {@link Agree#exactProperty}. */
    private static Stream<DynamicTest> elementwise(String kernel, long base, int inputs, boolean alwaysInPlace, int alias,
                                                   Agree.Op op) {
        return Agree.exactProperty(kernel, base, RANDOM, inputs, alwaysInPlace, alias, ElementwiseAgreementTest::scalar, op);
    }

    /** A scalar argument: 0, 1, -1, a special value, or uniform in [-3, 3). */
    static float scalar(SplittableRandom rnd) {
        return switch (rnd.nextInt(6)) {
            case 0 -> 0f;
            case 1 -> 1f;
            case 2 -> -1f;
            case 3 -> Cases.special(rnd);
            default -> (float) rnd.nextDouble(-3, 3);
        };
    }

    @TestFactory
    Stream<DynamicTest> fill() {
        return elementwise("fill", 10_000_000L, 0, false, 0,
                (k, out, in, a) -> k.fill(out, a));
    }

    @TestFactory
    Stream<DynamicTest> copy() {
        return elementwise("copy", 11_000_000L, 1, false, 0, (k, out, in, a) -> k.copy(out, in[0]));
    }

    @TestFactory
    Stream<DynamicTest> scale() {
        return elementwise("scale", 12_000_000L, 1, true, 0,
                (k, out, in, a) -> k.scale(out, a));
    }

    @TestFactory
    Stream<DynamicTest> axpy() {
        return elementwise("axpy", 13_000_000L, 2, true, 0,
                (k, out, in, a) -> k.axpy(out, a, in[1]));
    }

    @TestFactory
    Stream<DynamicTest> mul() {
        return elementwise("mul", 14_000_000L, 2, false, 1, (k, out, in, a) -> k.mul(out, in[0], in[1]));
    }

    @TestFactory
    Stream<DynamicTest> addRowVector() {
        return Agree.shapes(15_000_000L, RANDOM, false).stream().map(s -> {
            String name = "addRowVector " + s.describe();
            return DynamicTest.dynamicTest(name, () -> {
                SplittableRandom rnd = Cases.random(s.index());
                float[] y = vals(rnd, s);
                float[] b = values(rnd, s.cols(), -4, 4, P_SPECIAL);
                float[][] r = new float[2][];
                Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
                try (Arena arena = Arena.ofConfined()) {
                    for (int k = 0; k < 2; k++) {
                        Matrix ym = Agree.matrix(arena, rnd, s.rows(), s.cols(), y);
                        backends[k].addRowVector(ym, Agree.matrix(arena, rnd, 1, s.cols(), b));
                        r[k] = ym.toArray();
                    }
                }
                exact(name, r[0], r[1], s.cols());
            });
        });
    }

    @TestFactory
    Stream<DynamicTest> mulRowVector() {
        return Agree.shapes(19_000_000L, RANDOM, false).stream().map(s -> {
            String name = "mulRowVector " + s.describe();
            return DynamicTest.dynamicTest(name, () -> {
                SplittableRandom rnd = Cases.random(s.index());
                float[] y = vals(rnd, s);
                float[] f = values(rnd, s.cols(), -4, 4, P_SPECIAL);
                float[][] r = new float[2][];
                Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
                try (Arena arena = Arena.ofConfined()) {
                    for (int k = 0; k < 2; k++) {
                        Matrix ym = Agree.matrix(arena, rnd, s.rows(), s.cols(), y);
                        backends[k].mulRowVector(ym, Agree.matrix(arena, rnd, 1, s.cols(), f));
                        r[k] = ym.toArray();
                    }
                }
                exact(name, r[0], r[1], s.cols());
            });
        });
    }

    @TestFactory
    Stream<DynamicTest> columnSums() {
        return Agree.shapes(16_000_000L, RANDOM, false).stream().map(s -> {
            SplittableRandom rnd = Cases.random(s.index());
            float beta = rnd.nextInt(3) == 0 ? 0f : scalar(rnd);
            String name = "columnSums beta=" + beta + " " + s.describe();
            return DynamicTest.dynamicTest(name, () -> {
                float[] x = vals(rnd, s);
                float[] s0 = values(rnd, s.cols(), -4, 4, P_SPECIAL);
                float[][] r = new float[2][];
                Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
                try (Arena arena = Arena.ofConfined()) {
                    for (int k = 0; k < 2; k++) {
                        Matrix sm = Agree.matrix(arena, rnd, 1, s.cols(), s0);
                        if (beta == 0) {
                            sm.fill(Float.NaN);     // not read when beta == 0
                        }
                        backends[k].columnSums(sm, Agree.matrix(arena, rnd, s.rows(), s.cols(), x), beta);
                        r[k] = sm.toArray();
                    }
                }
                exact(name, r[0], r[1], s.cols());
            });
        });
    }

    /** Rows with special values, repeated maxima, and rows of zeros of both signs (+0.0 must win over -0.0). */
    private static float[] rowsToRank(SplittableRandom rnd, Agree.Shape s) {
        float[] x = values(rnd, s.rows() * s.cols(), -4, 4, P_SPECIAL / 2);
        for (int i = 0; i < s.rows(); i++) {
            int kind = rnd.nextInt(4);
            for (int j = 0; j < s.cols(); j++) {
                int e = i * s.cols() + j;
                if (kind == 0) {
                    x[e] = rnd.nextBoolean() ? 0f : -0f;                      // ties between zeros
                } else if (kind == 1) {
                    x[e] = (float) rnd.nextInt(-2, 3);                         // many exact ties
                }
            }
        }
        return x;
    }

    @TestFactory
    Stream<DynamicTest> rowMax() {
        return Agree.shapes(17_000_000L, RANDOM, false).stream().map(s -> {
            String name = "rowMax " + s.describe();
            return DynamicTest.dynamicTest(name, () -> {
                SplittableRandom rnd = Cases.random(s.index());
                float[] x = rowsToRank(rnd, s);
                float[][] r = new float[2][];
                Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
                try (Arena arena = Arena.ofConfined()) {
                    for (int k = 0; k < 2; k++) {
                        Matrix max = Agree.output(arena, rnd, s.rows(), 1);
                        backends[k].rowMax(max, Agree.matrix(arena, rnd, s.rows(), s.cols(), x));
                        r[k] = max.toArray();
                    }
                }
                exact(name, r[0], r[1], 1);
            });
        });
    }

    @TestFactory
    Stream<DynamicTest> rowArgmax() {
        return Agree.shapes(18_000_000L, RANDOM, false).stream().map(s -> {
            String name = "rowArgmax " + s.describe();
            return DynamicTest.dynamicTest(name, () -> {
                SplittableRandom rnd = Cases.random(s.index());
                float[] x = rowsToRank(rnd, s);
                int[][] r = new int[2][];
                Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
                try (Arena arena = Arena.ofConfined()) {
                    for (int k = 0; k < 2; k++) {
                        r[k] = new int[s.rows() + 1];
                        r[k][s.rows()] = -7;                                   // past m: must stay untouched
                        backends[k].rowArgmax(r[k], Agree.matrix(arena, rnd, s.rows(), s.cols(), x));
                    }
                }
                for (int i = 0; i <= s.rows(); i++) {
                    if (r[0][i] != r[1][i]) {
                        throw new AssertionError(name + ": row " + i + ": reference " + r[0][i] + ", simd " + r[1][i]);
                    }
                }
            });
        });
    }
}
