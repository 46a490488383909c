package dev.myelin.simd;

import dev.myelin.core.Check;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;

/** The simd backend's kernels: checks the arguments, then calls the kernel family that computes. */
public final class SimdKernels implements Kernels {

    private final int threads;

    /**
     * Kernels that use up to {@code threads} threads (capped at the number of cores) where the work is
     * large enough to pay; results are bit-identical for any thread count.
     */
    SimdKernels(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = Math.min(threads, Parallel.MAX_THREADS);
    }

    /** Threads this instance uses at most. */
    public int threads() {
        return threads;
    }

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta) {
        Check.gemm(c, a, opA, b, opB);
        Gemm.gemm(c, a, opA, b, opB, alpha, beta, threads);
    }

    @Override
    public void fill(Matrix x, float value) {
        Check.matrix("X", x);
        Elementwise.fill(x, value);
    }

    @Override
    public void copy(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        Elementwise.copy(y, x);
    }

    @Override
    public void scale(Matrix y, float alpha) {
        Check.matrix("Y", y);
        Elementwise.scale(y, alpha);
    }

    @Override
    public void axpy(Matrix y, float alpha, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        Elementwise.axpy(y, alpha, x);
    }

    @Override
    public void mul(Matrix z, Matrix x, Matrix y) {
        Check.elementwise("Z", z, "X", x);
        Check.elementwise("Z", z, "Y", y);
        Elementwise.mul(z, x, y);
    }

    @Override
    public void addRowVector(Matrix y, Matrix b) {
        Check.row("b", b, "Y", y);
        Check.inPlaceOrDisjoint("Y", y, "b", b);
        Elementwise.addRowVector(y, b);
    }

    @Override
    public void columnSums(Matrix s, Matrix x, float beta) {
        Check.row("s", s, "X", x);
        Check.inPlaceOrDisjoint("s", s, "X", x);
        Elementwise.columnSums(s, x, beta);
    }

    @Override
    public void rowMax(Matrix max, Matrix x) {
        Check.column("max", max, "X", x);
        Check.inPlaceOrDisjoint("max", max, "X", x);
        Elementwise.rowMax(max, x);
    }

    @Override
    public void rowArgmax(int[] index, Matrix x) {
        Check.matrix("X", x);
        Check.indices("index", index, x);
        Elementwise.rowArgmax(index, x);
    }

    @Override
    public void identityForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        Elementwise.copy(y, x);
    }

    @Override
    public void identityBackward(Matrix dX, Matrix dY) {
        Check.elementwise("dX", dX, "dY", dY);
        Elementwise.copy(dX, dY);
    }

    @Override
    public void reluForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        Activations.reluForward(y, x);
    }

    @Override
    public void reluBackward(Matrix dX, Matrix dY, Matrix x) {
        Check.backward(dX, dY, "X", x);
        Activations.reluBackward(dX, dY, x);
    }

    @Override
    public void leakyReluForward(Matrix y, Matrix x, float slope) {
        Check.elementwise("Y", y, "X", x);
        Check.finite("slope", slope);
        Activations.leakyReluForward(y, x, slope);
    }

    @Override
    public void leakyReluBackward(Matrix dX, Matrix dY, Matrix x, float slope) {
        Check.backward(dX, dY, "X", x);
        Check.finite("slope", slope);
        Activations.leakyReluBackward(dX, dY, x, slope);
    }

    @Override
    public void sigmoidForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        Activations.sigmoidForward(y, x);
    }

    @Override
    public void sigmoidBackward(Matrix dX, Matrix dY, Matrix y) {
        Check.backward(dX, dY, "Y", y);
        Activations.sigmoidBackward(dX, dY, y);
    }

    @Override
    public void tanhForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        Activations.tanhForward(y, x);
    }

    @Override
    public void tanhBackward(Matrix dX, Matrix dY, Matrix y) {
        Check.backward(dX, dY, "Y", y);
        Activations.tanhBackward(dX, dY, y);
    }

    @Override
    public void geluForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        Activations.geluForward(y, x);
    }

    @Override
    public void geluBackward(Matrix dX, Matrix dY, Matrix x) {
        Check.backward(dX, dY, "X", x);
        Activations.geluBackward(dX, dY, x);
    }

    @Override
    public void softmaxForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        Activations.softmaxForward(y, x);
    }

    @Override
    public void softmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        Check.backward(dX, dY, "Y", y);
        Activations.softmaxBackward(dX, dY, y);
    }

    @Override
    public void logSoftmaxForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        Activations.logSoftmaxForward(y, x);
    }

    @Override
    public void logSoftmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        Check.backward(dX, dY, "Y", y);
        Activations.logSoftmaxBackward(dX, dY, y);
    }

    @Override
    public float mseLoss(Matrix dP, Matrix p, Matrix t) {
        Check.elementwise("dP", dP, "P", p);
        Check.elementwise("dP", dP, "T", t);
        return Losses.mseLoss(dP, p, t);
    }

    @Override
    public float bceWithLogitsLoss(Matrix dX, Matrix x, Matrix y) {
        Check.elementwise("dX", dX, "X", x);
        Check.elementwise("dX", dX, "Y", y);
        return Losses.bceWithLogitsLoss(dX, x, y);
    }

    @Override
    public float softmaxCrossEntropyLoss(Matrix dX, Matrix x, int[] labels) {
        Check.elementwise("dX", dX, "X", x);
        Check.labels(labels, x.rows(), x.cols());
        return Losses.softmaxCrossEntropyLoss(dX, x, labels);
    }

    @Override
    public void sgdUpdate(Matrix w, Matrix v, Matrix dW, float lr, float momentum, float weightDecay, boolean nesterov) {
        Check.sgd(w, v, dW, lr, momentum, weightDecay, nesterov);
        Optimizers.sgdUpdate(w, v, dW, lr, momentum, weightDecay, nesterov);
    }

    @Override
    public void adamUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps, float weightDecay, int step) {
        Check.adam(w, mom, vel, dW, lr, beta1, beta2, eps, weightDecay, step);
        Optimizers.adamUpdate(w, mom, vel, dW, lr, beta1, beta2, eps, weightDecay, step);
    }

    @Override
    public void adamwUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps, float weightDecay, int step) {
        Check.adam(w, mom, vel, dW, lr, beta1, beta2, eps, weightDecay, step);
        Optimizers.adamwUpdate(w, mom, vel, dW, lr, beta1, beta2, eps, weightDecay, step);
    }
}
