package dev.myelin.trainer;

import dev.myelin.core.Conv2d;
import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;
import dev.myelin.core.SelfAttention;
import dev.myelin.core.Trans;
import dev.myelin.core.UncheckedKernels;

/**
 * Kernels that compute nothing: every method returns at once (losses return 0). Behind the checking
 * {@link dev.myelin.core.Kernels} front, a training step runs only the trainer's own code (batch
 * gathering, layer dispatch, views, metrics) and the argument checks, which is what the allocation test
 * isolates.
 */
final class NoOpKernels implements UncheckedKernels {

    @Override public String name() { return "no-op"; }
    @Override public int threads() { return 1; }
    @Override public void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta) { }
    @Override public void fill(Matrix x, float value) { }
    @Override public void copy(Matrix y, Matrix x) { }
    @Override public void scale(Matrix y, float alpha) { }
    @Override public void axpy(Matrix y, float alpha, Matrix x) { }
    @Override public void mul(Matrix z, Matrix x, Matrix y) { }
    @Override public void addRowVector(Matrix y, Matrix b) { }
    @Override public void mulRowVector(Matrix y, Matrix s) { }
    @Override public void columnSums(Matrix s, Matrix x, float beta) { }
    @Override public void rowMax(Matrix max, Matrix x) { }
    @Override public void rowArgmax(int[] index, Matrix x) { }
    @Override public void identityForward(Matrix y, Matrix x) { }
    @Override public void identityBackward(Matrix dX, Matrix dY) { }
    @Override public void reluForward(Matrix y, Matrix x) { }
    @Override public void reluBackward(Matrix dX, Matrix dY, Matrix x) { }
    @Override public void leakyReluForward(Matrix y, Matrix x, float slope) { }
    @Override public void leakyReluBackward(Matrix dX, Matrix dY, Matrix x, float slope) { }
    @Override public void sigmoidForward(Matrix y, Matrix x) { }
    @Override public void sigmoidBackward(Matrix dX, Matrix dY, Matrix y) { }
    @Override public void tanhForward(Matrix y, Matrix x) { }
    @Override public void tanhBackward(Matrix dX, Matrix dY, Matrix y) { }
    @Override public void geluForward(Matrix y, Matrix x) { }
    @Override public void geluBackward(Matrix dX, Matrix dY, Matrix x) { }
    @Override public void softmaxForward(Matrix y, Matrix x) { }
    @Override public void softmaxBackward(Matrix dX, Matrix dY, Matrix y) { }
    @Override public void logSoftmaxForward(Matrix y, Matrix x) { }
    @Override public void logSoftmaxBackward(Matrix dX, Matrix dY, Matrix y) { }
    @Override public void conv2dForward(Matrix y, Matrix x, Matrix w, Matrix b, Conv2d g) { }
    @Override public void conv2dBackwardInput(Matrix dX, Matrix dY, Matrix w, Conv2d g) { }
    @Override public void conv2dBackwardFilter(Matrix dW, Matrix db, Matrix dY, Matrix x, Conv2d g, float beta) { }
    @Override public void maxPool2dForward(Matrix y, Matrix x, Pool2d g) { }
    @Override public void maxPool2dBackward(Matrix dX, Matrix dY, Matrix x, Pool2d g) { }
    @Override public void avgPool2dForward(Matrix y, Matrix x, Pool2d g) { }
    @Override public void avgPool2dBackward(Matrix dX, Matrix dY, Pool2d g) { }
    @Override public void batchNormStatistics(Matrix mean, Matrix var, Matrix x) { }
    @Override public void batchNormForward(Matrix y, Matrix x, Matrix mean, Matrix var, Matrix gamma, Matrix beta, float eps) { }
    @Override public void batchNormBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean,
                                            Matrix var, Matrix gamma, float eps, float beta) { }
    @Override public void batchNormRunningUpdate(Matrix runningMean, Matrix runningVar, Matrix mean, Matrix var, int count,
                                                 float momentum) { }
    @Override public void layerNormForward(Matrix y, Matrix mean, Matrix rstd, Matrix x, Matrix gamma, Matrix beta,
                                           float eps) { }
    @Override public void layerNormBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean,
                                            Matrix rstd, Matrix gamma, float beta) { }
    @Override public void embeddingForward(Matrix y, Matrix table, int[] ids) { }
    @Override public void embeddingBackward(Matrix dTable, Matrix dY, int[] ids, float beta) { }
    @Override public void attentionForward(Matrix o, Matrix p, Matrix q, Matrix k, Matrix v, SelfAttention g,
                                           float scale) { }
    @Override public void attentionBackward(Matrix dQ, Matrix dK, Matrix dV, Matrix dO, Matrix q, Matrix k, Matrix v,
                                            Matrix p, SelfAttention g, float scale) { }
    @Override public float mseLoss(Matrix dP, Matrix p, Matrix t) { return 0; }
    @Override public float bceWithLogitsLoss(Matrix dX, Matrix x, Matrix y) { return 0; }
    @Override public float softmaxCrossEntropyLoss(Matrix dX, Matrix x, int[] labels) { return 0; }
    @Override public void sgdUpdate(Matrix w, Matrix v, Matrix dW, float lr, float momentum, float weightDecay, boolean nesterov) { }
    @Override public void adamUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps, float weightDecay, int step) { }
    @Override public void adamwUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps, float weightDecay, int step) { }
}
