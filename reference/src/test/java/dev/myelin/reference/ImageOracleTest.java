package dev.myelin.reference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Cases;
import dev.myelin.core.Conv2d;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The reference convolution and pooling kernels against {@link ImageOracle} (the formulas in double through
 * im2col, written independently of the reference's loops): the forward and backward results within their
 * derived error bounds, and every backward kernel against central finite differences of its forward
 * function. Random geometries: strides, padding and dilation of every kind, at odd offsets ({@link Cases}).
 *
 * <p><b>Oracle bound.</b> A convolution output element is a sum of D products (D = R*S*C forward, R*S*K for
 * the input gradient, N*P*Q for the filter gradient) plus the bias or old gradient t0. The reference fuses
 * each product into a float sum (one rounding per term, then one for t0): within {@code gamma(D + 2)
 * (P + |t0|) + (D + 2) 2^-149} of the exact value, P the sum of the terms' magnitudes (docs/kernels.md,
 * "gemm", "Error bound", with alpha = 1). The oracle's double sum is within {@code gamma_D(D + 2) (P + |t0|)}
 * of it, so the check is {@code |ref - oracle| <= (gamma(D + 2) + gamma_D(D + 2)) (P + |t0|) + (D + 2) 2^-149}.
 *
 * <p><b>Finite differences.</b> Every function differenced here is exactly affine near the point (a
 * convolution in its input, its filters or its bias; an average; a maximum whose arguments are at least
 * 1/16 apart, moved by h = 1/64 < 1/32 so that no maximum changes place), so a central difference has no
 * truncation error at any step: it is the derivative up to the rounding of the two double evaluations of
 * {@code L = sum dY f}. Each is within {@code gamma_D(T) M} of L, M the sum of the magnitudes of the T
 * terms it adds, so the difference quotient is within {@code gamma_D(T) M / h} of the derivative; steps of
 * 1/8 (1/64 for the maximum) keep that far below float resolution, and the perturbed inputs are exact in
 * double. The kernel's own float error is added per kernel, written beside each.
 */
class ImageOracleTest {

    private static final double TINY = Float.MIN_VALUE;
    private static final int CASES = 15;

    private final Kernels k = Backends.reference();

    /** A random convolution: channels and filters 1 to 6, kernels 1 to 4, strides 1 to 3, padding 0 to 2, dilation 1 or 2. */
    private static Conv2d convolution(SplittableRandom rnd, int maxSide) {
        int r = rnd.nextInt(1, 5);
        int s = rnd.nextInt(1, 5);
        int pH = rnd.nextInt(0, 3);
        int pW = rnd.nextInt(0, 3);
        int dH = rnd.nextInt(3) == 0 ? 2 : 1;
        int dW = rnd.nextInt(3) == 0 ? 2 : 1;
        int h = Math.max(Math.max(1, dH * (r - 1) + 1 - 2 * pH), rnd.nextInt(1, maxSide + 1));
        int w = Math.max(Math.max(1, dW * (s - 1) + 1 - 2 * pW), rnd.nextInt(1, maxSide + 1));
        return new Conv2d(rnd.nextInt(1, 7), h, w, rnd.nextInt(1, 7), r, s, rnd.nextInt(1, 4), rnd.nextInt(1, 4), pH, pW, dH, dW);
    }

    /** A random pooling: channels 1 to 5, windows 1 to 4, strides 1 to 3, padding below the window. */
    private static Pool2d pooling(SplittableRandom rnd) {
        int r = rnd.nextInt(1, 5);
        int s = rnd.nextInt(1, 5);
        int pH = rnd.nextInt(0, Math.min(3, r));
        int pW = rnd.nextInt(0, Math.min(3, s));
        int h = Math.max(Math.max(1, r - 2 * pH), rnd.nextInt(1, 8));
        int w = Math.max(Math.max(1, s - 2 * pW), rnd.nextInt(1, 8));
        return new Pool2d(rnd.nextInt(1, 6), h, w, r, s, rnd.nextInt(1, 4), rnd.nextInt(1, 4), pH, pW);
    }

    private interface Case {
        void run(Arena arena, SplittableRandom rnd, String name);
    }

