package dev.myelin.simd;

import dev.myelin.core.Conv2d;
import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;
import dev.myelin.core.SelfAttention;
import dev.myelin.core.Trans;
import dev.myelin.core.UncheckedKernels;
import java.lang.ref.Cleaner;

/**
 * The simd backend's kernels: each method calls the kernel family that computes. The arguments were
 * checked by {@link dev.myelin.core.Kernels}, the only caller.
 */
final class SimdKernels implements UncheckedKernels {

    /** Ends the pools' workers once their kernels are unreachable. */
    private static final Cleaner CLEANER = Cleaner.create();

    private final int threads;
    /** This instance's own threads: two instances never wait for each other. */
    private final Parallel pool;

    /**
     * Kernels that use up to {@code threads} threads ({@code 1 <= threads <= Parallel.MAX_THREADS}, the
     * cores) where the work is large enough to pay; results are bit-identical for any thread count.
     */
    SimdKernels(int threads) {
        this.threads = threads;
        this.pool = new Parallel(threads);
        if (threads > 1) {
            Parallel p = pool;
            CLEANER.register(this, p::shutdown);
        }
    }

    /** This instance's thread pool (for tests). */
    Parallel pool() {
        return pool;
    }

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta) {
        Gemm.gemm(c, a, opA, b, opB, alpha, beta, pool);
    }

    @Override
    public void fill(Matrix x, float value) {
        Walker.run(Walker.Kernel.FILL, pool, value, x, null, null);
    }

    @Override
    public void copy(Matrix y, Matrix x) {
        Walker.run(Walker.Kernel.COPY, pool, y, x);
    }

    @Override
    public void scale(Matrix y, float alpha) {
        Walker.run(Walker.Kernel.SCALE, pool, alpha, y, null, null);
    }

    @Override
    public void axpy(Matrix y, float alpha, Matrix x) {
        Walker.run(Walker.Kernel.AXPY, pool, alpha, y, x, null);
    }

    @Override
    public void mul(Matrix z, Matrix x, Matrix y) {
        Walker.run(Walker.Kernel.MUL, pool, z, x, y);
    }

    @Override
    public void addRowVector(Matrix y, Matrix b) {
        Walker.run(Walker.Kernel.ADD_ROW_VECTOR, pool, y, b);
    }

    @Override
    public void mulRowVector(Matrix y, Matrix s) {
        Walker.run(Walker.Kernel.MUL_ROW_VECTOR, pool, y, s);
    }

    @Override
    public void columnSums(Matrix s, Matrix x, float beta) {
        Elementwise.columnSums(s, x, beta);
    }

    @Override
    public void rowMax(Matrix max, Matrix x) {
        Walker.run(Walker.Kernel.ROW_MAX, pool, max, x);
    }

    @Override
    public void rowArgmax(int[] index, Matrix x) {
        Walker.Job job = Walker.job();
        job.labels = index;
        job.run(Walker.Kernel.ROW_ARGMAX, pool, null, x, null, null);
    }

    @Override
    public void identityForward(Matrix y, Matrix x) {
        Walker.run(Walker.Kernel.COPY, pool, y, x);
    }

    @Override
    public void identityBackward(Matrix dX, Matrix dY) {
        Walker.run(Walker.Kernel.COPY, pool, dX, dY);
    }

    @Override
    public void reluForward(Matrix y, Matrix x) {
        Walker.run(Walker.Kernel.RELU_FORWARD, pool, y, x);
    }

    @Override
    public void reluBackward(Matrix dX, Matrix dY, Matrix x) {
        Walker.run(Walker.Kernel.RELU_BACKWARD, pool, dX, dY, x);
    }

    @Override
    public void leakyReluForward(Matrix y, Matrix x, float slope) {
        Walker.run(Walker.Kernel.LEAKY_RELU_FORWARD, pool, slope, y, x, null);
    }

    @Override
    public void leakyReluBackward(Matrix dX, Matrix dY, Matrix x, float slope) {
        Walker.run(Walker.Kernel.LEAKY_RELU_BACKWARD, pool, slope, dX, dY, x);
    }

    @Override
    public void sigmoidForward(Matrix y, Matrix x) {
        Walker.run(Walker.Kernel.SIGMOID_FORWARD, pool, y, x);
    }

    @Override
    public void sigmoidBackward(Matrix dX, Matrix dY, Matrix y) {
        Walker.run(Walker.Kernel.SIGMOID_BACKWARD, pool, dX, dY, y);
    }

    @Override
    public void tanhForward(Matrix y, Matrix x) {
        Walker.run(Walker.Kernel.TANH_FORWARD, pool, y, x);
    }

    @Override
    public void tanhBackward(Matrix dX, Matrix dY, Matrix y) {
        Walker.run(Walker.Kernel.TANH_BACKWARD, pool, dX, dY, y);
    }

    @Override
    public void geluForward(Matrix y, Matrix x) {
        Walker.run(Walker.Kernel.GELU_FORWARD, pool, y, x);
    }

    @Override
    public void geluBackward(Matrix dX, Matrix dY, Matrix x) {
        Walker.run(Walker.Kernel.GELU_BACKWARD, pool, dX, dY, x);
    }

    @Override
    public void softmaxForward(Matrix y, Matrix x) {
        Walker.run(Walker.Kernel.SOFTMAX_FORWARD, pool, y, x);
    }

    @Override
    public void softmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        Walker.run(Walker.Kernel.SOFTMAX_BACKWARD, pool, dX, dY, y);
    }

    @Override
    public void logSoftmaxForward(Matrix y, Matrix x) {
        Walker.run(Walker.Kernel.LOG_SOFTMAX_FORWARD, pool, y, x);
    }

    @Override
    public void logSoftmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        Walker.run(Walker.Kernel.LOG_SOFTMAX_BACKWARD, pool, dX, dY, y);
    }

    @Override
    public void conv2dForward(Matrix y, Matrix x, Matrix w, Matrix b, Conv2d g) {
        Convolution.conv2dForward(y, x, w, b, g, pool);
    }

    @Override
    public void conv2dBackwardInput(Matrix dX, Matrix dY, Matrix w, Conv2d g) {
        Convolution.conv2dBackwardInput(dX, dY, w, g, pool);
    }

    @Override
    public void conv2dBackwardFilter(Matrix dW, Matrix db, Matrix dY, Matrix x, Conv2d g, float beta) {
        Convolution.conv2dBackwardFilter(dW, db, dY, x, g, beta, pool);
    }

    @Override
    public void maxPool2dForward(Matrix y, Matrix x, Pool2d g) {
        Pooling.maxPool2dForward(y, x, g, pool);
    }

    @Override
    public void maxPool2dBackward(Matrix dX, Matrix dY, Matrix x, Pool2d g) {
        Pooling.maxPool2dBackward(dX, dY, x, g, pool);
    }

    @Override
    public void avgPool2dForward(Matrix y, Matrix x, Pool2d g) {
        Pooling.avgPool2dForward(y, x, g, pool);
    }

    @Override
    public void avgPool2dBackward(Matrix dX, Matrix dY, Pool2d g) {
        Pooling.avgPool2dBackward(dX, dY, g, pool);
    }

    @Override
    public void batchNormStatistics(Matrix mean, Matrix var, Matrix x) {
        Normalization.batchNormStatistics(mean, var, x);
    }

    @Override
    public void batchNormForward(Matrix y, Matrix x, Matrix mean, Matrix var, Matrix gamma, Matrix beta, float eps) {
        Normalization.batchNormForward(y, x, mean, var, gamma, beta, eps);
    }

    @Override
    public void batchNormBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean, Matrix var,
                                  Matrix gamma, float eps, float beta) {
        Normalization.batchNormBackward(dX, dGamma, dBeta, dY, x, mean, var, gamma, eps, beta);
    }

    @Override
    public void batchNormRunningUpdate(Matrix runningMean, Matrix runningVar, Matrix mean, Matrix var, int count,
                                       float momentum) {
        Normalization.batchNormRunningUpdate(runningMean, runningVar, mean, var, count, momentum);
    }

    @Override
    public void layerNormForward(Matrix y, Matrix mean, Matrix rstd, Matrix x, Matrix gamma, Matrix beta, float eps) {
        Normalization.layerNormForward(y, mean, rstd, x, gamma, beta, eps, pool);
    }

    @Override
    public void layerNormBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean, Matrix rstd,
                                  Matrix gamma, float beta) {
        Normalization.layerNormBackward(dX, dGamma, dBeta, dY, x, mean, rstd, gamma, beta, pool);
    }

    @Override
    public void embeddingForward(Matrix y, Matrix table, int[] ids) {
        Embedding.embeddingForward(y, table, ids, pool);
    }

    @Override
    public void embeddingBackward(Matrix dTable, Matrix dY, int[] ids, float beta) {
        Embedding.embeddingBackward(dTable, dY, ids, beta, pool);
    }

    @Override
    public void attentionForward(Matrix o, Matrix p, Matrix q, Matrix k, Matrix v, SelfAttention g, float scale) {
        Attention.attentionForward(o, p, q, k, v, g, scale, pool);
    }

    @Override
    public void attentionBackward(Matrix dQ, Matrix dK, Matrix dV, Matrix dO, Matrix q, Matrix k, Matrix v, Matrix p,
                                  SelfAttention g, float scale) {
        Attention.attentionBackward(dQ, dK, dV, dO, q, k, v, p, g, scale, pool);
    }

    @Override
    public float mseLoss(Matrix dP, Matrix p, Matrix t) {
        return Losses.mseLoss(dP, p, t, pool);
    }

    @Override
    public float bceWithLogitsLoss(Matrix dX, Matrix x, Matrix y) {
        return Losses.bceWithLogitsLoss(dX, x, y, pool);
    }

    @Override
    public float softmaxCrossEntropyLoss(Matrix dX, Matrix x, int[] labels) {
        return Losses.softmaxCrossEntropyLoss(dX, x, labels, pool);
    }

    @Override
    public void sgdUpdate(Matrix w, Matrix v, Matrix dW, float lr, float momentum, float weightDecay, boolean nesterov) {
        Optimizers.sgdUpdate(w, v, dW, lr, momentum, weightDecay, nesterov, pool);
    }

    @Override
    public void adamUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps, float weightDecay, int step) {
        Optimizers.adamUpdate(w, mom, vel, dW, lr, beta1, beta2, eps, weightDecay, step, pool);
    }

    @Override
    public void adamwUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps, float weightDecay, int step) {
        Optimizers.adamwUpdate(w, mom, vel, dW, lr, beta1, beta2, eps, weightDecay, step, pool);
    }
}
