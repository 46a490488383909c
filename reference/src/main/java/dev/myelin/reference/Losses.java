package dev.myelin.reference;

import static dev.myelin.reference.Elementwise.get;
import static dev.myelin.reference.Elementwise.set;

import dev.myelin.core.Matrix;

/**
 * Reference losses fused with their gradients: the specification.
 *
 * <p>Every loss returns the mean of its per-element (or per-row) terms. The terms are computed and
 * summed in double, in index order (row by row, then along the row), and the mean is rounded to float
 * once: the returned loss is within about half an ulp of the exact mean. Transcendental functions come
 * from {@link StrictMath}. The gradients:
 * <ul>
 *   <li>MSE: {@code dP = (P - T) * scale} in float with {@code scale = (float) (2 / (m n))} (two
 *       roundings; the SIMD backend reproduces them bit for bit);</li>
 *   <li>BCE and softmax cross-entropy: evaluated in double and rounded once.</li>
 * </ul>
 * Special values: a NaN anywhere in a term makes the loss NaN and the gradient NaN where it is reached
 * (a whole row for softmax cross-entropy); IEEE arithmetic decides the rest, e.g. an infinite BCE logit
 * gives a NaN or infinite loss (docs/kernels.md). Arguments are checked by {@link dev.myelin.core.Kernels}.
 */
final class Losses {

    private Losses() {
    }

    /** The scale of the MSE gradient, {@code 2 / (m n)} rounded to float: shared with the SIMD backend by formula. */
    static float mseScale(Matrix p) {
        return (float) (2.0 / ((double) p.rows() * p.cols()));
    }

    // dP, p, t are (m, n). L = sum (P - T)^2 / (m n): d = P - T in float, d * d exact in double, summed in double
    static float mseLoss(Matrix dP, Matrix p, Matrix t) {
        float scale = mseScale(p);
        double total = 0;
        for (int i = 0; i < p.rows(); i++) {
            for (int j = 0; j < p.cols(); j++) {
                float d = get(p, i, j) - get(t, i, j);
                total += (double) d * d;
                set(dP, i, j, d * scale);
            }
        }
        return (float) (total / ((double) p.rows() * p.cols()));
    }

    // dX, x, y are (m, n). Term = max(x, 0) - x y + log1p(exp(-|x|)) in double; dX = (sigmoid(x) - y) / (m n)
    static float bceWithLogitsLoss(Matrix dX, Matrix x, Matrix y) {
        double count = (double) x.rows() * x.cols();
        double total = 0;
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                double v = get(x, i, j);
                double target = get(y, i, j);
                total += Math.max(v, 0) - v * target + StrictMath.log1p(StrictMath.exp(-Math.abs(v)));
                set(dX, i, j, (float) ((Activations.sigmoid(v) - target) / count));
            }
        }
        return (float) (total / count);
    }

    /**
     * dX, x are (m, classes). Row i: {@code mx = max_k X[i][k]}, {@code S = sum_k exp(X[i][k] - mx)} (double,
     * index order), term {@code (mx - X[i][label]) + log(S)}; dX = (exp(X - mx) / S - onehot) / m in double.
     * dX may be x itself: the row's label logit is read before the row is written.
     */
    static float softmaxCrossEntropyLoss(Matrix dX, Matrix x, int[] labels) {
        int m = x.rows();
        double total = 0;
        for (int i = 0; i < m; i++) {
            float max = Activations.rowMax(x, i);
            double s = Activations.sumExp(x, i, max);
            total += ((double) max - get(x, i, labels[i])) + StrictMath.log(s);
            for (int j = 0; j < x.cols(); j++) {
                double p = StrictMath.exp((double) get(x, i, j) - max) / s;
                set(dX, i, j, (float) ((p - (j == labels[i] ? 1 : 0)) / m));
            }
        }
        return (float) (total / m);
    }
}
