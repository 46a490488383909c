package dev.myelin.core;

/**
 * Floating-point error analysis helpers, public so users can check their own kernels the way
 * Myelin's properties check its backends. Derivations are in {@code docs/kernels.md}.
 *
 * <p>Notation (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>): {@code u = 2^-24} is the
 * unit roundoff of float32 round-to-nearest, and {@code gamma(k) = k u / (1 - k u)} bounds the relative
 * error accumulated by k roundings.
 */
public final class ErrorBounds {

    /** Unit roundoff of float32: {@code 2^-24}. */
    public static final double U = 0x1p-24;

    private ErrorBounds() {
    }

    /**
     * {@return {@code gamma(k) = k u / (1 - k u)}, the relative error bound of k roundings}
     *
     * @param k the number of roundings, {@code 0 <= k < 2^24}
     */
    public static double gamma(int k) {
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0, got " + k);
        }
        double ku = k * U;
        if (ku >= 1) {
            throw new IllegalArgumentException("gamma(k) needs k * u < 1, got k = " + k);
        }
        return ku / (1 - ku);
    }

    /**
     * {@return {@code gamma_D(k) = k 2^-53 / (1 - k 2^-53)}, the relative error bound of k roundings in double}:
     * what a double-precision oracle's own error is measured with.
     *
     * @param k the number of double roundings, {@code 0 <= k < 2^53}
     */
    public static double gammaD(long k) {
        if (k < 0) {
            throw new IllegalArgumentException("k must be >= 0, got " + k);
        }
        double ku = k * 0x1p-53;
        if (ku >= 1) {
            throw new IllegalArgumentException("gammaD(k) needs k * 2^-53 < 1, got k = " + k);
        }
        return ku / (1 - ku);
    }

    /**
     * Distance between two floats in units in the last place: the number of representable floats
     * from one to the other. {@code +0.0} and {@code -0.0} are 0 apart; two NaNs are 0 apart; a NaN
     * and a number are {@link Long#MAX_VALUE} apart.
     *
     * @param a one float
     * @param b the other
     * @return the distance in ULPs, symmetric and non-negative
     */
    public static long ulpDistance(float a, float b) {
        boolean na = Float.isNaN(a);
        boolean nb = Float.isNaN(b);
        if (na || nb) {
            return na && nb ? 0 : Long.MAX_VALUE;
        }
        return Math.abs(ordered(a) - ordered(b));
    }

    /** Maps floats to longs so that adjacent floats map to adjacent integers and both zeros to 0. */
    private static long ordered(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits >= 0 ? bits : -(long) (bits & 0x7fffffff);
    }

    /**
     * Per-element forward error bound of any float32 evaluation of
     * {@code C = alpha * op(A) * op(B) + beta * C0}, in any summation order, with or without FMA:
     * <pre>
     *   |C_computed - C_exact|_ij &lt;= gamma(k + 2) * (|alpha| (|op(A)| |op(B)|)_ij + |beta C0_ij|) + (k + 2) * 2^-149
     * </pre>
     * Each of the k products and the beta term passes through at most k + 2 roundings (one product,
     * at most k additions, one alpha scaling); the last term covers underflow. {@code c0} is C before
     * the call; it is not read when {@code beta == 0} (pass null). The bound is computed in double.
     *
     * @param c0    C before the call, {@code (m, n)}; null when {@code beta == 0}
     * @param a     A, as passed to gemm
     * @param opA   whether op(A) is A or its transpose
     * @param b     B, as passed to gemm
     * @param opB   whether op(B) is B or its transpose
     * @param alpha the factor of the product
     * @param beta  the factor of C0
     * @return the bound, row-major (m * n values)
     */
    public static double[] gemmBound(Matrix c0, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta) {
        int m = opA.rows(a);
        int k = opA.cols(a);
        int n = opB.cols(b);
        if (opB.rows(b) != k) {
            throw new IllegalArgumentException("inner dimensions differ: op(A) is " + m + "x" + k + ", op(B) is "
                    + opB.rows(b) + "x" + n);
        }
        double g = gamma(k + 2);
        double tiny = (k + 2) * (double) Float.MIN_VALUE;
        double[] bound = new double[m * n];
        float[] av = a.toArray();
        float[] bv = b.toArray();
        float[] cv = beta == 0 ? null : c0.toArray();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double p = 0;
                for (int l = 0; l < k; l++) {
                    float x = opA == Trans.N ? av[i * a.cols() + l] : av[l * a.cols() + i];
                    float y = opB == Trans.N ? bv[l * b.cols() + j] : bv[j * b.cols() + l];
                    p += Math.abs((double) x * y);
                }
                double t = Math.abs((double) alpha) * p;
                if (cv != null) {
                    t += Math.abs((double) beta * cv[i * n + j]);
                }
                bound[i * n + j] = g * t + tiny;
            }
        }
        return bound;
    }

    /**
     * Compares {@code actual} to {@code expected} element by element against a per-element bound and
     * reports the worst element (largest error relative to its bound). NaN agrees only with NaN in the
     * same place; equal infinities agree.
     *
     * @param expected the expected values, e.g. the reference backend's result
     * @param actual   the values to check, the same shape
     * @param bound    the largest error allowed at each element, row-major
     * @return whether every element agrees, and the worst one
     */
    public static Agreement compare(Matrix expected, Matrix actual, double[] bound) {
        if (expected.rows() != actual.rows() || expected.cols() != actual.cols()) {
            throw new IllegalArgumentException("expected is " + expected.rows() + "x" + expected.cols()
                    + ", actual is " + actual.rows() + "x" + actual.cols());
        }
        return compare(expected.toArray(), actual.toArray(), bound, expected.cols());
    }

    /**
     * As {@link #compare(Matrix, Matrix, double[])}, on row-major arrays with {@code cols} columns.
     *
     * @param expected the expected values, row-major
     * @param actual   the values to check, row-major, as many
     * @param bound    the largest error allowed at each element, row-major, as many
     * @param cols     the number of columns (where the worst element is reported as row and column)
     * @return whether every element agrees, and the worst one
     */
    public static Agreement compare(float[] expected, float[] actual, double[] bound, int cols) {
        double[] e = new double[expected.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = expected[i];
        }
        return compare(e, actual, bound, cols);
    }

    /**
     * As {@link #compare(Matrix, Matrix, double[])}, against a double-precision oracle
     * ({@code expected}), row-major with {@code cols} columns.
     *
     * @param expected the exact (double-precision) values, row-major
     * @param actual   the values to check, row-major, as many
     * @param bound    the largest error allowed at each element, row-major, as many
     * @param cols     the number of columns (where the worst element is reported as row and column)
     * @return whether every element agrees, and the worst one
     */
    public static Agreement compare(double[] expected, float[] actual, double[] bound, int cols) {
        if (expected.length != actual.length || bound.length != actual.length) {
            throw new IllegalArgumentException("lengths differ: expected " + expected.length + ", actual "
                    + actual.length + ", bound " + bound.length);
        }
        if (cols <= 0 || actual.length % cols != 0) {
            throw new IllegalArgumentException("cols must be > 0 and divide the length " + actual.length + ", got " + cols);
        }
        int worst = -1;
        double worstRatio = -1;
        double worstError = 0;
        int violations = 0;
        for (int i = 0; i < actual.length; i++) {
            double err = error(expected[i], actual[i]);
            double ratio = err == 0 ? 0 : err / bound[i];
            if (!(err <= bound[i])) {
                violations++;
            }
            if (ratio > worstRatio || worst < 0) {
                worst = i;
                worstRatio = ratio;
                worstError = err;
            }
        }
        if (worst < 0) {
            return new Agreement(true, 0, 0, 0, 0, 0, 0, 0, 0);
        }
        return new Agreement(violations == 0, worst / cols, worst % cols, expected[worst], actual[worst], worstError,
                bound[worst], violations, actual.length);
    }

    private static double error(double expected, float actual) {
        if (Double.isNaN(expected) || Float.isNaN(actual)) {
            return Double.isNaN(expected) && Float.isNaN(actual) ? 0 : Double.POSITIVE_INFINITY;
        }
        if (expected == actual) {
            return 0; // also equal infinities
        }
        return Math.abs(expected - actual);
    }
}
