package dev.myelin.core;

import java.util.Locale;

/**
 * The result of {@link ErrorBounds#compare}: whether every element is within its bound, and the worst
 * element (the largest error relative to its bound): where it is, both values, the error and the bound.
 *
 * @param passed     every element within its bound
 * @param row        row of the worst element
 * @param col        column of the worst element
 * @param expected   the expected value there
 * @param actual     the actual value there
 * @param error      {@code |actual - expected|} there (infinite if exactly one is NaN)
 * @param bound      the bound there
 * @param violations how many elements exceed their bound
 * @param count      how many elements were compared
 */
public record Agreement(boolean passed, int row, int col, double expected, float actual, double error, double bound,
                        int violations, long count) {

    /** {@return the error over the bound at the worst element (0 when it is exact); above 1 fails} */
    public double ratio() {
        return error == 0 ? 0 : error / bound;
    }

    /**
     * Throws {@link AssertionError} with {@code context} and this report unless {@link #passed()}.
     *
     * @param context what was compared, for the message (e.g. the kernel, shape and seed)
     * @return this report, when it passed
     * @throws AssertionError if an element exceeds its bound
     */
    public Agreement orThrow(String context) {
        if (!passed) {
            throw new AssertionError(context + ": " + this);
        }
        return this;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "%s: %d of %d elements exceed their bound; worst at (%d, %d): expected %s, actual %s, error %.3e, bound %.3e (%.3f of the bound)",
                passed ? "agree" : "DISAGREE", violations, count, row, col, expected, actual, error, bound, ratio());
    }
}
