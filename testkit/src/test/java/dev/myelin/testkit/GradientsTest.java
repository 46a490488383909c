package dev.myelin.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.ErrorBounds;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class GradientsTest {

    /** f(x) = sum sin(x_k): d/dx_k = cos(x_k), |d^3/dx_k^3| = |cos| <= 1. */
    private static final ToDoubleFunction<double[]> SUM_SIN = x -> {
        double s = 0;
        for (double v : x) {
            s += Math.sin(v);
        }
        return s;
    };

    /**
     * sin to 1 ulp (2^-52 relative, |sin| <= 1) and n - 1 additions in double: fError = (n 2^-52 + gamma_D(n - 1)) n,
     * and cos rounded to float: gradientError u |cos| + 2^-150.
     */
    private static void checkSumSin(float[] x, float[] gradient, double h) {
        int n = x.length;
        double[] gradientError = new double[n];
        for (int k = 0; k < n; k++) {
            gradientError[k] = ErrorBounds.U * Math.abs(Math.cos(x[k])) + 0x1p-150;
        }
        double fError = (n * 0x1p-52 + ErrorBounds.gammaD(n - 1)) * n;
        Gradients.check("sum sin", SUM_SIN, x, gradient, h, 1, fError, gradientError);
    }

    private static float[] cosines(float[] x) {
        float[] g = new float[x.length];
        for (int k = 0; k < x.length; k++) {
            g[k] = (float) Math.cos(x[k]);
        }
        return g;
    }

    @Test
    void aRightGradientPassesAtEveryStep() {
        float[] x = {0, 0.5f, -1.25f, 3f, 1e-3f};
        for (double h : new double[] {0x1p-10, 0x1p-13, 0x1p-16}) {
            checkSumSin(x, cosines(x), h);
        }
    }

    @Test
    void anErrorOfTwoUlpsIsCaught() {
        float[] x = {0.5f, -1.25f, 3f};
        float[] g = cosines(x);
        g[1] = Math.nextUp(Math.nextUp(g[1]));
        AssertionError e = assertThrows(AssertionError.class, () -> checkSumSin(x, g, 0x1p-13));
        assertTrue(e.getMessage().startsWith("sum sin (gradient against central differences, h = 1.220703125E-4): "
                + "DISAGREE: 1 of 3 elements exceed their bound; worst at (0, 1)"), e.getMessage());
    }

    @Test
    void badArgumentsAreNamed() {
        float[] x = {1};
        float[] g = {1};
        double[] ge = {0};
        assertEquals("h must be a positive power of two, got 1.0E-4", assertThrows(IllegalArgumentException.class,
                () -> Gradients.check("f", SUM_SIN, x, g, 1e-4, 0, 0, ge)).getMessage());
        assertEquals("m3 must be finite and >= 0, got -1.0", assertThrows(IllegalArgumentException.class,
                () -> Gradients.check("f", SUM_SIN, x, g, 0.5, -1, 0, ge)).getMessage());
        assertEquals("lengths differ: x 1, gradient 2, gradientError 1", assertThrows(IllegalArgumentException.class,
                () -> Gradients.check("f", SUM_SIN, x, new float[2], 0.5, 0, 0, ge)).getMessage());
        // 2^-29 h = 2^-30 for h = 1/2: a smaller nonzero input would make x + h round
        assertEquals("x[0] = 1.0E-10 is outside the range of exact steps for h = 0.5: 0 or 9.313225746154785E-10 <= |x| < "
                        + "2.251799813685248E15",
                assertThrows(IllegalArgumentException.class,
                        () -> Gradients.check("f", SUM_SIN, new float[] {1e-10f}, g, 0.5, 0, 0, ge)).getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Gradients.check("f", SUM_SIN, new float[] {Float.NaN}, g, 0.5, 0, 0, ge));
    }
}
