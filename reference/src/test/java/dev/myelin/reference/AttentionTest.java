package dev.myelin.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Cases;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.SelfAttention;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The reference attention kernels against hand-computed answers, a double-precision oracle of the forward pass,
 * and central differences of that oracle for every gradient. Bounds are derived beside each check.
 *
 * <p>Notation: {@code u = 2^-24}, {@code gamma(n)} and {@code gamma_D(n)} as in docs/kernels.md. The oracle
 * evaluates the forward formula in double (scores, max-subtracted softmax with {@link StrictMath#exp}, the weighted
 * sum); its error is below {@code gamma_D(4 (T + D) + 16) (1 + 2 Smax)} relative to the magnitudes it sums
 * (a score carries {@code gamma_D(D + 1) |S|}, which moves an exp by at most twice that relative, the sums and
 * divisions add {@code gamma_D(T + D + 8)}): far below float resolution, and carried in every bound as
 * {@link #oracleRel}.
 */
class AttentionTest {

    private static final double U = ErrorBounds.U;
    private static final double H = 1e-4;

    private final Kernels k = Backends.reference();

    private static double gamma(int n) {
        return ErrorBounds.gamma(n);
    }

    /** Random operands of one case, each (B T, H D) or P (B H T, T), at random layouts (views included). */
    private record Case(SelfAttention g, float scale, Matrix q, Matrix kk, Matrix v, Matrix dO) {
    }

    private static Case randomCase(Arena arena, SplittableRandom rnd, SelfAttention g, double range) {
        Matrix q = Cases.layout(arena, rnd, g.rows(), g.cols());
        Matrix kk = Cases.layout(arena, rnd, g.rows(), g.cols());
        Matrix v = Cases.layout(arena, rnd, g.rows(), g.cols());
        Matrix dO = Cases.layout(arena, rnd, g.rows(), g.cols());
        Cases.fill(rnd, q, (float) -range, (float) range);
        Cases.fill(rnd, kk, (float) -range, (float) range);
        Cases.fill(rnd, v, -1, 1);
        Cases.fill(rnd, dO, -1, 1);
        return new Case(g, (float) (1 / Math.sqrt(g.headSize())), q, kk, v, dO);
    }

    // ---------------------------------------------------------------- the double oracle

    /** Exact-enough scores of (b, h): S[t][s] = scale q_t . k_s in double, for every s (the mask is applied by the caller). */
    private static double[][] scores(double[][][] x, int b, int h, SelfAttention g, double scale) {
        int tn = g.length();
        double[][] s = new double[tn][tn];
        for (int t = 0; t < tn; t++) {
            for (int j = 0; j <= t; j++) {
                double dot = 0;
                for (int d = 0; d < g.headSize(); d++) {
                    dot += x[0][b * tn + t][h * g.headSize() + d] * x[1][b * tn + j][h * g.headSize() + d];
                }
                s[t][j] = scale * dot;
            }
        }
        return s;
    }

    /** Causal softmax of each row of s in double (max-subtracted), zero above the diagonal. */
    private static double[][] softmax(double[][] s) {
        int tn = s.length;
        double[][] p = new double[tn][tn];
        for (int t = 0; t < tn; t++) {
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= t; j++) {
                m = Math.max(m, s[t][j]);
            }
            double sum = 0;
            for (int j = 0; j <= t; j++) {
                p[t][j] = StrictMath.exp(s[t][j] - m);
                sum += p[t][j];
            }
            for (int j = 0; j <= t; j++) {
                p[t][j] /= sum;
            }
        }
        return p;
    }

    /** {q, k, v, dO} as double arrays [row][col]. */
    private static double[][][] doubles(Case c) {
        Matrix[] ms = {c.q(), c.kk(), c.v(), c.dO()};
        double[][][] x = new double[4][][];
        for (int m = 0; m < 4; m++) {
            x[m] = new double[ms[m].rows()][ms[m].cols()];
            for (int i = 0; i < ms[m].rows(); i++) {
                for (int j = 0; j < ms[m].cols(); j++) {
                    x[m][i][j] = ms[m].get(i, j);
                }
            }
        }
        return x;
    }

    /** L = sum over (b, h)'s tokens of dO . O, O from the double oracle: what the gradients differentiate. */
    private static double loss(double[][][] x, int b, int h, SelfAttention g, double scale) {
        double[][] p = softmax(scores(x, b, h, g, scale));
        int tn = g.length();
        int c0 = h * g.headSize();
        double l = 0;
        for (int t = 0; t < tn; t++) {
            for (int d = 0; d < g.headSize(); d++) {
                double o = 0;
                for (int j = 0; j <= t; j++) {
                    o += p[t][j] * x[2][b * tn + j][c0 + d];
                }
                l += x[3][b * tn + t][c0 + d] * o;
            }
        }
        return l;
    }

    /** The oracle's relative error (class comment), from the largest |score|. */
    private static double oracleRel(SelfAttention g, double smax) {
        return ErrorBounds.gammaD(4L * (g.length() + g.headSize()) + 16) * (1 + 2 * smax);
    }

    // ---------------------------------------------------------------- known answers

    /**
     * Q = 0: every score is 0, so p_ts = 1 / (t + 1) and o_t is the mean of v_0 .. v_t. The reference rounds the
     * double 1 / (t + 1) once (exactly {@code (float) (1.0 / (t + 1))}), then sums t + 1 FMA terms:
     * {@code |o - mean| <= (u + gamma(t + 1)(1 + u)) mean|v| <= gamma(t + 2) mean|v|}. Above the diagonal P is +0.
     */
    @Test
    void equalScoresGiveTheRunningMeanOfV() {
        SelfAttention g = new SelfAttention(2, 9, 3, 5);
        try (Arena arena = Arena.ofConfined()) {
            SplittableRandom rnd = Cases.random(71_000_000L);
            Case c = randomCase(arena, rnd, g, 1);
            c.q().fill(0f);
            Matrix o = Matrix.allocate(arena, g.rows(), g.cols());
            Matrix p = Matrix.allocate(arena, g.probabilityRows(), g.length());
            k.attentionForward(o, p, c.q(), c.kk(), c.v(), g, c.scale());
            checkRunningMean(g, o, p, c.v());
        }
    }

    /**
     * A row whose scores are all about -1e30 (Q = 1e15, K = -1e15, scale 1, one column): the maximum subtracted,
     * each exp is exp(0) = 1 and the softmax is the uniform 1 / (t + 1), finite; so O is again the running mean.
     */
    @Test
    void veryNegativeScoresStillGiveAFiniteSoftmax() {
        SelfAttention g = new SelfAttention(1, 6, 2, 1);
        try (Arena arena = Arena.ofConfined()) {
            Matrix q = Matrix.allocate(arena, g.rows(), g.cols()).fill(1e15f);
            Matrix kk = Matrix.allocate(arena, g.rows(), g.cols()).fill(-1e15f);
            Matrix v = Matrix.allocate(arena, g.rows(), g.cols());
            Cases.fill(Cases.random(71_000_001L), v, -1, 1);
            Matrix o = Matrix.allocate(arena, g.rows(), g.cols());
            Matrix p = Matrix.allocate(arena, g.probabilityRows(), g.length());
            k.attentionForward(o, p, q, kk, v, g, 1f);
            assertEquals(-1e30f, 1e15f * -1e15f, 1e23f, "the scores are about -1e30");
            checkRunningMean(g, o, p, v);
        }
    }

    private static void checkRunningMean(SelfAttention g, Matrix o, Matrix p, Matrix v) {
        int tn = g.length();
        for (int b = 0; b < g.batch(); b++) {
            for (int h = 0; h < g.heads(); h++) {
                for (int t = 0; t < tn; t++) {
                    int pr = (b * g.heads() + h) * tn + t;
                    for (int s = 0; s < tn; s++) {
                        float expected = s <= t ? (float) (1.0 / (t + 1)) : 0f;
                        assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(p.get(pr, s)),
                                "P at " + pr + ", " + s);
                    }
                    for (int d = 0; d < g.headSize(); d++) {
                        int col = h * g.headSize() + d;
                        double mean = 0;
                        double abs = 0;
                        for (int s = 0; s <= t; s++) {
                            mean += v.get(b * tn + s, col);
                            abs += Math.abs(v.get(b * tn + s, col));
                        }
                        mean /= t + 1;
                        abs /= t + 1;
                        double bound = gamma(t + 2) * abs + 0x1p-50 * abs;      // plus the double mean's own error
                        float actual = o.get(b * tn + t, col);
                        assertTrue(Math.abs(actual - mean) <= bound, "O at (" + (b * tn + t) + ", " + col + "): " + actual
                                + ", running mean " + mean + ", bound " + bound);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- the forward pass against the double oracle

    /**
     * The reference forward against the oracle. Scores: an FMA chain of D terms and one rounding by scale, so
     * {@code |S~ - S| <= dS = gamma(D + 1) |scale| sum_d |q k|}. Each exp(S - max) then moves by a factor in
     * {@code [e^-2dS*, e^2dS*]} relative to the others ({@code dS*} the row's largest), so p moves by at most
     * {@code p (e^{4 dS*} - 1)}; the double softmax rounded once adds {@code (u + gamma_D(2n + 4)) p}. O: the FMA
     * chain of t + 1 terms adds {@code gamma(t + 1) sum |P~ v|}, and P's errors add {@code sum_s eP_s |v_s|}.
     */
    @TestFactory
    Stream<DynamicTest> forwardAgainstTheDoubleOracle() {
        return IntStream.range(0, 6).mapToObj(c -> {
            long index = 72_000_000L + c;
            SplittableRandom rnd = Cases.random(index);
            SelfAttention g = new SelfAttention(rnd.nextInt(1, 3), rnd.nextInt(1, 40), rnd.nextInt(1, 4), rnd.nextInt(1, 20));
            double range = c % 2 == 0 ? 1 : 6;                                      // 6: peaked softmax rows
            return DynamicTest.dynamicTest(g + " range " + range + " " + Cases.tag(index), () -> {
                try (Arena arena = Arena.ofConfined()) {
                    Case cs = randomCase(arena, rnd, g, range);
                    Matrix o = Cases.layout(arena, rnd, g.rows(), g.cols());
                    Matrix p = Cases.layout(arena, rnd, g.probabilityRows(), g.length());
                    k.attentionForward(o, p, cs.q(), cs.kk(), cs.v(), g, cs.scale());
                    double[][][] x = doubles(cs);
                    int tn = g.length();
                    int dn = g.headSize();
                    for (int b = 0; b < g.batch(); b++) {
                        for (int h = 0; h < g.heads(); h++) {
                            double[][] s = scores(x, b, h, g, cs.scale());
                            double[][] pe = softmax(s);
                            for (int t = 0; t < tn; t++) {
                                int pr = (b * g.heads() + h) * tn + t;
                                double dsMax = 0;
                                double smax = 0;
                                for (int j = 0; j <= t; j++) {
                                    double mag = 0;
                                    for (int d = 0; d < dn; d++) {
                                        mag += Math.abs(x[0][b * tn + t][h * dn + d] * x[1][b * tn + j][h * dn + d]);
                                    }
                                    dsMax = Math.max(dsMax, gamma(dn + 1) * Math.abs(cs.scale()) * mag);
                                    smax = Math.max(smax, Math.abs(s[t][j]));
                                }
                                double rel = Math.expm1(4 * dsMax) + U + ErrorBounds.gammaD(2L * (t + 1) + 4) + oracleRel(g, smax);
                                double[] eP = new double[t + 1];
                                for (int j = 0; j < tn; j++) {
                                    float actual = p.get(pr, j);
                                    if (j > t) {
                                        assertEquals(0, Float.floatToIntBits(actual), "P above the diagonal is +0");
                                        continue;
                                    }
                                    eP[j] = rel * pe[t][j] + Float.MIN_VALUE;
                                    assertTrue(Math.abs(actual - pe[t][j]) <= eP[j], "P at (" + pr + ", " + j + "): "
                                            + actual + ", oracle " + pe[t][j] + ", bound " + eP[j]);
                                }
                                for (int d = 0; d < dn; d++) {
                                    double exact = 0;
                                    double bound = 0;
                                    for (int j = 0; j <= t; j++) {
                                        double vj = x[2][b * tn + j][h * dn + d];
                                        exact += pe[t][j] * vj;
                                        bound += gamma(t + 1) * Math.abs(p.get(pr, j) * vj) + eP[j] * Math.abs(vj);
                                    }
                                    bound += Float.MIN_VALUE * (t + 1);
                                    float actual = o.get(b * tn + t, h * dn + d);
                                    assertTrue(Math.abs(actual - exact) <= bound, "O at (" + (b * tn + t) + ", " + (h * dn + d)
                                            + "): " + actual + ", oracle " + exact + ", bound " + bound);
                                }
                            }
                        }
                    }
                }
            });
        });
    }

    // ---------------------------------------------------------------- gradients against central differences

    /**
     * Each gradient element against the central difference of the oracle's L = sum dO . O over its (b, h).
     *
     * <p>Truncation: {@code h^2/6 M3}. Along one coordinate x the softmax row t is an exponential tilt,
     * {@code p_s(x) ~ exp(z_s + a_s x)}, and {@code E_p[w]} has third derivative the joint cumulant
     * {@code kappa(w, a, a, a) = E[w~ a~^3] - 3 E[w~ a~] E[a~^2]} (centred), at most {@code 4 Rw Ra^3} (Rw, Ra the
     * ranges of w and a over the row). For q_{t,d}: {@code w_s = do_t . v_s}, {@code a_s = scale k_{s,d}} in row t
     * only; for k_{s,d}: in each row t >= s, {@code a} is {@code scale q_{t,d}} at s and 0 elsewhere
     * ({@code Ra = |scale q_{t,d}|}); for v_{s,d}: L is linear, M3 = 0. Rounding of the two double evaluations:
     * {@code 2 oracleRel Lmag / (2h)}, Lmag = sum |dO| sum p |v|.
     *
     * <p>The kernel's error against the exact gradient, propagated through its float operations (each rounding
     * {@code gamma(1)} of the computed result, each FMA chain of n terms {@code gamma(n)} of its magnitudes), from
     * P's error {@code eP = |P~ - p| + oracleRel p} (measured against the oracle, which stands for the exact p):
     * <pre>
     * dv_s:  sum_t eP_ts |do_t| + gamma(T - s) sum_t |P~ do|
     * dP_ts: eDP = gamma(D) sum_d |do v|
     * r_t:   eR = sum_s (eP (|dP~| + eDP) + |P~| eDP) + gamma(t + 1) sum_s |P~ dP~|
     * dS_ts: eDiff = eDP + eR + gamma(1) |dP~ - r~|;  eDS = eP (|diff~| + eDiff) + |P~| eDiff + gamma(1) |dS~|
     * dq_t:  |scale| (sum_s eDS |k_s| + gamma(t + 2) sum_s |dS~ k_s|)     dk_s likewise over t >= s with q_t
     * </pre>
     */
    @TestFactory
    Stream<DynamicTest> gradientsAgainstCentralDifferences() {
        return IntStream.range(0, 4).mapToObj(c -> {
            long index = 73_000_000L + c;
            SplittableRandom rnd = Cases.random(index);
            SelfAttention g = new SelfAttention(rnd.nextInt(1, 3), rnd.nextInt(1, 7), rnd.nextInt(1, 3), rnd.nextInt(1, 6));
            return DynamicTest.dynamicTest(g + " " + Cases.tag(index), () -> {
                try (Arena arena = Arena.ofConfined()) {
                    Case cs = randomCase(arena, rnd, g, 2);
                    Matrix o = Matrix.allocate(arena, g.rows(), g.cols());
                    Matrix p = Cases.layout(arena, rnd, g.probabilityRows(), g.length());
                    k.attentionForward(o, p, cs.q(), cs.kk(), cs.v(), g, cs.scale());
                    Matrix dQ = Cases.layout(arena, rnd, g.rows(), g.cols());
                    Matrix dK = Cases.layout(arena, rnd, g.rows(), g.cols());
                    Matrix dV = Cases.layout(arena, rnd, g.rows(), g.cols());
                    k.attentionBackward(dQ, dK, dV, cs.dO(), cs.q(), cs.kk(), cs.v(), p, g, cs.scale());
                    checkGradients(g, cs, p, dQ, dK, dV);
                }
            });
        });
    }

    private static void checkGradients(SelfAttention g, Case cs, Matrix pm, Matrix dQ, Matrix dK, Matrix dV) {
        double[][][] x = doubles(cs);
        double scale = cs.scale();
        int tn = g.length();
        int dn = g.headSize();
        for (int b = 0; b < g.batch(); b++) {
            for (int h = 0; h < g.heads(); h++) {
                int r0 = b * tn;
                int c0 = h * dn;
                int p0 = (b * g.heads() + h) * tn;
                double[][] s = scores(x, b, h, g, scale);
                double[][] pe = softmax(s);
                double smax = 0;
                for (int t = 0; t < tn; t++) {
                    for (int j = 0; j <= t; j++) {
                        smax = Math.max(smax, Math.abs(s[t][j]));
                    }
                }
                double rel = oracleRel(g, smax);
                // the kernel's P and its error; w = do_t . v_s exactly
                double[][] pk = new double[tn][tn];
                double[][] eP = new double[tn][tn];
                double[][] w = new double[tn][tn];
                double lmag = 0;
                for (int t = 0; t < tn; t++) {
                    for (int j = 0; j <= t; j++) {
                        pk[t][j] = pm.get(p0 + t, j);
                        eP[t][j] = Math.abs(pk[t][j] - pe[t][j]) + rel * pe[t][j] + Double.MIN_VALUE;
                        for (int d = 0; d < dn; d++) {
                            w[t][j] += x[3][r0 + t][c0 + d] * x[2][r0 + j][c0 + d];
                            lmag += Math.abs(x[3][r0 + t][c0 + d]) * pe[t][j] * Math.abs(x[2][r0 + j][c0 + d]);
                        }
                    }
                }
                double fdRounding = 2 * rel * lmag / (2 * H) + 0x1p-50 * lmag / H;
                // the float dS~ as the kernel computes it, with its error bound
                double[][] ds = new double[tn][tn];
                double[][] eDS = new double[tn][tn];
                for (int t = 0; t < tn; t++) {
                    float[] dp = new float[t + 1];
                    double[] eDP = new double[t + 1];
                    float r = 0f;
                    double rMag = 0;
                    double eR = 0;
                    for (int j = 0; j <= t; j++) {
                        float dot = 0f;
                        double mag = 0;
                        for (int d = 0; d < dn; d++) {
                            dot = Math.fma((float) x[3][r0 + t][c0 + d], (float) x[2][r0 + j][c0 + d], dot);
                            mag += Math.abs(x[3][r0 + t][c0 + d] * x[2][r0 + j][c0 + d]);
                        }
                        dp[j] = dot;
                        eDP[j] = gamma(dn) * mag;
                        r = Math.fma((float) pk[t][j], dot, r);
                        rMag += Math.abs(pk[t][j] * dot);
                        eR += eP[t][j] * (Math.abs(dot) + eDP[j]) + Math.abs(pk[t][j]) * eDP[j];
                    }
                    eR += gamma(t + 1) * rMag;
                    for (int j = 0; j <= t; j++) {
                        float diff = dp[j] - r;
                        float dsj = (float) pk[t][j] * diff;
                        double eDiff = eDP[j] + eR + gamma(1) * Math.abs(diff);
                        ds[t][j] = dsj;
                        eDS[t][j] = eP[t][j] * (Math.abs(diff) + eDiff) + Math.abs(pk[t][j]) * eDiff + gamma(1) * Math.abs(dsj);
                    }
                }
                for (int t = 0; t < tn; t++) {
                    for (int d = 0; d < dn; d++) {
                        int row = r0 + t;
                        int col = c0 + d;
                        // dq_t,d
                        double m3 = 0;
                        double kBound = 0;
                        double kMag = 0;
                        double ra = 0;
                        double lo = Double.POSITIVE_INFINITY;
                        double hi = Double.NEGATIVE_INFINITY;
                        double wlo = Double.POSITIVE_INFINITY;
                        double whi = Double.NEGATIVE_INFINITY;
                        for (int j = 0; j <= t; j++) {
                            double a = scale * x[1][r0 + j][col];
                            lo = Math.min(lo, a);
                            hi = Math.max(hi, a);
                            wlo = Math.min(wlo, w[t][j]);
                            whi = Math.max(whi, w[t][j]);
                            kBound += eDS[t][j] * Math.abs(x[1][r0 + j][col]);
                            kMag += Math.abs(ds[t][j] * x[1][r0 + j][col]);
                        }
                        ra = hi - lo;
                        m3 = 4 * (whi - wlo) * ra * ra * ra;
                        double kernel = Math.abs(scale) * (kBound + gamma(t + 2) * kMag) + Float.MIN_VALUE;
                        double fd = central(x, 0, row, col, b, h, g, scale);
                        within("dQ", row, col, fd, dQ.get(row, col), H * H / 6 * m3 + fdRounding + kernel);
                        // dk_t,d (t plays s here: the key of token t)
                        m3 = 0;
                        kBound = 0;
                        kMag = 0;
                        for (int u = t; u < tn; u++) {
                            double a = Math.abs(scale * x[0][r0 + u][col]);
                            double wr = 0;
                            double wl = Double.POSITIVE_INFINITY;
                            double wh = Double.NEGATIVE_INFINITY;
                            for (int j = 0; j <= u; j++) {
                                wl = Math.min(wl, w[u][j]);
                                wh = Math.max(wh, w[u][j]);
                            }
                            wr = wh - wl;
                            m3 += 4 * wr * a * a * a;
                            kBound += eDS[u][t] * Math.abs(x[0][r0 + u][col]);
                            kMag += Math.abs(ds[u][t] * x[0][r0 + u][col]);
                        }
                        kernel = Math.abs(scale) * (kBound + gamma(tn - t + 1) * kMag) + Float.MIN_VALUE;
                        fd = central(x, 1, row, col, b, h, g, scale);
                        within("dK", row, col, fd, dK.get(row, col), H * H / 6 * m3 + fdRounding + kernel);
                        // dv_t,d: L is linear in V
                        kBound = 0;
                        kMag = 0;
                        for (int u = t; u < tn; u++) {
                            kBound += eP[u][t] * Math.abs(x[3][r0 + u][col]);
                            kMag += Math.abs(pk[u][t] * x[3][r0 + u][col]);
                        }
                        kernel = kBound + gamma(tn - t) * kMag + Float.MIN_VALUE;
                        fd = central(x, 2, row, col, b, h, g, scale);
                        within("dV", row, col, fd, dV.get(row, col), fdRounding + kernel);
                    }
                }
            }
        }
    }

    /** The central difference of the oracle's L of (b, h) along x[m][row][col]. */
    private static double central(double[][][] x, int m, int row, int col, int b, int h, SelfAttention g, double scale) {
        double keep = x[m][row][col];
        x[m][row][col] = keep + H;
        double plus = loss(x, b, h, g, scale);
        x[m][row][col] = keep - H;
        double minus = loss(x, b, h, g, scale);
        x[m][row][col] = keep;
        return (plus - minus) / (2 * H);
    }

    private static void within(String name, int row, int col, double expected, float actual, double bound) {
        assertTrue(Math.abs(expected - actual) <= bound, () -> name + " at (" + row + ", " + col + "): kernel " + actual
                + ", central difference " + expected + ", error " + Math.abs(expected - actual) + " > bound " + bound);
    }
}
