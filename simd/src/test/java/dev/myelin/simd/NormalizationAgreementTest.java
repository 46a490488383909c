package dev.myelin.simd;

import static dev.myelin.core.Cases.values;
import static dev.myelin.core.ErrorBounds.gammaD;
import static dev.myelin.simd.Agree.U;
import static dev.myelin.simd.Agree.exact;

import dev.myelin.core.Cases;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Property: the SIMD batch and layer normalization against the reference, over {@link Agree#shapes} (contiguous
 * matrices and views, columns around the lane count) with one special value (NaN, infinities, zeros, subnormals,
 * MAX_VALUE) in fifty.
 *
 * <p>Batch normalization (all four kernels) and layer normalization's dGamma and dBeta walk each column's rows in
 * the reference's order and do its float and double operations: bit for bit. Layer normalization's row sums run in
 * another order (lanes, then the tail), so its mean and rstd, and the backward's sums a and b, may differ in the
 * last place; the derived bounds are beside each check.
 */
class NormalizationAgreementTest {

    private static final double P_SPECIAL = 0.02;
    private static final int RANDOM = 30;
    private static final float EPS = 1e-5f;

    private static float[] vals(SplittableRandom rnd, int count) {
        return values(rnd, count, -4, 4, P_SPECIAL);
    }

    /** Both results finite and within the bound, or the same bits (a non-finite result must match exactly). */
    private static void within(String what, float reference, float simd, double bound) {
        if (!Float.isFinite(reference) || !Float.isFinite(simd)) {
            exact(what, reference, simd);
        } else if (!(Math.abs(reference - simd) <= bound)) {
            throw new AssertionError(what + ": reference " + reference + ", simd " + simd + ", difference "
                    + Math.abs(reference - simd) + " > bound " + bound);
        }
    }

    /** One case on both backends: reference first, then SIMD, each on its own copies at its own random layout. */
    private interface Case {
        float[][] run(Kernels k, Arena arena, SplittableRandom layout);
    }

    private static float[][][] both(long index, Case c) {
        float[][][] out = new float[2][][];
        Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
        for (int b = 0; b < 2; b++) {
            try (Arena arena = Arena.ofConfined()) {
                out[b] = c.run(backends[b], arena, Cases.random(index + 7_777_777L * (b + 1)));
            }
        }
        return out;
    }

    private static Matrix at(Arena arena, SplittableRandom layout, int rows, int cols, float[] v) {
        return Agree.matrix(arena, layout, rows, cols, v);
    }

    private static Matrix out(Arena arena, SplittableRandom layout, int rows, int cols) {
        return Agree.output(arena, layout, rows, cols);
    }

    private static void allExact(String name, float[][][] r, int[] cols) {
        for (int k = 0; k < r[0].length; k++) {
            exact(name + " output " + k, r[0][k], r[1][k], cols[k]);
        }
    }

    @TestFactory
    Stream<DynamicTest> batchNormStatistics() {
        return Agree.shapes(91_000_000L, RANDOM, false).stream().map(s -> DynamicTest.dynamicTest(
                "batchNormStatistics " + s.describe(), () -> {
                    SplittableRandom rnd = Cases.random(s.index());
                    float[] x = vals(rnd, s.rows() * s.cols());
                    float[][][] r = both(s.index(), (k, arena, layout) -> {
                        Matrix mean = out(arena, layout, 1, s.cols());
                        Matrix var = out(arena, layout, 1, s.cols());
                        k.batchNormStatistics(mean, var, at(arena, layout, s.rows(), s.cols(), x));
                        return new float[][] {mean.toArray(), var.toArray()};
                    });
                    allExact("batchNormStatistics " + s.describe(), r, new int[] {s.cols(), s.cols()});
                }));
    }

    /** The batch's own statistics (from the reference) or running ones: variances >= 0, one special in fifty. */
    private static float[] variances(SplittableRandom rnd, int n) {
        float[] v = values(rnd, n, 0, 3, P_SPECIAL);
        for (int i = 0; i < n; i++) {
            v[i] = Float.isNaN(v[i]) ? v[i] : Math.abs(v[i]);
        }
        return v;
    }

