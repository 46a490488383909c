package dev.myelin.simd;

import static dev.myelin.simd.Elementwise.FLOAT;
import static dev.myelin.simd.Elementwise.NATIVE;
import static dev.myelin.simd.Elementwise.bytes;
import static dev.myelin.simd.Elementwise.row;
import static dev.myelin.simd.Elementwise.tail;
import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Matrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch and layer normalization with the Vector API, to the reference's recipe (its class comment): statistics
 * in two passes with double sums, rstd in double rounded once, the element-wise work as the same float operations.
 *
 * <p><b>Batch normalization</b> works on blocks of columns (channels), walking every row in order inside a block:
 * each column's sums see the rows in the reference's order, one lane per column, so all four batch-normalization
 * kernels give the reference's bits. The double sums take half a float vector's columns at a time ({@code FH},
 * whose floats widen to one double vector); the forward pass, all float, a whole vector. The last columns (fewer
 * than a block) run the reference's scalar operations.
 *
 * <p><b>Layer normalization</b> is a row kernel of the {@link Walker} (its rows split over the pool, each row's
 * result the same on any thread). It sums along each row, H lanes at a time in double, then adds the lanes in index
 * order and the scalar tail: a different order from the reference's index order, so its mean, rstd and the backward's two
 * sums may differ in the last bit after rounding (each is within half an ulp plus {@code gamma_D(n)} of the exact
 * value, as the reference's); everything after them is the same float operations. The parameter gradients (sums over
 * the rows, per column) are walked as in batch normalization: the reference's bits.
 */
