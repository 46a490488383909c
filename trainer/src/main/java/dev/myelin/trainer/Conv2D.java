package dev.myelin.trainer;

import dev.myelin.core.Conv2d;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * 2-D convolution on channels-last images: input shape {@code (H, W, C)}, output {@code (P, Q, K)} with K
 * filters of {@code R x S}, a stride and zero padding per axis. Filters W are {@code (R S C, K)} (row
 * {@code (r S + s) C + c}), the bias b is {@code (1, K)}. Forward {@code y = x * W + b} ({@code conv2dForward});
 * backward {@code dW}, {@code db} ({@code conv2dBackwardFilter}, written or, when accumulating, added to) and
 * {@code dX} ({@code conv2dBackwardInput}). He initialisation uses fan-in {@code R S C}; Xavier also fan-out
 * {@code R S K}.
 *
 * <p>Without a bias (as before a batch normalization, whose shift makes one redundant; PyTorch's
 * {@code bias=False}) the layer has W alone. The kernels always take a bias, so the layer passes a zero
 * {@code (1, K)} row (adding +0 leaves every output as the sum alone) and lets {@code conv2dBackwardFilter} write
 * db into a scratch row it never reads: db costs one addition per element of dY, where dW costs {@code R S C}
 * multiply-adds, so skipping it would save under 1% of the filter gradient's work (1/9 at the smallest case,
 * a 3x3 filter over 1 channel) and needs no kernel of its own.
 */
public final class Conv2D implements Layer {

    private final int filters;
    private final int kernelHeight;
    private final int kernelWidth;
    private final int strideHeight;
    private final int strideWidth;
    private final int padHeight;
    private final int padWidth;
    private final Init init;
    private final boolean bias;
    private Kernels k;
    private Conv2d g;
    private Parameter w;
    private Parameter b;
    private Buffer y;
    private Buffer dX;
    private Buffer zeroBias;      // without a bias: (1, K) of zeros for the forward pass
    private Buffer dbScratch;     // and (1, K) for the db that the filter gradient kernel writes
    private Matrix x;       // the last training forward input: dW needs it

    /**
     * {@code filters} filters of {@code kernelHeight x kernelWidth}, with a stride and zero padding per axis.
     *
     * @param filters      the output channels K, {@code >= 1}
     * @param kernelHeight the filter rows R, {@code >= 1}
     * @param kernelWidth  the filter columns S, {@code >= 1}
     * @param strideHeight the vertical stride, {@code >= 1}
     * @param strideWidth  the horizontal stride, {@code >= 1}
     * @param padHeight    the zero rows added above and below, {@code >= 0}
     * @param padWidth     the zero columns added left and right, {@code >= 0}
     * @param init         how the filters are drawn ({@link Init#HE} before a ReLU)
     */
    public Conv2D(int filters, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padHeight,
                  int padWidth, Init init) {
        this(filters, kernelHeight, kernelWidth, strideHeight, strideWidth, padHeight, padWidth, init, true);
    }

    /**
     * {@code filters} filters of {@code kernelHeight x kernelWidth}, with a stride and zero padding per axis, with or
     * without a bias.
     *
     * @param filters      the output channels K, {@code >= 1}
     * @param kernelHeight the filter rows R, {@code >= 1}
     * @param kernelWidth  the filter columns S, {@code >= 1}
     * @param strideHeight the vertical stride, {@code >= 1}
     * @param strideWidth  the horizontal stride, {@code >= 1}
     * @param padHeight    the zero rows added above and below, {@code >= 0}
     * @param padWidth     the zero columns added left and right, {@code >= 0}
     * @param init         how the filters are drawn ({@link Init#HE} before a ReLU)
     * @param bias         whether the layer learns a bias b (false before a batch normalization)
     */
    public Conv2D(int filters, int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padHeight,
                  int padWidth, Init init, boolean bias) {
        positive("filters", filters);
        positive("kernelHeight", kernelHeight);
        positive("kernelWidth", kernelWidth);
        positive("strideHeight", strideHeight);
        positive("strideWidth", strideWidth);
        if (padHeight < 0 || padWidth < 0) {
            throw new IllegalArgumentException("padding must be >= 0, got " + padHeight + " and " + padWidth);
        }
        if (init == null) {
            throw new NullPointerException("init is null");
        }
        this.filters = filters;
        this.kernelHeight = kernelHeight;
        this.kernelWidth = kernelWidth;
        this.strideHeight = strideHeight;
        this.strideWidth = strideWidth;
        this.padHeight = padHeight;
        this.padWidth = padWidth;
        this.init = init;
        this.bias = bias;
    }

    /**
     * {@code filters} square filters of side {@code kernel}, the same stride and padding on both axes.
     *
     * @param filters the output channels K, {@code >= 1}
     * @param kernel  the side of the square filters, {@code >= 1}
     * @param stride  the stride on both axes, {@code >= 1}
     * @param padding the zeros added on every side, {@code >= 0} (kernel / 2 keeps the size at stride 1, odd
     *                kernel)
     * @param init    how the filters are drawn ({@link Init#HE} before a ReLU)
     */
    public Conv2D(int filters, int kernel, int stride, int padding, Init init) {
        this(filters, kernel, kernel, stride, stride, padding, padding, init, true);
    }

