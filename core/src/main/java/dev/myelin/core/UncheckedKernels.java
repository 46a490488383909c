package dev.myelin.core;

/**
 * The kernels a backend implements (the service side of {@link Kernels}): the same methods in the same
 * order, each documented at {@link Kernels}. An implementation is called only through {@link Kernels},
 * after that class has checked the arguments, so it may assume them valid: non-null, memory open,
 * shapes that agree, no forbidden overlap, scalars in range. It checks nothing itself.
 */
public interface UncheckedKernels {

    /** See {@link Kernels#name}. */
    String name();

    /** See {@link Kernels#threads}. */
    int threads();

    // ---------------------------------------------------------------- matrix multiply

    /** See {@link Kernels#gemm}. */
    void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta);

    // ---------------------------------------------------------------- elementwise and reductions

    /** See {@link Kernels#fill}. */
    void fill(Matrix x, float value);

    /** See {@link Kernels#copy}. */
    void copy(Matrix y, Matrix x);

    /** See {@link Kernels#scale}. */
    void scale(Matrix y, float alpha);

    /** See {@link Kernels#axpy}. */
    void axpy(Matrix y, float alpha, Matrix x);

    /** See {@link Kernels#mul}. */
    void mul(Matrix z, Matrix x, Matrix y);

    /** See {@link Kernels#addRowVector}. */
    void addRowVector(Matrix y, Matrix b);

    /** See {@link Kernels#mulRowVector}. */
    void mulRowVector(Matrix y, Matrix s);

    /** See {@link Kernels#columnSums}. */
    void columnSums(Matrix s, Matrix x, float beta);

    /** See {@link Kernels#rowMax}. */
    void rowMax(Matrix max, Matrix x);

    /** See {@link Kernels#rowArgmax}. */
    void rowArgmax(int[] index, Matrix x);

    // ---------------------------------------------------------------- activations (forward / backward pairs)

    /** See {@link Kernels#identityForward}. */
    void identityForward(Matrix y, Matrix x);

    /** See {@link Kernels#identityBackward}. */
    void identityBackward(Matrix dX, Matrix dY);

    /** See {@link Kernels#reluForward}. */
    void reluForward(Matrix y, Matrix x);

    /** See {@link Kernels#reluBackward}. */
    void reluBackward(Matrix dX, Matrix dY, Matrix x);

    /** See {@link Kernels#leakyReluForward}. */
    void leakyReluForward(Matrix y, Matrix x, float slope);

    /** See {@link Kernels#leakyReluBackward}. */
    void leakyReluBackward(Matrix dX, Matrix dY, Matrix x, float slope);

    /** See {@link Kernels#sigmoidForward}. */
    void sigmoidForward(Matrix y, Matrix x);

    /** See {@link Kernels#sigmoidBackward}. */
    void sigmoidBackward(Matrix dX, Matrix dY, Matrix y);

    /** See {@link Kernels#tanhForward}. */
    void tanhForward(Matrix y, Matrix x);

    /** See {@link Kernels#tanhBackward}. */
    void tanhBackward(Matrix dX, Matrix dY, Matrix y);

    /** See {@link Kernels#geluForward}. */
    void geluForward(Matrix y, Matrix x);

    /** See {@link Kernels#geluBackward}. */
    void geluBackward(Matrix dX, Matrix dY, Matrix x);

    /** See {@link Kernels#softmaxForward}. */
    void softmaxForward(Matrix y, Matrix x);

    /** See {@link Kernels#softmaxBackward}. */
    void softmaxBackward(Matrix dX, Matrix dY, Matrix y);

    /** See {@link Kernels#logSoftmaxForward}. */
    void logSoftmaxForward(Matrix y, Matrix x);

    /** See {@link Kernels#logSoftmaxBackward}. */
    void logSoftmaxBackward(Matrix dX, Matrix dY, Matrix y);

    // ---------------------------------------------------------------- convolution and pooling (channels-last images)

    /** See {@link Kernels#conv2dForward}. */
    void conv2dForward(Matrix y, Matrix x, Matrix w, Matrix b, Conv2d g);

    /** See {@link Kernels#conv2dBackwardInput}. */
    void conv2dBackwardInput(Matrix dX, Matrix dY, Matrix w, Conv2d g);

    /** See {@link Kernels#conv2dBackwardFilter}. */
    void conv2dBackwardFilter(Matrix dW, Matrix db, Matrix dY, Matrix x, Conv2d g, float beta);

    /** See {@link Kernels#maxPool2dForward}. */
    void maxPool2dForward(Matrix y, Matrix x, Pool2d g);

    /** See {@link Kernels#maxPool2dBackward}. */
    void maxPool2dBackward(Matrix dX, Matrix dY, Matrix x, Pool2d g);

    /** See {@link Kernels#avgPool2dForward}. */
    void avgPool2dForward(Matrix y, Matrix x, Pool2d g);

    /** See {@link Kernels#avgPool2dBackward}. */
    void avgPool2dBackward(Matrix dX, Matrix dY, Pool2d g);

    // ---------------------------------------------------------------- losses fused with their gradient

    /** See {@link Kernels#mseLoss}. */
    float mseLoss(Matrix dP, Matrix p, Matrix t);

    /** See {@link Kernels#bceWithLogitsLoss}. */
    float bceWithLogitsLoss(Matrix dX, Matrix x, Matrix y);

    /** See {@link Kernels#softmaxCrossEntropyLoss}. */
    float softmaxCrossEntropyLoss(Matrix dX, Matrix x, int[] labels);

    // ---------------------------------------------------------------- optimizer updates (one fused pass)

    /** See {@link Kernels#sgdUpdate}. */
    void sgdUpdate(Matrix w, Matrix v, Matrix dW, float lr, float momentum, float weightDecay, boolean nesterov);

    /** See {@link Kernels#adamUpdate}. */
    void adamUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                    float weightDecay, int step);

    /** See {@link Kernels#adamwUpdate}. */
    void adamwUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                     float weightDecay, int step);
}
