package dev.myelin.reference;

/**
 * The test oracle: the kernels' formulas in double precision with StrictMath, written from the Kernels
 * Javadoc independently of the reference code. Double carries 29 more bits than float, so these stand
 * for the exact values: their own error (a few units of 2^-53, relative to the magnitudes involved) is
 * carried in every bound as a 2^-50 or gamma_D term.
 */
final class Exact {

    static final double C = Math.sqrt(2 / Math.PI);
    static final double K = 0.044715;

    private Exact() {
    }

    static double sigmoid(double x) {
        return 1 / (1 + StrictMath.exp(-x));
    }

    /** GELU via 0.5 (1 + tanh(u)) = sigmoid(2u), u = C (x + K x^3). */
    static double gelu(double x) {
        return x * sigmoid(2 * C * (x + K * x * x * x));
    }

    /** softplus(x) = log(1 + e^x), stably. */
    static double softplus(double x) {
        return Math.max(x, 0) + StrictMath.log1p(StrictMath.exp(-Math.abs(x)));
    }

    /** log sum_k exp(x_k), max-subtracted. */
    static double logSumExp(double[] x) {
        double m = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            m = Math.max(m, v);
        }
        double s = 0;
        for (double v : x) {
            s += StrictMath.exp(v - m);
        }
        return m + StrictMath.log(s);
    }

    static double[] softmax(double[] x) {
        double lse = logSumExp(x);
        double[] y = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            y[j] = StrictMath.exp(x[j] - lse);
        }
        return y;
    }

    static double[] logSoftmax(double[] x) {
        double lse = logSumExp(x);
        double[] y = new double[x.length];
        for (int j = 0; j < x.length; j++) {
            y[j] = x[j] - lse;
        }
        return y;
    }

}