    /**
     * {@code filters} square filters of side {@code kernel}, the same stride and padding on both axes, with or
     * without a bias.
     *
     * @param filters the output channels K, {@code >= 1}
     * @param kernel  the side of the square filters, {@code >= 1}
     * @param stride  the stride on both axes, {@code >= 1}
     * @param padding the zeros added on every side, {@code >= 0}
     * @param init    how the filters are drawn ({@link Init#HE} before a ReLU)
     * @param bias    whether the layer learns a bias b (false before a batch normalization)
     */
    public Conv2D(int filters, int kernel, int stride, int padding, Init init, boolean bias) {
        this(filters, kernel, kernel, stride, stride, padding, padding, init, bias);
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
    }

    /** From a model file; a file without the setting {@code bias} (every file before it existed) has one. */
    static Conv2D of(Map<String, String> c) {
        String bias = c.getOrDefault("bias", "true");
        if (!bias.equals("true") && !bias.equals("false")) {
            throw new IllegalArgumentException("the layer setting bias=" + bias + " is not true or false");
        }
        return new Conv2D(Layers.intValue(c, "filters"), Layers.intValue(c, "kernel_height"), Layers.intValue(c, "kernel_width"),
                Layers.intValue(c, "stride_height"), Layers.intValue(c, "stride_width"), Layers.intValue(c, "pad_height"),
                Layers.intValue(c, "pad_width"), Layers.enumValue(c, "init", Init.class), bias.equals("true"));
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.k != null, this);
        if (input.rank() != 3) {
            throw new IllegalArgumentException(this + " takes images of shape (height, width, channels), got shape " + input);
        }
        this.k = context.kernels();
        this.g = new Conv2d(input.dim(2), input.dim(0), input.dim(1), filters, kernelHeight, kernelWidth, strideHeight,
                strideWidth, padHeight, padWidth, 1, 1);
        w = new Parameter("W", kernelHeight * kernelWidth * input.dim(2), filters);
        b = bias ? Parameter.withoutDecay("b", 1, filters) : null;
        return Shape.of(g.outHeight(), g.outWidth(), filters);
    }

    @Override
    public List<Parameter> parameters() {
        return bias ? List.of(w, b) : List.of(w);
    }

    @Override
    public void initialize(SplittableRandom rnd) {
        int area = kernelHeight * kernelWidth;
        w.value().copyFrom(init.sample((int) w.size(), area * g.channels(), area * filters, rnd));
        if (bias) {
            b.value().fill(0f);
        }
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
        y = new Buffer(arena, maxBatch, g.outHeight() * g.outWidth() * filters);
        dX = new Buffer(gradients, maxBatch, g.height() * g.width() * g.channels());
        if (!bias) {
            zeroBias = new Buffer(arena, 1, filters);       // zeroed on allocation, never written
            dbScratch = new Buffer(arena, 1, filters);
        }
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        if (training) {
            this.x = x;
        }
        Matrix out = y.rows(x.rows());
        k.conv2dForward(out, x, w.value(), bias ? b.value() : zeroBias.rows(1), g);
        return out;
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        k.conv2dBackwardFilter(w.grad(), bias ? b.grad() : dbScratch.rows(1), dY, x, g, accumulate ? 1f : 0f);
        if (!needInput) {
            return null;
        }
        Matrix dx = dX.rows(dY.rows());
        k.conv2dBackwardInput(dx, dY, w.value(), g);
        return dx;
    }

    @Override
    public String type() {
        return "conv2d";
    }

    @Override
    public Map<String, String> config() {
        Map<String, String> c = new HashMap<>(Map.of("filters", Integer.toString(filters),
                "kernel_height", Integer.toString(kernelHeight),
                "kernel_width", Integer.toString(kernelWidth), "stride_height", Integer.toString(strideHeight),
                "stride_width", Integer.toString(strideWidth), "pad_height", Integer.toString(padHeight),
                "pad_width", Integer.toString(padWidth), "init", init.name().toLowerCase(Locale.ROOT)));
        if (!bias) {
            c.put("bias", "false");     // written only when false: the files of layers with a bias stay as they were
        }
        return Map.copyOf(c);
    }

    /** {@return whether the layer learns a bias} */
    public boolean hasBias() {
        return bias;
    }

    @Override
    public String toString() {
        String geometry = kernelHeight + "x" + kernelWidth + (strideHeight == 1 && strideWidth == 1 ? ""
                : ", stride " + (strideHeight == strideWidth ? strideHeight : strideHeight + "x" + strideWidth))
                + (padHeight == 0 && padWidth == 0 ? "" : ", pad " + (padHeight == padWidth ? padHeight : padHeight + "x" + padWidth));
        return "Conv2D(" + (g == null ? "" : g.channels() + "->") + filters + ", " + geometry + (bias ? "" : ", no bias") + ")";
    }
}
