package dev.myelin.reference;

import static dev.myelin.reference.Elementwise.get;
import static dev.myelin.reference.Elementwise.set;

import dev.myelin.core.Matrix;

/**
 * Reference optimizer updates: the specification. One pass over a parameter buffer; each element's
 * update is float arithmetic, one rounding per operator, left to right as written below, and the SIMD
 * backend performs the same operations (no FMA), so the two agree bit for bit.
 *
 * <p>Per-call scalars are computed once, in double, then rounded to float:
 * {@code bc1 = 1 - beta1^step} and {@code bc2 = 1 - beta2^step} ({@link StrictMath#pow}),
 * {@code stepSize = (float) (lr / bc1)}, {@code invBc2 = (float) (1 / bc2)} and, for AdamW,
 * {@code decay = (float) (lr * weightDecay)}. Then per element:
 * <pre>
 *   SGD:   g = weightDecay == 0 ? dW : dW + weightDecay * W
 *          V = momentum == 0 ? g : momentum * V + g          (V is not read when momentum == 0)
 *          W = W - lr * (nesterov ? g + momentum * V : V)
 *   Adam:  g = weightDecay == 0 ? dW : dW + weightDecay * W
 *          M = beta1 * M + (1 - beta1) * g
 *          V = beta2 * V + (1 - beta2) * g * g
 *          W = W - stepSize * M / (sqrt(V * invBc2) + eps)   (sqrt correctly rounded)
 *   AdamW: W = weightDecay == 0 ? W : W - decay * W, then Adam with g = dW
 * </pre>
 * {@code 1 - beta} is a float subtraction. Arguments are checked by {@link dev.myelin.core.Kernels}.
 */
final class Optimizers {

    private Optimizers() {
    }

    // w, v, dW are (m, n)
    static void sgdUpdate(Matrix w, Matrix v, Matrix dW, float lr, float momentum, float weightDecay, boolean nesterov) {
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < w.cols(); j++) {
                float wij = get(w, i, j);
                float g = weightDecay == 0 ? get(dW, i, j) : get(dW, i, j) + weightDecay * wij;
                float vij = momentum == 0 ? g : momentum * get(v, i, j) + g;
                float step = nesterov ? g + momentum * vij : vij;
                set(v, i, j, vij);
                set(w, i, j, wij - lr * step);
            }
        }
    }

    /** {@code (float) (lr / (1 - beta1^step))}: Adam's step size with the first bias correction. */
    static float stepSize(float lr, float beta1, int step) {
        return (float) (lr / (1 - StrictMath.pow(beta1, step)));
    }

    /** {@code (float) (1 / (1 - beta2^step))}: the second bias correction. */
    static float invBc2(float beta2, int step) {
        return (float) (1 / (1 - StrictMath.pow(beta2, step)));
    }

    // w, mom, vel, dW are (m, n)
    static void adamUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                           float weightDecay, int step) {
        adam(w, mom, vel, dW, stepSize(lr, beta1, step), invBc2(beta2, step), beta1, beta2, eps, weightDecay, 0f);
    }

    // w, mom, vel, dW are (m, n)
    static void adamwUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                            float weightDecay, int step) {
        adam(w, mom, vel, dW, stepSize(lr, beta1, step), invBc2(beta2, step), beta1, beta2, eps, 0f,
                (float) ((double) lr * weightDecay));
    }

    /** Adam with L2 decay {@code l2} in the gradient and decoupled decay {@code decay} on W (one of them 0). */
    private static void adam(Matrix w, Matrix mom, Matrix vel, Matrix dW, float stepSize, float invBc2, float beta1,
                             float beta2, float eps, float l2, float decay) {
        float c1 = 1f - beta1;
        float c2 = 1f - beta2;
        for (int i = 0; i < w.rows(); i++) {
            for (int j = 0; j < w.cols(); j++) {
                float wij = get(w, i, j);
                if (decay != 0) {
                    wij = wij - decay * wij;
                }
                float g = l2 == 0 ? get(dW, i, j) : get(dW, i, j) + l2 * wij;
                float mij = beta1 * get(mom, i, j) + c1 * g;
                float vij = beta2 * get(vel, i, j) + c2 * g * g;
                set(mom, i, j, mij);
                set(vel, i, j, vij);
                set(w, i, j, wij - stepSize * mij / ((float) Math.sqrt(vij * invBc2) + eps));
            }
        }
    }
}