    @TestFactory
    Stream<DynamicTest> batchNormForward() {
        return Agree.shapes(92_000_000L, RANDOM, true).stream().map(s -> DynamicTest.dynamicTest(
                "batchNormForward " + s.describe(), () -> {
                    SplittableRandom rnd = Cases.random(s.index());
                    int n = s.cols();
                    float[] x = vals(rnd, s.rows() * n);
                    float[] mean = vals(rnd, n);
                    float[] var = variances(rnd, n);
                    float[] gamma = vals(rnd, n);
                    float[] beta = vals(rnd, n);
                    float[][][] r = both(s.index(), (k, arena, layout) -> {
                        Matrix xm = at(arena, layout, s.rows(), n, x);
                        Matrix y = s.inPlace() ? xm : out(arena, layout, s.rows(), n);
                        k.batchNormForward(y, xm, at(arena, layout, 1, n, mean), at(arena, layout, 1, n, var),
                                at(arena, layout, 1, n, gamma), at(arena, layout, 1, n, beta), EPS);
                        return new float[][] {y.toArray()};
                    });
                    allExact("batchNormForward " + s.describe(), r, new int[] {n});
                }));
    }

    @TestFactory
    Stream<DynamicTest> batchNormBackward() {
        return Agree.shapes(93_000_000L, RANDOM, true).stream().map(s -> DynamicTest.dynamicTest(
                "batchNormBackward " + s.describe(), () -> {
                    SplittableRandom rnd = Cases.random(s.index());
                    int n = s.cols();
                    float[] x = vals(rnd, s.rows() * n);
                    float[] dy = vals(rnd, s.rows() * n);
                    float[] mean = vals(rnd, n);
                    float[] var = variances(rnd, n);
                    float[] gamma = vals(rnd, n);
                    float[] dGamma0 = vals(rnd, n);
                    float[] dBeta0 = vals(rnd, n);
                    float beta = rnd.nextBoolean() ? 0f : 1f;
                    float[][][] r = both(s.index(), (k, arena, layout) -> {
                        Matrix dYm = at(arena, layout, s.rows(), n, dy);
                        Matrix dX = s.inPlace() ? dYm : out(arena, layout, s.rows(), n);
                        Matrix dGamma = at(arena, layout, 1, n, dGamma0);
                        Matrix dBeta = at(arena, layout, 1, n, dBeta0);
                        k.batchNormBackward(dX, dGamma, dBeta, dYm, at(arena, layout, s.rows(), n, x),
                                at(arena, layout, 1, n, mean), at(arena, layout, 1, n, var), at(arena, layout, 1, n, gamma),
                                EPS, beta);
                        return new float[][] {dX.toArray(), dGamma.toArray(), dBeta.toArray()};
                    });
                    allExact("batchNormBackward beta=" + beta + " " + s.describe(), r, new int[] {n, n, n});
                }));
    }

    @TestFactory
    Stream<DynamicTest> batchNormRunningUpdate() {
        return Agree.shapes(94_000_000L, RANDOM, false).stream().map(s -> DynamicTest.dynamicTest(
                "batchNormRunningUpdate " + s.describe(), () -> {
                    SplittableRandom rnd = Cases.random(s.index());
                    int n = s.cols();
                    float[] runMean = vals(rnd, n);
                    float[] runVar = variances(rnd, n);
                    float[] mean = vals(rnd, n);
                    float[] var = variances(rnd, n);
                    int count = rnd.nextInt(2, 1000);
                    float momentum = (float) rnd.nextDouble();
                    float[][][] r = both(s.index(), (k, arena, layout) -> {
                        Matrix rm = at(arena, layout, 1, n, runMean);
                        Matrix rv = at(arena, layout, 1, n, runVar);
                        k.batchNormRunningUpdate(rm, rv, at(arena, layout, 1, n, mean), at(arena, layout, 1, n, var), count,
                                momentum);
                        return new float[][] {rm.toArray(), rv.toArray()};
                    });
                    allExact("batchNormRunningUpdate " + s.describe(), r, new int[] {n, n});
                }));
    }

