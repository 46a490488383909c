package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Layer normalization over the last axis (the channels), as PyTorch's {@code LayerNorm(C)}: any input shape whose
 * last axis is C. A vector sample {@code (C)} is normalized over its C values; a channels-last image
 * {@code (H, W, C)} per position, over the C channels of each pixel (the batch viewed as {@code (N H W, C)}; the
 * same as PyTorch's {@code LayerNorm(C)} on a channels-last tensor, not over the whole image).
 * {@code y = gamma (x - mean) / sqrt(var + eps) + beta} with each row's own mean and biased variance
 * ({@code layerNormForward}), a learned scale gamma (1 at first) and shift beta (0), both {@code (1, C)}. The same
 * in training and inference, and each row's output depends on that row alone. Backward ({@code layerNormBackward}):
 * dX, and dGamma and dBeta written ({@code =}) or, when accumulating, added to.
 */
public final class LayerNorm implements Layer {

    /** PyTorch's default term added to the variance. */
    public static final float EPS = 1e-5f;

    private final float eps;
    private Kernels k;
    private int channels;
    private int width;          // the input's size: positions * channels
    private Parameter gamma;
    private Parameter beta;
    private ChannelView xView;
    private ChannelView yView;
    private ChannelView dYView;
    private ChannelView dXView;
    private Buffer y;
    private Buffer dX;
    private Buffer mean;        // (N positions, 1): the rows' means of the last forward pass
    private Buffer rstd;        // and reciprocal standard deviations
    private Matrix x;           // the last training input, (N positions, C)

    /** Layer normalization with PyTorch's default eps, {@value #EPS}. */
    public LayerNorm() {
        this(EPS);
    }

    /**
     * Layer normalization with the variance's eps.
     *
     * @param eps added to each variance, finite and {@code > 0}
     */
    public LayerNorm(float eps) {
        if (!(eps > 0) || !Float.isFinite(eps)) {
            throw new IllegalArgumentException("eps must be finite and > 0, got " + eps);
        }
        this.eps = eps;
    }

    /** From a model file: {@code eps}. */
    static LayerNorm of(Map<String, String> c) {
        return new LayerNorm(Layers.floatValue(c, "eps"));
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.k != null, this);
        this.k = context.kernels();
        this.channels = input.dim(input.rank() - 1);
        this.width = input.size();
        gamma = Parameter.withoutDecay("gamma", 1, channels);
        beta = Parameter.withoutDecay("beta", 1, channels);
        xView = new ChannelView(channels);
        yView = new ChannelView(channels);
        dYView = new ChannelView(channels);
        dXView = new ChannelView(channels);
        return input;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(gamma, beta);
    }

    @Override
    public void initialize(SplittableRandom rnd) {
        gamma.value().fill(1f);
        beta.value().fill(0f);
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
        int positions = width / channels;
        y = new Buffer(arena, maxBatch, width);
        dX = new Buffer(gradients, maxBatch, width);
        mean = new Buffer(arena, Math.multiplyExact(maxBatch, positions), 1);
        rstd = new Buffer(arena, Math.multiplyExact(maxBatch, positions), 1);
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        Matrix out = y.rows(x.rows());
        if (!training && x.cols() != channels && !x.isContiguous()) {
            k.copy(out, x);         // a caller's strided view: normalize a packed copy in place
            x = out;
        }
        Matrix xs = xView.of(x, "the input");
        if (training) {
            this.x = xs;
        }
        k.layerNormForward(yView.of(out, "the output"), mean.rows(xs.rows()), rstd.rows(xs.rows()), xs, gamma.value(),
                beta.value(), eps);
        return out;
    }

    /**
     * For {@link Decoder}: one position's row {@code (1, C)}, the same {@code layerNormForward} (each row's result
     * depends on that row alone).
     */
    Decoder.Step step(Arena arena) {
        Matrix out = Matrix.allocate(arena, 1, channels);
        Matrix mu = Matrix.allocate(arena, 1, 1);
        Matrix rs = Matrix.allocate(arena, 1, 1);
        return (x, position) -> {
            k.layerNormForward(out, mu, rs, x, gamma.value(), beta.value(), eps);
            return out;
        };
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        // the kernel writes dX with the parameter gradients in one pass; the first trainable layer discards it
        Matrix dx = dX.rows(dY.rows());
        k.layerNormBackward(dXView.of(dx, "dX"), gamma.grad(), beta.grad(), dYView.of(dY, "dY"), x, mean.rows(x.rows()),
                rstd.rows(x.rows()), gamma.value(), accumulate ? 1f : 0f);
        return needInput ? dx : null;
    }

    @Override
    public String type() {
        return "layer_norm";
    }

    @Override
    public Map<String, String> config() {
        return Map.of("eps", Float.toString(eps));
    }

    @Override
    public String toString() {
        return "LayerNorm(" + (gamma == null ? "" : Integer.toString(channels))
                + (eps == EPS ? "" : (gamma == null ? "" : ", ") + "eps " + eps) + ")";
    }
}
