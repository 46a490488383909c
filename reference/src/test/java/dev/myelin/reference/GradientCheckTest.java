package dev.myelin.reference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Cases;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Finite-difference gradient checks, in double, of every backward kernel and every loss gradient of
 * the reference: the kernel's dX must match the central difference {@code (L(x + h) - L(x - h)) / 2h}
 * of the forward function L, evaluated in double by {@link Exact}.
 *
 * <p><b>Step and tolerance.</b> h = 1e-4. By Taylor, the central difference is off by at most
 * {@code h^2 / 6 * M3}, M3 a bound on |L'''| near x: 0 for relu, leaky relu, identity and MSE (piecewise
 * linear or quadratic; inputs stay more than h away from the kinks), 1/8 for sigmoid (|sigma'''| <= 1/8,
 * at 0), 2 for tanh (|tanh'''| <= 2, at 0), 0.8 for GELU (max |GELU'''| = 0.7767 at x = -0.788, found
 * symbolically and sampled every 0.001 on [-12, 12]; beyond, it is below 1e-10), and 1/8 times the
 * weights for softmax, log-softmax, BCE and softmax cross-entropy: along one coordinate x_k each is a
 * weighted sum of sigmoids or log-sigmoids of x_k (p_k = sigma(x_k - c), log p_k = log sigma(x_k - c),
 * softplus(x) for BCE, logsumexp = c + softplus(x_k - c)), whose third derivatives are bounded by
 * max|sigma''| < 0.0963 < 1/8. The two double evaluations of L carry rounding errors below
 * 2^-50 |L| each, which the division by 2h turns into {@code 2^-50 |L| / h}. With h = 1e-4 the
 * truncation term is at most 1.7e-9 M3 and the rounding term 8.9e-12 |L|: both far below float
 * resolution (6e-8), so the check is as sharp as the kernel's own float error, which is added per
 * kernel (written beside each).
 */
class GradientCheckTest {

    private static final double H = 1e-4;
    private static final double U = ErrorBounds.U;
    private static final double TINY = Float.MIN_VALUE;
    private static final int CASES = 12;

    private final Kernels k = Backends.reference();

    /** The central difference of f at x. */
    private static double central(DoubleUnaryOperator f, double x) {
        return (f.applyAsDouble(x + H) - f.applyAsDouble(x - H)) / (2 * H);
    }

    /** Truncation plus rounding of a central difference: h^2/6 M3 + 2^-50 max|f| / h. */
    private static double fdError(double m3, double fMagnitude) {
        return H * H / 6 * m3 + 0x1p-50 * fMagnitude / H;
    }