    /** {@code sum |v|} over a row, in double. */
    private static double sumAbs(float[] v, int from, int n) {
        double s = 0;
        for (int j = 0; j < n; j++) {
            s += Math.abs(v[from + j]);
        }
        return s;
    }

    /**
     * Layer normalization, forward. Each backend's double row sums, in its own order, are within
     * {@code gamma_D(n) sum|x|} of the exact sum; the mean, rounded once, within half an ulp of the exact mean plus
     * {@code gamma_D(n + 1) mean|x|}: the two means differ by at most an ulp plus twice that. The variance pass
     * subtracts each backend's double mean (within {@code d = gamma_D(n + 1) mean|x|} of the exact mean): its sum of
     * squares is within {@code gamma_D(n + 3) n var + n d^2} of {@code n var}, so rstd, rounded once, is within half an
     * ulp plus {@code rstd (gamma_D(n + 3) var + d^2) / (2 (var + eps))}: the two differ by at most an ulp plus twice
     * that. Y is then the same float operations on each backend's mean and rstd: it is checked bit for bit against
     * those operations on the SIMD mean and rstd.
     */
    @TestFactory
    Stream<DynamicTest> layerNormForward() {
        return Agree.shapes(95_000_000L, RANDOM, true).stream().map(s -> DynamicTest.dynamicTest(
                "layerNormForward " + s.describe(), () -> {
                    SplittableRandom rnd = Cases.random(s.index());
                    int n = s.cols();
                    float[] x = vals(rnd, s.rows() * n);
                    float[] gamma = vals(rnd, n);
                    float[] beta = vals(rnd, n);
                    float[][][] r = both(s.index(), (k, arena, layout) -> {
                        Matrix xm = at(arena, layout, s.rows(), n, x);
                        Matrix y = s.inPlace() ? xm : out(arena, layout, s.rows(), n);
                        Matrix mean = out(arena, layout, s.rows(), 1);
                        Matrix rstd = out(arena, layout, s.rows(), 1);
                        k.layerNormForward(y, mean, rstd, xm, at(arena, layout, 1, n, gamma), at(arena, layout, 1, n, beta),
                                EPS);
                        return new float[][] {y.toArray(), mean.toArray(), rstd.toArray()};
                    });
                    String name = "layerNormForward " + s.describe();
                    for (int i = 0; i < s.rows(); i++) {
                        float mr = r[0][1][i];
                        float ms = r[1][1][i];
                        double meanAbs = sumAbs(x, i * n, n) / n;
                        double d = gammaD(n + 1) * meanAbs;
                        within(name + " mean of row " + i, mr, ms, Math.max(Agree.ulp(mr), Agree.ulp(ms)) + 2 * d);
                        double var = 0;
                        for (int j = 0; j < n; j++) {
                            var += (x[i * n + j] - (double) mr) * (x[i * n + j] - (double) mr) / n;
                        }
                        float rr = r[0][2][i];
                        float rs = r[1][2][i];
                        within(name + " rstd of row " + i, rr, rs, Math.max(Agree.ulp(rr), Agree.ulp(rs))
                                + rr * (gammaD(n + 3) * var + d * d) / (var + EPS));
                        for (int j = 0; j < n; j++) {
                            float expected = Math.fma(gamma[j], (x[i * n + j] - ms) * rs, beta[j]);
                            exact(name + " Y at (" + i + ", " + j + ") from the SIMD mean and rstd", expected,
                                    r[1][0][i * n + j]);
                        }
                    }
                }));
    }

