package dev.myelin.trainer;

import dev.myelin.core.Matrix;

/**
 * Adam and AdamW, with bias correction. Adam adds {@code weightDecay * W} to the gradient (L2); AdamW
 * decays the weights directly ({@code W -= lr * weightDecay * W}), decoupled from the moments.
 */
public final class Adam extends Optimizer {

    private final float lr;
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final boolean decoupled;
    private final Matrix[] m;
    private final Matrix[] v;

    public Adam(Sequential model, float lr, float beta1, float beta2, float eps, float weightDecay, boolean decoupled) {
        super(model);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.decoupled = decoupled;
        m = new Matrix[params.length];
        v = new Matrix[params.length];
        for (int i = 0; i < params.length; i++) {
            m[i] = state(params[i], "m");
            v[i] = state(params[i], "v");
        }
    }

    /** Adam with the usual constants: betas 0.9 and 0.999, eps 1e-8, no weight decay. */
    public static Adam adam(Sequential model, float lr) {
        return new Adam(model, lr, 0.9f, 0.999f, 1e-8f, 0f, false);
    }

    /** AdamW with the usual constants and decoupled weight decay. */
    public static Adam adamw(Sequential model, float lr, float weightDecay) {
        return new Adam(model, lr, 0.9f, 0.999f, 1e-8f, weightDecay, true);
    }

    @Override
    protected void update(int i, Parameter p, int step) {
        if (decoupled) {
            k.adamwUpdate(p.value(), m[i], v[i], p.grad(), lr, beta1, beta2, eps, weightDecay, step);
        } else {
            k.adamUpdate(p.value(), m[i], v[i], p.grad(), lr, beta1, beta2, eps, weightDecay, step);
        }
    }

    @Override
    public String name() {
        return decoupled ? "adamw" : "adam";
    }
}
