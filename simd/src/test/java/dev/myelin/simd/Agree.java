package dev.myelin.simd;

import dev.myelin.core.Cases;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * What the non-GEMM agreement properties share: the shapes to try, copies of a case for each backend, and
 * the exact (bit-pattern) comparison; inputs with special values come from {@link Cases#values}.
 *
 * <p>Shapes: every column count from {@link Cases#edgeSizes} (relative to the lane count) with 1, 2 and
 * 5 rows, then random shapes up to 300 x 300 (most of them small, so that a run stays short). Every
 * matrix is placed by {@link Cases#layout}: contiguous or a view with ld > cols at an odd offset.
 */
final class Agree {

    /** u = 2^-24, the unit roundoff of float. */
    static final double U = ErrorBounds.U;

    /** The smallest subnormal, 2^-149: absolute error terms for results that underflow. */
    static final double TINY = Float.MIN_VALUE;

    private Agree() {
    }

    /** A case: its index (for the seed), shape and whether it runs in place. */
    record Shape(long index, int rows, int cols, boolean inPlace) {
        String describe() {
            return rows + "x" + cols + (inPlace ? " in place" : "") + " " + SimdTesting.setting() + " " + Cases.tag(index);
        }
    }

    /**
     * Shapes for one kernel: the edge columns with 1, 2 and 5 rows, then {@code random} random shapes
     * (one in eight up to 300 x 300, the rest up to 40 x 300). A third of them in place when allowed.
     * {@code base} separates the seeds of different kernels.
     */
    static List<Shape> shapes(long base, int random, boolean inPlaceAllowed) {
        List<Shape> list = new ArrayList<>();
        long index = base;
        for (int cols : Cases.edgeSizes(SimdTesting.lanes())) {
            for (int rows : new int[] {1, 2, 5}) {
                list.add(new Shape(index, rows, cols, inPlaceAllowed && (index % 3 == 0)));
                index++;
            }
        }
        SplittableRandom rnd = Cases.random(base + 999_999);
        for (int k = 0; k < random * Cases.SCALE; k++) {
            int rows = rnd.nextInt(1, (k % 8 == 0 ? 300 : 40) + 1);
            int cols = rnd.nextInt(1, 301);
            list.add(new Shape(index, rows, cols, inPlaceAllowed && rnd.nextInt(3) == 0));
            index++;
        }
        return list;
    }

    /** A matrix of the given values at a random layout. */
    static Matrix matrix(Arena arena, SplittableRandom rnd, int rows, int cols, float[] values) {
        Matrix m = Cases.layout(arena, rnd, rows, cols);
        m.copyFrom(values);
        return m;
    }

    /** An output at a random layout filled with NaN: a kernel that writes it must not read it. */
    static Matrix output(Arena arena, SplittableRandom rnd, int rows, int cols) {
        Matrix m = Cases.layout(arena, rnd, rows, cols);
        m.fill(Float.NaN);
        return m;
    }

    /** Fails unless the two arrays hold the same floats bit for bit (all NaNs count as one pattern). */
    static void exact(String name, float[] expected, float[] actual, int cols) {
        for (int e = 0; e < expected.length; e++) {
            if (Float.floatToIntBits(expected[e]) != Float.floatToIntBits(actual[e])) {
                throw new AssertionError(name + ": not bit for bit at (" + e / cols + ", " + e % cols + "): reference "
                        + expected[e] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(expected[e])) + "), simd "
                        + actual[e] + " (0x" + Integer.toHexString(Float.floatToRawIntBits(actual[e])) + ")");
            }
        }
    }

    /** Fails unless the two floats are the same bit for bit (all NaNs count as one pattern). */
    static void exact(String name, float expected, float actual) {
        exact(name, new float[] {expected}, new float[] {actual}, 1);
    }

    /** A kernel call under test: {@code out} is written (or updated), {@code in} only read. */
    interface Op {
        void apply(Kernels k, Matrix out, Matrix[] in, float a);
    }

    /**
     * Runs {@code op} on each backend on its own copies of {@code inputs} (each (rows, cols) at a random
     * layout) and returns {reference result, simd result}. The output is the very input
     * {@code inputs[alias]} when {@code inPlace}, else a fresh NaN-filled matrix. {@code a} is the
     * kernel's scalar argument, if it has one.
     */
    static float[][] run(Shape s, SplittableRandom rnd, float[][] inputs, boolean inPlace, int alias, float a, Op op) {
        float[][] out = new float[2][];
        Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
        try (Arena arena = Arena.ofConfined()) {
            for (int b = 0; b < 2; b++) {
                Matrix[] in = new Matrix[inputs.length];
                for (int k = 0; k < in.length; k++) {
                    in[k] = matrix(arena, rnd, s.rows(), s.cols(), inputs[k]);
                }
                Matrix o = inPlace ? in[alias] : output(arena, rnd, s.rows(), s.cols());
                op.apply(backends[b], o, in, a);
                out[b] = o.toArray();
            }
        }
        return out;
    }

    /**
     * An exact elementwise property over {@link #shapes}: {@code inputs} matrices of the output's shape
     * holding uniform values in [-4, 4) and one special value in twenty, the output in place over input
     * {@code alias} in a third of the cases (always when {@code alwaysInPlace}), a scalar argument from
     * {@code scalars}; the two backends must agree bit for bit.
     */
    static Stream<DynamicTest> exactProperty(String kernel, long base, int random, int inputs, boolean alwaysInPlace,
                                             int alias, ToDoubleFunction<SplittableRandom> scalars, Op op) {
        return shapes(base, random, inputs > 0).stream().map(s -> {
            boolean inPlace = alwaysInPlace || s.inPlace();
            SplittableRandom rnd = Cases.random(s.index());
            float a = (float) scalars.applyAsDouble(rnd);
            String name = kernel + " a=" + a + " " + new Shape(s.index(), s.rows(), s.cols(), inPlace).describe();
            return DynamicTest.dynamicTest(name, () -> {
                float[][] in = new float[inputs][];
                for (int k = 0; k < inputs; k++) {
                    in[k] = Cases.values(rnd, s.rows() * s.cols(), -4, 4, 0.05);
                }
                float[][] r = run(s, rnd, in, inPlace, alias, a, op);
                exact(name, r[0], r[1], s.cols());
            });
        });
    }

    /** gamma(k) = k u / (1 - k u). */
    static double gamma(int k) {
        return ErrorBounds.gamma(k);
    }

    /** ulp of the float nearest to v (2^-149 for zero and subnormals). */
    static double ulp(double v) {
        return Math.ulp((float) v);
    }
}
