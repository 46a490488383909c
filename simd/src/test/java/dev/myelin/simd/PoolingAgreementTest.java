package dev.myelin.simd;

import dev.myelin.core.Cases;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Property: the SIMD pooling kernels equal the reference bit for bit (NaNs compared by position) over
 * {@link ImageCases#poolings}: channels around the lane count and 1 to 64, windows 1x1 to 5x5, strides 1 to 3
 * (overlapping and gapped windows), padding up to the window's size less one, batches 1 to 17. Exact by
 * construction: the maximum involves no rounding, and its backward finds the same first maximum in scan
 * order; the average adds the same floats in the same order (scan order, from +0) and divides by the same
 * R*S, and its backward adds the same rounded shares {@code dY / (R*S)} in order of (p, q). So the inputs
 * hold anything: ties (small integers, zeros of both signs, which the first-maximum rule must break as
 * the reference does) and one special value in twenty (NaN, infinities, subnormals, +-MAX_VALUE).
 */
class PoolingAgreementTest {

    private static final int RANDOM = 60;

    /** A quarter small integers (ties), a tenth zeros of either sign, one in twenty special, else uniform in [-4, 4). */
    private static float[] ties(SplittableRandom rnd, int count) {
        float[] v = Cases.values(rnd, count, -4, 4, 0.05);
        for (int e = 0; e < count; e++) {
            int kind = rnd.nextInt(20);
            if (kind < 5) {
                v[e] = rnd.nextInt(-2, 3);
            } else if (kind < 7) {
                v[e] = rnd.nextBoolean() ? 0f : -0f;
            }
        }
        return v;
    }

    /** A pooling call: {@code out} is written, {@code in} only read. */
    private interface Op {
        void apply(Kernels k, Matrix out, Matrix[] in, Pool2d g);
    }

    /**
     * Runs {@code op} on both backends on their own copies of the inputs (each {@code N x cols[i]} at a random
     * layout) with a NaN-filled output of {@code outCols} columns, and compares bit for bit.
     */
    private static Stream<DynamicTest> property(String kernel, long base, boolean outputIsInput, boolean withX, Op op) {
        return ImageCases.poolings(base, RANDOM).stream().map(c -> {
            String name = kernel + " " + c.describe();
            return DynamicTest.dynamicTest(name, () -> {
                Pool2d g = c.g();
                int n = c.batch();
                int outCols = outputIsInput ? g.inputColumns() : g.outputColumns();
                SplittableRandom rnd = Cases.random(c.index()).split();
                int[] cols = withX ? new int[] {outputIsInput ? g.outputColumns() : g.inputColumns(), g.inputColumns()}
                        : new int[] {outputIsInput ? g.outputColumns() : g.inputColumns()};
                float[][] in = new float[cols.length][];
                for (int i = 0; i < cols.length; i++) {
                    in[i] = ties(rnd, n * cols[i]);
                }
                float[][] r = new float[2][];
                Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
                try (Arena arena = Arena.ofConfined()) {
                    for (int k = 0; k < 2; k++) {
                        Matrix[] m = new Matrix[cols.length];
                        for (int i = 0; i < cols.length; i++) {
                            m[i] = Agree.matrix(arena, rnd, n, cols[i], in[i]);
                        }
                        Matrix out = Agree.output(arena, rnd, n, outCols);
                        op.apply(backends[k], out, m, g);
                        r[k] = out.toArray();
                    }
                }
                Agree.exact(name, r[0], r[1], outCols);
            });
        });
    }

    @TestFactory
    Stream<DynamicTest> maxPool2dForward() {
        return property("maxPool2dForward", 43_000_000L, false, false, (k, out, in, g) -> k.maxPool2dForward(out, in[0], g));
    }

    @TestFactory
    Stream<DynamicTest> maxPool2dBackward() {
        return property("maxPool2dBackward", 44_000_000L, true, true, (k, out, in, g) -> k.maxPool2dBackward(out, in[0], in[1], g));
    }

    @TestFactory
    Stream<DynamicTest> avgPool2dForward() {
        return property("avgPool2dForward", 45_000_000L, false, false, (k, out, in, g) -> k.avgPool2dForward(out, in[0], g));
    }

    @TestFactory
    Stream<DynamicTest> avgPool2dBackward() {
        return property("avgPool2dBackward", 46_000_000L, true, false, (k, out, in, g) -> k.avgPool2dBackward(out, in[0], g));
    }
}
