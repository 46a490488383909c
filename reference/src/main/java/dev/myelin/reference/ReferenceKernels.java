package dev.myelin.reference;

import dev.myelin.core.Conv2d;
import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;
import dev.myelin.core.SelfAttention;
import dev.myelin.core.Trans;
import dev.myelin.core.UncheckedKernels;

/**
 * The reference backend's kernels: each method calls the kernel family that computes. The arguments were
 * checked by {@link dev.myelin.core.Kernels}, the only caller.
 */
final class ReferenceKernels implements UncheckedKernels {

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public int threads() {
        return 1;
    }

    @Override
    public void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta) {
        Gemm.gemm(c, a, opA, b, opB, alpha, beta);
    }

    @Override
    public void fill(Matrix x, float value) {
        Elementwise.fill(x, value);
    }

    @Override
    public void copy(Matrix y, Matrix x) {
        Elementwise.copy(y, x);
    }

    @Override
    public void scale(Matrix y, float alpha) {
        Elementwise.scale(y, alpha);
    }

    @Override
    public void axpy(Matrix y, float alpha, Matrix x) {
        Elementwise.axpy(y, alpha, x);
    }

    @Override
    public void mul(Matrix z, Matrix x, Matrix y) {
        Elementwise.mul(z, x, y);
    }

    @Override
    public void addRowVector(Matrix y, Matrix b) {
        Elementwise.addRowVector(y, b);
    }

    @Override
    public void mulRowVector(Matrix y, Matrix s) {
        Elementwise.mulRowVector(y, s);
    }

    @Override
    public void columnSums(Matrix s, Matrix x, float beta) {
        Elementwise.columnSums(s, x, beta);
    }

    @Override
    public void rowMax(Matrix max, Matrix x) {
        Elementwise.rowMax(max, x);
    }

    @Override
    public void rowArgmax(int[] index, Matrix x) {
        Elementwise.rowArgmax(index, x);
    }

    @Override
    public void identityForward(Matrix y, Matrix x) {
        Elementwise.copy(y, x);
    }

    @Override
    public void identityBackward(Matrix dX, Matrix dY) {
        Elementwise.copy(dX, dY);
    }

    @Override
    public void reluForward(Matrix y, Matrix x) {
        Activations.reluForward(y, x);
    }

    @Override
    public void reluBackward(Matrix dX, Matrix dY, Matrix x) {
        Activations.reluBackward(dX, dY, x);
    }

    @Override
    public void leakyReluForward(Matrix y, Matrix x, float slope) {
        Activations.leakyReluForward(y, x, slope);
    }

    @Override
    public void leakyReluBackward(Matrix dX, Matrix dY, Matrix x, float slope) {
        Activations.leakyReluBackward(dX, dY, x, slope);
    }

    @Override
    public void sigmoidForward(Matrix y, Matrix x) {
        Activations.sigmoidForward(y, x);
    }

    @Override
    public void sigmoidBackward(Matrix dX, Matrix dY, Matrix y) {
        Activations.sigmoidBackward(dX, dY, y);
    }

    @Override
    public void tanhForward(Matrix y, Matrix x) {
        Activations.tanhForward(y, x);
    }

    @Override
    public void tanhBackward(Matrix dX, Matrix dY, Matrix y) {
        Activations.tanhBackward(dX, dY, y);
    }

    @Override
    public void geluForward(Matrix y, Matrix x) {
        Activations.geluForward(y, x);
    }

    @Override
    public void geluBackward(Matrix dX, Matrix dY, Matrix x) {
        Activations.geluBackward(dX, dY, x);
    }

    @Override
    public void softmaxForward(Matrix y, Matrix x) {
        Activations.softmaxForward(y, x);
    }

    @Override
    public void softmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        Activations.softmaxBackward(dX, dY, y);
    }

    @Override
    public void logSoftmaxForward(Matrix y, Matrix x) {
        Activations.logSoftmaxForward(y, x);
    }

    @Override
    public void logSoftmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        Activations.logSoftmaxBackward(dX, dY, y);
    }

    @Override
    public void conv2dForward(Matrix y, Matrix x, Matrix w, Matrix b, Conv2d g) {
        Convolution.conv2dForward(y, x, w, b, g);
    }

    @Override
    public void conv2dBackwardInput(Matrix dX, Matrix dY, Matrix w, Conv2d g) {
        Convolution.conv2dBackwardInput(dX, dY, w, g);
    }

    @Override
    public void conv2dBackwardFilter(Matrix dW, Matrix db, Matrix dY, Matrix x, Conv2d g, float beta) {
        Convolution.conv2dBackwardFilter(dW, db, dY, x, g, beta);
    }

    @Override
    public void maxPool2dForward(Matrix y, Matrix x, Pool2d g) {
        Pooling.maxPool2dForward(y, x, g);
    }

    @Override
    public void maxPool2dBackward(Matrix dX, Matrix dY, Matrix x, Pool2d g) {
        Pooling.maxPool2dBackward(dX, dY, x, g);
    }

    @Override
    public void avgPool2dForward(Matrix y, Matrix x, Pool2d g) {
        Pooling.avgPool2dForward(y, x, g);
    }

    @Override
    public void avgPool2dBackward(Matrix dX, Matrix dY, Pool2d g) {
        Pooling.avgPool2dBackward(dX, dY, g);
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
        Normalization.layerNormForward(y, mean, rstd, x, gamma, beta, eps);
    }

    @Override
    public void layerNormBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean, Matrix rstd,
                                  Matrix gamma, float beta) {
        Normalization.layerNormBackward(dX, dGamma, dBeta, dY, x, mean, rstd, gamma, beta);
    }

    @Override
    public void embeddingForward(Matrix y, Matrix table, int[] ids) {
        Embedding.embeddingForward(y, table, ids);
    }

    @Override
    public void embeddingBackward(Matrix dTable, Matrix dY, int[] ids, float beta) {
        Embedding.embeddingBackward(dTable, dY, ids, beta);
    }

    @Override
    public void attentionForward(Matrix o, Matrix p, Matrix q, Matrix k, Matrix v, SelfAttention g, float scale) {
        Attention.attentionForward(o, p, q, k, v, g, scale);
    }

    @Override
    public void attentionBackward(Matrix dQ, Matrix dK, Matrix dV, Matrix dO, Matrix q, Matrix k, Matrix v, Matrix p,
                                  SelfAttention g, float scale) {
        Attention.attentionBackward(dQ, dK, dV, dO, q, k, v, p, g, scale);
    }

    @Override
    public float mseLoss(Matrix dP, Matrix p, Matrix t) {
        return Losses.mseLoss(dP, p, t);
    }

    @Override
    public float bceWithLogitsLoss(Matrix dX, Matrix x, Matrix y) {
        return Losses.bceWithLogitsLoss(dX, x, y);
    }

    @Override
    public float softmaxCrossEntropyLoss(Matrix dX, Matrix x, int[] labels) {
        return Losses.softmaxCrossEntropyLoss(dX, x, labels);
    }

    @Override
    public void sgdUpdate(Matrix w, Matrix v, Matrix dW, float lr, float momentum, float weightDecay, boolean nesterov) {
        Optimizers.sgdUpdate(w, v, dW, lr, momentum, weightDecay, nesterov);
    }

    @Override
    public void adamUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps, float weightDecay, int step) {
        Optimizers.adamUpdate(w, mom, vel, dW, lr, beta1, beta2, eps, weightDecay, step);
    }

    @Override
    public void adamwUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps, float weightDecay, int step) {
        Optimizers.adamwUpdate(w, mom, vel, dW, lr, beta1, beta2, eps, weightDecay, step);
    }
}
