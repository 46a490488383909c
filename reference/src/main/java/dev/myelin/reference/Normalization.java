package dev.myelin.reference;

import static dev.myelin.reference.Elementwise.get;
import static dev.myelin.reference.Elementwise.set;

import dev.myelin.core.Matrix;

/**
 * Reference batch and layer normalization, forward and backward: the specification. Batch normalization
 * normalizes each column (channel) of X (m, C) over the rows; layer normalization each row of X (m, n) over its
 * columns. Both use one recipe:
 * <ul>
 *   <li>Statistics in two passes, each sum in double in index order: the mean, then the mean of the squared
 *       deviations from the double mean. A group of equal values has variance exactly 0; large values with a small
 *       spread keep it (a one-pass {@code E[x^2] - E[x]^2} would cancel to garbage, even negative). Welford's
 *       update would do as well in one pass, but costs a division per element; the second pass reads memory the
 *       first just brought into cache.</li>
 *   <li>{@code rstd = 1 / sqrt(var + eps)} in double from the variance (batch normalization: its float, as
 *       passed; layer normalization: the double), rounded once.</li>
 *   <li>Element-wise work in float, in this order: {@code xhat = (x - mean) * rstd} (the float mean),
 *       {@code y = fma(gamma, xhat, beta)}; backward {@code g = dy * gamma},
 *       {@code dx = rstd * fma(-xhat, b, g - a)} with {@code a = sum g / count}, {@code b = sum g xhat / count}
 *       (sums in double, the product {@code g xhat} in double, rounded once).</li>
 *   <li>The parameter gradients {@code dGamma = sum dy xhat} and {@code dBeta = sum dy} over the other axis, in
 *       double (the product in double), rounded once, then added in float to the old value when accumulating.</li>
 * </ul>
 * Arguments are checked by {@link dev.myelin.core.Kernels}.
 */
final class Normalization {

    private Normalization() {
    }

    /** {@code 1 / sqrt(var + eps)} in double, rounded once. */
    static float rstd(double var, float eps) {
        return (float) (1 / Math.sqrt(var + eps));
    }

    // mean, var are (1, C); x is (m, C)
    static void batchNormStatistics(Matrix mean, Matrix var, Matrix x) {
        int m = x.rows();
        for (int c = 0; c < x.cols(); c++) {
            double sum = 0;
            for (int i = 0; i < m; i++) {
                sum += get(x, i, c);
            }
            double mu = sum / m;
            double squares = 0;
            for (int i = 0; i < m; i++) {
                double d = get(x, i, c) - mu;
                squares += d * d;
            }
            set(mean, 0, c, (float) mu);
            set(var, 0, c, (float) (squares / m));
        }
    }

    // y, x are (m, C); mean, var, gamma, beta are (1, C)
    static void batchNormForward(Matrix y, Matrix x, Matrix mean, Matrix var, Matrix gamma, Matrix beta, float eps) {
        for (int c = 0; c < x.cols(); c++) {
            float mu = get(mean, 0, c);
            float r = rstd(get(var, 0, c), eps);
            float g = get(gamma, 0, c);
            float b = get(beta, 0, c);
            for (int i = 0; i < x.rows(); i++) {
                set(y, i, c, Math.fma(g, (get(x, i, c) - mu) * r, b));
            }
        }
    }

