package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.util.List;

/** SGD with momentum (PyTorch form): {@code v = momentum v + g; W -= lr v}, g = dW + weightDecay W. */
public final class Sgd extends Optimizer {

    private final float momentum;
    private final float weightDecay;

    /**
     * SGD with momentum and L2 weight decay.
     *
     * @param learningRate the base learning rate, finite and {@code >= 0}
     * @param momentum     the momentum factor, in [0, 1) (0: plain gradient descent)
     * @param weightDecay  the L2 factor added to the gradient ({@code g = dW + weightDecay W}), finite and {@code >= 0}
     */
    public Sgd(float learningRate, float momentum, float weightDecay) {
        this(learningRate, momentum, weightDecay, false);
    }

    private Sgd(float learningRate, float momentum, float weightDecay, boolean weightsOnly) {
        super(learningRate, weightsOnly);
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be finite and >= 0, got " + weightDecay);
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    /**
     * Gradient descent with momentum, no weight decay.
     *
     * @param learningRate the base learning rate, finite and {@code >= 0}
     * @param momentum     the momentum factor, in [0, 1) (0: plain gradient descent)
     */
    public Sgd(float learningRate, float momentum) {
        this(learningRate, momentum, 0f);
    }

    @Override
    public Sgd decayWeightsOnly() {
        return new Sgd(learningRate(), momentum, weightDecay, true);
    }

    @Override
    public String name() {
        return "sgd";
    }

    @Override
    List<String> stateNames() {
        return List.of("velocity");
    }

    @Override
    void update(Kernels k, Matrix values, Matrix gradients, Matrix[] state, float lr, int step, boolean decay) {
        k.sgdUpdate(values, state[0], gradients, lr, momentum, decay ? weightDecay : 0f, false);
    }

    @Override
    public String toString() {
        return "sgd(lr=" + learningRate() + ", momentum=" + momentum + ", weightDecay=" + weightDecay + decayScope() + ")";
    }
}
