package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Batch normalization over the last axis (the channels), as PyTorch's {@code BatchNorm1d} on {@code (N, C)} and
 * {@code BatchNorm2d} on images: any input shape whose last axis is C; a channels-last image {@code (H, W, C)} is
 * normalized per channel over its {@code N * H * W} positions (the batch viewed as {@code (N H W, C)}), a vector
 * {@code (C)} over its N samples. {@code y = gamma (x - mean) / sqrt(var + eps) + beta}, with a learned scale
 * gamma (1 at first) and shift beta (0), both {@code (1, C)}.
 *
 * <p>Training ({@code training == true}): mean and var are the batch's own (biased variance,
 * {@code batchNormStatistics}); the pass then updates the running mean and variance, model state
 * ({@link #runningState()}: {@code running_mean} 0 and {@code running_var} 1 at first), as PyTorch does:
 * {@code running = (1 - momentum) running + momentum batch}, with the batch variance made unbiased
 * ({@code batchNormRunningUpdate}). A batch of one row per channel (one sample of a vector input) has no unbiased
 * variance: it is normalized (to beta) but leaves the running statistics as they were, where PyTorch refuses it.
 * Inference: mean and var are the running ones, so each row's output depends on that row alone.
 * Backward ({@code batchNormBackward}): dX, and dGamma and dBeta written ({@code =}) or, when accumulating, added to.
 */
public final class BatchNorm implements Layer {

    /** PyTorch's default weight of a batch in the running statistics. */
    public static final float MOMENTUM = 0.1f;
    /** PyTorch's default term added to the variance. */
    public static final float EPS = 1e-5f;

    private final float momentum;
    private final float eps;
    private Kernels k;
    private int channels;
    private int width;          // the input's size: positions * channels
    private Parameter gamma;
    private Parameter beta;
    private Parameter runningMean;
    private Parameter runningVar;
    private ChannelView xView;
    private ChannelView yView;
    private ChannelView dYView;
    private ChannelView dXView;
    private Buffer y;
    private Buffer dX;
    private Matrix mean;        // (1, C): the last training batch's means
    private Matrix var;         // (1, C): and biased variances
    private Matrix x;           // the last training input, (N positions, C)

    /**
     * Batch normalization with PyTorch's defaults: momentum {@value #MOMENTUM}, eps {@value #EPS}.
     */
    public BatchNorm() {
        this(MOMENTUM, EPS);
    }

    /**
     * Batch normalization with the running statistics' momentum and the variance's eps.
     *
     * @param momentum the weight of each training batch in the running statistics, in {@code [0, 1]}
     * @param eps      added to each variance, finite and {@code > 0}
     */
    public BatchNorm(float momentum, float eps) {
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1], got " + momentum);
        }
        if (!(eps > 0) || !Float.isFinite(eps)) {
            throw new IllegalArgumentException("eps must be finite and > 0, got " + eps);
        }
        this.momentum = momentum;
        this.eps = eps;
    }

    /** From a model file: {@code momentum}, {@code eps}. */
    static BatchNorm of(Map<String, String> c) {
        return new BatchNorm(Layers.floatValue(c, "momentum"), Layers.floatValue(c, "eps"));
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.k != null, this);
        this.k = context.kernels();
        this.channels = input.dim(input.rank() - 1);
        this.width = input.size();
        gamma = Parameter.withoutDecay("gamma", 1, channels);
        beta = Parameter.withoutDecay("beta", 1, channels);
        runningMean = Parameter.state("running_mean", 1, channels, Float.NEGATIVE_INFINITY);
        runningVar = Parameter.state("running_var", 1, channels, 0f);
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
    public List<Parameter> runningState() {
        return List.of(runningMean, runningVar);
    }

    @Override
    public void initialize(SplittableRandom rnd) {
        gamma.value().fill(1f);
        beta.value().fill(0f);
        runningMean.value().fill(0f);
        runningVar.value().fill(1f);
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
        y = new Buffer(arena, maxBatch, width);
        dX = new Buffer(gradients, maxBatch, width);
        mean = Matrix.allocate(arena, 1, channels);
        var = Matrix.allocate(arena, 1, channels);
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        Matrix out = y.rows(x.rows());
        if (!training && x.cols() != channels && !x.isContiguous()) {
            k.copy(out, x);         // a caller's strided view: normalize a packed copy in place
            x = out;
        }
        Matrix xs = xView.of(x, "the input");
        Matrix ys = yView.of(out, "the output");
        if (!training) {
            k.batchNormForward(ys, xs, runningMean.value(), runningVar.value(), gamma.value(), beta.value(), eps);
            return out;
        }
        this.x = xs;
        k.batchNormStatistics(mean, var, xs);
        k.batchNormForward(ys, xs, mean, var, gamma.value(), beta.value(), eps);
        if (xs.rows() >= 2) {
            k.batchNormRunningUpdate(runningMean.value(), runningVar.value(), mean, var, xs.rows(), momentum);
        }
        return out;
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        // the kernel writes dX with the parameter gradients in one pass; the first trainable layer discards it
        Matrix dx = dX.rows(dY.rows());
        k.batchNormBackward(dXView.of(dx, "dX"), gamma.grad(), beta.grad(), dYView.of(dY, "dY"), x, mean, var,
                gamma.value(), eps, accumulate ? 1f : 0f);
        return needInput ? dx : null;
    }

    @Override
    public String type() {
        return "batch_norm";
    }

    @Override
    public Map<String, String> config() {
        return Map.of("momentum", Float.toString(momentum), "eps", Float.toString(eps));
    }

    @Override
    public String toString() {
        return "BatchNorm(" + (gamma == null ? "" : Integer.toString(channels))
                + (momentum == MOMENTUM ? "" : (gamma == null ? "" : ", ") + "momentum " + momentum)
                + (eps == EPS ? "" : (gamma == null && momentum == MOMENTUM ? "" : ", ") + "eps " + eps) + ")";
    }
}
