package dev.myelin.testkit;

import dev.myelin.core.Agreement;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Matrix;
import java.util.Arrays;
import java.util.Locale;

/**
 * Assertions on float results: against a double-precision oracle within a bound per element or one bound for
 * all ({@code within}), or bit for bit ({@code exact}, for operations that round once, or not at all, and so
 * have one right answer). They throw {@link AssertionError}, which every test framework reports as a failure.
 *
 * <p>The comparison is {@link ErrorBounds#compare}: element i passes when {@code |actual_i - expected_i| <= bound_i};
 * a NaN passes only against a NaN, an infinity only against the same infinity. Bounds must be finite, so that a
 * NaN or an infinity in the wrong place always fails: where the oracle's value is not finite (a special value in
 * the input), pass the bound 0, which the right NaN or infinity meets exactly. The message is the {@link Agreement}
 * report: how many elements exceed their bound, and the worst one (largest error over its bound) with its
 * position, both values, the error and the bound.
 */
public final class Expect {

    private Expect() {
    }

    /**
     * Checks {@code |actual_i - expected_i| <= bound_i} for every i.
     *
     * @param what     what was computed, for the message (the kernel, the shape; {@link Property} adds the seed)
     * @param expected the oracle's values, in double
     * @param actual   the values to check, as many
     * @param bound    the largest error allowed at each element, as many, each finite and {@code >= 0}
     * @return the report, for a passing check (its {@link Agreement#ratio()} says how close the worst element came)
     * @throws AssertionError           if an element exceeds its bound
     * @throws IllegalArgumentException if the lengths differ or a bound is negative, infinite or NaN
     */
    public static Agreement within(String what, double[] expected, float[] actual, double[] bound) {
        checkBounds(bound);
        int cols = Math.max(1, actual.length);
        return ErrorBounds.compare(expected, actual, bound, cols).orThrow(what);
    }

    /**
     * Checks {@code |actual_i - expected_i| <= bound} for every i: one bound for all elements.
     *
     * @param what     what was computed, for the message
     * @param expected the oracle's values, in double
     * @param actual   the values to check, as many
     * @param bound    the largest error allowed at any element, finite and {@code >= 0}
     * @return the report, for a passing check
     * @throws AssertionError           if an element exceeds the bound
     * @throws IllegalArgumentException if the lengths differ or the bound is negative, infinite or NaN
     */
    public static Agreement within(String what, double[] expected, float[] actual, double bound) {
        return within(what, expected, actual, filled(bound, actual.length));
    }

    /**
     * Checks {@code |actual_ij - expected_ij| <= bound_ij} for every element of a matrix (a view is read through
     * its leading dimension); the report names the worst element by row and column.
     *
     * @param what     what was computed, for the message
     * @param expected the oracle's values, row-major, {@code rows * cols} of them
     * @param actual   the matrix to check
     * @param bound    the largest error allowed at each element, row-major, as many
     * @return the report, for a passing check
     * @throws AssertionError           if an element exceeds its bound
     * @throws IllegalArgumentException if the lengths differ from the matrix's size or a bound is negative, infinite or NaN
     */
    public static Agreement within(String what, double[] expected, Matrix actual, double[] bound) {
        checkBounds(bound);
        checkSize("expected", expected.length, actual);
        return ErrorBounds.compare(expected, actual.toArray(), bound, actual.cols()).orThrow(what);
    }

    /**
     * As {@link #within(String, double[], Matrix, double[])} with one bound for all elements.
     *
     * @param what     what was computed, for the message
     * @param expected the oracle's values, row-major, {@code rows * cols} of them
     * @param actual   the matrix to check
     * @param bound    the largest error allowed at any element, finite and {@code >= 0}
     * @return the report, for a passing check
     * @throws AssertionError           if an element exceeds the bound
     * @throws IllegalArgumentException if the length differs from the matrix's size or the bound is negative, infinite or NaN
     */
    public static Agreement within(String what, double[] expected, Matrix actual, double bound) {
        return within(what, expected, actual, filled(bound, (int) actual.size()));
    }

    /**
     * Checks that {@code actual} holds the same floats as {@code expected}, bit for bit ({@code -0} differs from
     * {@code +0}; all NaNs count as one value). The message names the first difference: where, both values and
     * their bit patterns (as row 0, column i).
     *
     * @param what     what was computed, for the message
     * @param expected the right answer, e.g. {@code (float) (a * (double) b)} for a float product
     * @param actual   the values to check, as many
     * @throws AssertionError           at the first element that differs
     * @throws IllegalArgumentException if the lengths differ
     */
    public static void exact(String what, float[] expected, float[] actual) {
        exact(what, expected, actual, Math.max(1, actual.length));
    }

    /**
     * As {@link #exact(String, float[], float[])} for a matrix (a view is read through its leading dimension),
     * row-major; the message names the first difference by row and column.
     *
     * @param what     what was computed, for the message
     * @param expected the right answer, row-major, {@code rows * cols} values
     * @param actual   the matrix to check
     * @throws AssertionError           at the first element that differs
     * @throws IllegalArgumentException if the length differs from the matrix's size
     */
    public static void exact(String what, float[] expected, Matrix actual) {
        checkSize("expected", expected.length, actual);
        exact(what, expected, actual.toArray(), actual.cols());
    }

    private static void exact(String what, float[] expected, float[] actual, int cols) {
        if (expected.length != actual.length) {
            throw new IllegalArgumentException("lengths differ: expected " + expected.length + ", actual " + actual.length);
        }
        for (int i = 0; i < actual.length; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                throw new AssertionError(String.format(Locale.ROOT,
                        "%s: not bit for bit at (%d, %d) of %d elements: expected %s (0x%08x), actual %s (0x%08x)", what,
                        i / cols, i % cols, actual.length, expected[i], Float.floatToRawIntBits(expected[i]), actual[i],
                        Float.floatToRawIntBits(actual[i])));
            }
        }
    }

    private static double[] filled(double bound, int count) {
        double[] b = new double[count];
        Arrays.fill(b, bound);
        return b;
    }

    private static void checkBounds(double[] bound) {
        for (int i = 0; i < bound.length; i++) {
            if (!(bound[i] >= 0 && bound[i] < Double.POSITIVE_INFINITY)) {
                throw new IllegalArgumentException("bound[" + i + "] must be finite and >= 0, got " + bound[i]);
            }
        }
    }

    private static void checkSize(String name, int length, Matrix m) {
        if (length != m.size()) {
            throw new IllegalArgumentException(name + " has " + length + " values, the matrix is " + m.rows() + "x"
                    + m.cols() + " (" + m.size() + ")");
        }
    }
}
