package dev.myelin.core;

/**
 * The geometry of 2-D pooling over channels-last (NHWC) images, as in {@link Conv2d}: the input is
 * {@code (N, height * width * channels)}, the output {@code (N, outHeight * outWidth * channels)}, element
 * {@code (p * outWidth + q) * channels + c}. Output pixel (p, q) pools, channel by channel, the window of
 * {@code windowHeight x windowWidth} input pixels whose top left is
 * {@code (p * strideHeight - padHeight, q * strideWidth - padWidth)}. What a padded cell counts as is the
 * kernel's business: max pooling never picks one (as if -Inf), average pooling counts it as a zero
 * (divides by the whole window).
 *
 * <p>Validated on construction: every size {@code >= 1}, strides {@code >= 1}, padding {@code >= 0} and
 * smaller than the window (so every window holds at least one input pixel), the window no larger than the
 * padded input, and the row widths within {@code Integer.MAX_VALUE}. The message names the field and its value.
 *
 * @param channels     channels C (the output has as many)
 * @param height       input height H
 * @param width        input width W
 * @param windowHeight window rows R
 * @param windowWidth  window columns S
 * @param strideHeight vertical stride
 * @param strideWidth  horizontal stride
 * @param padHeight    padded rows above and below
 * @param padWidth     padded columns left and right
 */
public record Pool2d(int channels, int height, int width, int windowHeight, int windowWidth, int strideHeight,
                     int strideWidth, int padHeight, int padWidth) {

    /**
     * Checks the geometry as described above.
     *
     * @throws IllegalArgumentException naming the field and its value if the geometry is invalid
     */
    public Pool2d {
        Conv2d.atLeast("channels", channels, 1);
        Conv2d.atLeast("height", height, 1);
        Conv2d.atLeast("width", width, 1);
        Conv2d.atLeast("windowHeight", windowHeight, 1);
        Conv2d.atLeast("windowWidth", windowWidth, 1);
        Conv2d.atLeast("strideHeight", strideHeight, 1);
        Conv2d.atLeast("strideWidth", strideWidth, 1);
        Conv2d.atLeast("padHeight", padHeight, 0);
        Conv2d.atLeast("padWidth", padWidth, 0);
        below("padHeight", padHeight, "windowHeight", windowHeight);
        below("padWidth", padWidth, "windowWidth", windowWidth);
        fits("rows", windowHeight, "height", height, padHeight);
        fits("columns", windowWidth, "width", width, padWidth);
        Conv2d.width("input (height x width x channels)", (long) height * width * channels);
        Conv2d.width("output (outHeight x outWidth x channels)", (long) out(height, padHeight, windowHeight, strideHeight)
                * out(width, padWidth, windowWidth, strideWidth) * channels);
    }

    /**
     * The common case: a square {@code window x window} window with the same stride and padding on both axes.
     * {@code Pool2d.of(32, 28, 28, 2, 2, 0)} halves 28x28x32 images to 14x14x32.
     *
     * @param channels channels C
     * @param height   input height H
     * @param width    input width W
     * @param window   the window's rows and columns (R = S)
     * @param stride   the stride on both axes
     * @param padding  the padding on each side, both axes
     * @return the geometry
     */
    public static Pool2d of(int channels, int height, int width, int window, int stride, int padding) {
        return new Pool2d(channels, height, width, window, window, stride, stride, padding, padding);
    }

    /**
     * Output rows {@code P = (H + 2 padHeight - R) / strideHeight + 1}.
     *
     * @return the output rows P, {@code >= 1}
     */
    public int outHeight() {
        return out(height, padHeight, windowHeight, strideHeight);
    }

    /**
     * Output columns {@code Q = (W + 2 padWidth - S) / strideWidth + 1}.
     *
     * @return the output columns Q, {@code >= 1}
     */
    public int outWidth() {
        return out(width, padWidth, windowWidth, strideWidth);
    }

    /** {@return the columns of an input batch: {@code height * width * channels}} */
    public int inputColumns() {
        return height * width * channels;
    }

    /** {@return the columns of an output batch: {@code outHeight() * outWidth() * channels}} */
    public int outputColumns() {
        return outHeight() * outWidth() * channels;
    }

    private static int out(int size, int pad, int window, int stride) {
        return (int) (((long) size + 2L * pad - window) / stride + 1);
    }

    private static void below(String name, int value, String limitName, int limit) {
        if (value >= limit) {
            throw new IllegalArgumentException(name + " must be < " + limitName + " (so that every window holds an input"
                    + " pixel), got " + name + " " + value + ", " + limitName + " " + limit);
        }
    }

    private static void fits(String unit, int window, String sizeName, int size, int pad) {
        long padded = size + 2L * pad;
        if (window > padded) {
            throw new IllegalArgumentException("the window (" + window + " " + unit + ") is larger than the padded input ("
                    + padded + " " + unit + ": " + sizeName + " " + size + " + 2 x padding " + pad + ")");
        }
    }
}
