package dev.myelin.trainer;

import java.util.SplittableRandom;

/** Weight initialisation for a (fanIn, fanOut) weight matrix; biases start at zero. */
public enum Init {
    /** He (Kaiming) normal: {@code N(0, 2 / fanIn)}, for ReLU layers. */
    HE,
    /** Xavier (Glorot) uniform: {@code U(-a, a)}, {@code a = sqrt(6 / (fanIn + fanOut))}, for tanh, sigmoid and linear layers. */
    XAVIER,
    /**
     * Uniform by fan-in: {@code U(-a, a)}, {@code a = 1 / sqrt(fanIn)} (variance {@code 1 / (3 fanIn)}), the weight
     * initialisation of PyTorch's {@code Linear} and {@code Conv2d} (Kaiming uniform with {@code a = sqrt(5)}).
     */
    FAN_IN_UNIFORM,
    /**
     * Normal {@code N(0, 0.02^2)} whatever the fans: GPT-2's initialisation of its embeddings and linear layers (and
     * nanoGPT's, which further scales the residual projections by {@code 1 / sqrt(2 layers)}, a factor no single
     * layer knows). For transformers, whose layer normalization keeps the scale of the activations.
     */
    GPT2;

    /** The standard deviation of {@link #GPT2}. */
    static final double GPT2_STD = 0.02;

    /**
     * fanIn * fanOut values, row-major, drawn from {@code rnd}: a (fanIn, fanOut) dense weight matrix.
     *
     * @param fanIn  the layer's inputs (the weight matrix's rows), {@code >= 1}
     * @param fanOut the layer's outputs (its columns), {@code >= 1}
     * @param rnd    the generator to draw from (the model's, seeded)
     * @return {@code fanIn * fanOut} weights, row-major
     */
    public float[] sample(int fanIn, int fanOut, SplittableRandom rnd) {
        return sample(Math.multiplyExact(fanIn, fanOut), fanIn, fanOut, rnd);
    }

    /**
     * {@code count} values drawn from {@code rnd} for a weight tensor whose units see {@code fanIn} inputs and feed
     * {@code fanOut} outputs (for a convolution: {@code fanIn = R S C}, {@code fanOut = R S K}).
     *
     * @param count  the number of weights
     * @param fanIn  the inputs each unit sees, {@code >= 1}
     * @param fanOut the outputs each input feeds, {@code >= 1}
     * @param rnd    the generator to draw from (the model's, seeded)
     * @return {@code count} weights
     */
    public float[] sample(int count, int fanIn, int fanOut, SplittableRandom rnd) {
        float[] w = new float[count];
        double std = Math.sqrt(2.0 / fanIn);
        double a = this == XAVIER ? Math.sqrt(6.0 / (fanIn + fanOut)) : 1 / Math.sqrt(fanIn);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) switch (this) {
                case HE -> std * rnd.nextGaussian();
                case GPT2 -> GPT2_STD * rnd.nextGaussian();
                case XAVIER, FAN_IN_UNIFORM -> rnd.nextDouble(-a, a);
            };
        }
        return w;
    }
}
