package dev.myelin.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.myelin.core.Backends;
import dev.myelin.core.Conv2d;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Known answers for the reference convolution and pooling kernels, worked out by hand on small integers
 * (every product and partial sum is an integer or a quarter well inside float's 24 bits, so the float
 * results are exact and compare bit for bit). Each case says what it exercises; the working is in the
 * comments. Images are channels-last: element {@code (h*W + w)*C + c} of row n.
 */
class ImageKnownAnswerTest {

    private final Kernels k = Backends.reference();
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    private Matrix m(int rows, int cols, float... v) {
        return Matrix.of(arena, rows, cols, v);
    }

    /** An output filled with NaN: a kernel that writes it must not read it. */
    private Matrix out(int rows, int cols) {
        return Matrix.allocate(arena, rows, cols).fill(Float.NaN);
    }

    private static void assertBits(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            int e = i;
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                    () -> "element " + e + ": expected " + expected[e] + ", got " + actual[e]);
        }
    }

    // ---------------------------------------------------------------- convolution

    /**
     * Channels, filters and a batch: two images of 1x2 pixels with 2 channels, 2 filters of 1x2 taps.
     * X row 0 = pixel (0,0) = (1, 2), pixel (0,1) = (3, 4); row 1 = (0, -1), (2, 1). W rows are (s, c):
     * (0,0) = [1, -1], (0,1) = [2, 0], (1,0) = [3, 1], (1,1) = [4, 2]; b = [0.5, -1].
     */
    @Test
    void convolutionOverChannelsFiltersAndImages() {
        Conv2d g = new Conv2d(2, 1, 2, 2, 1, 2, 1, 1, 0, 0, 1, 1);
        Matrix x = m(2, 4, 1, 2, 3, 4, 0, -1, 2, 1);
        Matrix w = m(4, 2, 1, -1, 2, 0, 3, 1, 4, 2);
        Matrix y = out(2, 2);
        k.conv2dForward(y, x, w, m(1, 2, 0.5f, -1), g);
        // image 0: k0 = 1*1 + 2*2 + 3*3 + 4*4 + 0.5 = 30.5, k1 = -1 + 0 + 3 + 8 - 1 = 9
        // image 1: k0 = 0 - 2 + 6 + 4 + 0.5 = 8.5,          k1 = 0 + 0 + 2 + 2 - 1 = 3
        assertBits(new float[] {30.5f, 9, 8.5f, 3}, y.toArray());

        // dX[s,c] = sum_k dY[k] W[(s,c)][k]; dY row 0 = [1, 2]: (0,0) 1 - 2 = -1, (0,1) 2, (1,0) 3 + 2 = 5, (1,1) 4 + 4 = 8;
        // row 1 = [-1, 3]: -1 - 3 = -4, -2, -3 + 3 = 0, -4 + 6 = 2
        Matrix dY = m(2, 2, 1, 2, -1, 3);
        Matrix dX = out(2, 4);
        k.conv2dBackwardInput(dX, dY, w, g);
        assertBits(new float[] {-1, 2, 5, 8, -4, -2, 0, 2}, dX.toArray());

        // dW[(s,c)][k] = sum_n X[n][s,c] dY[n][k]: (0,0): [1*1 + 0*-1, 1*2 + 0*3] = [1, 2]; (0,1): [2 + 1, 4 - 3] = [3, 1];
        // (1,0): [3 - 2, 6 + 6] = [1, 12]; (1,1): [4 - 1, 8 + 3] = [3, 11]; db = [1 - 1, 2 + 3] = [0, 5]
        Matrix dW = out(4, 2);
        Matrix db = out(1, 2);
        k.conv2dBackwardFilter(dW, db, dY, x, g, 0f);
        assertBits(new float[] {1, 2, 3, 1, 1, 12, 3, 11}, dW.toArray());
        assertBits(new float[] {0, 5}, db.toArray());
        // beta = 1 adds: the same gradients again give twice the values
        k.conv2dBackwardFilter(dW, db, dY, x, g, 1f);
        assertBits(new float[] {2, 4, 6, 2, 2, 24, 6, 22}, dW.toArray());
        assertBits(new float[] {0, 10}, db.toArray());
    }

    /**
     * Padding and unequal strides: a 3x3 image x[h][w] = 3h + w + 1 (1..9), one 3x3 filter of taps
     * W(r, s) = 3r + s + 1 (1..9), padding 1, strides (2, 1): P = (3 + 2 - 3)/2 + 1 = 2, Q = 3. Output (p, q) reads
     * pixel (2p - 1 + r, q - 1 + s).
     */
    @Test
    void convolutionWithPaddingAndStrides() {
        Conv2d g = new Conv2d(1, 3, 3, 1, 3, 3, 2, 1, 1, 1, 1, 1);
        Matrix x = m(1, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        Matrix w = m(9, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        Matrix y = out(1, 6);
        k.conv2dForward(y, x, w, m(1, 1, 0), g);
        // (0,0): taps r, s in {1, 2} meet x[r-1][s-1]: 5*1 + 6*2 + 8*4 + 9*5 = 94
        // (0,1): r in {1, 2}, s in {0, 1, 2} meet x[r-1][s]: 4*1 + 5*2 + 6*3 + 7*4 + 8*5 + 9*6 = 154
        // (0,2): r in {1, 2}, s in {0, 1} meet x[r-1][s+1]: 4*2 + 5*3 + 7*5 + 8*6 = 106
        // (1,0): r in {0, 1}, s in {1, 2} meet x[r+1][s-1]: 2*4 + 3*5 + 5*7 + 6*8 = 106
        // (1,1): r in {0, 1}, all s, x[r+1][s]: 1*4 + 2*5 + 3*6 + 4*7 + 5*8 + 6*9 = 154
        // (1,2): r, s in {0, 1}, x[r+1][s+1]: 1*5 + 2*6 + 4*8 + 5*9 = 94
        assertBits(new float[] {94, 154, 106, 106, 154, 94}, y.toArray());

        // dX[h][w] = sum over (p, q, r, s) with 2p - 1 + r = h, q - 1 + s = w of dY[p][q] W(r, s), dY = [[1, 2, 3], [4, 5, 6]].
        // h = 0 needs r = 1 (p = 0); h = 1: r = 2 (p = 0) or r = 0 (p = 1); h = 2: r = 1 (p = 1). s = w + 1 - q.
        // (0,0): q = 0 (s = 1), q = 1 (s = 0): 1*W(1,1) + 2*W(1,0) = 5 + 8 = 13
        // (0,1): q = 0, 1, 2 (s = 2, 1, 0): 1*6 + 2*5 + 3*4 = 28;  (0,2): q = 1, 2 (s = 2, 1): 2*6 + 3*5 = 27
        // (1,0): p = 0 (r = 2): 1*W(2,1) + 2*W(2,0) = 8 + 14 = 22; p = 1 (r = 0): 4*W(0,1) + 5*W(0,0) = 8 + 5 = 13; 35
        // (1,1): r = 2: 1*9 + 2*8 + 3*7 = 46; r = 0: 4*3 + 5*2 + 6*1 = 28; 74.  (1,2): r = 2: 2*9 + 3*8 = 42; r = 0: 5*3 + 6*2 = 27; 69
        // (2,0): p = 1, r = 1: 4*5 + 5*4 = 40;  (2,1): 4*6 + 5*5 + 6*4 = 73;  (2,2): 5*6 + 6*5 = 60
        Matrix dY = m(1, 6, 1, 2, 3, 4, 5, 6);
        Matrix dX = out(1, 9);
        k.conv2dBackwardInput(dX, dY, w, g);
        assertBits(new float[] {13, 28, 27, 35, 74, 69, 40, 73, 60}, dX.toArray());

        // dW(r, s) = sum over (p, q) of x[2p - 1 + r][q - 1 + s] dY[p][q] (pixels inside the image):
        // (0,0): p = 1 only (row 1), q in {1, 2}: x[1][0]*5 + x[1][1]*6 = 4*5 + 5*6 = 50
        // (0,1): p = 1, q = 0..2 meet x[1][q]: 4*4 + 5*5 + 6*6 = 77;  (0,2): p = 1, q in {0, 1}: 5*4 + 6*5 = 50
        // (1,0): rows 0 (p = 0) and 2 (p = 1), q in {1, 2}: 1*2 + 2*3 + 7*5 + 8*6 = 91
        // (1,1): all q: 1*1 + 2*2 + 3*3 + 7*4 + 8*5 + 9*6 = 136;  (1,2): q in {0, 1}: 2*1 + 3*2 + 8*4 + 9*5 = 85
        // (2,0): row 1 (p = 0), q in {1, 2}: 4*2 + 5*3 = 23;  (2,1): 4*1 + 5*2 + 6*3 = 32;  (2,2): 5*1 + 6*2 = 17
        Matrix dW = out(9, 1);
        Matrix db = out(1, 1);
        k.conv2dBackwardFilter(dW, db, dY, x, g, 0f);
        assertBits(new float[] {50, 77, 50, 91, 136, 85, 23, 32, 17}, dW.toArray());
        assertBits(new float[] {21}, db.toArray());                       // 1 + 2 + ... + 6
    }

    /**
     * Dilation: a 3x5 image x[h][w] = 5h + w, one 1x2 filter W = [1, 10] with its taps 2 columns apart
     * (dilationWidth 2): y[p][q] = x[p][q] + 10 x[p][q + 2], P = 3, Q = (5 - 2 - 1) + 1 = 3.
     */
    @Test
    void convolutionWithDilation() {
        Conv2d g = new Conv2d(1, 3, 5, 1, 1, 2, 1, 1, 0, 0, 1, 2);
        float[] xv = new float[15];
        for (int e = 0; e < 15; e++) {
            xv[e] = e;                                                    // 5h + w
        }
        Matrix x = m(1, 15, xv);
        Matrix w = m(2, 1, 1, 10);
        Matrix y = out(1, 9);
        k.conv2dForward(y, x, w, m(1, 1, 0), g);
        // row 0: 0 + 20, 1 + 30, 2 + 40; row 1: 5 + 70, 6 + 80, 7 + 90; row 2: 10 + 120, 11 + 130, 12 + 140
        assertBits(new float[] {20, 31, 42, 75, 86, 97, 130, 141, 152}, y.toArray());

        // dY is 1 at (0,0), 2 at (1,1), -1 at (2,2): dX[p][q] += dY, dX[p][q + 2] += 10 dY
        Matrix dY = m(1, 9, 1, 0, 0, 0, 2, 0, 0, 0, -1);
        Matrix dX = out(1, 15);
        k.conv2dBackwardInput(dX, dY, w, g);
        assertBits(new float[] {1, 0, 10, 0, 0, 0, 2, 0, 20, 0, 0, 0, -1, 0, -10}, dX.toArray());
        // dW[0] = x[0][0]*1 + x[1][1]*2 - x[2][2] = 0 + 12 - 12 = 0; dW[1] = x[0][2] + 2 x[1][3] - x[2][4] = 2 + 16 - 14 = 4
        Matrix dW = out(2, 1);
        Matrix db = out(1, 1);
        k.conv2dBackwardFilter(dW, db, dY, x, g, 0f);
        assertBits(new float[] {0, 4}, dW.toArray());
        assertBits(new float[] {2}, db.toArray());
    }

    // ---------------------------------------------------------------- pooling

    /**
     * Max pooling 2x2, stride 2, on one 4x4 channel with ties and a NaN:
     * <pre>
     *   1  3 | 2  2
     *   3  0 | 2  1
     *  -1 -2 | 5  NaN
     *  -3 -4 | 6  7
     * </pre>
     * Maxima 3, 2, -1, NaN. The backward sends each dY to the first maximum in scan order: the 3 at (0,1) (not
     * the tie at (1,0)), the 2 at (0,2), the -1 at (2,0), the NaN at (2,3).
     */
    @Test
    void maxPoolingTiesAndNaN() {
        Pool2d g = Pool2d.of(1, 4, 4, 2, 2, 0);
        Matrix x = m(1, 16, 1, 3, 2, 2, 3, 0, 2, 1, -1, -2, 5, Float.NaN, -3, -4, 6, 7);
        Matrix y = out(1, 4);
        k.maxPool2dForward(y, x, g);
        assertBits(new float[] {3, 2, -1, Float.NaN}, y.toArray());
        Matrix dX = out(1, 16);
        k.maxPool2dBackward(dX, m(1, 4, 10, 20, 30, 40), x, g);
        assertBits(new float[] {0, 10, 20, 0, 0, 0, 0, 0, 30, 0, 0, 40, 0, 0, 0, 0}, dX.toArray());
    }

    /**
     * Signed zeros, two channels of a 1x3 image, one 1x3 window: channel 0 holds (-0, +0, +0), whose maximum is
     * +0 (above -0) first at pixel 1; channel 1 holds (-0, -0, -1), maximum -0 first at pixel 0.
     */
    @Test
    void maxPoolingSignedZeros() {
        Pool2d g = Pool2d.of(2, 1, 3, 1, 1, 0);
        Pool2d row = new Pool2d(2, 1, 3, 1, 3, 1, 1, 0, 0);
        Matrix x = m(1, 6, -0f, -0f, 0f, -0f, 0f, -1);
        Matrix y = out(1, 2);
        k.maxPool2dForward(y, x, row);
        assertBits(new float[] {0f, -0f}, y.toArray());
        Matrix dX = out(1, 6);
        k.maxPool2dBackward(dX, m(1, 2, 1, 2), x, row);
        assertBits(new float[] {0, 2, 1, 0, 0, 0}, dX.toArray());
        // a 1x1 window copies its pixel (and its gradient)
        Matrix same = out(1, 6);
        k.maxPool2dForward(same, x, g);
        assertBits(x.toArray(), same.toArray());
    }

    /**
     * Overlapping windows with padding: a 1x3 image, 1x3 windows, stride 1, padding 1 on the width: Q = 3,
     * windows {pad, 0, 1}, {0, 1, 2}, {1, 2, pad}. On (1, 5, 2) every maximum is the 5, which adds up all of
     * dY = (1, 2, 4). On (-Inf, -Inf, -Inf) padding must not win: the maxima are the first pixel inside each
     * window, 0, 0 and 1, which receive 1 + 2 and 4.
     */
    @Test
    void maxPoolingOverlapsAndPadding() {
        Pool2d g = new Pool2d(1, 1, 3, 1, 3, 1, 1, 0, 1);
        Matrix y = out(1, 3);
        Matrix x = m(1, 3, 1, 5, 2);
        k.maxPool2dForward(y, x, g);
        assertBits(new float[] {5, 5, 5}, y.toArray());
        Matrix dX = out(1, 3);
        k.maxPool2dBackward(dX, m(1, 3, 1, 2, 4), x, g);
        assertBits(new float[] {0, 7, 0}, dX.toArray());
        float inf = Float.NEGATIVE_INFINITY;
        Matrix low = m(1, 3, inf, inf, inf);
        k.maxPool2dForward(y, low, g);
        assertBits(new float[] {inf, inf, inf}, y.toArray());
        k.maxPool2dBackward(dX, m(1, 3, 1, 2, 4), low, g);
        assertBits(new float[] {3, 4, 0}, dX.toArray());
    }

    /**
     * Average pooling counts padded cells as zeros: the 2x2 image (1 2; 3 4), 2x2 windows, stride 1, padding 1:
     * 3x3 windows, each divided by 4: corners hold one pixel (1/4, 2/4, 3/4, 4/4), edges two ((1+2)/4 = 0.75,
     * (1+3)/4 = 1, (2+4)/4 = 1.5, (3+4)/4 = 1.75), the centre all four (10/4). The backward gives each pixel a
     * quarter of the dY of the four windows that hold it: dY = 1..9 row by row, pixel (0,0) is in windows
     * (0,0), (0,1), (1,0), (1,1): (1 + 2 + 4 + 5)/4 = 3; (0,1): (2 + 3 + 5 + 6)/4 = 4; (1,0): 6; (1,1): 7.
     */
    @Test
    void averagePoolingCountsPadding() {
        Pool2d g = Pool2d.of(1, 2, 2, 2, 1, 1);
        Matrix y = out(1, 9);
        k.avgPool2dForward(y, m(1, 4, 1, 2, 3, 4), g);
        assertBits(new float[] {0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1}, y.toArray());
        Matrix dX = out(1, 4);
        k.avgPool2dBackward(dX, m(1, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9), g);
        assertBits(new float[] {3, 4, 6, 7}, dX.toArray());
    }

    /** Average pooling without padding, two channels: 2x2 windows at stride 2 of a 2x4 image. */
    @Test
    void averagePoolingPerChannel() {
        Pool2d g = Pool2d.of(2, 2, 4, 2, 2, 0);
        // pixel (h, w) = (c0, c1): row 0: (1, -1) (2, -2) (3, 0) (5, 0); row 1: (3, -3) (2, 2) (4, 8) (0, 4)
        Matrix x = m(1, 16, 1, -1, 2, -2, 3, 0, 5, 0, 3, -3, 2, 2, 4, 8, 0, 4);
        Matrix y = out(1, 4);
        k.avgPool2dForward(y, x, g);
        // window 0: c0 (1 + 2 + 3 + 2)/4 = 2, c1 (-1 - 2 - 3 + 2)/4 = -1; window 1: c0 (3 + 5 + 4 + 0)/4 = 3, c1 (0 + 0 + 8 + 4)/4 = 3
        assertBits(new float[] {2, -1, 3, 3}, y.toArray());
        Matrix dX = out(1, 16);
        k.avgPool2dBackward(dX, m(1, 4, 4, -8, 2, 1), g);
        assertBits(new float[] {1, -2, 1, -2, 0.5f, 0.25f, 0.5f, 0.25f, 1, -2, 1, -2, 0.5f, 0.25f, 0.5f, 0.25f}, dX.toArray());
    }
}