    private static float[] uniform(SplittableRandom rnd, int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextDouble(lo, hi);
        }
        return v;
    }

    /** Uniform in [-4, 4) but at least 10 h away from 0 (the relu kink). */
    private static float[] awayFromZero(SplittableRandom rnd, int n) {
        float[] v = uniform(rnd, n, -4, 4);
        for (int i = 0; i < n; i++) {
            if (Math.abs(v[i]) < 10 * H) {
                v[i] = 0.5f;
            }
        }
        return v;
    }

    private interface ElementCheck {
        /** Runs the kernel on (dY, x) and checks every element. */
        void run(Arena arena, SplittableRandom rnd, int n, String name);
    }

    private static Stream<DynamicTest> cases(String kernel, ElementCheck check) {
        return IntStream.range(0, CASES).mapToObj(c -> {
            long index = 60_000_000L + kernel.hashCode() % 1000 * 1000L + c;
            SplittableRandom rnd = Cases.random(index);
            int n = rnd.nextInt(1, 40);
            String name = kernel + " n=" + n + " " + Cases.tag(index);
            return DynamicTest.dynamicTest(name, () -> {
                try (Arena arena = Arena.ofConfined()) {
                    check.run(arena, rnd, n, name);
                }
            });
        });
    }

    private static void within(String name, int j, double expected, float actual, double bound) {
        assertTrue(Math.abs(expected - actual) <= bound, () -> name + " element " + j + ": kernel " + actual
                + ", finite difference " + expected + ", error " + Math.abs(expected - actual) + " > bound " + bound);
    }

    // ---------------------------------------------------------------- elementwise activations

    /** A backward kernel that takes the forward input X: dX = dY f'(X). */
    private interface FromInput {
        void apply(Kernels k, Matrix dX, Matrix dY, Matrix x);
    }

    /**
     * Checks dX = dY f'(x) from the input x. {@code kernelError(dy, dx)} is the kernel's own float error
     * against the exact dY f'(x).
     */
    private Stream<DynamicTest> fromInput(String kernel, DoubleUnaryOperator f, double m3, boolean kinked, FromInput op,
                                          java.util.function.DoubleBinaryOperator kernelError) {
        return cases(kernel, (arena, rnd, n, name) -> {
            float[] x = kinked ? awayFromZero(rnd, n) : uniform(rnd, n, -6, 6);
            float[] dy = uniform(rnd, n, -1, 1);
            Matrix dX = Matrix.allocate(arena, 1, n);
            op.apply(k, dX, Matrix.of(arena, 1, n, dy), Matrix.of(arena, 1, n, x));
            for (int j = 0; j < n; j++) {
                double fd = dy[j] * central(f, x[j]);
                double fMag = Math.abs(f.applyAsDouble(x[j])) + H * 10;
                within(name, j, fd, dX.get(0, j), Math.abs(dy[j]) * fdError(m3, fMag) + kernelError.applyAsDouble(dy[j], fd));
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> identityBackward() {
        // dX = dY exactly
        return fromInput("identityBackward", v -> v, 0, false, (kk, dX, dY, x) -> kk.identityBackward(dX, dY),
                (dy, dx) -> 0);
    }

    @TestFactory
    Stream<DynamicTest> reluBackward() {
        // dX is dY or 0 exactly
        return fromInput("reluBackward", v -> Math.max(v, 0), 0, true, Kernels::reluBackward, (dy, dx) -> 0);
    }

    @TestFactory
    Stream<DynamicTest> leakyReluBackward() {
        // slope * dY: one rounding, u |dX|
        return fromInput("leakyReluBackward", v -> v > 0 ? v : 0.1f * v, 0, true,
                (kk, dX, dY, x) -> kk.leakyReluBackward(dX, dY, x, 0.1f), (dy, dx) -> U * Math.abs(dx));
    }

    @TestFactory
    Stream<DynamicTest> geluBackward() {
        // dY * (float) g': g' in double (error below 2^-50 (1 + |x| z') with z' <= 2C (1 + 3K 36) < 2.2 on [-6, 6]),
        // rounded (u |g'|), then a float product (u |dX|): 2u |dX| (1 + u) + 2^-50 * 14 |dY| + 2^-149
        return fromInput("geluBackward", Exact::gelu, 0.8, false, Kernels::geluBackward,
                (dy, dx) -> 2 * U * Math.abs(dx) * (1 + U) + 0x1p-50 * 14 * Math.abs(dy) + TINY);
    }

    /** A backward kernel that takes the forward output Y = f(X), computed here by the reference forward. */
    private interface FromOutput {
        void forward(Kernels k, Matrix y, Matrix x);

        void backward(Kernels k, Matrix dX, Matrix dY, Matrix y);
    }

    /**
     * Checks dX = dY f'(x) computed from Y = reference f(x). {@code kernelError(dy, y)} bounds the backward's
     * float error plus the effect of Y's own rounding (|dY| |d f'(f^-1(Y))/dY| |dY_err|).
     */
    private Stream<DynamicTest> fromOutput(String kernel, DoubleUnaryOperator f, double m3, FromOutput op,
                                           java.util.function.DoubleBinaryOperator kernelError) {
        return cases(kernel, (arena, rnd, n, name) -> {
            float[] x = uniform(rnd, n, -6, 6);
            float[] dy = uniform(rnd, n, -1, 1);
            Matrix y = Matrix.allocate(arena, 1, n);
            op.forward(k, y, Matrix.of(arena, 1, n, x));
            Matrix dX = Matrix.allocate(arena, 1, n);
            op.backward(k, dX, Matrix.of(arena, 1, n, dy), y);
            for (int j = 0; j < n; j++) {
                double fd = dy[j] * central(f, x[j]);
                within(name, j, fd, dX.get(0, j),
                        Math.abs(dy[j]) * fdError(m3, 1) + kernelError.applyAsDouble(dy[j], y.get(0, j)));
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> sigmoidBackward() {
        // Y within dY_err = (u + 2^-40) Y of sigma(x); dY Y (1 - Y) in three roundings: gamma(3) |dY| Y (1 - Y);
        // Y's error moves Y (1 - Y) by |1 - 2Y| dY_err + dY_err^2
        return fromOutput("sigmoidBackward", Exact::sigmoid, 1.0 / 8, new FromOutput() {
            public void forward(Kernels kk, Matrix y, Matrix x) {
                kk.sigmoidForward(y, x);
            }

            public void backward(Kernels kk, Matrix dX, Matrix dY, Matrix y) {
                kk.sigmoidBackward(dX, dY, y);
            }
        }, (dy, y) -> {
            double e = (U + 0x1p-40) * y;
            return Math.abs(dy) * (ErrorBounds.gamma(3) * y * (1 - y) + Math.abs(1 - 2 * y) * e + e * e) + TINY;
        });
    }

    @TestFactory
    Stream<DynamicTest> tanhBackward() {
        // Y within dY_err = (u + 2^-40) |Y|; dY (1 - Y Y): |dY| gamma(3) (Y^2 + |1 - Y^2|); Y's error: |dY| (2 |Y| e + e^2)
        return fromOutput("tanhBackward", StrictMath::tanh, 2, new FromOutput() {
            public void forward(Kernels kk, Matrix y, Matrix x) {
                kk.tanhForward(y, x);
            }

            public void backward(Kernels kk, Matrix dX, Matrix dY, Matrix y) {
                kk.tanhBackward(dX, dY, y);
            }
        }, (dy, y) -> {
            double e = (U + 0x1p-40) * Math.abs(y);
            return Math.abs(dy) * (ErrorBounds.gamma(3) * (y * y + Math.abs(1 - y * y)) + 2 * Math.abs(y) * e + e * e) + TINY;
        });
    }

    // ---------------------------------------------------------------- row-wise activations

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /** L(x) = sum_j w_j g_j(x) for a vector function g, with x_k moved by t. */
    private static double weighted(java.util.function.Function<double[], double[]> g, float[] w, float[] x, int k, double t) {
        double[] xd = toDouble(x);
        xd[k] += t;
        double[] y = g.apply(xd);
        double l = 0;
        for (int j = 0; j < y.length; j++) {
            l += w[j] * y[j];
        }
        return l;
    }

    /**
     * softmax backward: L(x) = sum_j dY_j p_j(x), dL/dx_k = p_k (dY_k - sum dY p). Kernel error, with Y the
     * reference softmax (within e_j = (u + gamma_D(2n + 4)) Y_j + 2^-149 of p_j): the float sum s in index
     * order, gamma(n) sum |dY Y|, and two roundings gamma(2) |Y_k| |dY_k - s|; Y's error moves dX_k by
     * e_k |dY_k - s| + |Y_k| sum_j |dY_j| e_j. FD: M3 = sum |dY| / 8, |L| <= sum |dY|.
     */
    @TestFactory
    Stream<DynamicTest> softmaxBackward() {
        return cases("softmaxBackward", (arena, rnd, n, name) -> {
            float[] x = uniform(rnd, n, -3, 3);
            float[] dy = uniform(rnd, n, -1, 1);
            Matrix y = Matrix.allocate(arena, 1, n);
            k.softmaxForward(y, Matrix.of(arena, 1, n, x));
            Matrix dX = Matrix.allocate(arena, 1, n);
            k.softmaxBackward(dX, Matrix.of(arena, 1, n, dy), y);
            float[] yv = y.toArray();
            double sumAbsDy = 0;
            double sumAbsDyY = 0;
            double s = 0;
            double sumDyE = 0;
            for (int j = 0; j < n; j++) {
                sumAbsDy += Math.abs(dy[j]);
                sumAbsDyY += Math.abs(dy[j] * yv[j]);
                s += dy[j] * yv[j];
                sumDyE += Math.abs(dy[j]) * ((U + ErrorBounds.gammaD(2L * n + 4)) * yv[j] + TINY);
            }
            for (int j = 0; j < n; j++) {
                int kk = j;
                double fd = (weighted(Exact::softmax, dy, x, kk, H) - weighted(Exact::softmax, dy, x, kk, -H)) / (2 * H);
                double ej = (U + ErrorBounds.gammaD(2L * n + 4)) * yv[j] + TINY;
                double kernel = ErrorBounds.gamma(n) * Math.abs(yv[j]) * sumAbsDyY
                        + ErrorBounds.gamma(2) * Math.abs(yv[j]) * Math.abs(dy[j] - s)
                        + ej * Math.abs(dy[j] - s) + Math.abs(yv[j]) * sumDyE + 2 * TINY;
                within(name, j, fd, dX.get(0, j), fdError(sumAbsDy / 8, sumAbsDy) + kernel);
            }
        });
    }

    /**
     * log-softmax backward: L(x) = sum_j dY_j log p_j(x), dL/dx_k = dY_k - p_k sum dY. Kernel: double, rounded
     * once: u |dX| + 2^-50 (|dY_k| + p_k sum |dY|); Y = the reference log-softmax, within
     * e = u |Y_k| + gamma_D(2n + 6)(|x - max| + log S) <= (u + gamma_D(2n + 6)) (|Y_k| + 8) of log p_k
     * (|x - max| <= 6 and log S <= log n + 0 <= 4 here), which moves exp(Y_k) by p_k e (1 + e).
     * FD: M3 = sum |dY| / 8, |L| <= sum |dY| |log p_j|.
     */
    @TestFactory
    Stream<DynamicTest> logSoftmaxBackward() {
        return cases("logSoftmaxBackward", (arena, rnd, n, name) -> {
            float[] x = uniform(rnd, n, -3, 3);
            float[] dy = uniform(rnd, n, -1, 1);
            Matrix y = Matrix.allocate(arena, 1, n);
            k.logSoftmaxForward(y, Matrix.of(arena, 1, n, x));
            Matrix dX = Matrix.allocate(arena, 1, n);
            k.logSoftmaxBackward(dX, Matrix.of(arena, 1, n, dy), y);
            float[] yv = y.toArray();
            double sumDy = 0;
            double sumAbsDy = 0;
            double lMag = 0;
            for (int j = 0; j < n; j++) {
                sumDy += dy[j];
                sumAbsDy += Math.abs(dy[j]);
                lMag += Math.abs(dy[j] * yv[j]) + Math.abs(dy[j]);
            }
            for (int j = 0; j < n; j++) {
                double fd = (weighted(Exact::logSoftmax, dy, x, j, H) - weighted(Exact::logSoftmax, dy, x, j, -H)) / (2 * H);
                double p = Math.exp(yv[j]);
                double e = (U + ErrorBounds.gammaD(2L * n + 6)) * (Math.abs(yv[j]) + 8);
                double kernel = U * Math.abs(fd) + 0x1p-50 * (Math.abs(dy[j]) + p * sumAbsDy)
                        + p * e * (1 + e) * Math.abs(sumDy) + TINY;
                within(name, j, fd, dX.get(0, j), fdError(sumAbsDy / 8, lMag) + kernel);
            }
        });
    }

    // ---------------------------------------------------------------- loss gradients

    /**
     * MSE: L = sum (P - T)^2 / N; dL/dP_k = 2 (P_k - T_k) / N, a quadratic, so M3 = 0; the FD moves only term
     * k, |term| <= (P_k - T_k)^2 / N. Kernel: fl(fl(P - T) * fl(2 / N)): gamma(3) |dP|.
     */
    @TestFactory
    Stream<DynamicTest> mseLossGradient() {
        return cases("mseLoss", (arena, rnd, n, name) -> {
            int rows = 1 + rnd.nextInt(3);
            float[] p = uniform(rnd, rows * n, -3, 3);
            float[] t = uniform(rnd, rows * n, -3, 3);
            Matrix dP = Matrix.allocate(arena, rows, n);
            k.mseLoss(dP, Matrix.of(arena, rows, n, p), Matrix.of(arena, rows, n, t));
            double count = rows * n;
            for (int e = 0; e < p.length; e++) {
                double te = t[e];
                double fd = central(v -> (v - te) * (v - te) / count, p[e]);
                double term = (p[e] - te) * (p[e] - te) / count + 1;
                within(name, e, fd, dP.toArray()[e], fdError(0, term) + ErrorBounds.gamma(3) * Math.abs(fd) + TINY);
            }
        });
    }

    /**
     * BCE: L = sum softplus(x) - x y over N; dL/dx_k = (sigma(x_k) - y_k) / N; the FD moves only term k, whose
     * third derivative is sigma''(x) / N, |sigma''| < 1/8, and |term| <= |x| + 1. Kernel: double, rounded
     * once: u |dX| + 2^-50 / N.
     */
    @TestFactory
    Stream<DynamicTest> bceWithLogitsLossGradient() {
        return cases("bceWithLogitsLoss", (arena, rnd, n, name) -> {
            int rows = 1 + rnd.nextInt(3);
            float[] x = uniform(rnd, rows * n, -8, 8);
            float[] y = uniform(rnd, rows * n, 0, 1);
            Matrix dX = Matrix.allocate(arena, rows, n);
            k.bceWithLogitsLoss(dX, Matrix.of(arena, rows, n, x), Matrix.of(arena, rows, n, y));
            double count = rows * n;
            float[] dx = dX.toArray();
            for (int e = 0; e < x.length; e++) {
                double ye = y[e];
                double fd = central(v -> (Exact.softplus(v) - v * ye) / count, x[e]);
                within(name, e, fd, dx[e], fdError(1.0 / 8 / count, (Math.abs(x[e]) + 1) / count)
                        + U * Math.abs(fd) + 0x1p-50 / count + TINY);
            }
        });
    }

    /**
     * Softmax cross-entropy: L = sum_i (logsumexp(x_i) - x_i,label) / m; the FD moves only row i's term, whose
     * third derivative along x_ik is that of logsumexp, below 1/8 (over m); |term| <= |logsumexp| + |x| <= 8 + log n.
     * Kernel: double, rounded once: u |dX| + gamma_D(2n + 4) (p + 1) / m.
     */
    @TestFactory
    Stream<DynamicTest> softmaxCrossEntropyLossGradient() {
        return cases("softmaxCrossEntropyLoss", (arena, rnd, n, name) -> {
            int rows = 1 + rnd.nextInt(3);
            float[] x = uniform(rnd, rows * n, -4, 4);
            int[] labels = new int[rows];
            for (int i = 0; i < rows; i++) {
                labels[i] = rnd.nextInt(n);
            }
            Matrix dX = Matrix.allocate(arena, rows, n);
            k.softmaxCrossEntropyLoss(dX, Matrix.of(arena, rows, n, x), labels);
            float[] dx = dX.toArray();
            for (int i = 0; i < rows; i++) {
                float[] row = java.util.Arrays.copyOfRange(x, i * n, (i + 1) * n);
                int label = labels[i];
                for (int j = 0; j < n; j++) {
                    int jj = j;
                    DoubleUnaryOperator term = v -> {
                        double[] xd = toDouble(row);
                        xd[jj] = v;
                        return (Exact.logSumExp(xd) - xd[label]) / rows;
                    };
                    double fd = central(term, row[j]);
                    double p = Exact.softmax(toDouble(row))[j];
                    within(name, i * n + j, fd, dx[i * n + j], fdError(1.0 / 8 / rows, (8 + Math.log(n)) / rows)
                            + U * Math.abs(fd) + ErrorBounds.gammaD(2L * n + 4) * (p + 1) / rows + TINY);
                }
            }
        });
    }
}
