package dev.myelin.simd;

import static dev.myelin.core.ErrorBounds.gammaD;
import static dev.myelin.simd.Agree.TINY;
import static dev.myelin.simd.Agree.U;
import static dev.myelin.simd.Agree.gamma;

import dev.myelin.core.Cases;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Property: the SIMD losses agree with the reference, the loss and its gradient. Test method names are
 * the Kernels methods they cover (KernelCompletenessTest). N = m n elements, u = 2^-24,
 * gamma_D(k) = k 2^-53 / (1 - k 2^-53), E = {@link Measured#EXP}, E1 = {@link Measured#LOG1P}.
 * The derivation of each bound is beside its function. A loss that is NaN or infinite must be the
 * same in both; a third of the cases write the gradient in place over an input.
 */
class LossesAgreementTest {

    private static final int RANDOM = 40;

    /** A loss call: returns the loss, writes dX into {@code out}. */
    private interface LossOp {
        float apply(Kernels k, Matrix out, Matrix a, Matrix b, int[] labels);
    }

    /** Runs both backends on their own copies; returns {loss ref, loss simd} and the two gradients. */
    private static float[][] run(Agree.Shape s, SplittableRandom rnd, float[] a, float[] b, int[] labels, LossOp op) {
        float[][] r = new float[4][];
        Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
        try (Arena arena = Arena.ofConfined()) {
            for (int k = 0; k < 2; k++) {
                Matrix am = Agree.matrix(arena, rnd, s.rows(), s.cols(), a);
                Matrix bm = b == null ? null : Agree.matrix(arena, rnd, s.rows(), s.cols(), b);
                Matrix out = s.inPlace() ? am : Agree.output(arena, rnd, s.rows(), s.cols());
                r[k] = new float[] {op.apply(backends[k], out, am, bm, labels)};
                r[2 + k] = out.toArray();
            }
        }
        return r;
    }

    private static void compareLoss(String name, float ref, float simd, double bound) {
        ErrorBounds.compare(new float[] {ref}, new float[] {simd}, new double[] {bound}, 1).orThrow(name + " (loss)");
    }

    // ---------------------------------------------------------------- MSE

    /**
     * MSE: both backends form d = fl(P - T) and dP = fl(d * scale) with the same operations, so dP is
     * compared exactly. The loss differs only in the order of the double sum of the exact squares
     * d^2: each backend's T~ is within gamma_D(N) T of T = sum d^2, the division adds 2^-53 and the
     * float rounding u, so each is within (u + gamma_D(N + 1)(1 + u)) L of L = T / N, and the two within
     * twice that (plus 2^-149 for a loss that underflows).
     */
    @TestFactory
    Stream<DynamicTest> mseLoss() {
        return Agree.shapes(40_000_000L, RANDOM, true).stream().map(s -> {
            String name = "mseLoss " + s.describe();
            return DynamicTest.dynamicTest(name, () -> {
                SplittableRandom rnd = Cases.random(s.index());
                double pSpecial = s.index() % 4 == 0 ? 0.01 : 0;
                int count = s.rows() * s.cols();
                float[] p = Cases.values(rnd, count, -4, 4, pSpecial);
                float[] t = Cases.values(rnd, count, -4, 4, pSpecial);
                float[][] r = run(s, rnd, p, t, null, (k, out, a, b, l) -> k.mseLoss(out, a, b));
                Agree.exact(name + " (dP)", r[2], r[3], s.cols());
                double total = 0;
                for (int e = 0; e < count; e++) {
                    float d = p[e] - t[e];
                    total += (double) d * d;
                }
                double loss = total / count;
                double bound = Double.isFinite(loss) ? 2 * (U + gammaD(count + 1L) * (1 + U)) * loss + 2 * TINY : 0;
                compareLoss(name, r[0][0], r[1][0], bound);
            });
        });
    }

    // ---------------------------------------------------------------- BCE

    /**
     * One BCE term's SIMD error, tau = max(x, 0) - x y + l, l = log1p(e), e = exp(-|x|):
     * <pre>
     *   e~ = EXP(-|x|)            |de| <= 2uE e + (E + 1) 2^-149
     *   l~ = LOG1P(e~)            |dl| <= |de| / (1 + e) + 2uE1 l + (E1 + 1) 2^-149      (log1p' = 1 / (1 + e))
     *   p~ = fl(x y)              |dp| <= u |x y| + 2^-150
     *   a~ = fl(max(x, 0) - p~)   |da| <= |dp| (1 + u) + u |max(x, 0) - x y|
     *   t~ = fl(a~ + l~)          |dt| <= |da| + |dl| + u (|a| + l + |da| + |dl|)
     * </pre>
     */
    private static double bceTermError(float x, float y) {
        double e = Math.exp(-Math.abs((double) x));
        double l = Math.log1p(e);
        double de = 2 * U * Measured.EXP * e + (Measured.EXP + 1) * TINY;
        double dl = de / (1 + e) + 2 * U * Measured.LOG1P * l + (Measured.LOG1P + 1) * TINY;
        double xy = Math.abs((double) x * y);
        double a = Math.abs(Math.max(x, 0) - (double) x * y);
        double da = (U * xy + TINY / 2) * (1 + U) + U * a;
        return da + dl + U * (a + l + da + dl);
    }

    /**
     * BCE: loss L = sum tau / N. SIMD: the float terms, summed in double in any order and divided:
     * {@code |L~ - L| <= (sum |dt| + gamma_D(N + 1) sum |tau|) / N (1 + u) + u |L|}. Reference: every term
     * in double (its error below 2^-50 (max(x, 0) + |x y| + l)), then the same sum and rounding.
     * Gradient dX = (s - y) / N, s = sigmoid(x): SIMD s~ (stable form) has relative error
     * rs = (1 + 2uE)(1 + u)^2 - 1 plus (E + 1) 2^-149; fl(s~ - y) adds u |s - y|, the rounded scale
     * fl(1 / N) and the product gamma(2): {@code |d| <= ((s rs + a)(1 + u) + u |s - y|)(1 + u)^2 / N
     * + gamma(2) |s - y| / N + 2^-149}. Reference (double, rounded once): {@code u |dX| + 2^-50 (s + |y|) / N + 2^-149}.
     */
    @TestFactory
    Stream<DynamicTest> bceWithLogitsLoss() {
        return Agree.shapes(41_000_000L, RANDOM, true).stream().map(s -> {
            String name = "bceWithLogitsLoss " + s.describe();
            return DynamicTest.dynamicTest(name, () -> {
                SplittableRandom rnd = Cases.random(s.index());
                double r = new double[] {1, 10, 30}[rnd.nextInt(3)];
                int count = s.rows() * s.cols();
                float[] x = Cases.values(rnd, count, -r, r, s.index() % 4 == 0 ? 0.01 : 0);
                float[] y = new float[count];
                for (int e = 0; e < count; e++) {
                    y[e] = rnd.nextInt(3) == 0 ? (float) rnd.nextInt(2) : (float) rnd.nextDouble();
                }
                float[][] out = run(s, rnd, x, y, null, (k, o, a, b, l) -> k.bceWithLogitsLoss(o, a, b));
                double sumTerm = 0;
                double sumAbs = 0;
                double sumErr = 0;
                double refErr = 0;
                double[] bound = new double[count];
                for (int e = 0; e < count; e++) {
                    double v = x[e];
                    double l = Math.log1p(Math.exp(-Math.abs(v)));
                    double tau = Math.max(v, 0) - v * y[e] + l;
                    sumTerm += tau;
                    sumAbs += Math.abs(tau);
                    sumErr += bceTermError(x[e], y[e]);
                    refErr += 0x1p-50 * (Math.max(v, 0) + Math.abs(v * y[e]) + l);
                    if (Float.isNaN(x[e])) {
                        continue;                                              // NaN in both
                    }
                    double sg = Oracle.sigmoid(v);
                    double rs = (1 + 2 * U * Measured.EXP) * (1 + U) * (1 + U) - 1;
                    double a = (Measured.EXP + 1) * TINY;
                    double d = Math.abs(sg - y[e]);
                    double simd = ((sg * rs + a) * (1 + U) + U * d) * (1 + U) * (1 + U) / count + gamma(2) * d / count + TINY;
                    double ref = U * d / count + 0x1p-50 * (sg + Math.abs(y[e])) / count + TINY;
                    bound[e] = simd + ref;
                }
                ErrorBounds.compare(out[2], out[3], bound, s.cols()).orThrow(name + " (dX)");
                double loss = sumTerm / count;
                double lossBound = Double.isFinite(loss)
                        ? (sumErr + gammaD(count + 1L) * sumAbs) / count * (1 + U) + U * Math.abs(loss)
                          + (refErr + gammaD(count + 1L) * sumAbs) / count + U * Math.abs(loss) + TINY
                        : 0;
                compareLoss(name, out[0][0], out[1][0], lossBound);
            });
        });
    }

    // ---------------------------------------------------------------- softmax cross-entropy

    /**
     * Softmax cross-entropy, row i with max M, t_k = x_k - M, S = sum exp(t_k), and the SIMD sum's relative
     * error R (as for softmax: each term carries h_k = (1 + expm1(|t_k| u))(1 + 2uE) - 1 and (E + 1) 2^-149,
     * the float sum gamma(n - 1)). Row term T_i = (M - x_label) + log S: SIMD takes log(S~) in double, so
     * {@code |dT_i| <= -log(1 - R) + 2^-51 (|M - x_label| + log S + 1)}; the loss L = sum T_i / m then
     * {@code |L~ - L| <= (sum |dT_i| + gamma_D(m + 1) sum |T_i|) / m (1 + u) + u |L|}; the reference, all in
     * double: {@code gamma_D(2 m n + 8) sum |T_i| / m + u |L|}.
     * Gradient p_j = exp(t_j) / S: SIMD p~ has relative error rho_j = (1 + h_j)(1 + u) / (1 - R) - 1 plus
     * a = (E + 1) 2^-149 / S (1 + u) / (1 - R) + 2^-149; then fl(p~ - 1) at the label and the product with
     * fl(1 / m): {@code |d| <= (p rho + a)(1 + u)^3 / m + (u (1 + u)^2 + gamma(2)) |p - onehot| / m}. Reference
     * (double, rounded once): {@code u |dX| + gamma_D(2n + 4)(p + 1) / m + 2^-149}.
     */
    @TestFactory
    Stream<DynamicTest> softmaxCrossEntropyLoss() {
        return Agree.shapes(42_000_000L, RANDOM, true).stream().map(s -> {
            String name = "softmaxCrossEntropyLoss " + s.describe();
            return DynamicTest.dynamicTest(name, () -> {
                SplittableRandom rnd = Cases.random(s.index());
                int m = s.rows();
                int n = s.cols();
                float[] x = new float[m * n];
                for (int i = 0; i < m; i++) {
                    double r = new double[] {1, 10, 40}[rnd.nextInt(3)];
                    double offset = rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? 1e4 : -1e4) : 0;
                    for (int j = 0; j < n; j++) {
                        x[i * n + j] = rnd.nextDouble() < (s.index() % 4 == 0 ? 0.002 : 0)
                                ? Cases.special(rnd)
                                : (float) (offset + rnd.nextDouble(-r, r));
                    }
                }
                int[] labels = new int[m];
                for (int i = 0; i < m; i++) {
                    labels[i] = rnd.nextInt(n);
                }
                float[][] out = run(s, rnd, x, null, labels, (k, o, a, b, l) -> k.softmaxCrossEntropyLoss(o, a, l));
                double[] bound = new double[m * n];
                double total = 0;
                double absTotal = 0;
                double termErr = 0;
                boolean finite = true;
                for (int i = 0; i < m; i++) {
                    float max = Float.NEGATIVE_INFINITY;
                    boolean nan = false;
                    for (int j = 0; j < n; j++) {
                        max = Math.max(max, x[i * n + j]);
                        nan |= Float.isNaN(x[i * n + j]);
                    }
                    if (nan || !Float.isFinite(max)) {
                        finite = false;                                        // the row and the loss are NaN in both
                        continue;
                    }
                    double sum = 0;
                    double d = 0;
                    for (int j = 0; j < n; j++) {
                        double t = (double) x[i * n + j] - max;
                        double e = Math.exp(t);
                        sum += e;
                        d += (e > 0 ? e * h(t) : 0) + (Measured.EXP + 1) * TINY;
                    }
                    double rel = (d + gamma(Math.max(1, n - 1)) * (sum + d)) / sum;
                    double logS = Math.log(sum);
                    double gap = (double) max - x[i * n + labels[i]];
                    total += gap + logS;
                    absTotal += Math.abs(gap + logS);
                    termErr += -Math.log1p(-rel) + 0x1p-51 * (Math.abs(gap) + logS + 1);
                    for (int j = 0; j < n; j++) {
                        double t = (double) x[i * n + j] - max;
                        double p = Math.exp(t) / sum;
                        double oh = j == labels[i] ? 1 : 0;
                        double rho = p == 0 ? 0 : p * ((1 + h(t)) * (1 + U) / (1 - rel) - 1);
                        double a = (Measured.EXP + 1) * TINY / sum * (1 + U) / (1 - rel) + TINY;
                        double simd = (rho + a) * Math.pow(1 + U, 3) / m + (U * (1 + U) * (1 + U) + gamma(2)) * Math.abs(p - oh) / m;
                        double ref = U * Math.abs(p - oh) / m + gammaD(2L * n + 4) * (p + 1) / m + TINY;
                        bound[i * n + j] = simd + ref;
                    }
                }
                ErrorBounds.compare(out[2], out[3], bound, n).orThrow(name + " (dX)");
                double loss = total / m;
                double lossBound = finite && Double.isFinite(loss)
                        ? (termErr + gammaD(m + 1L) * absTotal) / m * (1 + U) + U * Math.abs(loss)
                          + gammaD(2L * m * n + 8) * absTotal / m + U * Math.abs(loss) + TINY
                        : 0;
                compareLoss(name, out[0][0], out[1][0], lossBound);
            });
        });
    }

    private static double h(double t) {
        return (1 + Math.expm1(Math.abs(t) * U)) * (1 + 2 * U * Measured.EXP) - 1;
    }
}
