package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import java.util.Map;

/**
 * Max pooling over square windows, per channel ({@code maxPool2dForward}); backward sends each output gradient
 * to the first maximum of its window in scan order ({@code maxPool2dBackward}), adding where windows overlap.
 */
public final class MaxPool2D extends Pooling {

    /**
     * Windows of {@code window x window} every {@code stride} pixels, no padding.
     *
     * @param window the side of the square window, {@code >= 1}
     * @param stride the step between windows, {@code >= 1}
     */
    public MaxPool2D(int window, int stride) {
        super(window, stride, 0);
    }

    /**
     * Non-overlapping windows: the stride equals the window.
     *
     * @param window the side of the square window and the stride, {@code >= 1}
     */
    public MaxPool2D(int window) {
        this(window, window);
    }

    /** From a model file. */
    static MaxPool2D of(Map<String, String> c) {
        if (Layers.intValue(c, "padding") != 0) {
            throw new IllegalArgumentException("max pooling takes no padding, got padding=" + c.get("padding"));
        }
        return new MaxPool2D(Layers.intValue(c, "window"), Layers.intValue(c, "stride"));
    }

    @Override
    void pool(Matrix y, Matrix x) {
        k.maxPool2dForward(y, x, g);
    }

    @Override
    void unpool(Matrix dX, Matrix dY) {
        k.maxPool2dBackward(dX, dY, x, g);
    }

    @Override
    public String type() {
        return "max_pool2d";
    }

    @Override
    public String toString() {
        return describe("MaxPool2D");
    }
}