final class Normalization {

    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());

    /** Half a float vector: its floats widen to one {@link #D} vector. */
    private static final VectorSpecies<Float> FH = VectorSpecies.of(float.class,
            VectorShape.forBitSize(F.vectorBitSize() / 2));

    /** Columns per double block: the lanes of {@link #D}. */
    private static final int H = FH.length();

    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    private Normalization() {
    }

    /** {@code 1 / sqrt(var + eps)} in double, rounded once: the reference's. */
    private static float rstd(double var, float eps) {
        return (float) (1 / Math.sqrt(var + eps));
    }

    /**
     * Writes the rstd of the {@code count} columns from column j of var into the thread's tail buffer (slot 0),
     * zeros past them, and returns the buffer: a vector of rstd loads from there. Scalar, once per block of
     * columns, so exactly the reference's rounding.
     */
    private static MemorySegment rstds(Matrix var, int j, int count, float eps) {
        MemorySegment t = tail();
        MemorySegment vs = var.segment();
        long v0 = row(var, 0);
        for (int l = 0; l < count; l++) {
            t.set(FLOAT, bytes(l), rstd(vs.get(FLOAT, v0 + bytes(j + l)), eps));
        }
        return t;
    }

    // ---------------------------------------------------------------- batch normalization

    // mean, var are (1, C); x is (m, C)
    static void batchNormStatistics(Matrix mean, Matrix var, Matrix x) {
        int m = x.rows();
        int n = x.cols();
        MemorySegment xs = x.segment();
        MemorySegment ms = mean.segment();
        MemorySegment vs = var.segment();
        int bound = FH.loopBound(n);
        int j = 0;
        for (; j < bound; j += H) {                                        // main: H columns, the rows in order
            DoubleVector sum = DoubleVector.zero(D);
            for (int i = 0; i < m; i++) {
                sum = sum.add(FloatVector.fromMemorySegment(FH, xs, row(x, i) + bytes(j), NATIVE)
                        .convertShape(VectorOperators.F2D, D, 0));
            }
            DoubleVector mu = sum.div(m);
            DoubleVector squares = DoubleVector.zero(D);
            for (int i = 0; i < m; i++) {
                DoubleVector d = ((DoubleVector) FloatVector.fromMemorySegment(FH, xs, row(x, i) + bytes(j), NATIVE)
                        .convertShape(VectorOperators.F2D, D, 0)).sub(mu);
                squares = squares.add(d.mul(d));
            }
            mu.convertShape(VectorOperators.D2F, FH, 0).intoMemorySegment(ms, row(mean, 0) + bytes(j), NATIVE);
            squares.div(m).convertShape(VectorOperators.D2F, FH, 0).intoMemorySegment(vs, row(var, 0) + bytes(j), NATIVE);
        }
        for (; j < n; j++) {                                               // tail: the reference's operations
            double sum = 0;
            for (int i = 0; i < m; i++) {
                sum += xs.get(FLOAT, row(x, i) + bytes(j));
            }
            double mu = sum / m;
            double squares = 0;
            for (int i = 0; i < m; i++) {
                double d = xs.get(FLOAT, row(x, i) + bytes(j)) - mu;
                squares += d * d;
            }
            ms.set(FLOAT, row(mean, 0) + bytes(j), (float) mu);
            vs.set(FLOAT, row(var, 0) + bytes(j), (float) (squares / m));
        }
    }

    // y, x are (m, C); mean, var, gamma, beta are (1, C)
    static void batchNormForward(Matrix y, Matrix x, Matrix mean, Matrix var, Matrix gamma, Matrix beta, float eps) {
        int m = x.rows();
        int n = x.cols();
        MemorySegment ys = y.segment();
        MemorySegment xs = x.segment();
        MemorySegment ms = mean.segment();
        MemorySegment gs = gamma.segment();
        MemorySegment bs = beta.segment();
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {                                        // main: L columns, the rows in order
            FloatVector r = FloatVector.fromMemorySegment(F, rstds(var, j, L, eps), 0, NATIVE);
            FloatVector mu = FloatVector.fromMemorySegment(F, ms, row(mean, 0) + bytes(j), NATIVE);
            FloatVector g = FloatVector.fromMemorySegment(F, gs, row(gamma, 0) + bytes(j), NATIVE);
            FloatVector b = FloatVector.fromMemorySegment(F, bs, row(beta, 0) + bytes(j), NATIVE);
            for (int i = 0; i < m; i++) {
                FloatVector xhat = FloatVector.fromMemorySegment(F, xs, row(x, i) + bytes(j), NATIVE).sub(mu).mul(r);
                g.fma(xhat, b).intoMemorySegment(ys, row(y, i) + bytes(j), NATIVE);
            }
        }
        for (; j < n; j++) {                                               // tail: the reference's operations
            float mu = ms.get(FLOAT, row(mean, 0) + bytes(j));
            float r = rstd(var.segment().get(FLOAT, row(var, 0) + bytes(j)), eps);
            float g = gs.get(FLOAT, row(gamma, 0) + bytes(j));
            float b = bs.get(FLOAT, row(beta, 0) + bytes(j));
            for (int i = 0; i < m; i++) {
                ys.set(FLOAT, row(y, i) + bytes(j), Math.fma(g, (xs.get(FLOAT, row(x, i) + bytes(j)) - mu) * r, b));
            }
        }
    }

    // dX, dY, x are (m, C); dGamma, dBeta, mean, var, gamma are (1, C)
    static void batchNormBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean, Matrix var,
                                  Matrix gamma, float eps, float beta) {
        int m = x.rows();
        int n = x.cols();
        MemorySegment dxs = dX.segment();
        MemorySegment dys = dY.segment();
        MemorySegment xs = x.segment();
        MemorySegment ms = mean.segment();
        MemorySegment gs = gamma.segment();
        int bound = FH.loopBound(n);
        int j = 0;
        for (; j < bound; j += H) {                                        // main: H columns, the rows in order
            FloatVector r = FloatVector.fromMemorySegment(FH, rstds(var, j, H, eps), 0, NATIVE);
            FloatVector mu = FloatVector.fromMemorySegment(FH, ms, row(mean, 0) + bytes(j), NATIVE);
            FloatVector gam = FloatVector.fromMemorySegment(FH, gs, row(gamma, 0) + bytes(j), NATIVE);
            DoubleVector sumDy = DoubleVector.zero(D);
            DoubleVector sumDyXhat = DoubleVector.zero(D);
            DoubleVector sumG = DoubleVector.zero(D);
            DoubleVector sumGXhat = DoubleVector.zero(D);
            for (int i = 0; i < m; i++) {
                FloatVector dy = FloatVector.fromMemorySegment(FH, dys, row(dY, i) + bytes(j), NATIVE);
                FloatVector xhat = FloatVector.fromMemorySegment(FH, xs, row(x, i) + bytes(j), NATIVE).sub(mu).mul(r);
                DoubleVector dyD = (DoubleVector) dy.convertShape(VectorOperators.F2D, D, 0);
                DoubleVector xhatD = (DoubleVector) xhat.convertShape(VectorOperators.F2D, D, 0);
                DoubleVector gD = (DoubleVector) dy.mul(gam).convertShape(VectorOperators.F2D, D, 0);
                sumDy = sumDy.add(dyD);
                sumDyXhat = sumDyXhat.add(dyD.mul(xhatD));
                sumG = sumG.add(gD);
                sumGXhat = sumGXhat.add(gD.mul(xhatD));
            }
            FloatVector a = (FloatVector) sumG.div(m).convertShape(VectorOperators.D2F, FH, 0);
            FloatVector b = (FloatVector) sumGXhat.div(m).convertShape(VectorOperators.D2F, FH, 0);
            for (int i = 0; i < m; i++) {                                  // dY, X at (i, j) read before dX is written
                FloatVector xhat = FloatVector.fromMemorySegment(FH, xs, row(x, i) + bytes(j), NATIVE).sub(mu).mul(r);
                FloatVector g = FloatVector.fromMemorySegment(FH, dys, row(dY, i) + bytes(j), NATIVE).mul(gam);
                r.mul(xhat.neg().fma(b, g.sub(a))).intoMemorySegment(dxs, row(dX, i) + bytes(j), NATIVE);
            }
            FloatVector dGammaSum = (FloatVector) sumDyXhat.convertShape(VectorOperators.D2F, FH, 0);
            long dGammaAt = row(dGamma, 0) + bytes(j);
            if (beta != 0) {                                              // rounded once, then added in float
                dGammaSum = FloatVector.fromMemorySegment(FH, dGamma.segment(), dGammaAt, NATIVE).add(dGammaSum);
            }
            dGammaSum.intoMemorySegment(dGamma.segment(), dGammaAt, NATIVE);
            FloatVector dBetaSum = (FloatVector) sumDy.convertShape(VectorOperators.D2F, FH, 0);
            long dBetaAt = row(dBeta, 0) + bytes(j);
            if (beta != 0) {                                              // rounded once, then added in float
                dBetaSum = FloatVector.fromMemorySegment(FH, dBeta.segment(), dBetaAt, NATIVE).add(dBetaSum);
            }
            dBetaSum.intoMemorySegment(dBeta.segment(), dBetaAt, NATIVE);
        }
        for (; j < n; j++) {                                               // tail: the reference's operations
            float mu = ms.get(FLOAT, row(mean, 0) + bytes(j));
            float r = rstd(var.segment().get(FLOAT, row(var, 0) + bytes(j)), eps);
            float gam = gs.get(FLOAT, row(gamma, 0) + bytes(j));
            double sumDy = 0;
            double sumDyXhat = 0;
            double sumG = 0;
            double sumGXhat = 0;
            for (int i = 0; i < m; i++) {
                float dy = dys.get(FLOAT, row(dY, i) + bytes(j));
                float xhat = (xs.get(FLOAT, row(x, i) + bytes(j)) - mu) * r;
                float g = dy * gam;
                sumDy += dy;
                sumDyXhat += (double) dy * xhat;
                sumG += g;
                sumGXhat += (double) g * xhat;
            }
            float a = (float) (sumG / m);
            float b = (float) (sumGXhat / m);
            for (int i = 0; i < m; i++) {
                float xhat = (xs.get(FLOAT, row(x, i) + bytes(j)) - mu) * r;
                float g = dys.get(FLOAT, row(dY, i) + bytes(j)) * gam;
                dxs.set(FLOAT, row(dX, i) + bytes(j), r * Math.fma(-xhat, b, g - a));
            }
            store(dGamma, j, sumDyXhat, beta);
            store(dBeta, j, sumDy, beta);
        }
    }

    /** {@code d[0][j] = sum} rounded once, or {@code + d[0][j]} in float when {@code beta == 1}. */
    private static void store(Matrix d, int j, double sum, float beta) {
        MemorySegment ds = d.segment();
        long at = row(d, 0) + bytes(j);
        ds.set(FLOAT, at, beta == 0 ? (float) sum : ds.get(FLOAT, at) + (float) sum);
    }

    // runningMean, runningVar, mean, var are (1, C): one value a channel, so scalar, the reference's operations
    static void batchNormRunningUpdate(Matrix runningMean, Matrix runningVar, Matrix mean, Matrix var, int count,
                                       float momentum) {
        double keep = 1 - (double) momentum;
        double unbias = (double) count / (count - 1);
        MemorySegment rms = runningMean.segment();
        MemorySegment rvs = runningVar.segment();
        for (int c = 0; c < mean.cols(); c++) {
            long rm = row(runningMean, 0) + bytes(c);
            long rv = row(runningVar, 0) + bytes(c);
            float mu = mean.segment().get(FLOAT, row(mean, 0) + bytes(c));
            float v = var.segment().get(FLOAT, row(var, 0) + bytes(c));
            rms.set(FLOAT, rm, (float) (keep * rms.get(FLOAT, rm) + momentum * (double) mu));
            rvs.set(FLOAT, rv, (float) (keep * rvs.get(FLOAT, rv) + momentum * (v * unbias)));
        }
    }

    // ---------------------------------------------------------------- layer normalization

    /**
     * {@code sum_j X[i][j]} over the n floats at byte {@code at}, in double: H lanes at a time, the lanes added in
     * index order, then the tail in index order; with {@code shift} subtracted and the difference squared when
     * {@code squares}.
     */
    private static double rowSum(MemorySegment s, long at, int n, double shift, boolean squares) {
        DoubleVector acc = DoubleVector.zero(D);
        int bound = FH.loopBound(n);
        int j = 0;
        if (squares) {
            for (; j < bound; j += H) {
                DoubleVector d = ((DoubleVector) FloatVector.fromMemorySegment(FH, s, at + bytes(j), NATIVE)
                        .convertShape(VectorOperators.F2D, D, 0)).sub(shift);
                acc = acc.add(d.mul(d));
            }
        } else {
            for (; j < bound; j += H) {
                acc = acc.add(FloatVector.fromMemorySegment(FH, s, at + bytes(j), NATIVE)
                        .convertShape(VectorOperators.F2D, D, 0));
            }
        }
        MemorySegment t = tail();
        acc.intoMemorySegment(t, 0, NATIVE);
        double sum = lanes(t);
        for (; j < n; j++) {
            double d = s.get(FLOAT, at + bytes(j)) - shift;
            sum += squares ? d * d : d;
        }
        return sum;
    }

    /**
     * The H doubles at the start of the thread's tail buffer added in index order, from +0: the caller stores its
     * accumulator there (a vector handed to a helper that is not inlined would be boxed).
     */
    private static double lanes(MemorySegment t) {
        double s = 0;
        for (int l = 0; l < H; l++) {
            s += t.get(DOUBLE, (long) l * Double.BYTES);
        }
        return s;
    }

    /**
     * Layer normalization, forward, from the entry point: the rows split over the pool by the walker
     * ({@link Walker.Kernel#LAYER_NORM_FORWARD}). y, x are (m, n); mean, rstd are (m, 1); gamma, beta are (1, n).
     */
    static void layerNormForward(Matrix y, Matrix mean, Matrix rstd, Matrix x, Matrix gamma, Matrix beta, float eps,
                                 Parallel pool) {
        Walker.Job job = Walker.job();
        job.eps = eps;
        job.stat = mean;
        job.stat2 = rstd;
        job.run(Walker.Kernel.LAYER_NORM_FORWARD, pool, y, x, gamma, beta);
    }

    /**
     * Layer normalization, backward: dGamma and dBeta first (columns, the rows in order; dX may be dY or X), then dX
     * row by row through the walker ({@link Walker.Kernel#LAYER_NORM_BACKWARD}).
     */
    static void layerNormBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean,
                                  Matrix rstd, Matrix gamma, float beta, Parallel pool) {
        parameterGradients(dGamma, dBeta, dY, x, mean, rstd, beta);
        Walker.Job job = Walker.job();
        job.stat = mean;
        job.stat2 = rstd;
        job.run(Walker.Kernel.LAYER_NORM_BACKWARD, pool, dX, dY, x, gamma);
    }

    /**
     * One row of layer normalization, forward: the n values of X at {@code x0}, Y at {@code y0}, gamma and beta at
     * {@code g0} and {@code b0}; writes the row's mean at {@code m0} and rstd at {@code r0}.
     */
    static void layerNormRow(MemorySegment ys, long y0, MemorySegment xs, long x0, MemorySegment gs, long g0,
                             MemorySegment bs, long b0, int n, MemorySegment ms, long m0, MemorySegment rs, long r0,
                             float eps) {
        double mu = rowSum(xs, x0, n, 0, false) / n;
        float m = (float) mu;
        float r = rstd(rowSum(xs, x0, n, mu, true) / n, eps);
        ms.set(FLOAT, m0, m);
        rs.set(FLOAT, r0, r);
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {                                        // main
            FloatVector xhat = FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE).sub(m).mul(r);
            FloatVector.fromMemorySegment(F, gs, g0 + bytes(j), NATIVE)
                    .fma(xhat, FloatVector.fromMemorySegment(F, bs, b0 + bytes(j), NATIVE))
                    .intoMemorySegment(ys, y0 + bytes(j), NATIVE);
        }
        for (; j < n; j++) {                                               // tail
            float xhat = (xs.get(FLOAT, x0 + bytes(j)) - m) * r;
            ys.set(FLOAT, y0 + bytes(j), Math.fma(gs.get(FLOAT, g0 + bytes(j)), xhat, bs.get(FLOAT, b0 + bytes(j))));
        }
    }

    /**
     * One row of layer normalization's dX: dX at {@code dx0}, dY at {@code dy0}, X at {@code x0}, gamma at
     * {@code g0}, the row's mean at {@code m0} and rstd at {@code r0}; n values each.
     */
    static void layerNormBackwardRow(MemorySegment dxs, long dx0, MemorySegment dys, long dy0, MemorySegment xs,
                                     long x0, MemorySegment gs, long g0, int n, MemorySegment ms, long m0,
                                     MemorySegment rs, long r0) {
        float mu = ms.get(FLOAT, m0);
        float r = rs.get(FLOAT, r0);
        DoubleVector sumG = DoubleVector.zero(D);
        DoubleVector sumGXhat = DoubleVector.zero(D);
        int half = FH.loopBound(n);
        int j = 0;
        for (; j < half; j += H) {                                         // the sums: H lanes in double
            FloatVector xhat = FloatVector.fromMemorySegment(FH, xs, x0 + bytes(j), NATIVE).sub(mu).mul(r);
            FloatVector g = FloatVector.fromMemorySegment(FH, dys, dy0 + bytes(j), NATIVE)
                    .mul(FloatVector.fromMemorySegment(FH, gs, g0 + bytes(j), NATIVE));
            DoubleVector gD = (DoubleVector) g.convertShape(VectorOperators.F2D, D, 0);
            sumG = sumG.add(gD);
            sumGXhat = sumGXhat.add(gD.mul((DoubleVector) xhat.convertShape(VectorOperators.F2D, D, 0)));
        }
        MemorySegment t = tail();
        sumG.intoMemorySegment(t, 0, NATIVE);
        double sg = lanes(t);
        sumGXhat.intoMemorySegment(t, 0, NATIVE);
        double sgx = lanes(t);
        for (; j < n; j++) {
            float xhat = (xs.get(FLOAT, x0 + bytes(j)) - mu) * r;
            float g = dys.get(FLOAT, dy0 + bytes(j)) * gs.get(FLOAT, g0 + bytes(j));
            sg += g;
            sgx += (double) g * xhat;
        }
        float a = (float) (sg / n);
        float b = (float) (sgx / n);
        FloatVector bv = FloatVector.broadcast(F, b);
        int bound = F.loopBound(n);
        j = 0;
        for (; j < bound; j += L) {                                        // dX: L lanes in float
            FloatVector xhat = FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE).sub(mu).mul(r);
            FloatVector g = FloatVector.fromMemorySegment(F, dys, dy0 + bytes(j), NATIVE)
                    .mul(FloatVector.fromMemorySegment(F, gs, g0 + bytes(j), NATIVE));
            xhat.neg().fma(bv, g.sub(a)).mul(r).intoMemorySegment(dxs, dx0 + bytes(j), NATIVE);
        }
        for (; j < n; j++) {
            float xhat = (xs.get(FLOAT, x0 + bytes(j)) - mu) * r;
            float g = dys.get(FLOAT, dy0 + bytes(j)) * gs.get(FLOAT, g0 + bytes(j));
            dxs.set(FLOAT, dx0 + bytes(j), r * Math.fma(-xhat, b, g - a));
        }
    }

    /** dGamma and dBeta of layer normalization: per column over the rows in order, as batch normalization's. */
    private static void parameterGradients(Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean, Matrix rstd,
                                           float beta) {
        int m = x.rows();
        int n = x.cols();
        MemorySegment dys = dY.segment();
        MemorySegment xs = x.segment();
        MemorySegment ms = mean.segment();
        MemorySegment rs = rstd.segment();
        int bound = FH.loopBound(n);
        int j = 0;
        for (; j < bound; j += H) {
            DoubleVector sumDy = DoubleVector.zero(D);
            DoubleVector sumDyXhat = DoubleVector.zero(D);
            for (int i = 0; i < m; i++) {
                FloatVector dy = FloatVector.fromMemorySegment(FH, dys, row(dY, i) + bytes(j), NATIVE);
                FloatVector xhat = FloatVector.fromMemorySegment(FH, xs, row(x, i) + bytes(j), NATIVE)
                        .sub(ms.get(FLOAT, row(mean, i))).mul(rs.get(FLOAT, row(rstd, i)));
                DoubleVector dyD = (DoubleVector) dy.convertShape(VectorOperators.F2D, D, 0);
                sumDy = sumDy.add(dyD);
                sumDyXhat = sumDyXhat.add(dyD.mul((DoubleVector) xhat.convertShape(VectorOperators.F2D, D, 0)));
            }
            FloatVector dGammaSum = (FloatVector) sumDyXhat.convertShape(VectorOperators.D2F, FH, 0);
            long dGammaAt = row(dGamma, 0) + bytes(j);
            if (beta != 0) {                                              // rounded once, then added in float
                dGammaSum = FloatVector.fromMemorySegment(FH, dGamma.segment(), dGammaAt, NATIVE).add(dGammaSum);
            }
            dGammaSum.intoMemorySegment(dGamma.segment(), dGammaAt, NATIVE);
            FloatVector dBetaSum = (FloatVector) sumDy.convertShape(VectorOperators.D2F, FH, 0);
            long dBetaAt = row(dBeta, 0) + bytes(j);
            if (beta != 0) {                                              // rounded once, then added in float
                dBetaSum = FloatVector.fromMemorySegment(FH, dBeta.segment(), dBetaAt, NATIVE).add(dBetaSum);
            }
            dBetaSum.intoMemorySegment(dBeta.segment(), dBetaAt, NATIVE);
        }
        for (; j < n; j++) {
            double sumDy = 0;
            double sumDyXhat = 0;
            for (int i = 0; i < m; i++) {
                float dy = dys.get(FLOAT, row(dY, i) + bytes(j));
                float xhat = (xs.get(FLOAT, row(x, i) + bytes(j)) - ms.get(FLOAT, row(mean, i))) * rs.get(FLOAT, row(rstd, i));
                sumDy += dy;
                sumDyXhat += (double) dy * xhat;
            }
            store(dGamma, j, sumDyXhat, beta);
            store(dBeta, j, sumDy, beta);
        }
    }
}
