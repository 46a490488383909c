package dev.myelin.reference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Cases;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The reference float kernels match a double-precision oracle ({@link Exact}, or double arithmetic on the
 * same float inputs) within bounds derived from their evaluation order: u = 2^-24, gamma(k) = k u / (1 - k u)
 * for k float roundings, gamma_D for double ones, 2^-149 for results that underflow. Random shapes up to
 * 40 x 60, views at odd offsets (Cases). Each bound is written beside its test.
 */
class DoubleOracleTest {

    private static final double U = ErrorBounds.U;
    private static final double TINY = Float.MIN_VALUE;
    private static final int CASES = 15;

    private final Kernels k = Backends.reference();

    private interface Check {
        void run(Arena arena, SplittableRandom rnd, int rows, int cols, String name);
    }

    private static Stream<DynamicTest> cases(String kernel, long base, Check check) {
        return IntStream.range(0, CASES).mapToObj(c -> {
            long index = base + c;
            SplittableRandom rnd = Cases.random(index);
            int rows = rnd.nextInt(1, 41);
            int cols = rnd.nextInt(1, 61);
            String name = kernel + " " + rows + "x" + cols + " " + Cases.tag(index);
            return DynamicTest.dynamicTest(name, () -> {
                try (Arena arena = Arena.ofConfined()) {
                    check.run(arena, rnd, rows, cols, name);
                }
            });
        });
    }

    private static void within(String name, int e, double exact, float actual, double bound) {
        assertTrue(Math.abs(exact - actual) <= bound, () -> name + " element " + e + ": reference " + actual
                + ", oracle " + exact + ", error " + Math.abs(exact - actual) + " > bound " + bound);
    }

    /** Half an ulp of the exact value plus 2^-40 of it: a double result rounded once. */
    private static double rounded(double exact) {
        return 0.5 * Math.ulp((float) exact) + 0x1p-40 * Math.abs(exact);
    }

