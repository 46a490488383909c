package dev.myelin.simd;

import dev.myelin.core.Check;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;

/** The simd backend's kernels: checks the arguments, then calls the kernel family that computes. */
public final class SimdKernels implements Kernels {

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta) {
        Check.gemm(c, a, opA, b, opB);
        Gemm.gemm(c, a, opA, b, opB, alpha, beta);
    }

    @Override
    public void fill(Matrix x, float value) {
        throw new UnsupportedOperationException("fill: not implemented yet");
    }

    @Override
    public void copy(Matrix y, Matrix x) {
        throw new UnsupportedOperationException("copy: not implemented yet");
    }

    @Override
    public void scale(Matrix y, float alpha) {
        throw new UnsupportedOperationException("scale: not implemented yet");
    }

    @Override
    public void axpy(Matrix y, float alpha, Matrix x) {
        throw new UnsupportedOperationException("axpy: not implemented yet");
    }

    @Override
    public void mul(Matrix z, Matrix x, Matrix y) {
        throw new UnsupportedOperationException("mul: not implemented yet");
    }

    @Override
    public void addRowVector(Matrix y, Matrix b) {
        throw new UnsupportedOperationException("addRowVector: not implemented yet");
    }

    @Override
    public void columnSums(Matrix s, Matrix x, float beta) {
        throw new UnsupportedOperationException("columnSums: not implemented yet");
    }

    @Override
    public void rowMax(Matrix max, Matrix x) {
        throw new UnsupportedOperationException("rowMax: not implemented yet");
    }

    @Override
    public void rowArgmax(int[] index, Matrix x) {
        throw new UnsupportedOperationException("rowArgmax: not implemented yet");
    }

    @Override
    public void identityForward(Matrix y, Matrix x) {
        throw new UnsupportedOperationException("identityForward: not implemented yet");
    }

    @Override
    public void identityBackward(Matrix dX, Matrix dY) {
        throw new UnsupportedOperationException("identityBackward: not implemented yet");
    }

    @Override
    public void reluForward(Matrix y, Matrix x) {
        throw new UnsupportedOperationException("reluForward: not implemented yet");
    }

    @Override
    public void reluBackward(Matrix dX, Matrix dY, Matrix x) {
        throw new UnsupportedOperationException("reluBackward: not implemented yet");
    }

    @Override
    public void leakyReluForward(Matrix y, Matrix x, float slope) {
        throw new UnsupportedOperationException("leakyReluForward: not implemented yet");
    }

    @Override
    public void leakyReluBackward(Matrix dX, Matrix dY, Matrix x, float slope) {
        throw new UnsupportedOperationException("leakyReluBackward: not implemented yet");
    }

    @Override
    public void sigmoidForward(Matrix y, Matrix x) {
        throw new UnsupportedOperationException("sigmoidForward: not implemented yet");
    }

    @Override
    public void sigmoidBackward(Matrix dX, Matrix dY, Matrix y) {
        throw new UnsupportedOperationException("sigmoidBackward: not implemented yet");
    }

    @Override
    public void tanhForward(Matrix y, Matrix x) {
        throw new UnsupportedOperationException("tanhForward: not implemented yet");
    }

    @Override
    public void tanhBackward(Matrix dX, Matrix dY, Matrix y) {
        throw new UnsupportedOperationException("tanhBackward: not implemented yet");
    }

    @Override
    public void geluForward(Matrix y, Matrix x) {
        throw new UnsupportedOperationException("geluForward: not implemented yet");
    }

    @Override
    public void geluBackward(Matrix dX, Matrix dY, Matrix x) {
        throw new UnsupportedOperationException("geluBackward: not implemented yet");
    }

    @Override
    public void softmaxForward(Matrix y, Matrix x) {
        throw new UnsupportedOperationException("softmaxForward: not implemented yet");
    }

    @Override
    public void softmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        throw new UnsupportedOperationException("softmaxBackward: not implemented yet");
    }

    @Override
    public void logSoftmaxForward(Matrix y, Matrix x) {
        throw new UnsupportedOperationException("logSoftmaxForward: not implemented yet");
    }

    @Override
    public void logSoftmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        throw new UnsupportedOperationException("logSoftmaxBackward: not implemented yet");
    }

    @Override
    public float mseLoss(Matrix dP, Matrix p, Matrix t) {
        throw new UnsupportedOperationException("mseLoss: not implemented yet");
    }

    @Override
    public float bceWithLogitsLoss(Matrix dX, Matrix x, Matrix y) {
        throw new UnsupportedOperationException("bceWithLogitsLoss: not implemented yet");
    }

    @Override
    public float softmaxCrossEntropyLoss(Matrix dX, Matrix x, int[] labels) {
        throw new UnsupportedOperationException("softmaxCrossEntropyLoss: not implemented yet");
    }

    @Override
    public void sgdUpdate(Matrix w, Matrix v, Matrix dW, float lr, float momentum, float weightDecay, boolean nesterov) {
        throw new UnsupportedOperationException("sgdUpdate: not implemented yet");
    }

    @Override
    public void adamUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps, float weightDecay, int step) {
        throw new UnsupportedOperationException("adamUpdate: not implemented yet");
    }

    @Override
    public void adamwUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps, float weightDecay, int step) {
        throw new UnsupportedOperationException("adamwUpdate: not implemented yet");
    }
}
