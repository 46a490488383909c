package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