    /**
     * Layer normalization, backward. dGamma and dBeta: bit for bit. dX: xhat and g = dY gamma are the same float
     * operations on both backends; the sums a = mean(g) and b = mean(g xhat) run in double in different orders, so
     * each rounded value is within half an ulp plus {@code gamma_D(n + 1)} times the mean of the magnitudes of its
     * terms of the exact one, and the two differ by {@code da <= ulp(a) + 2 gamma_D(n + 1) mean|g|} and
     * {@code db <= ulp(b) + 2 gamma_D(n + 1) mean|g xhat|}. Then {@code t = fma(-xhat, b, g - a)} moves by at most
     * {@code da + |xhat| db} before its two roundings, each of which may fall differently (u of each side's
     * {@code |g| + |a|} and {@code |g| + |a| + |xhat b|}), and {@code dX = rstd t} rounds once more (u |dX| each):
     * {@code |dX_ref - dX_simd| <= 1.01 (rstd (da + |xhat| db + 2u (|g| + |a|) + 2u (|g| + |a| + |xhat b|)) + 2u |dX|)}.
     */
    @TestFactory
    Stream<DynamicTest> layerNormBackward() {
        return Agree.shapes(96_000_000L, RANDOM, true).stream().map(s -> DynamicTest.dynamicTest(
                "layerNormBackward " + s.describe(), () -> {
                    SplittableRandom rnd = Cases.random(s.index());
                    int n = s.cols();
                    int m = s.rows();
                    float[] x = vals(rnd, m * n);
                    float[] dy = vals(rnd, m * n);
                    float[] gamma = vals(rnd, n);
                    float[] dGamma0 = vals(rnd, n);
                    float[] dBeta0 = vals(rnd, n);
                    float beta = rnd.nextBoolean() ? 0f : 1f;
                    // the statistics from the reference's forward pass, shared by both backends
                    float[] mean = new float[m];
                    float[] rstd = new float[m];
                    try (Arena arena = Arena.ofConfined()) {
                        Matrix mm = Matrix.allocate(arena, m, 1);
                        Matrix rm = Matrix.allocate(arena, m, 1);
                        SimdTesting.REFERENCE.layerNormForward(Matrix.allocate(arena, m, n), mm, rm,
                                Matrix.of(arena, m, n, x), Matrix.of(arena, 1, n, gamma), Matrix.allocate(arena, 1, n), EPS);
                        System.arraycopy(mm.toArray(), 0, mean, 0, m);
                        System.arraycopy(rm.toArray(), 0, rstd, 0, m);
                    }
                    float[][][] r = both(s.index(), (k, arena, layout) -> {
                        Matrix dYm = at(arena, layout, m, n, dy);
                        Matrix dX = s.inPlace() ? dYm : out(arena, layout, m, n);
                        Matrix dGamma = at(arena, layout, 1, n, dGamma0);
                        Matrix dBeta = at(arena, layout, 1, n, dBeta0);
                        k.layerNormBackward(dX, dGamma, dBeta, dYm, at(arena, layout, m, n, x), at(arena, layout, m, 1, mean),
                                at(arena, layout, m, 1, rstd), at(arena, layout, 1, n, gamma), beta);
                        return new float[][] {dX.toArray(), dGamma.toArray(), dBeta.toArray()};
                    });
                    String name = "layerNormBackward beta=" + beta + " " + s.describe();
                    exact(name + " dGamma", r[0][1], r[1][1], n);
                    exact(name + " dBeta", r[0][2], r[1][2], n);
                    for (int i = 0; i < m; i++) {
                        float[] xhat = new float[n];
                        float[] g = new float[n];
                        double a = 0;
                        double b = 0;
                        double absG = 0;
                        double absGXhat = 0;
                        for (int j = 0; j < n; j++) {
                            xhat[j] = (x[i * n + j] - mean[i]) * rstd[i];
                            g[j] = dy[i * n + j] * gamma[j];
                            a += g[j] / (double) n;
                            b += (double) g[j] * xhat[j] / n;
                            absG += Math.abs(g[j]) / (double) n;
                            absGXhat += Math.abs((double) g[j] * xhat[j]) / n;
                        }
                        double da = Agree.ulp(a) + 2 * gammaD(n + 1) * absG;
                        double db = Agree.ulp(b) + 2 * gammaD(n + 1) * absGXhat;
                        for (int j = 0; j < n; j++) {
                            float ref = r[0][0][i * n + j];
                            double ga = Math.abs(g[j]) + Math.abs(a);
                            double bound = 1.01 * (rstd[i] * (da + Math.abs(xhat[j]) * db + 2 * U * ga
                                    + 2 * U * (ga + Math.abs(xhat[j] * b))) + 2 * U * Math.abs(ref));
                            within(name + " dX at (" + i + ", " + j + ")", ref, r[1][0][i * n + j], bound);
                        }
                    }
                }));
    }
}
