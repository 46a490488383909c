package dev.myelin.simd;

import dev.myelin.core.Cases;
import dev.myelin.core.Conv2d;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Property: the SIMD convolution kernels agree with the reference over {@link ImageCases#convolutions}
 * (channels and filters 1 to 64 around the lane count, kernels 1x1 to 7x7, strides 1 to 3, padding 0 to 3,
 * dilation 1 or 2, batches 1 to 17), every operand at a random layout (views with ld > cols at odd
 * offsets), outputs filled with NaN where the kernel must not read them.
 *
 * <p><b>Bound.</b> Each output element is a sum of {@code D} products, D fixed by the geometry (the reference
 * sums every term, padded ones as zeros): {@code D = R*S*C} for the forward pass, plus the bias; {@code D =
 * R*S*K} for the input gradient; {@code D = N*P*Q} for the filter gradient, plus {@code beta dW}, and for the
 * bias gradient a plain sum of D values, plus {@code beta db}. That is a GEMM element of depth D with
 * {@code alpha = 1} (docs/kernels.md, "gemm", "Error bound"), so whatever order a backend sums in, it is
 * within {@code gamma(D + 2) (P + |t0|) + (D + 2) 2^-149} of the exact value, P the sum of the terms'
 * magnitudes and t0 the bias or old gradient; the two backends are within twice that of each other. The
 * magnitudes are summed here in double from the formulas of the Kernels Javadoc, independently of both.
 *
 * <p><b>Exact.</b> The SIMD kernels sum every element's terms in the reference's order, one FMA per term
 * from +0, the padded terms included (docs/kernels.md, "conv2d"), so the results must also be bit for bit
 * the reference's; this is checked after the bound, which is the contract.
 */
class ConvolutionAgreementTest {

    private static final int RANDOM = 60;

    private static float[] uniform(SplittableRandom rnd, int count) {
        return Cases.values(rnd, count, -1, 1, 0);
    }

    /** The bound of a sum of depth d: 2 (gamma(d + 2) magnitude + (d + 2) 2^-149), per element. */
    private static double[] bound(double[] magnitude, long depth) {
        double g = ErrorBounds.gamma((int) Math.min(depth + 2, 1 << 23));
        double[] b = new double[magnitude.length];
        for (int e = 0; e < b.length; e++) {
            b[e] = 2 * (g * magnitude[e] + (depth + 2) * Agree.TINY);
        }
        return b;
    }

    private static void check(String name, float[] ref, float[] simd, double[] bound, int cols) {
        ErrorBounds.compare(ref, simd, bound, cols).orThrow(name);
        Agree.exact(name, ref, simd, cols);
    }

    @TestFactory
    Stream<DynamicTest> conv2dForward() {
        return ImageCases.convolutions(40_000_000L, RANDOM).stream().map(c -> {
            String name = "conv2dForward " + c.describe();
            return DynamicTest.dynamicTest(name, () -> {
                Conv2d g = c.g();
                int n = c.batch();
                SplittableRandom rnd = dev.myelin.core.Cases.random(c.index()).split();
                float[] x = uniform(rnd, n * g.inputColumns());
                float[] w = uniform(rnd, g.filterRows() * g.filters());
                float[] b = uniform(rnd, g.filters());
                float[][] r = new float[2][];
                Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
                try (Arena arena = Arena.ofConfined()) {
                    for (int k = 0; k < 2; k++) {
                        Matrix y = Agree.output(arena, rnd, n, g.outputColumns());
                        backends[k].conv2dForward(y, Agree.matrix(arena, rnd, n, g.inputColumns(), x),
                                Agree.matrix(arena, rnd, g.filterRows(), g.filters(), w), Agree.matrix(arena, rnd, 1, g.filters(), b), g);
                        r[k] = y.toArray();
                    }
                }
                // |terms| of y[n][p,q,k]: sum over r, s, c of |x w| (padded terms are 0), plus |b[k]|
                int hh = g.height(), ww = g.width(), cc = g.channels(), kk = g.filters(), qq = g.outWidth();
                double[] mag = new double[r[0].length];
                for (int i = 0; i < n; i++) {
                    for (int p = 0; p < g.outHeight(); p++) {
                        for (int q = 0; q < qq; q++) {
                            for (int k = 0; k < kk; k++) {
                                double t = Math.abs(b[k]);
                                for (int u = 0; u < g.kernelHeight(); u++) {
                                    for (int v = 0; v < g.kernelWidth(); v++) {
                                        int h = p * g.strideHeight() - g.padHeight() + u * g.dilationHeight();
                                        int col = q * g.strideWidth() - g.padWidth() + v * g.dilationWidth();
                                        if (h < 0 || h >= hh || col < 0 || col >= ww) {
                                            continue;
                                        }
                                        for (int ch = 0; ch < cc; ch++) {
                                            t += Math.abs((double) x[i * g.inputColumns() + (h * ww + col) * cc + ch]
                                                    * w[((u * g.kernelWidth() + v) * cc + ch) * kk + k]);
                                        }
                                    }
                                }
                                mag[i * g.outputColumns() + (p * qq + q) * kk + k] = t;
                            }
                        }
                    }
                }
                check(name, r[0], r[1], bound(mag, g.filterRows()), g.outputColumns());
            });
        });
    }

    @TestFactory
    Stream<DynamicTest> conv2dBackwardInput() {
        return ImageCases.convolutions(41_000_000L, RANDOM).stream().map(c -> {
            String name = "conv2dBackwardInput " + c.describe();
            return DynamicTest.dynamicTest(name, () -> {
                Conv2d g = c.g();
                int n = c.batch();
                SplittableRandom rnd = dev.myelin.core.Cases.random(c.index()).split();
                float[] dy = uniform(rnd, n * g.outputColumns());
                float[] w = uniform(rnd, g.filterRows() * g.filters());
                float[][] r = new float[2][];
                Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
                try (Arena arena = Arena.ofConfined()) {
                    for (int k = 0; k < 2; k++) {
                        Matrix dX = Agree.output(arena, rnd, n, g.inputColumns());
                        backends[k].conv2dBackwardInput(dX, Agree.matrix(arena, rnd, n, g.outputColumns(), dy),
                                Agree.matrix(arena, rnd, g.filterRows(), g.filters(), w), g);
                        r[k] = dX.toArray();
                    }
                }
                // |terms| of dX[n][h,w,c]: scatter |dY w| from every (p, q, r, s, k) to the pixel it reaches
                int hh = g.height(), ww = g.width(), cc = g.channels(), kk = g.filters(), qq = g.outWidth();
                double[] mag = new double[r[0].length];
                for (int i = 0; i < n; i++) {
                    for (int p = 0; p < g.outHeight(); p++) {
                        for (int q = 0; q < qq; q++) {
                            for (int u = 0; u < g.kernelHeight(); u++) {
                                for (int v = 0; v < g.kernelWidth(); v++) {
                                    int h = p * g.strideHeight() - g.padHeight() + u * g.dilationHeight();
                                    int col = q * g.strideWidth() - g.padWidth() + v * g.dilationWidth();
                                    if (h < 0 || h >= hh || col < 0 || col >= ww) {
                                        continue;
                                    }
                                    for (int ch = 0; ch < cc; ch++) {
                                        double t = 0;
                                        for (int k = 0; k < kk; k++) {
                                            t += Math.abs((double) dy[i * g.outputColumns() + (p * qq + q) * kk + k]
                                                    * w[((u * g.kernelWidth() + v) * cc + ch) * kk + k]);
                                        }
                                        mag[i * g.inputColumns() + (h * ww + col) * cc + ch] += t;
                                    }
                                }
                            }
                        }
                    }
                }
                check(name, r[0], r[1], bound(mag, (long) g.kernelHeight() * g.kernelWidth() * kk), g.inputColumns());
            });
        });
    }

    /**
     * Random cases, and one whose batch spans several of the SIMD filter gradient's image blocks (28x28x8 images,
     * 40 of them: 2 or 3 blocks at every width), where each tile's sum continues across blocks.
     */
    @TestFactory
    Stream<DynamicTest> conv2dBackwardFilter() {
        java.util.List<ImageCases.Conv> cases = new java.util.ArrayList<>(ImageCases.convolutions(42_000_000L, RANDOM));
        cases.add(new ImageCases.Conv(42_999_999L, 40, Conv2d.of(8, 28, 28, 16, 3, 1, 1)));
        return cases.stream().map(c -> {
            SplittableRandom rnd = dev.myelin.core.Cases.random(c.index()).split();
            float beta = rnd.nextBoolean() ? 0f : 1f;
            String name = "conv2dBackwardFilter beta=" + beta + " " + c.describe();
            return DynamicTest.dynamicTest(name, () -> {
                Conv2d g = c.g();
                int n = c.batch();
                float[] x = uniform(rnd, n * g.inputColumns());
                float[] dy = uniform(rnd, n * g.outputColumns());
                float[] dw0 = uniform(rnd, g.filterRows() * g.filters());
                float[] db0 = uniform(rnd, g.filters());
                float[][] rw = new float[2][];
                float[][] rb = new float[2][];
                Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
                try (Arena arena = Arena.ofConfined()) {
                    for (int k = 0; k < 2; k++) {
                        Matrix dW = beta == 0 ? Agree.output(arena, rnd, g.filterRows(), g.filters())
                                : Agree.matrix(arena, rnd, g.filterRows(), g.filters(), dw0);
                        Matrix db = beta == 0 ? Agree.output(arena, rnd, 1, g.filters()) : Agree.matrix(arena, rnd, 1, g.filters(), db0);
                        backends[k].conv2dBackwardFilter(dW, db, Agree.matrix(arena, rnd, n, g.outputColumns(), dy),
                                Agree.matrix(arena, rnd, n, g.inputColumns(), x), g, beta);
                        rw[k] = dW.toArray();
                        rb[k] = db.toArray();
                    }
                }
                // |terms| of dW[r,s,c][k]: sum over n, p, q of |x dY| (padded terms are 0), plus |beta dW0|;
                // of db[k]: sum of |dY|, plus |beta db0|
                int hh = g.height(), ww = g.width(), cc = g.channels(), kk = g.filters(), qq = g.outWidth();
                double[] magW = new double[rw[0].length];
                double[] magB = new double[kk];
                for (int e = 0; e < magW.length; e++) {
                    magW[e] = Math.abs(beta * dw0[e]);
                }
                for (int k = 0; k < kk; k++) {
                    magB[k] = Math.abs(beta * db0[k]);
                }
                for (int i = 0; i < n; i++) {
                    for (int p = 0; p < g.outHeight(); p++) {
                        for (int q = 0; q < qq; q++) {
                            int o = i * g.outputColumns() + (p * qq + q) * kk;
                            for (int k = 0; k < kk; k++) {
                                magB[k] += Math.abs(dy[o + k]);
                            }
                            for (int u = 0; u < g.kernelHeight(); u++) {
                                for (int v = 0; v < g.kernelWidth(); v++) {
                                    int h = p * g.strideHeight() - g.padHeight() + u * g.dilationHeight();
                                    int col = q * g.strideWidth() - g.padWidth() + v * g.dilationWidth();
                                    if (h < 0 || h >= hh || col < 0 || col >= ww) {
                                        continue;
                                    }
                                    for (int ch = 0; ch < cc; ch++) {
                                        double xv = Math.abs(x[i * g.inputColumns() + (h * ww + col) * cc + ch]);
                                        int row = (u * g.kernelWidth() + v) * cc + ch;
                                        for (int k = 0; k < kk; k++) {
                                            magW[row * kk + k] += xv * Math.abs(dy[o + k]);
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                long depth = (long) n * g.outHeight() * qq;
                check(name + " dW", rw[0], rw[1], bound(magW, depth), kk);
                check(name + " db", rb[0], rb[1], bound(magB, depth), kk);
            });
        });
    }
}
