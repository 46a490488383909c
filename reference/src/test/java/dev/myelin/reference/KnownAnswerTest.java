package dev.myelin.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.myelin.core.Backends;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Known answers for every non-GEMM reference kernel, worked out by hand (or, for transcendental values,
 * taken from the closed form to 16 digits). Exact results compare exactly; a result that goes through
 * k float roundings may differ from the hand value by {@code gamma(k)} times the sum of the magnitudes
 * involved, and a transcendental one by half an ulp (the reference rounds a double once) plus 2^-40 of
 * the value for the double evaluation: the tolerances below say which.
 */
class KnownAnswerTest {

    private final Kernels k = Backends.reference();
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    /** A matrix with the given values, or zeros when none are given. */
    private Matrix m(int rows, int cols, float... v) {
        return v.length == 0 ? Matrix.allocate(arena, rows, cols) : Matrix.of(arena, rows, cols, v);
    }

    /** Half an ulp plus 2^-40 relative: a double result rounded once to float. */
    private static double halfUlp(double expected) {
        return 0.5 * Math.ulp((float) expected) + 0x1p-40 * Math.abs(expected);
    }

    private static void assertBits(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            int e = i;
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
                    () -> "element " + e + ": expected " + expected[e] + ", got " + actual[e]);
        }
    }

    @Test
    void elementwise() {
        Matrix x = m(2, 2);
        k.fill(x, 3f);
        assertArrayEquals(new float[] {3, 3, 3, 3}, x.toArray());
        Matrix y = m(2, 2);
        k.copy(y, m(2, 2, 1, -2, 0, 4));
        assertArrayEquals(new float[] {1, -2, 0, 4}, y.toArray());
        Matrix s = m(1, 3, 1, -2, 3);
        k.scale(s, 0.5f);
        assertArrayEquals(new float[] {0.5f, -1, 1.5f}, s.toArray());      // exact: halving
        Matrix a = m(1, 2, 1, 2);
        k.axpy(a, 2f, m(1, 2, 3, -1));
        assertArrayEquals(new float[] {7, 0}, a.toArray());
        Matrix z = m(1, 3);
        k.mul(z, m(1, 3, 1, 2, 3), m(1, 3, 4, 5, -6));
        assertArrayEquals(new float[] {4, 10, -18}, z.toArray());
        Matrix r = m(2, 2, 1, 2, 3, 4);
        k.addRowVector(r, m(1, 2, 10, 20));
        assertArrayEquals(new float[] {11, 22, 13, 24}, r.toArray());
        Matrix q = m(2, 2, 1, 2, 3, 4);
        k.mulRowVector(q, m(1, 2, 10, -0.5f));
        assertArrayEquals(new float[] {10, -1, 30, -2}, q.toArray());
    }

    @Test
    void columnSums() {
        Matrix x = m(3, 2, 1, 2, 3, 4, 5, 6);
        Matrix s = m(1, 2, Float.NaN, Float.NaN);
        k.columnSums(s, x, 0f);                                           // beta == 0: s not read
        assertArrayEquals(new float[] {9, 12}, s.toArray());
        Matrix t = m(1, 2, 1, 1);
        k.columnSums(t, x, 2f);
        assertArrayEquals(new float[] {11, 14}, t.toArray());
        Matrix zeros = m(2, 1, -0f, -0f);
        Matrix sz = m(1, 1);
        k.columnSums(sz, zeros, 0f);
        assertBits(new float[] {-0f}, sz.toArray());                      // -0 + -0 = -0: the sum starts at row 0
    }

    @Test
    void rowMaxAndArgmax() {
        Matrix x = m(4, 3, 1, 5, 5, 1, Float.NaN, Float.NaN, -0f, 0f, 0f, -1, -2, -3);
        Matrix max = m(4, 1);
        k.rowMax(max, x);
        assertBits(new float[] {5, Float.NaN, 0f, -1}, max.toArray());
        int[] index = {9, 9, 9, 9, 9};
        k.rowArgmax(index, x);
        assertArrayEquals(new int[] {1, 1, 1, 0, 9}, index);             // first maximum; first NaN; +0 over -0
    }

    @Test
    void reluAndLeakyRelu() {
        Matrix y = m(1, 5);
        k.reluForward(y, m(1, 5, -1, 0, 2, -0f, Float.NaN));
        assertBits(new float[] {0, 0, 2, 0f, Float.NaN}, y.toArray());
        Matrix dx = m(1, 4);
        k.reluBackward(dx, m(1, 4, 5, 5, 5, 5), m(1, 4, -1, 2, 0, Float.NaN));
        assertBits(new float[] {0, 5, 0, Float.NaN}, dx.toArray());
        Matrix ly = m(1, 2);
        k.leakyReluForward(ly, m(1, 2, -10, 3), 0.5f);
        assertArrayEquals(new float[] {-5, 3}, ly.toArray());
        Matrix ldx = m(1, 3);
        k.leakyReluBackward(ldx, m(1, 3, 2, 2, 2), m(1, 3, -1, 1, Float.NaN), 0.5f);
        assertBits(new float[] {1, 2, Float.NaN}, ldx.toArray());
        Matrix id = m(1, 2);
        k.identityForward(id, m(1, 2, 3, -4));
        assertArrayEquals(new float[] {3, -4}, id.toArray());
        k.identityBackward(id, m(1, 2, 5, 6));
        assertArrayEquals(new float[] {5, 6}, id.toArray());
    }

    @Test
    void sigmoidTanhGelu() {
        Matrix y = m(1, 5);
        k.sigmoidForward(y, m(1, 5, 0, 2, -2, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY));
        float[] s = y.toArray();
        assertEquals(0.5f, s[0]);
        assertEquals(0.8807970779778823, s[1], halfUlp(0.8807970779778823));    // 1 / (1 + e^-2)
        assertEquals(0.11920292202211755, s[2], halfUlp(0.11920292202211755));
        assertEquals(1f, s[3]);
        assertEquals(0f, s[4]);
        k.tanhForward(y, m(1, 5, 0.5f, -0.5f, -0f, Float.POSITIVE_INFINITY, 20));
        float[] t = y.toArray();
        assertEquals(0.46211715726000974, t[0], halfUlp(0.46211715726000974));
        assertEquals(-0.46211715726000974, t[1], halfUlp(0.46211715726000974));
        assertBits(new float[] {-0f, 1f, 1f}, new float[] {t[2], t[3], t[4]});
        // gelu(1) = 0.5 (1 + tanh(sqrt(2/pi) * 1.044715)) = 0.8411919906082768; gelu(x) - gelu(-x) = x
        k.geluForward(y, m(1, 5, 1, -1, 0, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY));
        float[] g = y.toArray();
        assertEquals(0.8411919906082768, g[0], halfUlp(0.8411919906082768));
        assertEquals(-0.15880800939172324, g[1], halfUlp(0.15880800939172324));
        assertBits(new float[] {0f, -0f, Float.POSITIVE_INFINITY}, new float[] {g[2], g[3], g[4]});
    }

    @Test
    void activationBackward() {
        Matrix dx = m(1, 1);
        k.sigmoidBackward(dx, m(1, 1, 2), m(1, 1, 0.25f));
        assertEquals(0.375f, dx.get(0, 0));                               // 2 * 0.25 * 0.75, exact in float
        k.tanhBackward(dx, m(1, 1, 2), m(1, 1, 0.5f));
        assertEquals(1.5f, dx.get(0, 0));                                 // 2 * (1 - 0.25)
        Matrix gx = m(1, 3);
        k.geluBackward(gx, m(1, 3, 2, 1, 3), m(1, 3, 0, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY));
        assertArrayEquals(new float[] {1, 1, 0}, gx.toArray());           // GELU'(0) = 1/2; the limits 1 and 0
    }

    @Test
    void softmaxAndLogSoftmax() {
        Matrix y = m(3, 4);
        k.softmaxForward(y, m(3, 4, 1, 1, 1, 1, 1e4f, 1e4f, -1e4f, Float.NEGATIVE_INFINITY, 5, 5, 5, 5));
        assertArrayEquals(new float[] {0.25f, 0.25f, 0.25f, 0.25f, 0.5f, 0.5f, 0, 0, 0.25f, 0.25f, 0.25f, 0.25f},
                y.toArray());                                              // no overflow at 1e4: max-subtracted
        Matrix ly = m(1, 4);
        k.logSoftmaxForward(ly, m(1, 4, 5, 5, 5, 5));
        for (float v : ly.toArray()) {
            assertEquals(-Math.log(4), v, halfUlp(Math.log(4)));
        }
        Matrix nan = m(1, 3);
        k.softmaxForward(nan, m(1, 3, 1, Float.NaN, 2));
        assertBits(new float[] {Float.NaN, Float.NaN, Float.NaN}, nan.toArray());
        Matrix dx = m(1, 2);
        k.softmaxBackward(dx, m(1, 2, 1, 0), m(1, 2, 0.25f, 0.75f));
        assertArrayEquals(new float[] {0.1875f, -0.1875f}, dx.toArray()); // s = 0.25; Y (dY - s), exact
        k.logSoftmaxBackward(dx, m(1, 2, 1, 3), m(1, 2, 0, Float.NEGATIVE_INFINITY));
        assertArrayEquals(new float[] {-3, 3}, dx.toArray());             // s = 4; dY - exp(Y) s with exp = 1, 0
    }

    /**
     * log-softmax backward where float arithmetic would overflow (issue 14); the reference sums dY and
     * evaluates the formula in double. Y = [100, ln 0.5], dY = [1, -1]: s = 0, so dX = dY exactly
     * (exp(100) * 0 = 0 in double). Y = [0, -Inf], dY = [MAX, MAX]: s = 2 MAX, dX = [-MAX, MAX] exactly.
     * Y = [ln 0.5, ln 0.5] (the float nearest to ln 0.5), dY = [MAX, MAX]: dX = MAX (1 - 2 exp(Y)) =
     * -MAX expm1(Y + ln 2), about 6.5e29, computed here with ln 2 split into two doubles (Y + LN2_HI is exact
     * by Sterbenz's lemma), so to a few units of 2^-53; the reference is within its own bound
     * u |dX| + (2^-50 + gamma_D(n)) (|dY| + e^Y A) + 2^-149 (docs/kernels.md), A = sum |dY| = 2 MAX.
     */
    @Test
    void logSoftmaxBackwardPastTheFloatRange() {
        float max = Float.MAX_VALUE;
        Matrix dx = m(1, 2);
        k.logSoftmaxBackward(dx, m(1, 2, 1, -1), m(1, 2, 100, (float) Math.log(0.5)));
        assertBits(new float[] {1, -1}, dx.toArray());
        k.logSoftmaxBackward(dx, m(1, 2, max, max), m(1, 2, 0, Float.NEGATIVE_INFINITY));
        assertBits(new float[] {-max, max}, dx.toArray());
        float y = (float) Math.log(0.5);
        k.logSoftmaxBackward(dx, m(1, 2, max, max), m(1, 2, y, y));
        double ln2Hi = Math.log(2);
        double ln2Lo = 2.3190468138462996e-17;                              // ln 2 - ln2Hi
        double expected = -max * StrictMath.expm1((y + ln2Hi) + ln2Lo);
        double bound = 0x1p-24 * expected + (0x1p-50 + ErrorBounds.gammaD(2)) * (max + Math.exp(y) * 2 * max) + Float.MIN_VALUE;
        for (float v : dx.toArray()) {
            assertEquals(expected, v, bound);
        }
    }

    @Test
    void losses() {
        Matrix dp = m(1, 2);
        assertEquals(2.5f, k.mseLoss(dp, m(1, 2, 1, 2), m(1, 2, 0, 0)));  // (1 + 4) / 2
        assertArrayEquals(new float[] {1, 2}, dp.toArray());              // 2 (P - T) / 2
        Matrix dx = m(1, 4);
        float bce = k.bceWithLogitsLoss(dx, m(1, 4, 0, 0, 1e4f, -1e4f), m(1, 4, 1, 0, 1, 1));
        // terms: ln 2, ln 2, 0 (no overflow), 1e4; mean (2 ln 2 + 1e4) / 4
        double expected = (2 * Math.log(2) + 1e4) / 4;
        assertEquals(expected, bce, halfUlp(expected));
        assertArrayEquals(new float[] {-0.125f, 0.125f, 0, -0.25f}, dx.toArray());  // (sigmoid(x) - y) / 4
        Matrix cdx = m(2, 4);
        float ce = k.softmaxCrossEntropyLoss(cdx, m(2, 4, 0, 0, 0, 0, 1e4f, 0, 0, 0), new int[] {2, 1});
        // row 0: ln 4; row 1: logsumexp = 1e4 (+ 3 e^-1e4), minus x[1] = 0: 1e4; mean over 2 rows
        double expectedCe = (Math.log(4) + 1e4) / 2;
        assertEquals(expectedCe, ce, halfUlp(expectedCe));
        assertArrayEquals(new float[] {0.125f, 0.125f, -0.375f, 0.125f, 0.5f, -0.5f, 0, 0}, cdx.toArray());
    }

    /**
     * Hand values through k float roundings: within gamma(k) * magnitude of the exact value. The hand
     * values are exact arithmetic on the float inputs: 0.1f is 0.100000001490116..., so the formulas
     * below use the float constants' exact double values ({@code (double) 0.1f}).
     */
    private static void near(double expected, float actual, int roundings, double magnitude) {
        assertEquals(expected, actual, ErrorBounds.gamma(roundings) * magnitude + 0.5 * Math.ulp((float) expected));
    }

    @Test
    void sgd() {
        Matrix w = m(1, 1, 1);
        Matrix v = m(1, 1, 0);
        k.sgdUpdate(w, v, m(1, 1, 0.5f), 0.1f, 0.9f, 0f, false);
        assertEquals(0.5f, v.get(0, 0));                                   // V = 0.9 * 0 + 0.5
        near(1 - (double) 0.1f * 0.5, w.get(0, 0), 2, 1.05);              // W = 1 - 0.1 * 0.5
        Matrix wn = m(1, 1, 1);
        Matrix vn = m(1, 1, 0);
        k.sgdUpdate(wn, vn, m(1, 1, 0.5f), 0.1f, 0.9f, 0.1f, true);
        // g = 0.5 + 0.1 * 1 = 0.6; V = 0.6; W = 1 - 0.1 (0.6 + 0.9 * 0.6) = 0.886
        double g = 0.5 + (double) 0.1f;
        double vv = (double) 0.9f * 0 + g;
        near(vv, vn.get(0, 0), 2, 0.6);
        near(1 - (double) 0.1f * (g + (double) 0.9f * vv), wn.get(0, 0), 7, 1.2);
    }

    @Test
    void adamAndAdamw() {
        Matrix w = m(1, 1, 1);
        Matrix mo = m(1, 1, 0);
        Matrix ve = m(1, 1, 0);
        k.adamUpdate(w, mo, ve, m(1, 1, 0.5f), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1);
        // M = 0.1 * 0.5; V = 0.001 * 0.25; bias-corrected 0.5 and 0.25; W = 1 - 1e-3 * 0.5 / (0.5 + 1e-8)
        double c1 = 1 - (double) 0.9f;
        double c2 = 1 - (double) 0.999f;
        near(c1 * 0.5, mo.get(0, 0), 3, 0.05);
        near(c2 * 0.25, ve.get(0, 0), 4, 0.00025);
        // bias corrections c1 and c2 make the corrected moments exactly 0.5 and 0.25
        double step = (double) 1e-3f * 0.5 / (0.5 + (double) 1e-8f);
        near(1 - step, w.get(0, 0), 12, 1.001);
        Matrix ww = m(1, 1, 1);
        k.adamwUpdate(ww, m(1, 1, 0), m(1, 1, 0), m(1, 1, 0.5f), 1e-3f, 0.9f, 0.999f, 1e-8f, 0.1f, 1);
        // W = 1 - 1e-3 * 0.1 * 1 = 0.9999, then the same Adam step: 0.9999 - 1e-3 * 0.5 / (0.5 + 1e-8)
        near(1 - (double) 1e-3f * (double) 0.1f - step, ww.get(0, 0), 14, 1.002);
    }
}