    // dX, dY, x are (m, C); dGamma, dBeta, mean, var, gamma are (1, C)
    static void batchNormBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean, Matrix var,
                                  Matrix gamma, float eps, float beta) {
        int m = x.rows();
        for (int c = 0; c < x.cols(); c++) {
            float mu = get(mean, 0, c);
            float r = rstd(get(var, 0, c), eps);
            float gam = get(gamma, 0, c);
            double sumDy = 0;
            double sumDyXhat = 0;
            double sumG = 0;
            double sumGXhat = 0;
            for (int i = 0; i < m; i++) {
                float dy = get(dY, i, c);
                float xhat = (get(x, i, c) - mu) * r;
                float g = dy * gam;
                sumDy += dy;
                sumDyXhat += (double) dy * xhat;
                sumG += g;
                sumGXhat += (double) g * xhat;
            }
            float a = (float) (sumG / m);
            float b = (float) (sumGXhat / m);
            for (int i = 0; i < m; i++) {                   // dY[i][c] and X[i][c] are read before dX[i][c] is written
                float xhat = (get(x, i, c) - mu) * r;
                float g = get(dY, i, c) * gam;
                set(dX, i, c, r * Math.fma(-xhat, b, g - a));
            }
            accumulate(dGamma, c, sumDyXhat, beta);
            accumulate(dBeta, c, sumDy, beta);
        }
    }

    /** {@code d[0][j] = sum} rounded once, or {@code + d[0][j]} in float when {@code beta == 1}. */
    private static void accumulate(Matrix d, int j, double sum, float beta) {
        set(d, 0, j, beta == 0 ? (float) sum : get(d, 0, j) + (float) sum);
    }

    // runningMean, runningVar, mean, var are (1, C)
    static void batchNormRunningUpdate(Matrix runningMean, Matrix runningVar, Matrix mean, Matrix var, int count,
                                       float momentum) {
        double keep = 1 - (double) momentum;
        double unbias = (double) count / (count - 1);
        for (int c = 0; c < mean.cols(); c++) {
            set(runningMean, 0, c, (float) (keep * get(runningMean, 0, c) + momentum * (double) get(mean, 0, c)));
            set(runningVar, 0, c, (float) (keep * get(runningVar, 0, c) + momentum * (get(var, 0, c) * unbias)));
        }
    }

    // y, x are (m, n); mean, rstd are (m, 1); gamma, beta are (1, n)
    static void layerNormForward(Matrix y, Matrix mean, Matrix rstd, Matrix x, Matrix gamma, Matrix beta, float eps) {
        int n = x.cols();
        for (int i = 0; i < x.rows(); i++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                sum += get(x, i, j);
            }
            double mu = sum / n;
            double squares = 0;
            for (int j = 0; j < n; j++) {
                double d = get(x, i, j) - mu;
                squares += d * d;
            }
            float m = (float) mu;
            float r = rstd(squares / n, eps);
            set(mean, i, 0, m);
            set(rstd, i, 0, r);
            for (int j = 0; j < n; j++) {
                set(y, i, j, Math.fma(get(gamma, 0, j), (get(x, i, j) - m) * r, get(beta, 0, j)));
            }
        }
    }

    // dX, dY, x are (m, n); mean, rstd are (m, 1); dGamma, dBeta, gamma are (1, n)
    static void layerNormBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean,
                                  Matrix rstd, Matrix gamma, float beta) {
        int m = x.rows();
        int n = x.cols();
        for (int j = 0; j < n; j++) {                       // the parameter gradients first: dX may be dY or X
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int i = 0; i < m; i++) {
                float dy = get(dY, i, j);
                float xhat = (get(x, i, j) - get(mean, i, 0)) * get(rstd, i, 0);
                sumDy += dy;
                sumDyXhat += (double) dy * xhat;
            }
            accumulate(dGamma, j, sumDyXhat, beta);
            accumulate(dBeta, j, sumDy, beta);
        }
        for (int i = 0; i < m; i++) {
            float mu = get(mean, i, 0);
            float r = get(rstd, i, 0);
            double sumG = 0;
            double sumGXhat = 0;
            for (int j = 0; j < n; j++) {
                float xhat = (get(x, i, j) - mu) * r;
                float g = get(dY, i, j) * get(gamma, 0, j);
                sumG += g;
                sumGXhat += (double) g * xhat;
            }
            float a = (float) (sumG / n);
            float b = (float) (sumGXhat / n);
            for (int j = 0; j < n; j++) {
                float xhat = (get(x, i, j) - mu) * r;
                float g = get(dY, i, j) * get(gamma, 0, j);
                set(dX, i, j, r * Math.fma(-xhat, b, g - a));
            }
        }
    }
}
