package dev.myelin.simd;

import static dev.myelin.core.ErrorBounds.gammaD;
import static dev.myelin.simd.Agree.TINY;
import static dev.myelin.simd.Agree.U;
import static dev.myelin.simd.Agree.gamma;

import dev.myelin.core.Cases;
import dev.myelin.core.ErrorBounds;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Property: the SIMD activations agree with the reference. Test method names are the Kernels methods
 * they cover (KernelCompletenessTest).
 *
 * <p><b>Exact</b> (bit for bit, NaNs by position, inputs with one special value in twenty): identity,
 * relu, leaky relu (forward and backward), and the sigmoid and tanh backward, whose SIMD code performs
 * the reference's float operations in the reference's order.
 *
 * <p><b>Bounded</b>, per element, by the SIMD error plus the reference's own error, both against the
 * exact value (a double oracle, {@link Oracle}); u = 2^-24, E = {@link Measured#EXP}:
 * <ul>
 *   <li>sigmoid, tanh, gelu: measured ulps (UlpSweepTest) plus half an ulp for the reference, which
 *       rounds a double result once: {@code |simd - ref| <= (M + 0.5) ulp(f(x)) + 2^-40 |f(x)|} (the
 *       last term covers the oracle's double error); gelu adds its derived argument term
 *       {@code 6 |z| (1 - sigmoid(z))} ulps to M.</li>
 *   <li>gelu backward, softmax, log-softmax and their backward passes: derived bounds, written beside
 *       each bound function below.</li>
 * </ul>
 * Inputs of the bounded kernels: uniform in [-r, r) with r from {1, 10, 100}, one element in fifty
 * drawn log-uniformly from 1e-30 to 1e30 with random sign, and one in two hundred a special value; the
 * NaN positions must agree and infinite results must be equal.
 */
class ActivationsAgreementTest {

    private static final int RANDOM = 40;

    private static float slope(SplittableRandom rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> 0f;
            case 1 -> 0.01f;
            case 2 -> -0.5f;
            default -> (float) rnd.nextDouble(-2, 2);
        };
    }

    // ---------------------------------------------------------------- exact

    @TestFactory
    Stream<DynamicTest> identityForward() {
        return Agree.exactProperty("identityForward", 20_000_000L, RANDOM, 1, false, 0, r -> 0,
                (k, out, in, a) -> k.identityForward(out, in[0]));
    }

    @TestFactory
    Stream<DynamicTest> identityBackward() {
        return Agree.exactProperty("identityBackward", 21_000_000L, RANDOM, 1, false, 0, r -> 0,
                (k, out, in, a) -> k.identityBackward(out, in[0]));
    }

    @TestFactory
    Stream<DynamicTest> reluForward() {
        return Agree.exactProperty("reluForward", 22_000_000L, RANDOM, 1, false, 0, r -> 0,
                (k, out, in, a) -> k.reluForward(out, in[0]));
    }

    @TestFactory
    Stream<DynamicTest> reluBackward() {
        return Agree.exactProperty("reluBackward", 23_000_000L, RANDOM, 2, false, 0, r -> 0,
                (k, out, in, a) -> k.reluBackward(out, in[0], in[1]));
    }

    @TestFactory
    Stream<DynamicTest> leakyReluForward() {
        return Agree.exactProperty("leakyReluForward", 24_000_000L, RANDOM, 1, false, 0,
                ActivationsAgreementTest::slope, (k, out, in, a) -> k.leakyReluForward(out, in[0], a));
    }

    @TestFactory
    Stream<DynamicTest> leakyReluBackward() {
        return Agree.exactProperty("leakyReluBackward", 25_000_000L, RANDOM, 2, false, 1,
                ActivationsAgreementTest::slope, (k, out, in, a) -> k.leakyReluBackward(out, in[0], in[1], a));
    }

    @TestFactory
    Stream<DynamicTest> sigmoidBackward() {
        return Agree.exactProperty("sigmoidBackward", 26_000_000L, RANDOM, 2, false, 1, r -> 0,
                (k, out, in, a) -> k.sigmoidBackward(out, in[0], in[1]));
    }

    @TestFactory
    Stream<DynamicTest> tanhBackward() {
        return Agree.exactProperty("tanhBackward", 27_000_000L, RANDOM, 2, false, 0, r -> 0,
                (k, out, in, a) -> k.tanhBackward(out, in[0], in[1]));
    }

    // ---------------------------------------------------------------- bounded, elementwise

    /** Inputs for the bounded kernels (see the class comment). */
    private static float[] wide(SplittableRandom rnd, int count, double r) {
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            double p = rnd.nextDouble();
            if (p < 0.005) {
                v[i] = Cases.special(rnd);
            } else if (p < 0.025) {
                v[i] = (float) ((rnd.nextBoolean() ? 1 : -1) * Math.pow(10, rnd.nextDouble(-30, 30)));
            } else {
                v[i] = (float) rnd.nextDouble(-r, r);
            }
        }
        return v;
    }

    private static double range(SplittableRandom rnd) {
        return new double[] {1, 10, 100}[rnd.nextInt(3)];
    }

    /** Per-element bound for an elementwise kernel from its inputs. */
    private interface ElementBound {
        double at(float[][] in, int e);
    }

    /**
     * A bounded elementwise property: {@code inputs} wide inputs, output maybe in place over input 0,
     * compared with {@link ErrorBounds#compare} against {@code bound}.
     */
    private static Stream<DynamicTest> bounded(String kernel, long base, int inputs, Agree.Op op, ElementBound bound) {
        return Agree.shapes(base, RANDOM, true).stream().map(s -> {
            SplittableRandom rnd = Cases.random(s.index());
            double r = range(rnd);
            String name = kernel + " r=" + r + " " + s.describe();
            return DynamicTest.dynamicTest(name, () -> {
                float[][] in = new float[inputs][];
                for (int k = 0; k < inputs; k++) {
                    in[k] = wide(rnd, s.rows() * s.cols(), r);
                }
                float[][] out = Agree.run(s, rnd, in, s.inPlace(), 0, 0f, op);
                double[] b = new double[out[0].length];
                for (int e = 0; e < b.length; e++) {
                    b[e] = bound.at(in, e);
                }
                ErrorBounds.compare(out[0], out[1], b, s.cols()).orThrow(name);
            });
        });
    }

    /** (M + 0.5) ulp(f) + 2^-40 |f|: a measured SIMD error of M ulps plus the reference's rounding. */
    private static double ulps(double m, double f) {
        if (Double.isNaN(f)) {
            return 0;                                                      // NaN must meet NaN
        }
        return (m + 0.5) * Agree.ulp(f) + 0x1p-40 * Math.abs(f);
    }

    @TestFactory
    Stream<DynamicTest> sigmoidForward() {
        return bounded("sigmoidForward", 28_000_000L, 1, (k, out, in, a) -> k.sigmoidForward(out, in[0]),
                (in, e) -> ulps(Measured.SIGMOID, Oracle.sigmoid(in[0][e])));
    }

    @TestFactory
    Stream<DynamicTest> tanhForward() {
        return bounded("tanhForward", 29_000_000L, 1, (k, out, in, a) -> k.tanhForward(out, in[0]),
                (in, e) -> ulps(Measured.TANH, StrictMath.tanh(in[0][e])));
    }

    @TestFactory
    Stream<DynamicTest> geluForward() {
        return bounded("geluForward", 30_000_000L, 1, (k, out, in, a) -> k.geluForward(out, in[0]),
                (in, e) -> ulps(Measured.GELU + Oracle.geluArgumentUlps(in[0][e]), Oracle.gelu(in[0][e])));
    }

    /**
     * gelu backward, dX = dY g'(x). The SIMD code computes, on c = x clamped to [-20, 20] (which changes
     * no float result, see simd Activations):
     * <pre>
     *   z  = c (A + B c^2)         A, B rounded constants, 4 operations on same-sign terms: |dz/z| <= gamma(6)
     *   e  = EXP(-|z|)             rel. error re = (1 + gamma(6)|z|)(1 + 2uE) - 1, plus (E + 1) 2^-149 absolute
     *   s  = (1 or e) / (1 + e)    rel. rs = (1 + re)(1 + gamma(2)) - 1   (ds/de over s is at most 1/e)
     *   q  = e / (1 + e)^2         rel. rq = (1 + re)^3 (1 + gamma(3)) - 1
     *   z' = A + 3B c^2            rel. gamma(5);  t = c q z': rel. rt = (1 + rq)(1 + gamma(7)) - 1
     *   g' = s + t                 |dg'| <= s rs + |t| rt + u (s + |t|) + (1 + |c z'|) (E + 1) 2^-149
     *   dX = dY g'                 |ddX| <= |dY| |dg'| (1 + u) + u |dY g'| + 2^-149
     * </pre>
     * The reference rounds g' (double, error below 2^-50 (s + |t|)) to float and multiplies in float:
     * {@code u |dY g'| (1 + u) + u |dY g'| + 2^-50 |dY| (s + |t|) + |dY| 2^-149 + 2^-149}. Where {@code |dY g'|}
     * plus the bound passes Float.MAX_VALUE either may overflow, and where dY is infinite the result is
     * +-Inf or (where the float g' is 0) NaN: the bound is infinite there when |g'| < 2^-100, where the two
     * float derivatives may differ in being 0.
     */
    private static double geluBackwardBound(float dy, float x) {
        if (Float.isNaN(x) || Float.isNaN(dy) || Float.isInfinite(x)) {
            return 0;                                                      // NaN, and the exact limits 1 and 0
        }
        double g = Oracle.geluPrime(x);
        if (Float.isInfinite(dy)) {
            return Math.abs(g) < 0x1p-100 ? Double.POSITIVE_INFINITY : 0;
        }
        double c = Math.max(-20, Math.min(20, x));
        double z = Oracle.geluZ(c);
        double e = Math.exp(-Math.abs(z));
        double s = Oracle.sigmoid(z);
        double q = e / ((1 + e) * (1 + e));
        double dz = 2 * Oracle.C * (1 + 3 * Oracle.K * c * c);
        double t = c * q * dz;
        double re = (1 + gamma(6) * Math.abs(z)) * (1 + 2 * U * Measured.EXP) - 1;
        double rs = (1 + re) * (1 + gamma(2)) - 1;
        double rq = Math.pow(1 + re, 3) * (1 + gamma(3)) - 1;
        double rt = (1 + rq) * (1 + gamma(7)) - 1;
        double tiny = (1 + Math.abs(c * dz)) * (Measured.EXP + 1) * TINY;
        double dg = s * rs + Math.abs(t) * rt + U * (s + Math.abs(t)) + tiny;
        double dx = Math.abs(dy * g);
        double simd = Math.abs(dy) * dg * (1 + U) + U * dx + TINY;
        double ref = U * dx * (1 + U) + U * dx + 0x1p-50 * Math.abs(dy) * (s + Math.abs(t)) + Math.abs(dy) * TINY + TINY;
        return dx + simd + ref > Float.MAX_VALUE ? Double.POSITIVE_INFINITY : simd + ref;
    }

    @TestFactory
    Stream<DynamicTest> geluBackward() {
        return bounded("geluBackward", 31_000_000L, 2, (k, out, in, a) -> k.geluBackward(out, in[0], in[1]),
                (in, e) -> geluBackwardBound(in[0][e], in[1][e]));
    }

    // ---------------------------------------------------------------- bounded, row-wise

    /** Row inputs: uniform in [-r, r) around an offset (0, or +-1e4 for large logits), rare specials. */
    private static float[] logits(SplittableRandom rnd, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            double r = new double[] {1, 10, 40}[rnd.nextInt(3)];
            double offset = rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? 1e4 : -1e4) : 0;
            for (int j = 0; j < cols; j++) {
                v[i * cols + j] = rnd.nextDouble() < 0.002
                        ? Cases.special(rnd)
                        : (float) (offset + rnd.nextDouble(-r, r));
            }
        }
        return v;
    }

    /** The exact row sums and per-element terms of softmax/log-softmax for one row, or null if the row max is not finite. */
    private record RowExp(float max, double[] t, double[] e, double sum, double relSum) {
    }

    /**
     * Row i of x: {@code t_k = x_k - max}, {@code e_k = exp(t_k)}, {@code S = sum e_k}, and the SIMD sum's
     * relative error R. Each SIMD term carries {@code fl(x_k - max) = t_k (1 + d)}, |d| <= u, so exp is off by
     * a factor up to exp(|t_k| u); EXP adds 2uE relative and (E + 1) 2^-149 absolute (underflow):
     * {@code h_k = (1 + expm1(|t_k| u))(1 + 2uE) - 1}. The float sum of n terms in any order adds
     * gamma(n - 1) of the sum: {@code |S~ - S| <= D + gamma(n - 1)(S + D)}, {@code D = sum (e_k h_k + a)}.
     */
    private static RowExp rowExp(float[] x, int i, int n) {
        float max = Float.NEGATIVE_INFINITY;
        boolean nan = false;
        for (int k = 0; k < n; k++) {
            max = Math.max(max, x[i * n + k]);
            nan |= Float.isNaN(x[i * n + k]);
        }
        if (nan || !Float.isFinite(max)) {
            return null;
        }
        double[] t = new double[n];
        double[] e = new double[n];
        double sum = 0;
        double d = 0;
        for (int k = 0; k < n; k++) {
            t[k] = (double) x[i * n + k] - max;
            e[k] = Math.exp(t[k]);
            sum += e[k];
            if (e[k] > 0) {                                                // e == 0: no relative error to carry
                d += e[k] * h(t[k]);
            }
            d += (Measured.EXP + 1) * TINY;
        }
        double ds = d + gamma(Math.max(1, n - 1)) * (sum + d);
        return new RowExp(max, t, e, sum, ds / sum);
    }

    private static double h(double t) {
        return (1 + Math.expm1(Math.abs(t) * U)) * (1 + 2 * U * Measured.EXP) - 1;
    }

    /**
     * softmax: y_j = e_j / S. SIMD: fl(e~_j / S~), relative error (1 + h_j)(1 + u) / (1 - R) - 1, plus the
     * absolute underflow terms ((E + 1) 2^-149 / S of e~_j, 2^-149 of the division). Reference: the double
     * result rounded once: u y + gamma_D(2n + 4) y + 2^-149 (n + 1 double exps within 1 ulp, n additions, one
     * division).
     */
    static double[] softmaxBound(float[] x, int rows, int n) {
        double[] b = new double[rows * n];
        for (int i = 0; i < rows; i++) {
            RowExp r = rowExp(x, i, n);
            for (int j = 0; r != null && j < n; j++) {
                if (!Double.isFinite(r.t()[j])) {
                    continue;                                              // -Inf: exactly 0 in both
                }
                double y = r.e()[j] / r.sum();
                double simd = (y == 0 ? 0 : y * ((1 + h(r.t()[j])) * (1 + U) / (1 - r.relSum()) - 1))
                        + (Measured.EXP + 1) * TINY / r.sum() * (1 + U) / (1 - r.relSum()) + TINY;
                double ref = U * y + gammaD(2L * n + 4) * y + TINY;
                b[i * n + j] = simd + ref;
            }
        }
        return b;
    }

    /**
     * log-softmax: y_j = t_j - log S. SIMD: fl(fl(x_j - max) - ls~), ls~ = float(log(S~)) with log in double:
     * |ls~ - log S| <= dL = -log(1 - R) + (u + 2^-52)(log S - log(1 - R)); then
     * |y~ - y| <= u |t_j| + dL + u (|t_j| (1 + u) + log S + dL). Reference: u |y| + gamma_D(2n + 6)(|t_j| + log S) + 2^-149.
     */
    private static double[] logSoftmaxBound(float[] x, int rows, int n) {
        double[] b = new double[rows * n];
        for (int i = 0; i < rows; i++) {
            RowExp r = rowExp(x, i, n);
            for (int j = 0; r != null && j < n; j++) {
                double t = r.t()[j];
                if (!Double.isFinite(t)) {
                    continue;                                              // -Inf: exactly -Inf in both
                }
                double logS = Math.log(r.sum());
                double dl = -Math.log1p(-r.relSum()) + (U + 0x1p-52) * (logS - Math.log1p(-r.relSum()));
                double simd = U * Math.abs(t) + dl + U * (Math.abs(t) * (1 + U) + logS + dl);
                double ref = U * Math.abs(t - logS) + gammaD(2L * n + 6) * (Math.abs(t) + logS) + TINY;
                b[i * n + j] = simd + ref;
            }
        }
        return b;
    }

    /**
     * softmax backward: dX_j = Y_j (dY_j - s), s = sum_k dY_k Y_k. Both backends sum s in float (reference in
     * index order, SIMD in lanes with FMA): |s~ - s| <= gamma(n) P + n 2^-150, P = sum |dY_k Y_k| (any order,
     * with or without FMA; the products may underflow). Then two roundings: each backend is within
     * |Y_j| (gamma(n) P + n 2^-150)(1 + u)^2 + gamma(2) |Y_j| |dY_j - s| + 2 2^-149 of the exact value, and the
     * two of each other within twice that. s and P are computed in double (error below n 2^-53 P, added).
     */
    private static double[] softmaxBackwardBound(float[] dy, float[] y, int rows, int n) {
        double[] b = new double[rows * n];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            double p = 0;
            boolean finite = true;
            for (int k = 0; k < n; k++) {
                s += (double) dy[i * n + k] * y[i * n + k];
                p += Math.abs((double) dy[i * n + k] * y[i * n + k]);
                finite &= Float.isFinite(dy[i * n + k]) && Float.isFinite(y[i * n + k]);
            }
            for (int j = 0; finite && j < n; j++) {
                double yj = Math.abs(y[i * n + j]);
                double sumErr = (gamma(n) + gammaD(n)) * p + n * TINY / 2;
                b[i * n + j] = 2 * (yj * sumErr * (1 + U) * (1 + U) + gamma(2) * yj * Math.abs(dy[i * n + j] - s) + 2 * TINY);
            }
        }
        return b;
    }

    /**
     * log-softmax backward: dX_j = dY_j - exp(Y_j) s, s = sum_k dY_k, A = sum_k |dY_k|. Both backends sum s in
     * double, in different orders: |s~ - s| <= gamma_D(n - 1) A.
     * <ul>
     *   <li>Reference (double, rounded once): ref = u |dX| + (2^-50 + gamma_D(n)) (|dY_j| + e^Y A) + 2^-149.</li>
     *   <li>SIMD, on a row it computes the reference's way (some Y > 0 or NaN, or fl(s~) not finite): the same
     *       formula with its own s~, so the same bound, ref.</li>
     *   <li>SIMD float path: sf = fl(s~), |sf - s| <= ds = gamma_D(n - 1) A (1 + u) + u |s| + 2^-150;
     *       p~ = fl(EXP(Y_j) sf), with EXP within 2uE relative and (E + 1) 2^-149 absolute:
     *       |p~ - p| <= e^Y ds f + e^Y |s| (f - 1) + (E + 1) 2^-149 (|s| + ds)(1 + u) + 2^-150, f = (1 + 2uE)(1 + u);
     *       dX = fl(dY - p~): |d| <= |p~ - p| (1 + u) + u |dX|.</li>
     * </ul>
     * The bound does not decide which path the SIMD backend takes: it allows the larger, plus the reference's.
     * s, A and dX here are double sums (errors below gamma_D(n) A, far inside the u terms).
     */
    private static double[] logSoftmaxBackwardBound(float[] dy, float[] y, int rows, int n) {
        double[] b = new double[rows * n];
        for (int i = 0; i < rows; i++) {
            double s = 0;
            double a = 0;
            boolean finite = true;
            for (int k = 0; k < n; k++) {
                s += dy[i * n + k];
                a += Math.abs(dy[i * n + k]);
                finite &= Float.isFinite(dy[i * n + k]);
            }
            for (int j = 0; finite && j < n; j++) {
                double ey = Math.exp(y[i * n + j]);
                if (Float.isNaN(y[i * n + j]) || Double.isInfinite(ey)) {
                    continue;                                              // NaN, or exp(Y) * s infinite or NaN: compared exactly
                }
                double dx = Math.abs(dy[i * n + j] - ey * s);
                double ref = U * dx + (0x1p-50 + gammaD(n)) * (Math.abs(dy[i * n + j]) + ey * a) + TINY;
                double ds = gammaD(n - 1) * a * (1 + U) + U * Math.abs(s) + TINY / 2;
                double f = (1 + 2 * U * Measured.EXP) * (1 + U);
                double dp = ey * ds * f + ey * Math.abs(s) * (f - 1) + (Measured.EXP + 1) * TINY * (Math.abs(s) + ds) * (1 + U) + TINY / 2;
                double floatPath = dp * (1 + U) + U * dx;
                b[i * n + j] = Math.max(floatPath, ref) + ref;
            }
        }
        return b;
    }

    /** Row-wise bound from the two inputs (the second may be null). */
    private interface RowBound {
        double[] of(float[] a, float[] b, int rows, int cols);
    }

    private static Stream<DynamicTest> rowwise(String kernel, long base, boolean backward, Agree.Op op, RowBound bound) {
        return Agree.shapes(base, RANDOM, true).stream().map(s -> {
            String name = kernel + " " + s.describe();
            return DynamicTest.dynamicTest(name, () -> {
                SplittableRandom rnd = Cases.random(s.index());
                float[][] in;
                if (!backward) {
                    in = new float[][] {logits(rnd, s.rows(), s.cols())};
                } else {
                    float[] dy = Cases.values(rnd, s.rows() * s.cols(), -1, 1, 0.002);
                    float[] y = kernel.startsWith("log")
                            ? Cases.values(rnd, s.rows() * s.cols(), -12, 0, 0.002)
                            : Cases.values(rnd, s.rows() * s.cols(), 0, 1, 0.002);
                    in = new float[][] {dy, y};
                }
                float[][] out = Agree.run(s, rnd, in, s.inPlace(), 0, 0f, op);
                double[] b = bound.of(in[0], in.length > 1 ? in[1] : null, s.rows(), s.cols());
                ErrorBounds.compare(out[0], out[1], b, s.cols()).orThrow(name);
            });
        });
    }

    @TestFactory
    Stream<DynamicTest> softmaxForward() {
        return rowwise("softmaxForward", 32_000_000L, false, (k, out, in, a) -> k.softmaxForward(out, in[0]),
                (x, unused, rows, cols) -> softmaxBound(x, rows, cols));
    }

    @TestFactory
    Stream<DynamicTest> softmaxBackward() {
        return rowwise("softmaxBackward", 33_000_000L, true, (k, out, in, a) -> k.softmaxBackward(out, in[0], in[1]),
                ActivationsAgreementTest::softmaxBackwardBound);
    }

    @TestFactory
    Stream<DynamicTest> logSoftmaxForward() {
        return rowwise("logSoftmaxForward", 34_000_000L, false, (k, out, in, a) -> k.logSoftmaxForward(out, in[0]),
                (x, unused, rows, cols) -> logSoftmaxBound(x, rows, cols));
    }

    @TestFactory
    Stream<DynamicTest> logSoftmaxBackward() {
        return rowwise("logSoftmaxBackward", 35_000_000L, true, (k, out, in, a) -> k.logSoftmaxBackward(out, in[0], in[1]),
                ActivationsAgreementTest::logSoftmaxBackwardBound);
    }
}
