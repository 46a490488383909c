package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.util.function.BiConsumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The special-value behaviour documented in docs/kernels.md, the same in both backends: for every
 * elementwise forward kernel, the results at NaN, +-Inf, +-0, the smallest and largest subnormals and
 * normals and +-MAX_VALUE (where every result is exact: a limit, a zero, or x itself) are the documented values in both backends, bit for bit (NaN by position).
 * The inputs sit at every lane position of a vector and in the tail, so the main loop and the masked
 * tail both see them.
 */
class SpecialValuesTest {

    private static final float SUB = Float.MIN_VALUE;
    private static final float MAX_SUB = Float.intBitsToFloat(0x007f_ffff);
    private static final float[] X = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, SUB, -SUB,
        MAX_SUB, -MAX_SUB, Float.MIN_NORMAL, -Float.MIN_NORMAL, Float.MAX_VALUE, -Float.MAX_VALUE};

    /** Expected results, one array per kernel, in the order of {@link #X}. */
    private static final float NAN = Float.NaN;
    private static final float INF = Float.POSITIVE_INFINITY;

    private record Case(String kernel, float[] expected, BiConsumer<Kernels, Matrix[]> op) {
    }

    private static Stream<Case> cases() {
        return Stream.of(
                new Case("reluForward", new float[] {NAN, INF, 0f, 0f, 0f, SUB, 0f, MAX_SUB, 0f, Float.MIN_NORMAL, 0f,
                    Float.MAX_VALUE, 0f}, (k, m) -> k.reluForward(m[1], m[0])),
                new Case("leakyReluForward(0.5)", new float[] {NAN, INF, -INF, 0f, -0f, SUB, -0f, MAX_SUB,
                    -Float.intBitsToFloat(0x0040_0000), Float.MIN_NORMAL, -Float.MIN_NORMAL / 2, Float.MAX_VALUE,
                    -Float.MAX_VALUE / 2}, (k, m) -> k.leakyReluForward(m[1], m[0], 0.5f)),
                new Case("sigmoidForward", new float[] {NAN, 1f, 0f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f,
                    1f, 0f},
                        (k, m) -> k.sigmoidForward(m[1], m[0])),
                new Case("tanhForward", new float[] {NAN, 1f, -1f, 0f, -0f, SUB, -SUB, MAX_SUB, -MAX_SUB,
                    Float.MIN_NORMAL, -Float.MIN_NORMAL, 1f, -1f},
                        (k, m) -> k.tanhForward(m[1], m[0])),
                new Case("geluForward", new float[] {NAN, INF, -0f, 0f, -0f, 0f, -0f, (float) (MAX_SUB * 0.5),
                    (float) (-MAX_SUB * 0.5), Float.MIN_NORMAL / 2, -Float.MIN_NORMAL / 2, Float.MAX_VALUE, -0f},
                        (k, m) -> k.geluForward(m[1], m[0])));
    }

    @TestFactory
    Stream<DynamicTest> documentedValuesInBothBackends() {
        return cases().flatMap(c -> Stream.of(SimdTesting.REFERENCE, SimdTesting.simd()).map(k ->
                DynamicTest.dynamicTest(c.kernel() + " " + k.name() + " " + SimdTesting.setting(), () -> {
                    int lanes = SimdTesting.lanes();
                    // each value at every lane position: X.length rows of (2 * lanes + 1) copies, shifted per row
                    int cols = 2 * lanes + 1;
                    try (Matrix x = Matrix.allocate(X.length, cols); Matrix y = Matrix.allocate(X.length, cols)) {
                        for (int i = 0; i < X.length; i++) {
                            for (int j = 0; j < cols; j++) {
                                x.set(i, j, X[(i + j) % X.length]);
                            }
                        }
                        y.fill(12345f);
                        c.op().accept(k, new Matrix[] {x, y});
                        for (int i = 0; i < X.length; i++) {
                            for (int j = 0; j < cols; j++) {
                                int v = (i + j) % X.length;
                                float expected = c.expected()[v];
                                float actual = y.get(i, j);
                                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(actual),
                                        () -> c.kernel() + " [" + k.name() + "](" + X[v] + "): expected " + expected
                                                + ", got " + actual);
                            }
                        }
                    }
                })));
    }

    /**
     * log-softmax backward where float arithmetic would overflow (issue 14), the same in both backends: the
     * SIMD backend sums dY in double, as the reference does, and computes a row the reference's way (in
     * double, with StrictMath.exp) when some Y > 0 or s = sum dY is past the float range. Each case's pair
     * of elements sits at every column of a row of 2L + 1 (rows padded with dY = 0, Y = -Inf, which add
     * nothing to s and give dX = 0), so the main loop and the tail both see it.
     * <ul>
     *   <li>Y = [100, ln 0.5], dY = [1, -1]: s = 0, dX = dY exactly (in float, exp(100) * 0 = Inf * 0 = NaN).</li>
     *   <li>Y = [0, -Inf], dY = [MAX, MAX]: s = 2 MAX, dX = [-MAX, MAX] exactly (a float s is Inf).</li>
     *   <li>Y = [ln 0.5, ln 0.5], dY = [MAX, MAX]: dX = -MAX expm1(Y + ln 2), about 6.5e29, within the
     *       reference's own bound u |dX| + (2^-50 + gamma_D(2)) (|dY| + e^Y A) + 2^-149, A = 2 MAX (see
     *       KnownAnswerTest); the SIMD backend computes it the reference's way with the same, exact, s, so
     *       the two agree bit for bit too.</li>
     *   <li>Y = [0, -Inf], dY = [1, 3]: the float path, s = 4, dX = [-3, 3] exactly.</li>
     * </ul>
     */
    @TestFactory
    Stream<DynamicTest> logSoftmaxBackwardPastTheFloatRange() {
        float max = Float.MAX_VALUE;
        float ln = (float) Math.log(0.5);
        double mid = -max * StrictMath.expm1((ln + Math.log(2)) + 2.3190468138462996e-17);
        double midBound = 0x1p-24 * mid + (0x1p-50 + ErrorBounds.gammaD(2)) * (max + Math.exp(ln) * 2 * max) + Float.MIN_VALUE;
        record Pair(String what, float[] dy, float[] y, double[] expected, double bound) {
        }
        Stream<Pair> pairs = Stream.of(
                new Pair("Y = [100, ln 0.5], dY = [1, -1]", new float[] {1, -1}, new float[] {100, ln}, new double[] {1, -1}, 0),
                new Pair("Y = [0, -Inf], dY = [MAX, MAX]", new float[] {max, max}, new float[] {0, -INF}, new double[] {-max, max}, 0),
                new Pair("Y = [ln 0.5, ln 0.5], dY = [MAX, MAX]", new float[] {max, max}, new float[] {ln, ln}, new double[] {mid, mid}, midBound),
                new Pair("Y = [0, -Inf], dY = [1, 3]", new float[] {1, 3}, new float[] {0, -INF}, new double[] {-3, 3}, 0));
        return pairs.map(c -> DynamicTest.dynamicTest(c.what() + " " + SimdTesting.setting(), () -> {
            int cols = 2 * SimdTesting.lanes() + 1;
            int rows = cols - 1;                                             // row r holds the pair at columns r, r + 1
            float[][] results = new float[2][];
            Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
            for (int b = 0; b < 2; b++) {
                try (Matrix dx = Matrix.allocate(rows, cols); Matrix dy = Matrix.allocate(rows, cols); Matrix y = Matrix.allocate(rows, cols)) {
                    y.fill(-INF);
                    for (int r = 0; r < rows; r++) {
                        for (int e = 0; e < 2; e++) {
                            dy.set(r, r + e, c.dy()[e]);
                            y.set(r, r + e, c.y()[e]);
                        }
                    }
                    dx.fill(12345f);
                    backends[b].logSoftmaxBackward(dx, dy, y);
                    results[b] = dx.toArray();
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < cols; j++) {
                            float actual = dx.get(r, j);
                            String at = c.what() + " [" + backends[b].name() + "] row " + r + ", column " + j + ": got " + actual;
                            if (j == r || j == r + 1) {
                                double expected = c.expected()[j - r];
                                if (c.bound() == 0) {
                                    assertEquals((float) expected, actual, at);
                                } else {
                                    assertEquals(expected, actual, c.bound(), at);
                                }
                            } else {
                                assertEquals(0f, actual, at);
                            }
                        }
                    }
                }
            }
            Agree.exact(c.what() + " " + SimdTesting.setting(), results[0], results[1], cols);
        }));
    }
}
