package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.util.List;

/**
 * Adam and AdamW, with bias correction. Adam adds {@code weightDecay * W} to the gradient (L2); AdamW
 * decays the weights directly ({@code W -= lr * weightDecay * W}), decoupled from the moments. State: the
 * first and second moments {@code m} and {@code v}.
 */
public final class Adam extends Optimizer {

    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;

    /**
     * Adam or AdamW with every constant given; {@link #adam} and {@link #adamw} take the usual ones.
     *
     * @param learningRate the base learning rate, finite and {@code >= 0}
     * @param beta1        the decay of the first moment, in [0, 1) (usually 0.9)
     * @param beta2        the decay of the second moment, in [0, 1) (usually 0.999)
     * @param eps          added to the root of the second moment, finite and {@code > 0} (usually 1e-8)
     * @param weightDecay  the weight decay factor, finite and {@code >= 0}
     * @param decoupled    true for AdamW (the weights decay directly), false for Adam (L2 added to the gradient)
     */
    public Adam(float learningRate, float beta1, float beta2, float eps, float weightDecay, boolean decoupled) {
        this(learningRate, beta1, beta2, eps, weightDecay, decoupled, false);
    }

    private Adam(float learningRate, float beta1, float beta2, float eps, float weightDecay, boolean decoupled,
                 boolean weightsOnly) {
        super(learningRate, weightsOnly);
        if (!(beta1 >= 0 && beta1 < 1)) {
            throw new IllegalArgumentException("beta1 must be in [0, 1), got " + beta1);
        }
        if (!(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("beta2 must be in [0, 1), got " + beta2);
        }
        if (!(eps > 0) || Float.isInfinite(eps)) {
            throw new IllegalArgumentException("eps must be finite and > 0, got " + eps);
        }
        if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be finite and >= 0, got " + weightDecay);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
    }

    /**
     * Adam with the usual constants: betas 0.9 and 0.999, eps 1e-8, no weight decay.
     *
     * @param learningRate the base learning rate, finite and {@code >= 0} (1e-3 is the usual start)
     * @return the optimizer
     */
    public static Adam adam(float learningRate) {
        return new Adam(learningRate, 0.9f, 0.999f, 1e-8f, 0f, false);
    }

    /**
     * AdamW with the usual constants and decoupled weight decay.
     *
     * @param learningRate the base learning rate, finite and {@code >= 0}
     * @param weightDecay  the decoupled decay factor, finite and {@code >= 0} (0.01 is common)
     * @return the optimizer
     */
    public static Adam adamw(float learningRate, float weightDecay) {
        return new Adam(learningRate, 0.9f, 0.999f, 1e-8f, weightDecay, true);
    }

    @Override
    public Adam decayWeightsOnly() {
        return new Adam(learningRate(), beta1, beta2, eps, weightDecay, decoupled, true);
    }

    @Override
    public String name() {
        return decoupled ? "adamw" : "adam";
    }

    @Override
    List<String> stateNames() {
        return List.of("m", "v");
    }

    @Override
    void update(Kernels k, Matrix values, Matrix gradients, Matrix[] state, float lr, int step, boolean decay) {
        float wd = decay ? weightDecay : 0f;
        if (decoupled) {
            k.adamwUpdate(values, state[0], state[1], gradients, lr, beta1, beta2, eps, wd, step);
        } else {
            k.adamUpdate(values, state[0], state[1], gradients, lr, beta1, beta2, eps, wd, step);
        }
    }

    @Override
    public String toString() {
        return name() + "(lr=" + learningRate() + ", beta1=" + beta1 + ", beta2=" + beta2 + ", eps=" + eps
                + ", weightDecay=" + weightDecay + decayScope() + ")";
    }
}
