package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;
import java.lang.foreign.Arena;
import java.util.Map;

/**
 * What {@link MaxPool2D} and {@link AvgPool2D} share: a square window, a stride and zero padding, on
 * channels-last images {@code (H, W, C)} to {@code (P, Q, C)}, per channel; no parameters.
 */
abstract sealed class Pooling implements Layer permits MaxPool2D, AvgPool2D {

    final int window;
    final int stride;
    final int padding;
    Kernels k;
    Pool2d g;
    Matrix x;              // the last training forward input
    private Buffer y;
    private Buffer dX;

    Pooling(int window, int stride, int padding) {
        if (window < 1 || stride < 1) {
            throw new IllegalArgumentException("window and stride must be >= 1, got " + window + " and " + stride);
        }
        if (padding < 0 || padding >= window) {
            throw new IllegalArgumentException("padding must be in [0, window), got " + padding + " for window " + window);
        }
        this.window = window;
        this.stride = stride;
        this.padding = padding;
    }

    /** {@code y = pool(x)} into y. */
    abstract void pool(Matrix y, Matrix x);

    /** {@code dX} from {@code dY} (and, for max pooling, the forward input x). */
    abstract void unpool(Matrix dX, Matrix dY);

    @Override
    public final Shape build(Shape input, Context context) {
        Layers.once(this.k != null, this);
        if (input.rank() != 3) {
            throw new IllegalArgumentException(this + " takes images of shape (height, width, channels), got shape " + input);
        }
        this.k = context.kernels();
        this.g = new Pool2d(input.dim(2), input.dim(0), input.dim(1), window, window, stride, stride, padding, padding);
        return Shape.of(g.outHeight(), g.outWidth(), input.dim(2));
    }

    @Override
    public final void reserve(Arena arena, Arena gradients, int maxBatch) {
        y = new Buffer(arena, maxBatch, g.outHeight() * g.outWidth() * g.channels());
        dX = new Buffer(gradients, maxBatch, g.height() * g.width() * g.channels());
    }

    @Override
    public final Matrix forward(Matrix x, boolean training) {
        if (training) {
            this.x = x;
        }
        Matrix out = y.rows(x.rows());
        pool(out, x);
        return out;
    }

    @Override
    public final Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        if (!needInput) {
            return null;
        }
        Matrix dx = dX.rows(dY.rows());
        unpool(dx, dY);
        return dx;
    }

    @Override
    public final Map<String, String> config() {
        return Map.of("window", Integer.toString(window), "stride", Integer.toString(stride), "padding", Integer.toString(padding));
    }

    /** E.g. {@code MaxPool2D(2x2)} or {@code AvgPool2D(3x3, stride 2, pad 1)}. */
    final String describe(String name) {
        return name + "(" + window + "x" + window + (stride == window ? "" : ", stride " + stride)
                + (padding == 0 ? "" : ", pad " + padding) + ")";
    }
}
