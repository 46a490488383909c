package dev.myelin.reference;

import static dev.myelin.reference.Elementwise.get;
import static dev.myelin.reference.Elementwise.set;

import dev.myelin.core.Matrix;

/**
 * Reference activations, forward and backward: the specification.
 *
 * <p>Two rules decide how each formula is evaluated:
 * <ul>
 *   <li>A formula with a transcendental function (exp, tanh, log) is evaluated in double with
 *       {@link StrictMath} (the same bits on every JVM) and rounded to float once, at the end. Its
 *       result is then within half an ulp of the exact value plus a few double roundings (relative
 *       error below {@code 2^-24 + 2^-48}), so it stands for the mathematical function itself.
 *       Row sums inside such kernels (softmax, log-softmax) are double, in index order.</li>
 *   <li>A formula of {@code + - * /} only is evaluated in float, one rounding per operator, left to
 *       right as written, so that the SIMD backend can reproduce it bit for bit (relu, leaky relu,
 *       sigmoid and tanh backward). The one float row sum (softmax backward) runs in index order
 *       starting from 0. A backward pass that multiplies dY by a transcendental derivative (gelu)
 *       rounds the derivative to float and multiplies in float, like the others.</li>
 * </ul>
 *
 * <p>Special values, the same in both backends (docs/kernels.md): a NaN input gives NaN in every output
 * element it reaches (the whole row for the row-wise kernels), including the backward of relu and leaky
 * relu, where a NaN forward input X gives a NaN dX; relu(-0.0) = +0.0; sigmoid(+-Inf) = 1, 0;
 * tanh(+-Inf) = +-1; gelu(+Inf) = +Inf and gelu(-Inf) = -0.0 (the limits); a softmax row holding NaN
 * or +Inf, or only -Inf, is NaN. Subnormals are neither flushed nor produced differently from IEEE.
 * Arguments are checked by {@link dev.myelin.core.Kernels}.
 */
final class Activations {

    /** sqrt(2 / pi), the GELU tanh-form scale. */
    static final double GELU_C = Math.sqrt(2 / Math.PI);
    /** The GELU cubic coefficient. */
    static final double GELU_K = 0.044715;

    private Activations() {
    }

    // ---------------------------------------------------------------- relu, leaky relu: float, exact

