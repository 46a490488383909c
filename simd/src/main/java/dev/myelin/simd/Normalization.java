package dev.myelin.simd;

import static dev.myelin.simd.Elementwise.DOUBLE;
import static dev.myelin.simd.Elementwise.FLOAT;
import static dev.myelin.simd.Elementwise.NATIVE;
import static dev.myelin.simd.Elementwise.bytes;
import static dev.myelin.simd.Elementwise.row;
import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Batch and layer normalization with the Vector API, to the reference's recipe (its class comment): statistics
 * in two passes with double sums, rstd in double rounded once, the element-wise work as the same float operations.
 *
 * <p><b>Batch normalization</b> works on blocks of columns (channels), walking every row in order inside a block:
 * each column's sums see the rows in the reference's order, one lane per column, so all four batch-normalization
 * kernels give the reference's bits. A block is a float vector of columns; its sums are two double vectors (F2D parts
 * 0 and 1), rounded to float lane by lane (scalar, once per block). The last columns (fewer than a block) run the
 * reference's scalar operations.
 *
 * <p>As in every kernel, only the one float species {@code F} does float arithmetic, accumulators are never a call's
 * receiver ({@code x.add(acc)}, and {@code -0 + acc} after the loop: see {@link Elementwise}), no vector crosses a method
 * boundary (values pass between a kernel's loops through the {@link #SCRATCH} buffer), and a kernel's loops are
 * split into methods small enough for C2 to inline every Vector API operation in them: docs/kernels.md has what
 * boxed before (2026-12-07).
 *
 * <p><b>Layer normalization</b> is a row kernel of the {@link Walker} (its rows split over the pool, each row's
 * result the same on any thread). It sums along each row, a float vector at a time into two double vectors, then adds
 * the lanes in index order (the first's, then the second's) and the scalar tail: a different order from the reference's index order, so its mean, rstd and the backward's two
 * sums may differ in the last bit after rounding (each is within half an ulp plus {@code gamma_D(n)} of the exact
 * value, as the reference's); everything after them is the same float operations. The parameter gradients (sums over
 * the rows, per column) are walked as in batch normalization: the reference's bits.
 */
final class Normalization {

    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());

    /** The lanes of {@link #D}: half a float vector, whose two halves widen to two D vectors (F2D parts 0, 1). */
    private static final int H = D.length();

    /** Bytes of a float vector: a scratch slot. */
    private static final long V = F.vectorByteSize();
    /** Scratch slots (byte offsets): a block's rstd, the backward's a and b (floats), two vectors of doubles. */
    private static final long R = 0;
    private static final long A = V;
    private static final long B = 2 * V;
    private static final long SPILL = 4 * V;
    /**
     * The second double vector of a block's sums: the kernels store a block's two (columns 0..H-1, then H..L-1) at
     * {@link #SPILL} and here, so that {@code t.get(DOUBLE, SPILL + l * 8)} is column l's sum.
     */
    private static final long HI = SPILL + (long) H * Double.BYTES;

    /** This thread's scratch buffer, slots {@link #R}, {@link #A}, {@link #B}, {@link #SPILL} and {@link #HI}. */
    private static final ThreadLocal<MemorySegment> SCRATCH =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(6 * V, Matrix.ALIGNMENT));

    private Normalization() {
    }

    /** {@code 1 / sqrt(var + eps)} in double, rounded once: the reference's. */
    private static float rstd(double var, float eps) {
        return (float) (1 / Math.sqrt(var + eps));
    }

    /**
     * Writes the rstd of the {@code count} columns from column j of var into slot {@link #R} of the thread's scratch
     * buffer, zeros past them, and returns the buffer: a vector of rstd loads from there. Scalar, once per block of
     * columns, so exactly the reference's rounding.
     */
    private static MemorySegment rstds(Matrix var, int j, int count, float eps) {
        MemorySegment t = SCRATCH.get();
        MemorySegment vs = var.segment();
        long v0 = row(var, 0);
        for (int l = 0; l < L; l++) {
            t.set(FLOAT, R + bytes(l), l < count ? rstd(vs.get(FLOAT, v0 + bytes(j + l)), eps) : 0);
        }
        return t;
    }

    /** Writes {@code (float) (sum / m)} for the L double sums at {@link #SPILL} into the float slot {@code at}. */
    private static void quotients(MemorySegment t, long at, int m) {
        for (int l = 0; l < L; l++) {
            t.set(FLOAT, at + bytes(l), (float) (t.get(DOUBLE, SPILL + (long) l * Double.BYTES) / m));
        }
    }

    // ---------------------------------------------------------------- batch normalization

    // mean, var are (1, C); x is (m, C)
    static void batchNormStatistics(Matrix mean, Matrix var, Matrix x) {
        int m = x.rows();
        int n = x.cols();
        MemorySegment xs = x.segment();
        MemorySegment ms = mean.segment();
        MemorySegment vs = var.segment();
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {                                        // main: L columns, the rows in order
            DoubleVector sumLo = DoubleVector.zero(D);
            DoubleVector sumHi = DoubleVector.zero(D);
            for (int i = 0; i < m; i++) {
                FloatVector v = FloatVector.fromMemorySegment(F, xs, row(x, i) + bytes(j), NATIVE);
                sumLo = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0)).add(sumLo);
                sumHi = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1)).add(sumHi);
            }
            DoubleVector muLo = DoubleVector.broadcast(D, -0.0).add(sumLo).div(m);
            DoubleVector muHi = DoubleVector.broadcast(D, -0.0).add(sumHi).div(m);
            DoubleVector sqLo = DoubleVector.zero(D);
            DoubleVector sqHi = DoubleVector.zero(D);
            for (int i = 0; i < m; i++) {
                FloatVector v = FloatVector.fromMemorySegment(F, xs, row(x, i) + bytes(j), NATIVE);
                DoubleVector dLo = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0)).sub(muLo);
                DoubleVector dHi = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1)).sub(muHi);
                sqLo = dLo.mul(dLo).add(sqLo);
                sqHi = dHi.mul(dHi).add(sqHi);
            }
            MemorySegment t = SCRATCH.get();
            muLo.intoMemorySegment(t, SPILL, NATIVE);
            muHi.intoMemorySegment(t, HI, NATIVE);
            for (int l = 0; l < L; l++) {
                ms.set(FLOAT, row(mean, 0) + bytes(j + l), (float) t.get(DOUBLE, SPILL + (long) l * Double.BYTES));
            }
            DoubleVector.broadcast(D, -0.0).add(sqLo).intoMemorySegment(t, SPILL, NATIVE);
            DoubleVector.broadcast(D, -0.0).add(sqHi).intoMemorySegment(t, HI, NATIVE);
            quotients(t, A, m);
            for (int l = 0; l < L; l++) {
                vs.set(FLOAT, row(var, 0) + bytes(j + l), t.get(FLOAT, A + bytes(l)));
            }
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
            FloatVector r = FloatVector.fromMemorySegment(F, rstds(var, j, L, eps), R, NATIVE);
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
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {                                        // main: L columns, the rows in order
            MemorySegment t = rstds(var, j, L, eps);
            backwardSums(t, dGamma, dBeta, dY, x, mean, gamma, j, beta);  // dY read before dX is written
            backwardDx(t, dX, dY, x, mean, gamma, j);
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

    /**
     * Batch normalization's backward sums over the rows for the L columns from j: writes {@code a = sum(g) / m} and
     * {@code b = sum(g xhat) / m} into slots {@link #A} and {@link #B} of t (the scratch buffer, whose slot
     * {@link #R} holds the block's rstd), and dGamma, dBeta for the block.
     */
    private static void backwardSums(MemorySegment t, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean,
                                     Matrix gamma, int j, float beta) {
        int m = x.rows();
        MemorySegment dys = dY.segment();
        MemorySegment xs = x.segment();
        FloatVector r = FloatVector.fromMemorySegment(F, t, R, NATIVE);
        FloatVector mu = FloatVector.fromMemorySegment(F, mean.segment(), row(mean, 0) + bytes(j), NATIVE);
        FloatVector gam = FloatVector.fromMemorySegment(F, gamma.segment(), row(gamma, 0) + bytes(j), NATIVE);
        DoubleVector sumDyLo = DoubleVector.zero(D);
        DoubleVector sumDyHi = DoubleVector.zero(D);
        DoubleVector sumDyXhatLo = DoubleVector.zero(D);
        DoubleVector sumDyXhatHi = DoubleVector.zero(D);
        DoubleVector sumGLo = DoubleVector.zero(D);
        DoubleVector sumGHi = DoubleVector.zero(D);
        DoubleVector sumGXhatLo = DoubleVector.zero(D);
        DoubleVector sumGXhatHi = DoubleVector.zero(D);
        for (int i = 0; i < m; i++) {
            FloatVector dy = FloatVector.fromMemorySegment(F, dys, row(dY, i) + bytes(j), NATIVE);
            FloatVector xhat = FloatVector.fromMemorySegment(F, xs, row(x, i) + bytes(j), NATIVE).sub(mu).mul(r);
            FloatVector g = dy.mul(gam);
            DoubleVector dyLo = (DoubleVector) dy.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector dyHi = (DoubleVector) dy.convertShape(VectorOperators.F2D, D, 1);
            DoubleVector xhatLo = (DoubleVector) xhat.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector xhatHi = (DoubleVector) xhat.convertShape(VectorOperators.F2D, D, 1);
            DoubleVector gLo = (DoubleVector) g.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector gHi = (DoubleVector) g.convertShape(VectorOperators.F2D, D, 1);
            sumDyLo = dyLo.add(sumDyLo);
            sumDyHi = dyHi.add(sumDyHi);
            sumDyXhatLo = dyLo.mul(xhatLo).add(sumDyXhatLo);
            sumDyXhatHi = dyHi.mul(xhatHi).add(sumDyXhatHi);
            sumGLo = gLo.add(sumGLo);
            sumGHi = gHi.add(sumGHi);
            sumGXhatLo = gLo.mul(xhatLo).add(sumGXhatLo);
            sumGXhatHi = gHi.mul(xhatHi).add(sumGXhatHi);
        }
        DoubleVector.broadcast(D, -0.0).add(sumGLo).intoMemorySegment(t, SPILL, NATIVE);
        DoubleVector.broadcast(D, -0.0).add(sumGHi).intoMemorySegment(t, HI, NATIVE);
        quotients(t, A, m);
        DoubleVector.broadcast(D, -0.0).add(sumGXhatLo).intoMemorySegment(t, SPILL, NATIVE);
        DoubleVector.broadcast(D, -0.0).add(sumGXhatHi).intoMemorySegment(t, HI, NATIVE);
        quotients(t, B, m);
        DoubleVector.broadcast(D, -0.0).add(sumDyXhatLo).intoMemorySegment(t, SPILL, NATIVE);
        DoubleVector.broadcast(D, -0.0).add(sumDyXhatHi).intoMemorySegment(t, HI, NATIVE);
        storeBlock(dGamma, j, t, beta);
        DoubleVector.broadcast(D, -0.0).add(sumDyLo).intoMemorySegment(t, SPILL, NATIVE);
        DoubleVector.broadcast(D, -0.0).add(sumDyHi).intoMemorySegment(t, HI, NATIVE);
        storeBlock(dBeta, j, t, beta);
    }

    /** Batch normalization's dX for the L columns from j, from rstd, a and b in slots R, A, B of t. */
    private static void backwardDx(MemorySegment t, Matrix dX, Matrix dY, Matrix x, Matrix mean, Matrix gamma, int j) {
        int m = x.rows();
        MemorySegment dxs = dX.segment();
        MemorySegment dys = dY.segment();
        MemorySegment xs = x.segment();
        FloatVector r = FloatVector.fromMemorySegment(F, t, R, NATIVE);
        FloatVector a = FloatVector.fromMemorySegment(F, t, A, NATIVE);
        FloatVector b = FloatVector.fromMemorySegment(F, t, B, NATIVE);
        FloatVector mu = FloatVector.fromMemorySegment(F, mean.segment(), row(mean, 0) + bytes(j), NATIVE);
        FloatVector gam = FloatVector.fromMemorySegment(F, gamma.segment(), row(gamma, 0) + bytes(j), NATIVE);
        for (int i = 0; i < m; i++) {                                      // dY, X at (i, j) read before dX is written
            FloatVector xhat = FloatVector.fromMemorySegment(F, xs, row(x, i) + bytes(j), NATIVE).sub(mu).mul(r);
            FloatVector g = FloatVector.fromMemorySegment(F, dys, row(dY, i) + bytes(j), NATIVE).mul(gam);
            r.mul(xhat.neg().fma(b, g.sub(a))).intoMemorySegment(dxs, row(dX, i) + bytes(j), NATIVE);
        }
    }

    /** {@link #store} of the L sums at {@link #SPILL} of t, at columns j to j + L - 1. */
    private static void storeBlock(Matrix d, int j, MemorySegment t, float beta) {
        for (int l = 0; l < L; l++) {
            store(d, j + l, t.get(DOUBLE, SPILL + (long) l * Double.BYTES), beta);
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
     * {@code sum_j X[i][j]} over the n floats at byte {@code at}, in double: a float vector at a time into two double
     * vectors (its halves), their L lanes added in index order, then the tail in index order; with {@code shift}
     * subtracted and the difference squared when {@code squares}.
     */
    private static double rowSum(MemorySegment s, long at, int n, double shift, boolean squares) {
        DoubleVector lo = DoubleVector.zero(D);
        DoubleVector hi = DoubleVector.zero(D);
        int bound = F.loopBound(n);
        int j = 0;
        if (squares) {
            for (; j < bound; j += L) {
                FloatVector v = FloatVector.fromMemorySegment(F, s, at + bytes(j), NATIVE);
                DoubleVector dLo = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0)).sub(shift);
                DoubleVector dHi = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1)).sub(shift);
                lo = dLo.mul(dLo).add(lo);
                hi = dHi.mul(dHi).add(hi);
            }
        } else {
            for (; j < bound; j += L) {
                FloatVector v = FloatVector.fromMemorySegment(F, s, at + bytes(j), NATIVE);
                lo = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 0)).add(lo);
                hi = ((DoubleVector) v.convertShape(VectorOperators.F2D, D, 1)).add(hi);
            }
        }
        MemorySegment t = SCRATCH.get();
        DoubleVector.broadcast(D, -0.0).add(lo).intoMemorySegment(t, SPILL, NATIVE);
        DoubleVector.broadcast(D, -0.0).add(hi).intoMemorySegment(t, HI, NATIVE);
        double sum = lanes(t);
        for (; j < n; j++) {
            double d = s.get(FLOAT, at + bytes(j)) - shift;
            sum += squares ? d * d : d;
        }
        return sum;
    }

    /** The L doubles at {@link #SPILL} of t added in index order, from +0. */
    private static double lanes(MemorySegment t) {
        double s = 0;
        for (int l = 0; l < L; l++) {
            s += t.get(DOUBLE, SPILL + (long) l * Double.BYTES);
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
        int bound = F.loopBound(n);
        MemorySegment t = SCRATCH.get();
        rowGradientSums(t, dys, dy0, xs, x0, gs, g0, bound, mu, r);
        double sg = t.get(DOUBLE, A);
        double sgx = t.get(DOUBLE, B);
        int j = bound;
        for (; j < n; j++) {
            float xhat = (xs.get(FLOAT, x0 + bytes(j)) - mu) * r;
            float g = dys.get(FLOAT, dy0 + bytes(j)) * gs.get(FLOAT, g0 + bytes(j));
            sg += g;
            sgx += (double) g * xhat;
        }
        float a = (float) (sg / n);
        float b = (float) (sgx / n);
        FloatVector bv = FloatVector.broadcast(F, b);
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

    /**
     * The vector part of a layer-normalization row's backward sums, {@code sum g} and {@code sum g xhat} over the
     * first {@code bound} values (a multiple of L) with {@code g = dY gamma}: the lanes added in index order, written
     * as doubles to slots {@link #A} and {@link #B} of t. A method of its own, apart from the dX loop, so that C2
     * inlines every vector operation in each.
     */
    private static void rowGradientSums(MemorySegment t, MemorySegment dys, long dy0, MemorySegment xs, long x0,
                                        MemorySegment gs, long g0, int bound, float mu, float r) {
        DoubleVector sumGLo = DoubleVector.zero(D);
        DoubleVector sumGHi = DoubleVector.zero(D);
        DoubleVector sumGXhatLo = DoubleVector.zero(D);
        DoubleVector sumGXhatHi = DoubleVector.zero(D);
        for (int j = 0; j < bound; j += L) {                               // L lanes in two double vectors
            FloatVector xhat = FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE).sub(mu).mul(r);
            FloatVector g = FloatVector.fromMemorySegment(F, dys, dy0 + bytes(j), NATIVE)
                    .mul(FloatVector.fromMemorySegment(F, gs, g0 + bytes(j), NATIVE));
            DoubleVector gLo = (DoubleVector) g.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector gHi = (DoubleVector) g.convertShape(VectorOperators.F2D, D, 1);
            sumGLo = gLo.add(sumGLo);
            sumGHi = gHi.add(sumGHi);
            sumGXhatLo = gLo.mul((DoubleVector) xhat.convertShape(VectorOperators.F2D, D, 0)).add(sumGXhatLo);
            sumGXhatHi = gHi.mul((DoubleVector) xhat.convertShape(VectorOperators.F2D, D, 1)).add(sumGXhatHi);
        }
        DoubleVector.broadcast(D, -0.0).add(sumGLo).intoMemorySegment(t, SPILL, NATIVE);
        DoubleVector.broadcast(D, -0.0).add(sumGHi).intoMemorySegment(t, HI, NATIVE);
        t.set(DOUBLE, A, lanes(t));
        DoubleVector.broadcast(D, -0.0).add(sumGXhatLo).intoMemorySegment(t, SPILL, NATIVE);
        DoubleVector.broadcast(D, -0.0).add(sumGXhatHi).intoMemorySegment(t, HI, NATIVE);
        t.set(DOUBLE, B, lanes(t));
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
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            DoubleVector sumDyLo = DoubleVector.zero(D);
            DoubleVector sumDyHi = DoubleVector.zero(D);
            DoubleVector sumDyXhatLo = DoubleVector.zero(D);
            DoubleVector sumDyXhatHi = DoubleVector.zero(D);
            for (int i = 0; i < m; i++) {
                FloatVector dy = FloatVector.fromMemorySegment(F, dys, row(dY, i) + bytes(j), NATIVE);
                FloatVector xhat = FloatVector.fromMemorySegment(F, xs, row(x, i) + bytes(j), NATIVE)
                        .sub(ms.get(FLOAT, row(mean, i))).mul(rs.get(FLOAT, row(rstd, i)));
                DoubleVector dyLo = (DoubleVector) dy.convertShape(VectorOperators.F2D, D, 0);
                DoubleVector dyHi = (DoubleVector) dy.convertShape(VectorOperators.F2D, D, 1);
                sumDyLo = dyLo.add(sumDyLo);
                sumDyHi = dyHi.add(sumDyHi);
                sumDyXhatLo = dyLo.mul((DoubleVector) xhat.convertShape(VectorOperators.F2D, D, 0)).add(sumDyXhatLo);
                sumDyXhatHi = dyHi.mul((DoubleVector) xhat.convertShape(VectorOperators.F2D, D, 1)).add(sumDyXhatHi);
            }
            MemorySegment t = SCRATCH.get();
            DoubleVector.broadcast(D, -0.0).add(sumDyXhatLo).intoMemorySegment(t, SPILL, NATIVE);
            DoubleVector.broadcast(D, -0.0).add(sumDyXhatHi).intoMemorySegment(t, HI, NATIVE);
            storeBlock(dGamma, j, t, beta);
            DoubleVector.broadcast(D, -0.0).add(sumDyLo).intoMemorySegment(t, SPILL, NATIVE);
            DoubleVector.broadcast(D, -0.0).add(sumDyHi).intoMemorySegment(t, HI, NATIVE);
            storeBlock(dBeta, j, t, beta);
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
