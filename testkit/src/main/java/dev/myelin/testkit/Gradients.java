package dev.myelin.testkit;

import dev.myelin.core.Agreement;
import dev.myelin.core.ErrorBounds;
import java.util.function.ToDoubleFunction;

/**
 * The finite-difference check of a backward kernel: each element of a gradient computed in float must match the
 * central difference {@code (f(x + h e_k) - f(x - h e_k)) / 2h} of the forward function f, evaluated in double,
 * within a bound derived from the step, f's third derivative and both sides' rounding errors.
 *
 * <p><b>The bound.</b> By Taylor, the central difference differs from {@code df/dx_k} by at most
 * {@code h^2 / 6 * M3}, M3 a bound on {@code |d^3 f / dx_k^3|} within h of x (0 for a function linear or
 * quadratic in each coordinate). Each double evaluation of f is within {@code fError} of the exact value,
 * which the division by 2h turns into {@code fError / h}; the subtraction and division add two double roundings,
 * {@code gamma_D(2) |fd|}. So the check at element k is
 * <pre>
 *   |gradient_k - fd_k| &lt;= h^2 / 6 * M3 + fError / h + gamma_D(2) |fd_k| + gradientError_k
 * </pre>
 * where {@code gradientError_k} is the backward kernel's own float error against the exact derivative (derive it
 * as for any kernel). Choose h to balance the first two terms: for f of magnitude near 1 computed to
 * {@code 2^-50}, {@code h = 2^-13} (about 1.2e-4) makes both far below float resolution.
 *
 * <p><b>Exact steps.</b> h must be a power of two; then {@code x_k + h} and {@code x_k - h} are exact doubles for
 * every float {@code x_k} with {@code 2^-29 h <= |x_k| < 2^52 h}, or {@code x_k = 0}, and the difference is
 * centred on {@code x_k} as the Taylor bound assumes. An input outside that range is rejected with a message
 * naming it (below, the steps would round, off centre by up to {@code 2^-53 h}).
 */
public final class Gradients {

    private Gradients() {
    }

    /**
     * Checks {@code gradient} against the central differences of {@code f} at {@code x}, element by element,
     * within the bound in the class comment.
     *
     * @param what          what was computed, for the message (the backward kernel, the shape)
     * @param f             the forward function in double, {@code R^n -> R}; it must not keep or change its argument
     *                      beyond the call (the helper moves one coordinate at a time in one array)
     * @param x             the point, as the backward saw it, n floats
     * @param gradient      the backward's result {@code df/dx}, n floats
     * @param h             the step, a power of two
     * @param m3            a bound on {@code |d^3 f / dx_k^3|} within h of x, for every k, {@code >= 0}
     * @param fError        a bound on the absolute error of one double evaluation of f near x, {@code >= 0}
     * @param gradientError the backward's own float error bound at each element, n values, each {@code >= 0}
     * @return the report, for a passing check
     * @throws AssertionError           if an element exceeds its bound
     * @throws IllegalArgumentException if the lengths differ, h is not a positive power of two, a bound is negative,
     *                                  infinite or NaN, or an {@code x_k} is outside the range of exact steps
     */
    public static Agreement check(String what, ToDoubleFunction<double[]> f, float[] x, float[] gradient, double h,
                                  double m3, double fError, double[] gradientError) {
        int n = x.length;
        if (gradient.length != n || gradientError.length != n) {
            throw new IllegalArgumentException("lengths differ: x " + n + ", gradient " + gradient.length
                    + ", gradientError " + gradientError.length);
        }
        if (!(h > 0 && h < Double.POSITIVE_INFINITY) || h != Math.scalb(1.0, Math.getExponent(h))) {
            throw new IllegalArgumentException("h must be a positive power of two, got " + h);
        }
        requireBound("m3", m3);
        requireBound("fError", fError);
        for (int k = 0; k < n; k++) {
            float v = x[k];
            if (!Float.isFinite(v) || v != 0 && (Math.abs(v) < 0x1p-29 * h || Math.abs(v) >= 0x1p52 * h)) {
                throw new IllegalArgumentException("x[" + k + "] = " + v + " is outside the range of exact steps for h = "
                        + h + ": 0 or " + 0x1p-29 * h + " <= |x| < " + 0x1p52 * h);
            }
        }
        double[] fd = new double[n];
        double[] bound = new double[n];
        double[] point = new double[n];
        for (int k = 0; k < n; k++) {
            point[k] = x[k];
        }
        double truncation = h * h / 6 * m3;
        for (int k = 0; k < n; k++) {
            requireBound("gradientError[" + k + "]", gradientError[k]);
            point[k] = x[k] + h;
            double up = f.applyAsDouble(point);
            point[k] = x[k] - h;
            double down = f.applyAsDouble(point);
            point[k] = x[k];
            fd[k] = (up - down) / (2 * h);
            bound[k] = truncation + fError / h + ErrorBounds.gammaD(2) * Math.abs(fd[k]) + gradientError[k];
        }
        return Expect.within(what + " (gradient against central differences, h = " + h + ")", fd, gradient, bound);
    }

    private static void requireBound(String name, double v) {
        if (!(v >= 0 && v < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + v);
        }
    }
}
