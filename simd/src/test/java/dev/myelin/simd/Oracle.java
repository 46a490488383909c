package dev.myelin.simd;

/**
 * Double-precision values of the activation functions for the SIMD tests, written from the formulas
 * of the Kernels Javadoc (StrictMath), independent of both backends.
 */
final class Oracle {

    static final double C = Math.sqrt(2 / Math.PI);
    static final double K = 0.044715;

    private Oracle() {
    }

    static double sigmoid(double x) {
        return 1 / (1 + StrictMath.exp(-x));
    }

    /** z = 2 sqrt(2/pi) (x + 0.044715 x^3): gelu = x sigmoid(z) (the tanh form, 0.5 (1 + tanh(z/2)) = sigmoid(z)). */
    static double geluZ(double x) {
        return 2 * C * (x + K * x * x * x);
    }

    static double gelu(double x) {
        return x == Double.NEGATIVE_INFINITY ? -0.0 : x * sigmoid(geluZ(x));
    }

    /** GELU'(x) = s + x s (1 - s) z', z' = 2C (1 + 3K x^2); limits 1 and 0 at +-Inf. */
    static double geluPrime(double x) {
        if (Double.isInfinite(x)) {
            return x > 0 ? 1 : 0;
        }
        double s = sigmoid(geluZ(x));
        return s + x * s * (1 - s) * 2 * C * (1 + 3 * K * x * x);
    }

    /** The derived ulps gelu may lose to its float argument: 6 |z| (1 - sigmoid(z)) (see {@link Measured#GELU}). */
    static double geluArgumentUlps(double x) {
        double z = geluZ(x);
        if (Double.isNaN(z) || Double.isInfinite(z)) {
            return 0;
        }
        return 6 * Math.abs(z) * (1 - sigmoid(z));
    }
}
