package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import java.util.Map;

/**
 * Average pooling over square windows, per channel: the window's sum divided by its full size, padded cells
 * counted as zeros ({@code avgPool2dForward}); backward spreads each output gradient evenly over its window
 * ({@code avgPool2dBackward}).
 */
public final class AvgPool2D extends Pooling {

    /**
     * Windows of {@code window x window} every {@code stride} pixels, {@code padding} zeros around the image.
     *
     * @param window  the side of the square window, {@code >= 1}
     * @param stride  the step between windows, {@code >= 1}
     * @param padding the zeros around the image, in {@code [0, window)}
     */
    public AvgPool2D(int window, int stride, int padding) {
        super(window, stride, padding);
    }

    /**
     * Non-overlapping windows, no padding.
     *
     * @param window the side of the square window and the stride, {@code >= 1}
     */
    public AvgPool2D(int window) {
        this(window, window, 0);
    }

    /** From a model file. */
    static AvgPool2D of(Map<String, String> c) {
        return new AvgPool2D(Layers.intValue(c, "window"), Layers.intValue(c, "stride"), Layers.intValue(c, "padding"));
    }

    @Override
    void pool(Matrix y, Matrix x) {
        k.avgPool2dForward(y, x, g);
    }

    @Override
    void unpool(Matrix dX, Matrix dY) {
        k.avgPool2dBackward(dX, dY, g);
    }

    @Override
    public String type() {
        return "avg_pool2d";
    }

    @Override
    public String toString() {
        return describe("AvgPool2D");
    }
}
