package dev.myelin.trainer;

import dev.myelin.core.Matrix;

/** SGD with momentum (PyTorch form): {@code v = momentum v + g; W -= lr v}, g = dW + weightDecay W. */
public final class Sgd extends Optimizer {

    private final float lr;
    private final float momentum;
    private final float weightDecay;
    private final Matrix[] velocity;

    public Sgd(Sequential model, float lr, float momentum, float weightDecay) {
        super(model);
        this.lr = lr;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        velocity = new Matrix[params.length];
        for (int i = 0; i < params.length; i++) {
            velocity[i] = state(params[i], "velocity");
        }
    }

    /** Plain gradient descent with momentum, no weight decay. */
    public Sgd(Sequential model, float lr, float momentum) {
        this(model, lr, momentum, 0f);
    }

    @Override
    protected void update(int i, Parameter p, int step) {
        k.sgdUpdate(p.value(), velocity[i], p.grad(), lr, momentum, weightDecay, false);
    }

    @Override
    public String name() {
        return "sgd";
    }
}