    @TestFactory
    Stream<DynamicTest> axpyAndMul() {
        // axpy: fl(fl(alpha x) + y): |err| <= gamma(2) (|alpha x| + |y|); mul: one rounding, u |x y|; plus 2^-149
        return cases("axpy, mul", 70_000_000L, (arena, rnd, rows, cols, name) -> {
            Matrix x = Cases.matrix(arena, rnd, rows, cols);
            Matrix y = Cases.matrix(arena, rnd, rows, cols);
            float alpha = (float) rnd.nextDouble(-3, 3);
            float[] xv = x.toArray();
            float[] yv = y.toArray();
            Matrix z = Cases.layout(arena, rnd, rows, cols);
            k.mul(z, x, y);
            k.axpy(y, alpha, x);
            float[] zv = z.toArray();
            float[] av = y.toArray();
            for (int e = 0; e < xv.length; e++) {
                double ax = (double) alpha * xv[e];
                within(name + " axpy", e, ax + yv[e], av[e], ErrorBounds.gamma(2) * (Math.abs(ax) + Math.abs(yv[e])) + TINY);
                within(name + " mul", e, (double) xv[e] * yv[e], zv[e], U * Math.abs((double) xv[e] * yv[e]) + TINY);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> columnSums() {
        // m - 1 float additions in order, then fl(fl(beta s) + t): gamma(m + 1) (|beta s| + sum |x|)
        return cases("columnSums", 71_000_000L, (arena, rnd, rows, cols, name) -> {
            Matrix x = Cases.matrix(arena, rnd, rows, cols);
            Matrix s = Cases.matrix(arena, rnd, 1, cols);
            float beta = (float) rnd.nextDouble(-2, 2);
            float[] s0 = s.toArray();
            k.columnSums(s, x, beta);
            float[] xv = x.toArray();
            for (int j = 0; j < cols; j++) {
                double exact = (double) beta * s0[j];
                double mag = Math.abs(exact);
                for (int i = 0; i < rows; i++) {
                    exact += xv[i * cols + j];
                    mag += Math.abs(xv[i * cols + j]);
                }
                within(name, j, exact, s.get(0, j), ErrorBounds.gamma(rows + 1) * mag + TINY);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> transcendentalActivations() {
        // each a double formula rounded once: half an ulp + 2^-40 relative
        return cases("sigmoid, tanh, gelu", 72_000_000L, (arena, rnd, rows, cols, name) -> {
            Matrix x = Cases.matrix(arena, rnd, rows, cols);
            Cases.fill(rnd, x, -12, 12);
            float[] xv = x.toArray();
            Matrix y = Cases.layout(arena, rnd, rows, cols);
            k.sigmoidForward(y, x);
            float[] sv = y.toArray();
            k.tanhForward(y, x);
            float[] tv = y.toArray();
            k.geluForward(y, x);
            float[] gv = y.toArray();
            for (int e = 0; e < xv.length; e++) {
                double s = Exact.sigmoid(xv[e]);
                double t = StrictMath.tanh(xv[e]);
                double g = Exact.gelu(xv[e]);
                within(name + " sigmoid", e, s, sv[e], rounded(s));
                within(name + " tanh", e, t, tv[e], rounded(t));
                within(name + " gelu", e, g, gv[e], rounded(g));
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> softmaxAndLogSoftmax() {
        // double row sums in index order, rounded once: softmax (u + gamma_D(2n + 4)) y + 2^-149;
        // log-softmax u |y| + gamma_D(2n + 6)(|x - max| + log S) + 2^-149 (|x - max| <= 2r, log S <= log n)
        return cases("softmax, logSoftmax", 73_000_000L, (arena, rnd, rows, cols, name) -> {
            double r = new double[] {1, 30}[rnd.nextInt(2)];
            Matrix x = Cases.layout(arena, rnd, rows, cols);
            Cases.fill(rnd, x, (float) -r, (float) r);
            float[] xv = x.toArray();
            Matrix y = Cases.layout(arena, rnd, rows, cols);
            k.softmaxForward(y, x);
            float[] sv = y.toArray();
            k.logSoftmaxForward(y, x);
            float[] lv = y.toArray();
            for (int i = 0; i < rows; i++) {
                double[] row = new double[cols];
                for (int j = 0; j < cols; j++) {
                    row[j] = xv[i * cols + j];
                }
                double[] p = Exact.softmax(row);
                double[] lp = Exact.logSoftmax(row);
                for (int j = 0; j < cols; j++) {
                    int e = i * cols + j;
                    within(name + " softmax", e, p[j], sv[e], (U + ErrorBounds.gammaD(2L * cols + 4)) * p[j] + TINY);
                    within(name + " logSoftmax", e, lp[j], lv[e],
                            U * Math.abs(lp[j]) + ErrorBounds.gammaD(2L * cols + 6) * (2 * r + Math.log(cols)) + TINY);
                }
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> softmaxBackward() {
        // s summed in float in index order: gamma(n) sum |dY Y|; then fl(Y fl(dY - s)): gamma(2) |Y| |dY - s|,
        // the sum's error carried through both roundings: |Y| gamma(n) P (1 + u)^2
        return cases("softmaxBackward", 74_000_000L, (arena, rnd, rows, cols, name) -> {
            Matrix dy = Cases.matrix(arena, rnd, rows, cols);
            Matrix y = Cases.layout(arena, rnd, rows, cols);
            Cases.fill(rnd, y, 0, 1);
            Matrix dx = Cases.layout(arena, rnd, rows, cols);
            k.softmaxBackward(dx, dy, y);
            float[] g = dy.toArray();
            float[] yv = y.toArray();
            float[] out = dx.toArray();
            for (int i = 0; i < rows; i++) {
                double s = 0;
                double p = 0;
                for (int j = 0; j < cols; j++) {
                    s += (double) g[i * cols + j] * yv[i * cols + j];
                    p += Math.abs((double) g[i * cols + j] * yv[i * cols + j]);
                }
                for (int j = 0; j < cols; j++) {
                    int e = i * cols + j;
                    double exact = yv[e] * (g[e] - s);
                    double bound = Math.abs(yv[e]) * ErrorBounds.gamma(cols) * p * (1 + U) * (1 + U)
                            + ErrorBounds.gamma(2) * Math.abs(yv[e]) * Math.abs(g[e] - s) + (cols + 2) * TINY;
                    within(name, e, exact, out[e], bound);
                }
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> losses() {
        // MSE: d = fl(P - T) has relative error u, so d^2 has 2u + u^2; double sum gamma_D(N + 1), float result u:
        //   |L~ - L| <= ((1 + u)^2 (1 + gamma_D(N + 1)) (1 + u) - 1) L.
        // BCE, CE: double terms and sums, rounded once: u |L| + gamma_D(4N + 8) sum |terms| / count.
        return cases("losses", 75_000_000L, (arena, rnd, rows, cols, name) -> {
            Matrix p = Cases.matrix(arena, rnd, rows, cols);
            Matrix t = Cases.matrix(arena, rnd, rows, cols);
            Cases.fill(rnd, t, 0, 1);
            Matrix d = Cases.layout(arena, rnd, rows, cols);
            float[] pv = p.toArray();
            float[] tv = t.toArray();
            int n = rows * cols;
            double mse = 0;
            double bce = 0;
            double bceAbs = 0;
            for (int e = 0; e < n; e++) {
                double diff = (double) pv[e] - tv[e];
                mse += diff * diff;
                double term = Exact.softplus(pv[e]) - (double) pv[e] * tv[e];
                bce += term;
                bceAbs += Math.abs(term) + Math.abs((double) pv[e] * tv[e]);
            }
            mse /= n;
            bce /= n;
            float gotMse = k.mseLoss(d, p, t);
            within(name + " mse", 0, mse, gotMse, ((1 + U) * (1 + U) * (1 + ErrorBounds.gammaD(n + 1L)) * (1 + U) - 1) * mse + TINY);
            float gotBce = k.bceWithLogitsLoss(d, p, t);
            within(name + " bce", 0, bce, gotBce, U * Math.abs(bce) + ErrorBounds.gammaD(4L * n + 8) * bceAbs / n + TINY);
            int[] labels = new int[rows];
            double ce = 0;
            double ceAbs = 0;
            for (int i = 0; i < rows; i++) {
                labels[i] = rnd.nextInt(cols);
                double[] row = new double[cols];
                for (int j = 0; j < cols; j++) {
                    row[j] = pv[i * cols + j];
                }
                double lse = Exact.logSumExp(row);
                ce += lse - row[labels[i]];
                ceAbs += Math.abs(lse) + Math.abs(row[labels[i]]);
            }
            ce /= rows;
            float gotCe = k.softmaxCrossEntropyLoss(d, p, labels);
            within(name + " ce", 0, ce, gotCe, U * Math.abs(ce) + ErrorBounds.gammaD(4L * n + 8) * ceAbs / rows + TINY);
        });
    }

    @TestFactory
    Stream<DynamicTest> optimizers() {
        // SGD with weight decay and momentum, per element (exact double math on the float inputs):
        //   g = dW + wd W: gamma(2) (|dW| + |wd W|) =: eg;  V = mu V + g: gamma(2) (|mu V| + |g|) + eg =: ev
        //   W' = W - lr V: |W' err| <= gamma(2) (|W| + |lr V|) + |lr| ev (1 + u)
        // Adam (step t, weight decay 0): M = b1 M + c1 g with c1 = fl(1 - b1): em = gamma(3) (|b1 M| + |c1 g|);
        //   V = b2 V + c2 g g: ev = gamma(4) (b2 V + c2 g^2); corrected: stepSize = fl(lr / bc1) (u + gamma_D(t + 2)),
        //   invBc2 likewise; r = sqrt(V invBc2): relative (ev / V + gamma(2) + gamma_D(t + 2)) / 2 + u;
        //   d = r + eps: + u; q = stepSize M / d: relative rs + em / |M| + rd + gamma(2) with rd = r's error / d;
        //   W' = W - q: u |W'| + |q| (relative error of q).
        return cases("sgd, adam", 76_000_000L, (arena, rnd, rows, cols, name) -> {
            Matrix w = Cases.matrix(arena, rnd, rows, cols);
            Matrix v = Cases.matrix(arena, rnd, rows, cols);
            Matrix dw = Cases.matrix(arena, rnd, rows, cols);
            float lr = (float) rnd.nextDouble(0, 0.5);
            float mu = (float) rnd.nextDouble(0, 1);
            float wd = (float) rnd.nextDouble(0, 0.1);
            float[] w0 = w.toArray();
            float[] v0 = v.toArray();
            float[] g0 = dw.toArray();
            k.sgdUpdate(w, v, dw, lr, mu, wd, false);
            float[] w1 = w.toArray();
            for (int e = 0; e < w0.length; e++) {
                double g = g0[e] + (double) wd * w0[e];
                double eg = ErrorBounds.gamma(2) * (Math.abs(g0[e]) + Math.abs((double) wd * w0[e]));
                double vv = (double) mu * v0[e] + g;
                double ev = ErrorBounds.gamma(2) * (Math.abs((double) mu * v0[e]) + Math.abs(g)) + eg;
                double exact = w0[e] - (double) lr * vv;
                within(name + " sgd", e, exact, w1[e],
                        ErrorBounds.gamma(2) * (Math.abs(w0[e]) + Math.abs(lr * vv)) + lr * ev * (1 + U) + TINY);
            }
            // Adam on random M and V (V > 0) at a random step
            Matrix mom = Cases.matrix(arena, rnd, rows, cols);
            Matrix vel = Cases.layout(arena, rnd, rows, cols);
            Cases.fill(rnd, vel, 0.01f, 1f);
            float b1 = 0.9f;
            float b2 = 0.999f;
            float eps = 1e-8f;
            float alr = 1e-3f;
            int step = 1 + rnd.nextInt(1000);
            float[] wa = w.toArray();
            float[] m0 = mom.toArray();
            float[] q0 = vel.toArray();
            k.adamUpdate(w, mom, vel, dw, alr, b1, b2, eps, 0f, step);
            float[] wb = w.toArray();
            double c1 = 1 - (double) b1;
            double c2 = 1 - (double) b2;
            double bc1 = 1 - StrictMath.pow(b1, step);
            double bc2 = 1 - StrictMath.pow(b2, step);
            for (int e = 0; e < wa.length; e++) {
                double g = g0[e];
                double mm = b1 * (double) m0[e] + c1 * g;
                double em = ErrorBounds.gamma(3) * (Math.abs(b1 * (double) m0[e]) + Math.abs(c1 * g));
                double vv = b2 * (double) q0[e] + c2 * g * g;
                double ev = ErrorBounds.gamma(4) * vv;
                double r = Math.sqrt(vv / bc2);
                double rr = (ev / vv + ErrorBounds.gamma(2) + ErrorBounds.gammaD(step + 2L)) / 2 + U;
                double d = r + eps;
                double rd = (r * rr) / d + U;
                double q = alr / bc1 * mm / d;
                double rq = U + ErrorBounds.gammaD(step + 2L) + em / Math.abs(mm) + rd + ErrorBounds.gamma(2);
                double exact = wa[e] - q;
                within(name + " adam", e, exact, wb[e], U * Math.abs(exact) + Math.abs(q) * rq * (1 + rq) + TINY);
            }
        });
    }
}
