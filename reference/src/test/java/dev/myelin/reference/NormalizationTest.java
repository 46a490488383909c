package dev.myelin.reference;

import static dev.myelin.core.ErrorBounds.gammaD;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Cases;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The reference batch and layer normalization: known answers worked out by hand (exact, so compared exactly),
 * the statistics of hard inputs against exact decimal arithmetic, and finite-difference checks of every backward
 * output.
 *
 * <p><b>The finite-difference checks.</b> Batch normalization of one column and layer normalization of one row are
 * the same function of a group of n values: {@code y_j = gamma_j (x_j - mu) r + beta_j}, {@code r = (v + eps)^-1/2}.
 * The loss {@code L = sum_j dY_j y_j} is evaluated in double ({@link #loss}); its central difference with step
 * h = 1e-4 along {@code x_k} is off by at most {@code h^2/6 M3} plus the double evaluations' rounding
 * {@code gamma_D(4n + 20) |L|_1 / h}. M3 bounds {@code |L'''|} over the step, derived in {@link #m3}. The kernel's
 * own float error is derived in {@link #kernelBound}. gamma and beta enter L linearly: their central differences
 * have no truncation error.
 */
class NormalizationTest {

    private static final double U = 0x1p-24;
    private static final double H = 1e-4;
    private static final int CASES = 16;

    private final Kernels k = Backends.reference();
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void close() {
        arena.close();
    }

    private Matrix m(int rows, int cols, float... v) {
        return v.length == 0 ? Matrix.allocate(arena, rows, cols) : Matrix.of(arena, rows, cols, v);
    }

    // ---------------------------------------------------------------- known answers (exact)

    @Test
    void batchNormKnownAnswers() {
        // Columns (0, 2) and (5, 5): means 1 and 5, biased variances 1 and 0.
        Matrix x = m(2, 2, 0, 5, 2, 5);
        Matrix mean = m(1, 2);
        Matrix var = m(1, 2);
        k.batchNormStatistics(mean, var, x);
        assertArrayEquals(new float[] {1, 5}, mean.toArray());
        assertArrayEquals(new float[] {1, 0}, var.toArray());
        // eps 3: rstd 1/2 for the first column, xhat (-1/2, 1/2); gamma 2, beta 1: y = (0, 2). The second column is
        // constant: xhat = 0, so y = beta exactly whatever rstd is.
        Matrix y = m(2, 2);
        k.batchNormForward(y, x, mean, var, m(1, 2, 2, 2), m(1, 2, 1, -3), 3f);
        assertArrayEquals(new float[] {0, -3, 2, -3}, y.toArray());
        // dY = 1 everywhere: a shift of the input changes nothing, so dX = 0; dBeta = m = 2, dGamma = sum xhat = 0.
        Matrix dX = m(2, 2);
        Matrix dGamma = m(1, 2);
        Matrix dBeta = m(1, 2);
        k.batchNormBackward(dX, dGamma, dBeta, m(2, 2, 1, 1, 1, 1), x, mean, var, m(1, 2, 2, 2), 3f, 0f);
        assertArrayEquals(new float[] {0, 0, 0, 0}, dX.toArray());
        assertArrayEquals(new float[] {0, 0}, dGamma.toArray());
        assertArrayEquals(new float[] {2, 2}, dBeta.toArray());
        // dY = (1, 0) in the first column: dBeta 1, dGamma = -1/2; g = 2 dY = (2, 0), a = 1, b = -1/2;
        // dX = r (g - a - xhat b) = 1/2 (2 - 1 - 1/4, 0 - 1 + 1/4) = (3/8, -3/8). Accumulating (beta 1) onto the
        // previous dGamma and dBeta adds.
        k.batchNormBackward(dX, dGamma, dBeta, m(2, 2, 1, 0, 0, 0), x, mean, var, m(1, 2, 2, 2), 3f, 1f);
        assertArrayEquals(new float[] {0.375f, 0, -0.375f, 0}, dX.toArray());
        assertArrayEquals(new float[] {-0.5f, 0}, dGamma.toArray());
        assertArrayEquals(new float[] {3, 2}, dBeta.toArray());
    }

    @Test
    void runningUpdateKnownAnswer() {
        // momentum 1/2, count 4: mean 0 -> 0/2 + 2/2 = 1; var 1 -> 1/2 + (3 * 4/3)/2 = 5/2 (unbiased batch variance).
        Matrix runningMean = m(1, 2, 0, 8);
        Matrix runningVar = m(1, 2, 1, 0);
        k.batchNormRunningUpdate(runningMean, runningVar, m(1, 2, 2, 8), m(1, 2, 3, 0), 4, 0.5f);
        assertArrayEquals(new float[] {1, 8}, runningMean.toArray());
        assertArrayEquals(new float[] {2.5f, 0}, runningVar.toArray());
        // momentum 0 keeps the running statistics; momentum 1 replaces them.
        k.batchNormRunningUpdate(runningMean, runningVar, m(1, 2, 7, 7), m(1, 2, 7, 7), 4, 0f);
        assertArrayEquals(new float[] {1, 8}, runningMean.toArray());
        k.batchNormRunningUpdate(runningMean, runningVar, m(1, 2, -1, 6), m(1, 2, 3, 6), 4, 1f);
        assertArrayEquals(new float[] {-1, 6}, runningMean.toArray());
        assertArrayEquals(new float[] {4, 8}, runningVar.toArray());
    }

    @Test
    void layerNormKnownAnswers() {
        // Row (0, 2): mean 1, variance 1, eps 3: rstd 1/2; row (5, 5): variance 0, y = beta.
        Matrix x = m(2, 2, 0, 2, 5, 5);
        Matrix y = m(2, 2);
        Matrix mean = m(2, 1);
        Matrix rstd = m(2, 1);
        k.layerNormForward(y, mean, rstd, x, m(1, 2, 2, 4), m(1, 2, 1, -1), 3f);
        assertArrayEquals(new float[] {1, 5}, mean.toArray());
        assertEquals(0.5f, rstd.get(0, 0));
        assertEquals((float) (1 / Math.sqrt(3)), rstd.get(1, 0));           // 1 / sqrt(0 + 3), rounded once
        assertArrayEquals(new float[] {0, 1, 1, -1}, y.toArray());             // 2 (-1/2) + 1, 4 (1/2) - 1; beta
        // dY = (1, 0) on the first row, 0 on the second: g = (2, 0), a = 1, b = (2 (-1/2) + 0) / 2 = -1/2;
        // dX = 1/2 (2 - 1 - 1/4, 0 - 1 + 1/4) = (3/8, -3/8); dGamma = (-1/2, 0), dBeta = (1, 0).
        Matrix dX = m(2, 2);
        Matrix dGamma = m(1, 2);
        Matrix dBeta = m(1, 2);
        k.layerNormBackward(dX, dGamma, dBeta, m(2, 2, 1, 0, 0, 0), x, mean, rstd, m(1, 2, 2, 4), 0f);
        assertArrayEquals(new float[] {0.375f, -0.375f, 0, 0}, dX.toArray());
        assertArrayEquals(new float[] {-0.5f, 0}, dGamma.toArray());
        assertArrayEquals(new float[] {1, 0}, dBeta.toArray());
    }

    @Test
    void inPlace() {
        // Y may be X and dX may be dY: the same bits as into separate outputs.
        float[] xs = {0.3f, -1.2f, 2.5f, 0.7f, 1.1f, -0.4f};
        float[] dys = {0.5f, -0.25f, 1.5f, 0.75f, -1f, 0.125f};
        Matrix gamma = m(1, 3, 1.5f, -0.5f, 2f);
        Matrix beta = m(1, 3, 0.1f, 0.2f, -0.3f);
        Matrix mean = m(2, 1);
        Matrix rstd = m(2, 1);
        Matrix y = m(2, 3);
        k.layerNormForward(y, mean, rstd, m(2, 3, xs), gamma, beta, 1e-5f);
        Matrix x = m(2, 3, xs);
        k.layerNormForward(x, mean, rstd, x, gamma, beta, 1e-5f);
        assertArrayEquals(y.toArray(), x.toArray());
        Matrix dX = m(2, 3);
        Matrix dGamma = m(1, 3);
        Matrix dBeta = m(1, 3);
        Matrix input = m(2, 3, xs);
        k.layerNormBackward(dX, dGamma, dBeta, m(2, 3, dys), input, mean, rstd, gamma, 0f);
        Matrix dY = m(2, 3, dys);
        k.layerNormBackward(dY, dGamma, dBeta, dY, input, mean, rstd, gamma, 0f);
        assertArrayEquals(dX.toArray(), dY.toArray());
        Matrix bnMean = m(1, 3);
        Matrix bnVar = m(1, 3);
        k.batchNormStatistics(bnMean, bnVar, input);
        k.batchNormBackward(dX, dGamma, dBeta, m(2, 3, dys), input, bnMean, bnVar, gamma, 1e-5f, 0f);
        dY = m(2, 3, dys);
        k.batchNormBackward(dY, dGamma, dBeta, dY, input, bnMean, bnVar, gamma, 1e-5f, 0f);
        assertArrayEquals(dX.toArray(), dY.toArray());
    }

    // ---------------------------------------------------------------- statistics of hard inputs

    /**
     * A column of equal values has mean exactly that value and variance exactly 0; a column of 1e4 plus noise of
     * 1e-2 (the float grid there is 2^-10 = 9.8e-4 wide, so about 20 distinct values) keeps its variance: within half
     * an ulp of the exact variance of the float inputs (computed in decimal), plus the double sums' error
     * {@code gamma_D(2m + 3) var + (gamma_D(m) mean|x|)^2} (the second pass's deviations are off by the double mean's
     * error, which enters squared). A one-pass {@code E[x^2] - E[x]^2} in float would return noise or a negative.
     */
    @TestFactory
    Stream<DynamicTest> statisticsOfHardColumns() {
        return IntStream.range(0, CASES).mapToObj(c -> {
            long index = 70_100_000L + c;
            SplittableRandom rnd = Cases.random(index);
            int rows = rnd.nextInt(2, 2000);
            return DynamicTest.dynamicTest("statistics rows=" + rows + " " + Cases.tag(index), () -> {
                float[] x = new float[rows * 2];
                float constant = (float) rnd.nextDouble(-1e6, 1e6);
                for (int i = 0; i < rows; i++) {
                    x[2 * i] = constant;
                    x[2 * i + 1] = (float) (1e4 + rnd.nextDouble(-1e-2, 1e-2));
                }
                Matrix mean = m(1, 2);
                Matrix var = m(1, 2);
                k.batchNormStatistics(mean, var, m(rows, 2, x));
                assertEquals(constant, mean.get(0, 0));
                assertEquals(0f, var.get(0, 0));
                // the exact mean and variance of the second column, in decimal
                MathContext mc = new MathContext(60);
                BigDecimal sum = BigDecimal.ZERO;
                for (int i = 0; i < rows; i++) {
                    sum = sum.add(new BigDecimal(x[2 * i + 1]));
                }
                BigDecimal mu = sum.divide(BigDecimal.valueOf(rows), mc);
                BigDecimal squares = BigDecimal.ZERO;
                for (int i = 0; i < rows; i++) {
                    BigDecimal d = new BigDecimal(x[2 * i + 1]).subtract(mu);
                    squares = squares.add(d.multiply(d));
                }
                double exactVar = squares.divide(BigDecimal.valueOf(rows), mc).doubleValue();
                double exactMean = mu.doubleValue();
                double meanError = gammaD(rows) * 1e4;
                double bound = 0.5 * Math.ulp((float) exactVar) + gammaD(2L * rows + 3) * exactVar + meanError * meanError;
                assertTrue(var.get(0, 1) >= 0, "negative variance " + var.get(0, 1));
                assertTrue(Math.abs(var.get(0, 1) - exactVar) <= bound, () -> "variance " + var.get(0, 1) + ", exact "
                        + exactVar + ", error " + Math.abs(var.get(0, 1) - exactVar) + " > bound " + bound);
                double meanBound = 0.5 * Math.ulp((float) exactMean) + meanError;
                assertTrue(Math.abs(mean.get(0, 1) - exactMean) <= meanBound, () -> "mean " + mean.get(0, 1)
                        + ", exact " + exactMean);
                // Layer normalization of the same values as one row: the same statistics, through rstd.
                float[] row = new float[rows];
                for (int i = 0; i < rows; i++) {
                    row[i] = x[2 * i + 1];
                }
                Matrix lnMean = m(1, 1);
                Matrix rstd = m(1, 1);
                float eps = 1e-5f;
                k.layerNormForward(m(1, rows), lnMean, rstd, m(1, rows, row), m(1, rows), m(1, rows), eps);
                assertEquals(mean.get(0, 1), lnMean.get(0, 0));
                // rstd from the double variance (within bound of exactVar), rounded once: its relative error is half
                // the variance's, relative to var + eps, plus half an ulp.
                double exactRstd = 1 / Math.sqrt(exactVar + eps);
                double rstdBound = exactRstd * (0.5 * (bound + U * exactVar) / (exactVar + eps) + U) + 0x1p-40 * exactRstd;
                assertTrue(Math.abs(rstd.get(0, 0) - exactRstd) <= rstdBound, () -> "rstd " + rstd.get(0, 0)
                        + ", exact " + exactRstd);
            });
        });
    }

    // ---------------------------------------------------------------- finite differences

    /** One group of n values that one normalization treats together: a column (batch) or a row (layer). */
    private record Group(double[] x, double[] gamma, double[] beta, double[] dy, double eps) {

        int n() {
            return x.length;
        }

        double mean() {
            double s = 0;
            for (double v : x) {
                s += v;
            }
            return s / n();
        }

        double variance() {
            double mu = mean();
            double s = 0;
            for (double v : x) {
                s += (v - mu) * (v - mu);
            }
            return s / n();
        }

        double rstd() {
            return 1 / Math.sqrt(variance() + eps);
        }

        double xhat(int j) {
            return (x[j] - mean()) * rstd();
        }

        /** The exact dX_j: r (g_j - a - xhat_j b), g = dy gamma, a = mean g, b = mean g xhat. */
        double dX(int j) {
            double a = 0;
            double b = 0;
            for (int i = 0; i < n(); i++) {
                a += dy[i] * gamma[i] / n();
                b += dy[i] * gamma[i] * xhat(i) / n();
            }
            return rstd() * (dy[j] * gamma[j] - a - xhat(j) * b);
        }
    }

    /** {@code L = sum_j dy_j (gamma_j (x_j - mu) r + beta_j)} in double, with x_k, gamma_k or beta_k moved by t. */
    private static double loss(Group g, int which, int k, double t) {
        double[] x = g.x().clone();
        double[] gamma = g.gamma().clone();
        double[] beta = g.beta().clone();
        (which == 0 ? x : which == 1 ? gamma : beta)[k] += t;
        Group moved = new Group(x, gamma, beta, g.dy(), g.eps());
        double mu = moved.mean();
        double r = moved.rstd();
        double s = 0;
        for (int j = 0; j < x.length; j++) {
            s += g.dy()[j] * (gamma[j] * (x[j] - mu) * r + beta[j]);
        }
        return s;
    }

    /** The central difference of L along x_k (which 0), gamma_k (1) or beta_k (2). */
    private static double central(Group g, int which, int k) {
        return (loss(g, which, k, H) - loss(g, which, k, -H)) / (2 * H);
    }

    /** {@code sum_j |dy_j| (|gamma_j (x_j - mu) r| + |beta_j|)} plus h's share: the magnitude of L's terms. */
    private static double magnitude(Group g) {
        double s = 0;
        for (int j = 0; j < g.n(); j++) {
            s += Math.abs(g.dy()[j]) * (Math.abs(g.gamma()[j] * g.xhat(j)) + Math.abs(g.beta()[j]) + H * Math.abs(g.gamma()[j]));
        }
        return s;
    }

    /**
     * A bound on {@code |L'''(t)|} along x_k for |t| <= h. With {@code d_j = x_j - mu}: the variance moves as
     * {@code v(t) = v + (2/n) d_k t + (1/n)(1 - 1/n) t^2}, so {@code w = v + eps} has {@code |w'| <= w1 = (2/n)(|d_k| + h)},
     * {@code w'' = (2/n)(1 - 1/n) <= w2 = 2/n}, {@code w''' = 0}, and, v being convex, {@code w >= W = v + eps - (2/n)|d_k| h}.
     * L = G(t) r(t) + const with {@code G = sum_j dy_j gamma_j d_j(t)} linear in t ({@code |G| <= sum |dy_j gamma_j|
     * (|d_j| + h)}, {@code G' = dy_k gamma_k - mean(dy gamma)}) and {@code r = w^-1/2}, so {@code L''' = G r''' + 3 G' r''}
     * with {@code |r''| <= 3/4 W^-5/2 w1^2 + 1/2 W^-3/2 w2} and {@code |r'''| <= 15/8 W^-7/2 w1^3 + 9/4 W^-5/2 w1 w2}.
     */
    private static double m3(Group g, int k) {
        int n = g.n();
        double mu = g.mean();
        double dk = Math.abs(g.x()[k] - mu);
        double w = g.variance() + g.eps() - 2.0 / n * dk * H;
        double w1 = 2.0 / n * (dk + H);
        double w2 = 2.0 / n;
        double gMax = 0;
        double meanDyGamma = 0;
        for (int j = 0; j < n; j++) {
            gMax += Math.abs(g.dy()[j] * g.gamma()[j]) * (Math.abs(g.x()[j] - mu) + H);
            meanDyGamma += g.dy()[j] * g.gamma()[j] / n;
        }
        double g1 = Math.abs(g.dy()[k] * g.gamma()[k] - meanDyGamma);
        double r2 = 0.75 * Math.pow(w, -2.5) * w1 * w1 + 0.5 * Math.pow(w, -1.5) * w2;
        double r3 = 15.0 / 8 * Math.pow(w, -3.5) * w1 * w1 * w1 + 9.0 / 4 * Math.pow(w, -2.5) * w1 * w2;
        return gMax * r3 + 3 * g1 * r2;
    }

    /** Truncation plus rounding of the central difference along x_k. */
    private static double fdError(Group g, int k) {
        return H * H / 6 * m3(g, k) + gammaD(4L * g.n() + 20) * magnitude(g) / H;
    }

    /**
     * The float error of the kernel's xhat_j = (x_j - mean) * rstd against the exact value: the float mean is off by
     * {@code u|mu| + gamma_D(2n) mean|x|}, the subtraction rounds (u |x_j - mu|, which r turns into u |xhat|), rstd is
     * within 2u (half the variance's rounding, the rounding of rstd itself, the double terms), the product rounds:
     * {@code e_j = r (u |mu| + gamma_D(2n) mean|x|) + 4u |xhat_j|}, to first order.
     */
    private static double xhatError(Group g, int j) {
        double meanAbs = 0;
        for (double v : g.x()) {
            meanAbs += Math.abs(v) / g.n();
        }
        return g.rstd() * (U * Math.abs(g.mean()) + gammaD(2L * g.n()) * meanAbs) + 4 * U * Math.abs(g.xhat(j));
    }

    /**
     * The kernel's float error in dX_i against the exact dX_i. The kernel computes {@code g = fl(dy gamma)} (u|g|),
     * {@code a = fl(mean g)} in double (u|a| + (u + gamma_D(n)) mean|g|), {@code b = fl(mean g xhat)} (u|b| + mean(|g| e
     * + u |g xhat|) + gamma_D(n) mean|g xhat|), then {@code t = fma(-xhat, b, fl(g - a))}: the subtraction and the fma
     * round (u (|g| + |a|) and u (|g| + |a| + |xhat b|)), and xhat's error e_i meets b: e_i |b| + |xhat| err(b). Last
     * {@code rstd * t}: rstd's 2u and the product's u, 3u |dX|. Second-order terms are covered by the factor 1.01.
     */
    private static double kernelBound(Group g, int i, double dX) {
        int n = g.n();
        double a = 0;
        double b = 0;
        double meanAbsG = 0;
        double bError = 0;
        double meanAbsGXhat = 0;
        for (int j = 0; j < n; j++) {
            double gj = g.dy()[j] * g.gamma()[j];
            a += gj / n;
            b += gj * g.xhat(j) / n;
            meanAbsG += Math.abs(gj) / n;
            meanAbsGXhat += Math.abs(gj * g.xhat(j)) / n;
            bError += (Math.abs(gj) * xhatError(g, j) + U * Math.abs(gj * g.xhat(j))) / n;
        }
        double gi = Math.abs(g.dy()[i] * g.gamma()[i]);
        double xhat = Math.abs(g.xhat(i));
        double aError = U * Math.abs(a) + (U + gammaD(n)) * meanAbsG;
        bError += U * Math.abs(b) + gammaD(n) * meanAbsGXhat;
        double t = U * gi + aError + U * (gi + Math.abs(a)) + xhatError(g, i) * Math.abs(b) + xhat * bError
                + U * (gi + Math.abs(a) + xhat * Math.abs(b));
        return 1.01 * (g.rstd() * t + 3 * U * Math.abs(dX));
    }

    /**
     * The float error of {@code fl(sum_j dy_j xhat_j)} (dGamma) in double against the exact sum:
     * {@code u|sum| + sum |dy_j| e_j + gamma_D(n) sum |dy_j xhat_j|}; of dBeta = fl(sum dy): {@code u|sum| + gamma_D(n)
     * sum|dy|}.
     */
    private static double parameterBound(Group g, boolean gamma) {
        double sum = 0;
        double abs = 0;
        double xhatErrors = 0;
        for (int j = 0; j < g.n(); j++) {
            double term = gamma ? g.dy()[j] * g.xhat(j) : g.dy()[j];
            sum += term;
            abs += Math.abs(term);
            xhatErrors += gamma ? Math.abs(g.dy()[j]) * xhatError(g, j) : 0;
        }
        return 1.01 * (U * Math.abs(sum) + xhatErrors + gammaD(g.n()) * abs);
    }

    private static void within(String what, double fd, float kernel, double bound) {
        assertTrue(Math.abs(fd - kernel) <= bound, () -> what + ": kernel " + kernel + ", finite difference " + fd
                + ", error " + Math.abs(fd - kernel) + " > bound " + bound);
    }

    /** Uniform values around a random offset, as floats. */
    private static float[] values(SplittableRandom rnd, int n, double offset, double spread) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (offset + rnd.nextDouble(-spread, spread));
        }
        return v;
    }

    private static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    /**
     * Batch normalization: every column's dX, dGamma and dBeta against the central differences of L. Shapes m in
     * [2, 40) rows, C in [1, 6) channels, inputs spread 0.1 to 3 around offsets up to 5, eps 1e-5.
     */
    @TestFactory
    Stream<DynamicTest> batchNormBackwardByFiniteDifferences() {
        return IntStream.range(0, CASES).mapToObj(c -> {
            long index = 70_200_000L + c;
            SplittableRandom rnd = Cases.random(index);
            int rows = rnd.nextInt(2, 40);
            int cols = rnd.nextInt(1, 6);
            return DynamicTest.dynamicTest("batchNormBackward " + rows + "x" + cols + " " + Cases.tag(index), () -> {
                float eps = 1e-5f;
                float[] x = values(rnd, rows * cols, rnd.nextDouble(-5, 5), rnd.nextDouble(0.1, 3));
                float[] dy = values(rnd, rows * cols, 0, 1);
                float[] gamma = values(rnd, cols, 0, 2);
                float[] beta = values(rnd, cols, 0, 1);
                Matrix mean = m(1, cols);
                Matrix var = m(1, cols);
                Matrix xm = m(rows, cols, x);
                k.batchNormStatistics(mean, var, xm);
                Matrix dX = m(rows, cols);
                Matrix dGamma = m(1, cols);
                Matrix dBeta = m(1, cols);
                k.batchNormBackward(dX, dGamma, dBeta, m(rows, cols, dy), xm, mean, var, m(1, cols, gamma), eps, 0f);
                for (int ch = 0; ch < cols; ch++) {
                    float[] xc = new float[rows];
                    float[] dyc = new float[rows];
                    for (int i = 0; i < rows; i++) {
                        xc[i] = x[i * cols + ch];
                        dyc[i] = dy[i * cols + ch];
                    }
                    double[] gam = new double[rows];
                    double[] bet = new double[rows];
                    Arrays.fill(gam, gamma[ch]);
                    Arrays.fill(bet, beta[ch]);
                    Group g = new Group(widen(xc), gam, bet, widen(dyc), eps);
                    int channel = ch;
                    checkGroup(g, "channel " + ch, i -> dX.get(i, channel));
                    // gamma and beta are shared by the column: dL/dgamma = sum of the per-element derivatives.
                    double fdGamma = 0;
                    double fdBeta = 0;
                    for (int i = 0; i < rows; i++) {
                        fdGamma += central(g, 1, i);
                        fdBeta += central(g, 2, i);
                    }
                    double rounding = rows * gammaD(4L * rows + 20) * magnitude(g) / H;
                    within("dGamma channel " + ch, fdGamma, dGamma.get(0, ch), parameterBound(g, true) + rounding);
                    within("dBeta channel " + ch, fdBeta, dBeta.get(0, ch), parameterBound(g, false) + rounding);
                }
            });
        });
    }

    /**
     * Layer normalization: every row's dX against the central differences of L, and dGamma, dBeta (sums over the
     * rows) against theirs. Shapes m in [1, 5) rows, n in [2, 40) features.
     */
    @TestFactory
    Stream<DynamicTest> layerNormBackwardByFiniteDifferences() {
        return IntStream.range(0, CASES).mapToObj(c -> {
            long index = 70_300_000L + c;
            SplittableRandom rnd = Cases.random(index);
            int rows = rnd.nextInt(1, 5);
            int cols = rnd.nextInt(2, 40);
            return DynamicTest.dynamicTest("layerNormBackward " + rows + "x" + cols + " " + Cases.tag(index), () -> {
                float eps = 1e-5f;
                float[] x = values(rnd, rows * cols, rnd.nextDouble(-5, 5), rnd.nextDouble(0.1, 3));
                float[] dy = values(rnd, rows * cols, 0, 1);
                float[] gamma = values(rnd, cols, 0, 2);
                float[] beta = values(rnd, cols, 0, 1);
                Matrix xm = m(rows, cols, x);
                Matrix mean = m(rows, 1);
                Matrix rstd = m(rows, 1);
                k.layerNormForward(m(rows, cols), mean, rstd, xm, m(1, cols, gamma), m(1, cols, beta), eps);
                Matrix dX = m(rows, cols);
                Matrix dGamma = m(1, cols, values(rnd, cols, 0, 1));        // accumulated into (beta 1)
                float[] dGamma0 = dGamma.toArray();
                Matrix dBeta = m(1, cols, values(rnd, cols, 0, 1));
                float[] dBeta0 = dBeta.toArray();
                k.layerNormBackward(dX, dGamma, dBeta, m(rows, cols, dy), xm, mean, rstd, m(1, cols, gamma), 1f);
                double[] fdGamma = new double[cols];
                double[] fdBeta = new double[cols];
                double[] boundGamma = new double[cols];
                double[] boundBeta = new double[cols];
                for (int r = 0; r < rows; r++) {
                    Group g = new Group(widen(Arrays.copyOfRange(x, r * cols, (r + 1) * cols)), widen(gamma),
                            widen(beta), widen(Arrays.copyOfRange(dy, r * cols, (r + 1) * cols)), eps);
                    int row = r;
                    checkGroup(g, "row " + r, j -> dX.get(row, j));
                    for (int j = 0; j < cols; j++) {
                        fdGamma[j] += central(g, 1, j);
                        fdBeta[j] += central(g, 2, j);
                        // per row, one term dy xhat of dGamma's sum (error u|term| + |dy| e_j + the double sum's share)
                        double term = Math.abs(g.dy()[j] * g.xhat(j));
                        boundGamma[j] += U * term + Math.abs(g.dy()[j]) * xhatError(g, j) + gammaD(rows) * term
                                + gammaD(4L * cols + 20) * magnitude(g) / H;
                        boundBeta[j] += gammaD(rows) * Math.abs(g.dy()[j]) + gammaD(4L * cols + 20) * magnitude(g) / H;
                    }
                }
                for (int j = 0; j < cols; j++) {
                    // the sum rounds once to float (u |sum|), then the float add to the old value (u |result|)
                    double expectG = dGamma0[j] + fdGamma[j];
                    double expectB = dBeta0[j] + fdBeta[j];
                    within("dGamma " + j, expectG, dGamma.get(0, j),
                            1.01 * (boundGamma[j] + U * Math.abs(fdGamma[j]) + U * Math.abs(expectG)));
                    within("dBeta " + j, expectB, dBeta.get(0, j),
                            1.01 * (boundBeta[j] + U * Math.abs(fdBeta[j]) + U * Math.abs(expectB)));
                }
            });
        });
    }

    /** The kernel's dX over one group, element by element, against the central difference along each x_k. */
    private static void checkGroup(Group g, String where, IntToDoubleFunction kernel) {
        for (int k = 0; k < g.n(); k++) {
            double fd = central(g, 0, k);
            double err = fdError(g, k);
            within("dX " + where + " element " + k, fd, (float) kernel.applyAsDouble(k),
                    kernelBound(g, k, Math.abs(fd) + err) + err);
        }
    }
}