    private static Stream<DynamicTest> cases(String kernel, long base, Case body) {
        return IntStream.range(0, CASES).mapToObj(c -> {
            long index = base + c;
            String name = kernel + " " + Cases.tag(index);
            return DynamicTest.dynamicTest(name, () -> {
                try (Arena arena = Arena.ofConfined()) {
                    body.run(arena, Cases.random(index), name);
                }
            });
        });
    }

    private static float[] uniform(SplittableRandom rnd, int count) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = (float) rnd.nextDouble(-1, 1);
        }
        return v;
    }

    private static double[] wide(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static double[] abs(double[] v) {
        double[] a = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            a[i] = Math.abs(v[i]);
        }
        return a;
    }

    private static Matrix matrix(Arena arena, SplittableRandom rnd, int rows, int cols, float[] values) {
        Matrix m = Cases.layout(arena, rnd, rows, cols);
        m.copyFrom(values);
        return m;
    }

    private static Matrix output(Arena arena, SplittableRandom rnd, int rows, int cols) {
        return Cases.layout(arena, rnd, rows, cols).fill(Float.NaN);
    }

    private static void within(String name, int e, double expected, float actual, double bound) {
        assertTrue(Math.abs(expected - actual) <= bound, () -> name + " element " + e + ": reference " + actual
                + ", expected " + expected + ", error " + Math.abs(expected - actual) + " > bound " + bound);
    }

    /** The oracle bound of a depth-d sum with magnitude mag (terms and t0): (gamma(d + 2) + gamma_D(d + 2)) mag + (d + 2) 2^-149. */
    private static double oracle(long d, double mag) {
        return (ErrorBounds.gamma((int) (d + 2)) + ErrorBounds.gammaD(d + 2)) * mag + (d + 2) * TINY;
    }

    // ---------------------------------------------------------------- double oracle

    @TestFactory
    Stream<DynamicTest> conv2dForwardMatchesTheOracle() {
        return cases("conv2dForward", 80_000_000L, (arena, rnd, name) -> {
            Conv2d g = convolution(rnd, 12);
            int n = rnd.nextInt(1, 4);
            float[] x = uniform(rnd, n * g.inputColumns());
            float[] w = uniform(rnd, g.filterRows() * g.filters());
            float[] b = uniform(rnd, g.filters());
            Matrix y = output(arena, rnd, n, g.outputColumns());
            k.conv2dForward(y, matrix(arena, rnd, n, g.inputColumns(), x), matrix(arena, rnd, g.filterRows(), g.filters(), w),
                    matrix(arena, rnd, 1, g.filters(), b), g);
            double[] exact = ImageOracle.forward(wide(x), wide(w), wide(b), n, g, false);
            double[] mag = ImageOracle.forward(abs(wide(x)), abs(wide(w)), abs(wide(b)), n, g, true);
            float[] got = y.toArray();
            for (int e = 0; e < got.length; e++) {
                within(name + " " + g, e, exact[e], got[e], oracle(g.filterRows(), mag[e]));
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> conv2dBackwardInputMatchesTheOracle() {
        return cases("conv2dBackwardInput", 81_000_000L, (arena, rnd, name) -> {
            Conv2d g = convolution(rnd, 12);
            int n = rnd.nextInt(1, 4);
            float[] dy = uniform(rnd, n * g.outputColumns());
            float[] w = uniform(rnd, g.filterRows() * g.filters());
            Matrix dX = output(arena, rnd, n, g.inputColumns());
            k.conv2dBackwardInput(dX, matrix(arena, rnd, n, g.outputColumns(), dy), matrix(arena, rnd, g.filterRows(), g.filters(), w), g);
            double[] exact = ImageOracle.backwardInput(wide(dy), wide(w), n, g, false);
            double[] mag = ImageOracle.backwardInput(wide(dy), wide(w), n, g, true);
            float[] got = dX.toArray();
            long depth = (long) g.kernelHeight() * g.kernelWidth() * g.filters();
            for (int e = 0; e < got.length; e++) {
                within(name + " " + g, e, exact[e], got[e], oracle(depth, mag[e]));
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> conv2dBackwardFilterMatchesTheOracle() {
        return cases("conv2dBackwardFilter", 82_000_000L, (arena, rnd, name) -> {
            Conv2d g = convolution(rnd, 12);
            int n = rnd.nextInt(1, 4);
            float beta = rnd.nextBoolean() ? 0f : 1f;
            float[] x = uniform(rnd, n * g.inputColumns());
            float[] dy = uniform(rnd, n * g.outputColumns());
            float[] dw0 = uniform(rnd, g.filterRows() * g.filters());
            float[] db0 = uniform(rnd, g.filters());
            Matrix dW = beta == 0 ? output(arena, rnd, g.filterRows(), g.filters()) : matrix(arena, rnd, g.filterRows(), g.filters(), dw0);
            Matrix db = beta == 0 ? output(arena, rnd, 1, g.filters()) : matrix(arena, rnd, 1, g.filters(), db0);
            k.conv2dBackwardFilter(dW, db, matrix(arena, rnd, n, g.outputColumns(), dy), matrix(arena, rnd, n, g.inputColumns(), x), g, beta);
            double[] exact = ImageOracle.backwardFilter(wide(x), wide(dy), n, g, false);
            double[] mag = ImageOracle.backwardFilter(wide(x), wide(dy), n, g, true);
            long depth = (long) n * g.outHeight() * g.outWidth();
            float[] got = dW.toArray();
            for (int e = 0; e < got.length; e++) {
                within(name + " dW " + g, e, beta * dw0[e] + exact[e], got[e], oracle(depth, mag[e] + Math.abs(beta * dw0[e])));
            }
            float[] gotB = db.toArray();
            for (int kk = 0; kk < g.filters(); kk++) {
                double sum = beta * db0[kk];
                double m = Math.abs(beta * db0[kk]);
                for (int e = kk; e < dy.length; e += g.filters()) {
                    sum += dy[e];
                    m += Math.abs(dy[e]);
                }
                within(name + " db " + g, kk, sum, gotB[kk], oracle(depth, m));
            }
        });
    }

    // ---------------------------------------------------------------- finite differences

    /** The central difference of {@code loss} along coordinate j of v, step h: (L(v + h e_j) - L(v - h e_j)) / 2h. */
    private static double central(java.util.function.ToDoubleFunction<double[]> loss, double[] v, int j, double h) {
        double[] plus = v.clone();
        double[] minus = v.clone();
        plus[j] += h;
        minus[j] -= h;
        return (loss.applyAsDouble(plus) - loss.applyAsDouble(minus)) / (2 * h);
    }

    /**
     * dX of the convolution against the difference of {@code L(x) = sum dY conv(x, W, 0)} (affine in x), h = 1/8.
     * L adds T = N P Q K (R S C + 1) terms of magnitude at most M = sum |dY| conv(|x| + h, |W|), so the quotient is
     * within gamma_D(T) M / h. The kernel: a depth-RSK sum, gamma(RSK + 2) sum |dY W| + (RSK + 2) 2^-149.
     */
    @TestFactory
    Stream<DynamicTest> conv2dBackwardInputIsTheGradient() {
        return cases("conv2dBackwardInput finite differences", 83_000_000L, (arena, rnd, name) -> {
            Conv2d g = convolution(rnd, 6);
            int n = rnd.nextInt(1, 3);
            double h = 0.125;
            float[] x = uniform(rnd, n * g.inputColumns());
            float[] dy = uniform(rnd, n * g.outputColumns());
            float[] w = uniform(rnd, g.filterRows() * g.filters());
            Matrix dX = output(arena, rnd, n, g.inputColumns());
            k.conv2dBackwardInput(dX, matrix(arena, rnd, n, g.outputColumns(), dy), matrix(arena, rnd, g.filterRows(), g.filters(), w), g);
            double[] zero = new double[g.filters()];
            double[] wd = wide(w);
            double[] dyd = wide(dy);
            java.util.function.ToDoubleFunction<double[]> loss = v -> ImageOracle.dot(dyd, ImageOracle.forward(v, wd, zero, n, g, false));
            double[] xPlusH = abs(wide(x));
            for (int e = 0; e < xPlusH.length; e++) {
                xPlusH[e] += h;
            }
            double m = ImageOracle.dot(abs(dyd), ImageOracle.forward(xPlusH, abs(wd), zero, n, g, true));
            long terms = (long) n * g.outputColumns() * (g.filterRows() + 1);
            double fd = ErrorBounds.gammaD(terms) * m / h;
            double[] mag = ImageOracle.backwardInput(dyd, wd, n, g, true);
            long depth = (long) g.kernelHeight() * g.kernelWidth() * g.filters();
            float[] got = dX.toArray();
            double[] xd = wide(x);
            for (int e = 0; e < got.length; e++) {
                within(name + " " + g, e, central(loss, xd, e, h), got[e],
                        fd + ErrorBounds.gamma((int) depth + 2) * mag[e] + (depth + 2) * TINY);
            }
        });
    }

    /**
     * dW and db against the differences of {@code L = sum dY conv(x, W, b)} (affine in W and in b), h = 1/8;
     * rounding of L as above with M = sum |dY| conv(|x|, |W| + h, |b| + h). The kernel: depth-NPQ sums,
     * gamma(NPQ + 2) sum |x dY| (dW) and gamma(NPQ + 2) sum |dY| (db), plus (NPQ + 2) 2^-149.
     */
    @TestFactory
    Stream<DynamicTest> conv2dBackwardFilterIsTheGradient() {
        return cases("conv2dBackwardFilter finite differences", 84_000_000L, (arena, rnd, name) -> {
            Conv2d g = convolution(rnd, 6);
            int n = rnd.nextInt(1, 3);
            double h = 0.125;
            float[] x = uniform(rnd, n * g.inputColumns());
            float[] dy = uniform(rnd, n * g.outputColumns());
            float[] w = uniform(rnd, g.filterRows() * g.filters());
            float[] b = uniform(rnd, g.filters());
            Matrix dW = output(arena, rnd, g.filterRows(), g.filters());
            Matrix db = output(arena, rnd, 1, g.filters());
            k.conv2dBackwardFilter(dW, db, matrix(arena, rnd, n, g.outputColumns(), dy), matrix(arena, rnd, n, g.inputColumns(), x), g, 0f);
            double[] xd = wide(x);
            double[] wd = wide(w);
            double[] bd = wide(b);
            double[] dyd = wide(dy);
            double[] wPlusH = abs(wd);
            for (int e = 0; e < wPlusH.length; e++) {
                wPlusH[e] += h;
            }
            double[] bPlusH = abs(bd);
            for (int e = 0; e < bPlusH.length; e++) {
                bPlusH[e] += h;
            }
            double m = ImageOracle.dot(abs(dyd), ImageOracle.forward(abs(xd), wPlusH, bPlusH, n, g, true));
            double fd = ErrorBounds.gammaD((long) n * g.outputColumns() * (g.filterRows() + 2)) * m / h;
            long depth = (long) n * g.outHeight() * g.outWidth();
            double[] mag = ImageOracle.backwardFilter(xd, dyd, n, g, true);
            float[] got = dW.toArray();
            for (int e = 0; e < got.length; e++) {
                double slope = central(v -> ImageOracle.dot(dyd, ImageOracle.forward(xd, v, bd, n, g, false)), wd, e, h);
                within(name + " dW " + g, e, slope, got[e], fd + ErrorBounds.gamma((int) depth + 2) * mag[e] + (depth + 2) * TINY);
            }
            float[] gotB = db.toArray();
            for (int kk = 0; kk < g.filters(); kk++) {
                double slope = central(v -> ImageOracle.dot(dyd, ImageOracle.forward(xd, wd, v, n, g, false)), bd, kk, h);
                double sumAbs = 0;
                for (int e = kk; e < dy.length; e += g.filters()) {
                    sumAbs += Math.abs(dy[e]);
                }
                within(name + " db " + g, kk, slope, gotB[kk], fd + ErrorBounds.gamma((int) depth + 2) * sumAbs + (depth + 2) * TINY);
            }
        });
    }

    /**
     * Pixels on a grid of 1/16, all distinct (a shuffled ramp), so every window has one maximum, at least 1/16
     * above the rest, and a step of h = 1/64 moves no maximum. {@code L = sum dY maxPool(x)} adds its terms
     * exactly but for the final sum (T = N P Q C terms, magnitude M = sum |dY| (max |x| + h)): within
     * gamma_D(T) M / h. The kernel: each pixel adds the dY of the windows whose maximum it is, at most R S
     * float additions of a sum bounded by the dY of all windows holding it: gamma(R S) times that.
     */
    @TestFactory
    Stream<DynamicTest> maxPool2dBackwardIsTheGradient() {
        return cases("maxPool2dBackward finite differences", 85_000_000L, (arena, rnd, name) -> {
            Pool2d g = pooling(rnd);
            int n = rnd.nextInt(1, 3);
            double h = 1.0 / 64;
            int count = n * g.inputColumns();
            float[] x = new float[count];
            for (int e = 0; e < count; e++) {
                x[e] = (e - count / 2) / 16f;
            }
            for (int e = count - 1; e > 0; e--) {
                int j = rnd.nextInt(e + 1);
                float t = x[e];
                x[e] = x[j];
                x[j] = t;
            }
            float[] dy = uniform(rnd, n * g.outputColumns());
            Matrix dX = output(arena, rnd, n, g.inputColumns());
            k.maxPool2dBackward(dX, matrix(arena, rnd, n, g.outputColumns(), dy), matrix(arena, rnd, n, g.inputColumns(), x), g);
            checkPool(name + " " + g, g, n, h, wide(x), wide(dy), dX.toArray(), true);
        });
    }

    /**
     * {@code L = sum dY avgPool(x)} is linear; h = 1/8; its window sums and the final sum add at most R S + T terms
     * of magnitude M = sum |dY| (sum over the window of (|x| + h)). The kernel: shares dY / (R S), each rounded
     * once, at most R S of them added: gamma(R S + 1) sum |dY| / (R S) over the windows holding the pixel.
     */
    @TestFactory
    Stream<DynamicTest> avgPool2dBackwardIsTheGradient() {
        return cases("avgPool2dBackward finite differences", 86_000_000L, (arena, rnd, name) -> {
            Pool2d g = pooling(rnd);
            int n = rnd.nextInt(1, 3);
            float[] x = uniform(rnd, n * g.inputColumns());
            float[] dy = uniform(rnd, n * g.outputColumns());
            Matrix dX = output(arena, rnd, n, g.inputColumns());
            k.avgPool2dBackward(dX, matrix(arena, rnd, n, g.outputColumns(), dy), g);
            checkPool(name + " " + g, g, n, 0.125, wide(x), wide(dy), dX.toArray(), false);
        });
    }

    private static void checkPool(String name, Pool2d g, int n, double h, double[] x, double[] dy, float[] got, boolean max) {
        int rs = g.windowHeight() * g.windowWidth();
        java.util.function.ToDoubleFunction<double[]> loss = v -> ImageOracle.dot(dy, max ? ImageOracle.maxPool(v, n, g)
                : ImageOracle.avgPool(v, n, g));
        double[] xPlusH = abs(x);
        for (int e = 0; e < xPlusH.length; e++) {
            xPlusH[e] += h;
        }
        // sum over each window of (|x| + h): the average times R S bounds the maximum too
        double[] windowSums = ImageOracle.avgPool(xPlusH, n, g);
        for (int e = 0; e < windowSums.length; e++) {
            windowSums[e] *= rs;
        }
        double m = ImageOracle.dot(abs(dy), windowSums);
        double fd = ErrorBounds.gammaD(rs + (long) dy.length + 2) * m / h;
        // |dY| of every window holding the pixel, summed per pixel: the transpose of the window sum
        double[] reach = new double[x.length];
        int cc = g.channels();
        for (int i = 0; i < n; i++) {
            for (int p = 0; p < g.outHeight(); p++) {
                for (int q = 0; q < g.outWidth(); q++) {
                    for (int r = 0; r < g.windowHeight(); r++) {
                        for (int s = 0; s < g.windowWidth(); s++) {
                            int hh = p * g.strideHeight() - g.padHeight() + r;
                            int ww = q * g.strideWidth() - g.padWidth() + s;
                            if (hh < 0 || hh >= g.height() || ww < 0 || ww >= g.width()) {
                                continue;
                            }
                            for (int c = 0; c < cc; c++) {
                                reach[i * g.inputColumns() + (hh * g.width() + ww) * cc + c] +=
                                        Math.abs(dy[i * g.outputColumns() + (p * g.outWidth() + q) * cc + c]);
                            }
                        }
                    }
                }
            }
        }
        for (int e = 0; e < got.length; e++) {
            double kernel = max ? ErrorBounds.gamma(rs) * reach[e] : ErrorBounds.gamma(rs + 1) * reach[e] / rs;
            within(name, e, central(loss, x, e, h), got[e], fd + kernel + TINY);
        }
    }
}
