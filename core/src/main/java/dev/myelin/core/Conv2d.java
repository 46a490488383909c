package dev.myelin.core;

/**
 * The geometry of a 2-D convolution over channels-last (NHWC) images: what the convolution kernels of
 * {@link Kernels} read and write. A batch of N images of {@code height x width} pixels and {@code channels}
 * channels is a {@link Matrix} of {@code (N, height * width * channels)}: row n is image n, its element
 * {@code (h * width + w) * channels + c} is pixel (h, w), channel c (docs/architecture.md, "Image layout").
 *
 * <p>The {@code filters} filters of {@code kernelHeight x kernelWidth} taps are the matrix W of
 * {@code (kernelHeight * kernelWidth * channels, filters)}: row {@code (r * kernelWidth + s) * channels + c}
 * holds tap (r, s) of input channel c, column k filter k. The output of {@code outHeight() x outWidth()}
 * pixels and {@code filters} channels is {@code (N, outHeight * outWidth * filters)}, element
 * {@code (p * outWidth + q) * filters + k}. Output pixel (p, q) reads input pixel
 * {@code (p * strideHeight - padHeight + r * dilationHeight, q * strideWidth - padWidth + s * dilationWidth)}
 * for tap (r, s); a pixel outside the image reads as zero (zero padding).
 *
 * <p>Validated on construction: every size {@code >= 1}, strides and dilations {@code >= 1}, padding
 * {@code >= 0}, the dilated kernel no larger than the padded input on either axis, and every matrix width
 * (input, output, filter rows) within {@code Integer.MAX_VALUE}. The message names the field and its value.
 *
 * @param channels       input channels C
 * @param height         input height H
 * @param width          input width W
 * @param filters        output channels K (one filter each)
 * @param kernelHeight   kernel rows R
 * @param kernelWidth    kernel columns S
 * @param strideHeight   vertical stride
 * @param strideWidth    horizontal stride
 * @param padHeight      zero rows added above and below
 * @param padWidth       zero columns added left and right
 * @param dilationHeight vertical spacing of the kernel's taps (1: adjacent)
 * @param dilationWidth  horizontal spacing of the kernel's taps (1: adjacent)
 */
public record Conv2d(int channels, int height, int width, int filters, int kernelHeight, int kernelWidth,
                     int strideHeight, int strideWidth, int padHeight, int padWidth, int dilationHeight,
                     int dilationWidth) {

    /**
     * Checks the geometry as described above.
     *
     * @throws IllegalArgumentException naming the field and its value if the geometry is invalid
     */
    public Conv2d {
        atLeast("channels", channels, 1);
        atLeast("height", height, 1);
        atLeast("width", width, 1);
        atLeast("filters", filters, 1);
        atLeast("kernelHeight", kernelHeight, 1);
        atLeast("kernelWidth", kernelWidth, 1);
        atLeast("strideHeight", strideHeight, 1);
        atLeast("strideWidth", strideWidth, 1);
        atLeast("padHeight", padHeight, 0);
        atLeast("padWidth", padWidth, 0);
        atLeast("dilationHeight", dilationHeight, 1);
        atLeast("dilationWidth", dilationWidth, 1);
        fits("kernel", "rows", kernelHeight, dilationHeight, "height", height, padHeight);
        fits("kernel", "columns", kernelWidth, dilationWidth, "width", width, padWidth);
        width("input (height x width x channels)", (long) height * width * channels);
        width("filter rows (kernelHeight x kernelWidth x channels)", (long) kernelHeight * kernelWidth * channels);
        width("output (outHeight x outWidth x filters)",
                (long) out(height, padHeight, dilationHeight, kernelHeight, strideHeight)
                        * out(width, padWidth, dilationWidth, kernelWidth, strideWidth) * filters);
    }

    /**
     * The common case: a square {@code kernel x kernel} kernel, the same stride and padding on both axes,
     * no dilation. {@code Conv2d.of(32, 14, 14, 64, 3, 1, 1)} is a 3x3 convolution of 14x14x32 images into
     * 64 channels that keeps the size (14x14x64).
     *
     * @param channels input channels C
     * @param height   input height H
     * @param width    input width W
     * @param filters  output channels K
     * @param kernel   the kernel's rows and columns (R = S)
     * @param stride   the stride on both axes
     * @param padding  the zero padding on each side, both axes
     * @return the geometry
     */
    public static Conv2d of(int channels, int height, int width, int filters, int kernel, int stride, int padding) {
        return new Conv2d(channels, height, width, filters, kernel, kernel, stride, stride, padding, padding, 1, 1);
    }

    /**
     * Output rows {@code P = (H + 2 padHeight - dilationHeight (R - 1) - 1) / strideHeight + 1}.
     *
     * @return the output rows P, {@code >= 1}
     */
    public int outHeight() {
        return out(height, padHeight, dilationHeight, kernelHeight, strideHeight);
    }

    /**
     * Output columns {@code Q = (W + 2 padWidth - dilationWidth (S - 1) - 1) / strideWidth + 1}.
     *
     * @return the output columns Q, {@code >= 1}
     */
    public int outWidth() {
        return out(width, padWidth, dilationWidth, kernelWidth, strideWidth);
    }

    /** {@return the columns of an input batch: {@code height * width * channels}} */
    public int inputColumns() {
        return height * width * channels;
    }

    /** {@return the columns of an output batch: {@code outHeight() * outWidth() * filters}} */
    public int outputColumns() {
        return outHeight() * outWidth() * filters;
    }

    /** {@return the rows of the filter matrix W: {@code kernelHeight * kernelWidth * channels}} */
    public int filterRows() {
        return kernelHeight * kernelWidth * channels;
    }

    private static int out(int size, int pad, int dilation, int kernel, int stride) {
        return (int) (((long) size + 2L * pad - (long) dilation * (kernel - 1) - 1) / stride + 1);
    }

    static void atLeast(String name, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(name + " must be >= " + min + ", got " + value);
        }
    }

    /** The dilated kernel ({@code dilation (kernel - 1) + 1}) fits in the padded input ({@code size + 2 pad}). */
    private static void fits(String what, String unit, int kernel, int dilation, String sizeName, int size, int pad) {
        long span = (long) dilation * (kernel - 1) + 1;
        long padded = size + 2L * pad;
        if (span > padded) {
            throw new IllegalArgumentException("the " + what + " (" + kernel + " " + unit + ", dilation " + dilation
                    + ") is larger than the padded input (" + padded + " " + unit + ": " + sizeName + " " + size
                    + " + 2 x padding " + pad + ")");
        }
    }

    static void width(String what, long columns) {
        if (columns > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the " + what + " is " + columns + " floats per image, more than a matrix"
                    + " row holds (" + Integer.MAX_VALUE + ")");
        }
    }
}