    // y, x are (m, n)
    static void reluForward(Matrix y, Matrix x) {
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                set(y, i, j, Math.max(get(x, i, j), 0f));   // NaN stays NaN, max(-0.0, 0.0) = 0.0
            }
        }
    }

    // dX, dY, x are (m, n)
    static void reluBackward(Matrix dX, Matrix dY, Matrix x) {
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                float v = get(x, i, j);
                set(dX, i, j, v > 0 ? get(dY, i, j) : Float.isNaN(v) ? v : 0f);
            }
        }
    }

    // y, x are (m, n)
    static void leakyReluForward(Matrix y, Matrix x, float slope) {
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                float v = get(x, i, j);
                set(y, i, j, v > 0 ? v : slope * v);
            }
        }
    }

    // dX, dY, x are (m, n)
    static void leakyReluBackward(Matrix dX, Matrix dY, Matrix x, float slope) {
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                float v = get(x, i, j);
                float d = get(dY, i, j);
                set(dX, i, j, v > 0 ? d : Float.isNaN(v) ? v : slope * d);
            }
        }
    }

    // ---------------------------------------------------------------- sigmoid, tanh

    /** 1 / (1 + exp(-x)) in double: exp(-x) overflows to +Inf only where the float result is 0 anyway. */
    static double sigmoid(double x) {
        return 1 / (1 + StrictMath.exp(-x));
    }

    // y, x are (m, n)
    static void sigmoidForward(Matrix y, Matrix x) {
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                set(y, i, j, (float) sigmoid(get(x, i, j)));
            }
        }
    }

    // dX, dY, y are (m, n): dX = (dY * Y) * (1 - Y) in float
    static void sigmoidBackward(Matrix dX, Matrix dY, Matrix y) {
        for (int i = 0; i < y.rows(); i++) {
            for (int j = 0; j < y.cols(); j++) {
                float v = get(y, i, j);
                set(dX, i, j, get(dY, i, j) * v * (1f - v));
            }
        }
    }

    // y, x are (m, n)
    static void tanhForward(Matrix y, Matrix x) {
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                set(y, i, j, (float) StrictMath.tanh(get(x, i, j)));
            }
        }
    }

    // dX, dY, y are (m, n): dX = dY * (1 - Y * Y) in float
    static void tanhBackward(Matrix dX, Matrix dY, Matrix y) {
        for (int i = 0; i < y.rows(); i++) {
            for (int j = 0; j < y.cols(); j++) {
                float v = get(y, i, j);
                set(dX, i, j, get(dY, i, j) * (1f - v * v));
            }
        }
    }

    // ---------------------------------------------------------------- gelu (tanh form)

    /**
     * GELU in double. The tanh form {@code 0.5 x (1 + tanh(u))}, {@code u = C (x + K x^3)}, is evaluated
     * through the identity {@code 0.5 (1 + tanh(u)) = 1 / (1 + exp(-2u))}: the same function, without
     * the cancellation in {@code 1 + tanh(u)} that loses every digit for x below about -6.5.
     */
    static double gelu(double x) {
        if (x == Double.NEGATIVE_INFINITY) {
            return -0.0;                       // the limit; the formula would give -Inf * 0 = NaN
        }
        return x * sigmoid(2 * GELU_C * (x + GELU_K * x * x * x));
    }

    /**
     * GELU'(x) in double: with {@code z = 2u} and {@code s = sigmoid(z)}, GELU = x s and
     * {@code GELU' = s + x s (1 - s) z'}, {@code z' = 2C (1 + 3K x^2)}. The infinite limits are 1 and 0.
     */
    static double geluDerivative(double x) {
        if (Double.isInfinite(x)) {
            return x > 0 ? 1 : 0;              // the limits; the formula would give Inf * 0 = NaN
        }
        double s = sigmoid(2 * GELU_C * (x + GELU_K * x * x * x));
        double dz = 2 * GELU_C * (1 + 3 * GELU_K * x * x);
        return s + x * s * (1 - s) * dz;
    }

    // y, x are (m, n)
    static void geluForward(Matrix y, Matrix x) {
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                set(y, i, j, (float) gelu(get(x, i, j)));
            }
        }
    }

    // dX, dY, x are (m, n): dX = dY * (float) GELU'(X): the derivative rounded to float once, then a float product,
    // so that an infinite or huge dY meets the same float derivative in both backends
    static void geluBackward(Matrix dX, Matrix dY, Matrix x) {
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                set(dX, i, j, get(dY, i, j) * (float) geluDerivative(get(x, i, j)));
            }
        }
    }

    // ---------------------------------------------------------------- softmax, log-softmax (row-wise)

    /** The row maximum in {@link Math#max} order, as {@link Elementwise#rowMax}. */
    static float rowMax(Matrix x, int i) {
        float m = get(x, i, 0);
        for (int j = 1; j < x.cols(); j++) {
            m = Math.max(m, get(x, i, j));
        }
        return m;
    }

    /** {@code sum_k exp(X[i][k] - max)} in double, k in index order. */
    static double sumExp(Matrix x, int i, float max) {
        double s = 0;
        for (int k = 0; k < x.cols(); k++) {
            s += StrictMath.exp((double) get(x, i, k) - max);
        }
        return s;
    }

    // y, x are (m, n); y may be x itself: a row is read in full before it is written
    static void softmaxForward(Matrix y, Matrix x) {
        for (int i = 0; i < x.rows(); i++) {
            float max = rowMax(x, i);
            double s = sumExp(x, i, max);
            for (int j = 0; j < x.cols(); j++) {
                set(y, i, j, (float) (StrictMath.exp((double) get(x, i, j) - max) / s));
            }
        }
    }

    // dX, dY, y are (m, n): s = sum_k dY[i][k] * Y[i][k] in float from 0 in index order; dX = Y * (dY - s)
    static void softmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        for (int i = 0; i < y.rows(); i++) {
            float s = 0f;
            for (int k = 0; k < y.cols(); k++) {
                s += get(dY, i, k) * get(y, i, k);
            }
            for (int j = 0; j < y.cols(); j++) {
                set(dX, i, j, get(y, i, j) * (get(dY, i, j) - s));
            }
        }
    }

    // y, x are (m, n); y may be x itself
    static void logSoftmaxForward(Matrix y, Matrix x) {
        for (int i = 0; i < x.rows(); i++) {
            float max = rowMax(x, i);
            double logSum = StrictMath.log(sumExp(x, i, max));
            for (int j = 0; j < x.cols(); j++) {
                set(y, i, j, (float) ((double) get(x, i, j) - max - logSum));
            }
        }
    }

    // dX, dY, y are (m, n): s = sum_k dY[i][k] in double, index order; dX = dY - exp(Y) * s in double
    static void logSoftmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        for (int i = 0; i < y.rows(); i++) {
            double s = 0;
            for (int k = 0; k < y.cols(); k++) {
                s += get(dY, i, k);
            }
            for (int j = 0; j < y.cols(); j++) {
                set(dX, i, j, (float) (get(dY, i, j) - StrictMath.exp(get(y, i, j)) * s));
            }
        }
    }
}
