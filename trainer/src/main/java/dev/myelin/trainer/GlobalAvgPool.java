package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;
import java.lang.foreign.Arena;

/**
 * Global average pooling: a channels-last image {@code (H, W, C)} to the vector {@code (C)} of its channels' means
 * over the {@code H * W} pixels, as PyTorch's {@code AdaptiveAvgPool2d(1)} followed by a flatten. It is average
 * pooling with one window the size of the image ({@code avgPool2dForward} with an {@code H x W} window, no padding:
 * the sum in scan order divided by {@code H * W}); backward gives every pixel its channel's {@code dY / (H W)}
 * ({@code avgPool2dBackward}). No parameters.
 */
public final class GlobalAvgPool implements Layer {

    private Kernels k;
    private Pool2d g;
    private Buffer y;
    private Buffer dX;

    /** Global average pooling; the input's size comes from the layer before. */
    public GlobalAvgPool() {
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.k != null, this);
        if (input.rank() != 3) {
            throw new IllegalArgumentException(this + " takes images of shape (height, width, channels), got shape " + input);
        }
        this.k = context.kernels();
        int h = input.dim(0);
        int w = input.dim(1);
        this.g = new Pool2d(input.dim(2), h, w, h, w, 1, 1, 0, 0);        // one window: the whole image, output 1 x 1
        return Shape.of(input.dim(2));
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
        y = new Buffer(arena, maxBatch, g.channels());
        dX = new Buffer(gradients, maxBatch, g.height() * g.width() * g.channels());
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        Matrix out = y.rows(x.rows());
        k.avgPool2dForward(out, x, g);
        return out;
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        if (!needInput) {
            return null;
        }
        Matrix dx = dX.rows(dY.rows());
        k.avgPool2dBackward(dx, dY, g);
        return dx;
    }

    @Override
    public String type() {
        return "global_avg_pool";
    }

    @Override
    public String toString() {
        return "GlobalAvgPool" + (g == null ? "" : "(" + g.height() + "x" + g.width() + ")");
    }
}
