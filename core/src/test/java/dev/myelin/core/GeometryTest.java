package dev.myelin.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@link Conv2d} and {@link Pool2d}: the output size is the number of window positions that fit (counted
 * here one by one, not from the formula), the factories are the full constructors' common case, and every
 * invalid field is rejected with a message that names it and its value.
 */
class GeometryTest {

    /** Window positions {@code o = 0, 1, ...} whose dilated window {@code [o*stride, o*stride + dilation (k - 1)]} lies in {@code [0, size + 2 pad)}. */
    private static int positions(int size, int pad, int kernel, int stride, int dilation) {
        int count = 0;
        for (int o = 0; (long) o * stride + (long) dilation * (kernel - 1) <= size + 2L * pad - 1; o++) {
            count++;
        }
        return count;
    }

    @TestFactory
    Stream<DynamicTest> outputSizesCountTheWindowPositions() {
        return IntStream.range(0, 400).mapToObj(i -> {
            SplittableRandom rnd = Cases.random(70_000_000L + i);
            int h = rnd.nextInt(1, 40), w = rnd.nextInt(1, 40);
            int pH = rnd.nextInt(0, 4), pW = rnd.nextInt(0, 4);
            int dH = rnd.nextInt(1, 4), dW = rnd.nextInt(1, 4);
            int r = rnd.nextInt(1, Math.max(2, (h + 2 * pH - 1) / dH + 2));
            int s = rnd.nextInt(1, Math.max(2, (w + 2 * pW - 1) / dW + 2));
            int sH = rnd.nextInt(1, 4), sW = rnd.nextInt(1, 4);
            String name = h + "x" + w + " kernel " + r + "x" + s + " stride " + sH + "," + sW + " pad " + pH + "," + pW
                    + " dilation " + dH + "," + dW + " " + Cases.tag(70_000_000L + i);
            return DynamicTest.dynamicTest(name, () -> {
                if ((long) dH * (r - 1) + 1 > h + 2L * pH || (long) dW * (s - 1) + 1 > w + 2L * pW) {
                    assertThrows(IllegalArgumentException.class, () -> new Conv2d(3, h, w, 5, r, s, sH, sW, pH, pW, dH, dW));
                    return;
                }
                Conv2d g = new Conv2d(3, h, w, 5, r, s, sH, sW, pH, pW, dH, dW);
                assertEquals(positions(h, pH, r, sH, dH), g.outHeight());
                assertEquals(positions(w, pW, s, sW, dW), g.outWidth());
                assertEquals(h * w * 3, g.inputColumns());
                assertEquals(g.outHeight() * g.outWidth() * 5, g.outputColumns());
                assertEquals(r * s * 3, g.filterRows());
                if (pH < r && pW < s && r <= h + 2 * pH && s <= w + 2 * pW) {
                    Pool2d p = new Pool2d(3, h, w, r, s, sH, sW, pH, pW);
                    assertEquals(positions(h, pH, r, sH, 1), p.outHeight());
                    assertEquals(positions(w, pW, s, sW, 1), p.outWidth());
                    assertEquals(p.outHeight() * p.outWidth() * 3, p.outputColumns());
                }
            });
        });
    }

    @Test
    void theFactoriesAreTheCommonCase() {
        assertEquals(new Conv2d(32, 14, 14, 64, 3, 3, 1, 1, 1, 1, 1, 1), Conv2d.of(32, 14, 14, 64, 3, 1, 1));
        assertEquals(new Pool2d(32, 28, 28, 2, 2, 2, 2, 0, 0), Pool2d.of(32, 28, 28, 2, 2, 0));
        assertEquals(14, Pool2d.of(32, 28, 28, 2, 2, 0).outHeight());
        assertEquals(28, Conv2d.of(1, 28, 28, 32, 3, 1, 1).outWidth());
    }

    private static void rejected(String message, Runnable make) {
        Throwable t = assertThrows(IllegalArgumentException.class, make::run);
        assertEquals(message, t.getMessage());
    }

    @Test
    void badConvolutionsAreRejected() {
        rejected("channels must be >= 1, got 0", () -> new Conv2d(0, 5, 5, 2, 3, 3, 1, 1, 0, 0, 1, 1));
        rejected("height must be >= 1, got -1", () -> new Conv2d(1, -1, 5, 2, 3, 3, 1, 1, 0, 0, 1, 1));
        rejected("width must be >= 1, got 0", () -> new Conv2d(1, 5, 0, 2, 3, 3, 1, 1, 0, 0, 1, 1));
        rejected("filters must be >= 1, got 0", () -> new Conv2d(1, 5, 5, 0, 3, 3, 1, 1, 0, 0, 1, 1));
        rejected("kernelHeight must be >= 1, got 0", () -> new Conv2d(1, 5, 5, 2, 0, 3, 1, 1, 0, 0, 1, 1));
        rejected("kernelWidth must be >= 1, got 0", () -> new Conv2d(1, 5, 5, 2, 3, 0, 1, 1, 0, 0, 1, 1));
        rejected("strideHeight must be >= 1, got 0", () -> new Conv2d(1, 5, 5, 2, 3, 3, 0, 1, 0, 0, 1, 1));
        rejected("strideWidth must be >= 1, got -2", () -> new Conv2d(1, 5, 5, 2, 3, 3, 1, -2, 0, 0, 1, 1));
        rejected("padHeight must be >= 0, got -1", () -> new Conv2d(1, 5, 5, 2, 3, 3, 1, 1, -1, 0, 1, 1));
        rejected("padWidth must be >= 0, got -3", () -> new Conv2d(1, 5, 5, 2, 3, 3, 1, 1, 0, -3, 1, 1));
        rejected("dilationHeight must be >= 1, got 0", () -> new Conv2d(1, 5, 5, 2, 3, 3, 1, 1, 0, 0, 0, 1));
        rejected("dilationWidth must be >= 1, got 0", () -> new Conv2d(1, 5, 5, 2, 3, 3, 1, 1, 0, 0, 1, 0));
        rejected("the kernel (3 rows, dilation 1) is larger than the padded input (2 rows: height 2 + 2 x padding 0)",
                () -> Conv2d.of(1, 2, 5, 2, 3, 1, 0));
        rejected("the kernel (3 columns, dilation 2) is larger than the padded input (4 columns: width 2 + 2 x padding 1)",
                () -> new Conv2d(1, 5, 2, 2, 3, 3, 1, 1, 1, 1, 1, 2));
        rejected("the input (height x width x channels) is 3000000000 floats per image, more than a matrix row holds (2147483647)",
                () -> Conv2d.of(3, 1_000_000, 1000, 1, 1, 1, 0));
    }

    @Test
    void badPoolingsAreRejected() {
        rejected("channels must be >= 1, got 0", () -> Pool2d.of(0, 4, 4, 2, 2, 0));
        rejected("windowWidth must be >= 1, got 0", () -> new Pool2d(1, 4, 4, 2, 0, 2, 2, 0, 0));
        rejected("strideHeight must be >= 1, got 0", () -> new Pool2d(1, 4, 4, 2, 2, 0, 2, 0, 0));
        rejected("padWidth must be >= 0, got -1", () -> new Pool2d(1, 4, 4, 2, 2, 2, 2, 0, -1));
        rejected("padHeight must be < windowHeight (so that every window holds an input pixel), got padHeight 2, windowHeight 2",
                () -> Pool2d.of(1, 4, 4, 2, 2, 2));
        rejected("the window (5 columns) is larger than the padded input (3 columns: width 1 + 2 x padding 1)",
                () -> new Pool2d(1, 9, 1, 3, 5, 1, 1, 1, 1));
    }
}
