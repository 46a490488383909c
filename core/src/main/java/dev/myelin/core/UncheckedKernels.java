package dev.myelin.core;

/**
 * The kernels a backend implements (the service side of {@link Kernels}): the same methods in the same
 * order, each documented at {@link Kernels}. An implementation is called only through {@link Kernels},
 * after that class has checked the arguments, so it may assume them valid: non-null, memory open,
 * shapes that agree, no forbidden overlap, scalars in range. It checks nothing itself.
 */
public interface UncheckedKernels {

    /** {@return the backend's name; see {@link Kernels#name}} */
    String name();

    /** {@return the threads the backend uses at most; see {@link Kernels#threads}} */
    int threads();

    // ---------------------------------------------------------------- matrix multiply

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C}; see {@link Kernels#gemm}.
     *
     * @param c     C, {@code (m, n)}: written; read only when {@code beta != 0}
     * @param a     A: {@code (m, k)} when {@code opA} is {@link Trans#N}, {@code (k, m)} when it is {@link Trans#T}
     * @param opA   whether op(A) is A as stored or its transpose
     * @param b     B: {@code (k, n)} when {@code opB} is {@link Trans#N}, {@code (n, k)} when it is {@link Trans#T}
     * @param opB   whether op(B) is B as stored or its transpose
     * @param alpha the factor of the product {@code op(A) * op(B)}
     * @param beta  the factor of the old C; 0 overwrites C without reading it
     */
    void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta);

    // ---------------------------------------------------------------- elementwise and reductions

    /**
     * {@code X = value}, every element; see {@link Kernels#fill}.
     *
     * @param x     X, {@code (m, n)}: written
     * @param value the value every element gets
     */
    void fill(Matrix x, float value);

    /**
     * {@code Y = X}; see {@link Kernels#copy}.
     *
     * @param y Y, {@code (m, n)}: written
     * @param x X, {@code (m, n)}: only read
     */
    void copy(Matrix y, Matrix x);

    /**
     * {@code Y = alpha * Y}; see {@link Kernels#scale}.
     *
     * @param y     Y, {@code (m, n)}: scaled in place
     * @param alpha the factor
     */
    void scale(Matrix y, float alpha);

    /**
     * {@code Y += alpha * X}; see {@link Kernels#axpy}.
     *
     * @param y     Y, {@code (m, n)}: accumulated into
     * @param alpha the factor of X
     * @param x     X, {@code (m, n)}: only read
     */
    void axpy(Matrix y, float alpha, Matrix x);

    /**
     * {@code Z = X ⊙ Y}, elementwise; see {@link Kernels#mul}.
     *
     * @param z Z, {@code (m, n)}: written; may be the very same view as X or Y
     * @param x X, {@code (m, n)}
     * @param y Y, {@code (m, n)}
     */
    void mul(Matrix z, Matrix x, Matrix y);

    /**
     * {@code Y[i][j] += b[0][j]}; see {@link Kernels#addRowVector}.
     *
     * @param y Y, {@code (m, n)}: accumulated into
     * @param b the bias row b, {@code (1, n)}: only read
     */
    void addRowVector(Matrix y, Matrix b);

    /**
     * {@code Y[i][j] *= s[0][j]}; see {@link Kernels#mulRowVector}.
     *
     * @param y Y, {@code (m, n)}: scaled in place
     * @param s the row of factors s, {@code (1, n)}: only read
     */
    void mulRowVector(Matrix y, Matrix s);

    /**
     * {@code s[0][j] = beta * s[0][j] + sum_i X[i][j]}; see {@link Kernels#columnSums}.
     *
     * @param s    the sums s, {@code (1, n)}: written; read only when {@code beta != 0}
     * @param x    X, {@code (m, n)}: only read
     * @param beta the factor of the old sums: 0 overwrites s, 1 accumulates into it
     */
    void columnSums(Matrix s, Matrix x, float beta);

    /**
     * {@code max[i][0] = max_j X[i][j]}; see {@link Kernels#rowMax}.
     *
     * @param max the row maxima, {@code (m, 1)}: written
     * @param x   X, {@code (m, n)}: only read
     */
    void rowMax(Matrix max, Matrix x);

    /**
     * {@code index[i] = argmax_j X[i][j]}, the first maximum; see {@link Kernels#rowArgmax}.
     *
     * @param index receives the column of each row's maximum in {@code index[0..m)}; length at least m
     * @param x     X, {@code (m, n)}: only read
     */
    void rowArgmax(int[] index, Matrix x);

    // ---------------------------------------------------------------- activations (forward / backward pairs)

    /**
     * {@code Y = X}; see {@link Kernels#identityForward}.
     *
     * @param y Y, {@code (m, n)}: written
     * @param x X, {@code (m, n)}
     */
    void identityForward(Matrix y, Matrix x);

    /**
     * {@code dX = dY}; see {@link Kernels#identityBackward}.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     */
    void identityBackward(Matrix dX, Matrix dY);

    /**
     * {@code Y = max(X, 0)}; see {@link Kernels#reluForward}.
     *
     * @param y Y, {@code (m, n)}: written (may be X itself)
     * @param x X, {@code (m, n)}
     */
    void reluForward(Matrix y, Matrix x);

    /**
     * {@code dX = X > 0 ? dY : 0}; see {@link Kernels#reluBackward}.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     * @param x  the forward input X, {@code (m, n)}
     */
    void reluBackward(Matrix dX, Matrix dY, Matrix x);

    /**
     * {@code Y = X > 0 ? X : slope * X}; see {@link Kernels#leakyReluForward}.
     *
     * @param y     Y, {@code (m, n)}: written (may be X itself)
     * @param x     X, {@code (m, n)}
     * @param slope the factor for inputs {@code <= 0}; finite (commonly 0.01)
     */
    void leakyReluForward(Matrix y, Matrix x, float slope);

    /**
     * {@code dX = X > 0 ? dY : slope * dY}; see {@link Kernels#leakyReluBackward}.
     *
     * @param dX    the gradient with respect to X, {@code (m, n)}: written
     * @param dY    the gradient with respect to Y, {@code (m, n)}
     * @param x     the forward input X, {@code (m, n)}
     * @param slope the slope the forward pass used; finite
     */
    void leakyReluBackward(Matrix dX, Matrix dY, Matrix x, float slope);

    /**
     * {@code Y = 1 / (1 + exp(-X))}; see {@link Kernels#sigmoidForward}.
     *
     * @param y Y, {@code (m, n)}: written (may be X itself)
     * @param x X, {@code (m, n)}
     */
    void sigmoidForward(Matrix y, Matrix x);

    /**
     * {@code dX = dY * Y * (1 - Y)}; see {@link Kernels#sigmoidBackward}.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     * @param y  the forward output Y, {@code (m, n)}
     */
    void sigmoidBackward(Matrix dX, Matrix dY, Matrix y);

    /**
     * {@code Y = tanh(X)}; see {@link Kernels#tanhForward}.
     *
     * @param y Y, {@code (m, n)}: written (may be X itself)
     * @param x X, {@code (m, n)}
     */
    void tanhForward(Matrix y, Matrix x);

    /**
     * {@code dX = dY * (1 - Y^2)}; see {@link Kernels#tanhBackward}.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     * @param y  the forward output Y, {@code (m, n)}
     */
    void tanhBackward(Matrix dX, Matrix dY, Matrix y);

    /**
     * {@code Y = GELU(X)}, tanh form; see {@link Kernels#geluForward}.
     *
     * @param y Y, {@code (m, n)}: written (may be X itself)
     * @param x X, {@code (m, n)}
     */
    void geluForward(Matrix y, Matrix x);

    /**
     * {@code dX = dY * GELU'(X)}; see {@link Kernels#geluBackward}.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     * @param x  the forward input X, {@code (m, n)}
     */
    void geluBackward(Matrix dX, Matrix dY, Matrix x);

    /**
     * Row-wise softmax, {@code Y = softmax(X)}; see {@link Kernels#softmaxForward}.
     *
     * @param y Y, {@code (m, n)}: written, each row a probability distribution
     * @param x X, {@code (m, n)}: the logits, one row per example
     */
    void softmaxForward(Matrix y, Matrix x);

    /**
     * The gradient of the softmax, from its output Y; see {@link Kernels#softmaxBackward}.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     * @param y  the forward output Y, {@code (m, n)}
     */
    void softmaxBackward(Matrix dX, Matrix dY, Matrix y);

    /**
     * Row-wise {@code Y = log(softmax(X))}; see {@link Kernels#logSoftmaxForward}.
     *
     * @param y Y, {@code (m, n)}: written
     * @param x X, {@code (m, n)}: the logits, one row per example
     */
    void logSoftmaxForward(Matrix y, Matrix x);

    /**
     * The gradient of the log-softmax, from its output Y; see {@link Kernels#logSoftmaxBackward}.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     * @param y  the forward output Y (log-probabilities), {@code (m, n)}
     */
    void logSoftmaxBackward(Matrix dX, Matrix dY, Matrix y);

    // ---------------------------------------------------------------- convolution and pooling (channels-last images)

    /**
     * {@code Y = conv2d(X, W) + b} over channels-last images; see {@link Kernels#conv2dForward}.
     *
     * @param y Y, the output images, {@code (N, P*Q*K)}: written
     * @param x X, the input images, {@code (N, H*W*C)}
     * @param w W, the filters, {@code (R*S*C, K)}
     * @param b b, the bias, {@code (1, K)}
     * @param g the geometry: sizes, strides, padding and dilation
     */
    void conv2dForward(Matrix y, Matrix x, Matrix w, Matrix b, Conv2d g);

    /**
     * The gradient of the convolution with respect to its input; see {@link Kernels#conv2dBackwardInput}.
     *
     * @param dX the gradient with respect to X, {@code (N, H*W*C)}: written
     * @param dY the gradient with respect to Y, {@code (N, P*Q*K)}
     * @param w  the filters W, {@code (R*S*C, K)}
     * @param g  the geometry of the forward pass
     */
    void conv2dBackwardInput(Matrix dX, Matrix dY, Matrix w, Conv2d g);

    /**
     * The gradients of the convolution with respect to its filters and bias ({@code beta} 0: {@code =},
     * 1: {@code +=}); see {@link Kernels#conv2dBackwardFilter}.
     *
     * @param dW   the gradient with respect to W, {@code (R*S*C, K)}: written or accumulated into, by {@code beta}
     * @param db   the gradient with respect to b, {@code (1, K)}: written or accumulated into, by {@code beta}
     * @param dY   the gradient with respect to Y, {@code (N, P*Q*K)}
     * @param x    the forward input X, {@code (N, H*W*C)}
     * @param g    the geometry of the forward pass
     * @param beta 0 to overwrite dW and db, 1 to add to them
     */
    void conv2dBackwardFilter(Matrix dW, Matrix db, Matrix dY, Matrix x, Conv2d g, float beta);

    /**
     * 2-D max pooling; see {@link Kernels#maxPool2dForward}.
     *
     * @param y Y, {@code (N, P*Q*C)}: written
     * @param x X, {@code (N, H*W*C)}
     * @param g the geometry: sizes, window, strides and padding
     */
    void maxPool2dForward(Matrix y, Matrix x, Pool2d g);

    /**
     * The gradient of max pooling: each dY goes to its window's first maximum; see {@link Kernels#maxPool2dBackward}.
     *
     * @param dX the gradient with respect to X, {@code (N, H*W*C)}: written
     * @param dY the gradient with respect to Y, {@code (N, P*Q*C)}
     * @param x  the forward input X, {@code (N, H*W*C)}
     * @param g  the geometry of the forward pass
     */
    void maxPool2dBackward(Matrix dX, Matrix dY, Matrix x, Pool2d g);

    /**
     * 2-D average pooling, padded cells counted as zeros; see {@link Kernels#avgPool2dForward}.
     *
     * @param y Y, {@code (N, P*Q*C)}: written
     * @param x X, {@code (N, H*W*C)}
     * @param g the geometry: sizes, window, strides and padding
     */
    void avgPool2dForward(Matrix y, Matrix x, Pool2d g);

    /**
     * The gradient of average pooling; see {@link Kernels#avgPool2dBackward}.
     *
     * @param dX the gradient with respect to X, {@code (N, H*W*C)}: written
     * @param dY the gradient with respect to Y, {@code (N, P*Q*C)}
     * @param g  the geometry of the forward pass
     */
    void avgPool2dBackward(Matrix dX, Matrix dY, Pool2d g);

    // ---------------------------------------------------------------- normalization

    /**
     * Per-column mean and biased variance; see {@link Kernels#batchNormStatistics}.
     *
     * @param mean the means, {@code (1, C)}: written
     * @param var  the biased variances, {@code (1, C)}: written
     * @param x    X, {@code (m, C)}
     */
    void batchNormStatistics(Matrix mean, Matrix var, Matrix x);

    /**
     * Batch normalization, forward; see {@link Kernels#batchNormForward}.
     *
     * @param y     Y, {@code (m, C)}: written
     * @param x     X, {@code (m, C)}
     * @param mean  the means, {@code (1, C)}
     * @param var   the variances, {@code (1, C)}
     * @param gamma the scale, {@code (1, C)}
     * @param beta  the shift, {@code (1, C)}
     * @param eps   added to each variance
     */
    void batchNormForward(Matrix y, Matrix x, Matrix mean, Matrix var, Matrix gamma, Matrix beta, float eps);

    /**
     * Batch normalization, backward in training; see {@link Kernels#batchNormBackward}.
     *
     * @param dX     the gradient with respect to X, {@code (m, C)}: written
     * @param dGamma the gradient with respect to gamma, {@code (1, C)}: written or accumulated into
     * @param dBeta  the gradient with respect to beta, {@code (1, C)}: written or accumulated into
     * @param dY     the gradient with respect to Y, {@code (m, C)}
     * @param x      the forward input X, {@code (m, C)}
     * @param mean   X's means, {@code (1, C)}
     * @param var    X's biased variances, {@code (1, C)}
     * @param gamma  the scale, {@code (1, C)}
     * @param eps    the forward pass's eps
     * @param beta   0 overwrites dGamma and dBeta, 1 adds to them
     */
    void batchNormBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean, Matrix var,
                           Matrix gamma, float eps, float beta);

    /**
     * The running statistics' update; see {@link Kernels#batchNormRunningUpdate}.
     *
     * @param runningMean the running means, {@code (1, C)}: updated
     * @param runningVar  the running variances, {@code (1, C)}: updated
     * @param mean        the batch's means, {@code (1, C)}
     * @param var         the batch's biased variances, {@code (1, C)}
     * @param count       the batch's rows
     * @param momentum    the weight of the batch
     */
    void batchNormRunningUpdate(Matrix runningMean, Matrix runningVar, Matrix mean, Matrix var, int count,
                                float momentum);

    /**
     * Layer normalization, forward; see {@link Kernels#layerNormForward}.
     *
     * @param y     Y, {@code (m, n)}: written
     * @param mean  the rows' means, {@code (m, 1)}: written
     * @param rstd  the rows' reciprocal standard deviations, {@code (m, 1)}: written
     * @param x     X, {@code (m, n)}
     * @param gamma the scale, {@code (1, n)}
     * @param beta  the shift, {@code (1, n)}
     * @param eps   added to each variance
     */
    void layerNormForward(Matrix y, Matrix mean, Matrix rstd, Matrix x, Matrix gamma, Matrix beta, float eps);

    /**
     * Layer normalization, backward; see {@link Kernels#layerNormBackward}.
     *
     * @param dX     the gradient with respect to X, {@code (m, n)}: written
     * @param dGamma the gradient with respect to gamma, {@code (1, n)}: written or accumulated into
     * @param dBeta  the gradient with respect to beta, {@code (1, n)}: written or accumulated into
     * @param dY     the gradient with respect to Y, {@code (m, n)}
     * @param x      the forward input X, {@code (m, n)}
     * @param mean   the rows' means, {@code (m, 1)}
     * @param rstd   the rows' reciprocal standard deviations, {@code (m, 1)}
     * @param gamma  the scale, {@code (1, n)}
     * @param beta   0 overwrites dGamma and dBeta, 1 adds to them
     */
    void layerNormBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean, Matrix rstd,
                           Matrix gamma, float beta);

    // ---------------------------------------------------------------- sequences: embeddings, causal self-attention

    /**
     * Embedding lookup; see {@link Kernels#embeddingForward}.
     *
     * @param y     Y, {@code (n, d)}: written
     * @param table the embedding table, {@code (vocabulary, d)}
     * @param ids   the row of the table for each row of Y, each in {@code [0, vocabulary)}
     */
    void embeddingForward(Matrix y, Matrix table, int[] ids);

    /**
     * Embedding gradient, a scatter-add in order of the ids' positions; see {@link Kernels#embeddingBackward}.
     *
     * @param dTable the gradient with respect to the table, {@code (vocabulary, d)}: written or accumulated into
     * @param dY     the gradient with respect to Y, {@code (n, d)}
     * @param ids    the forward pass's ids
     * @param beta   0 overwrites dTable, 1 adds to it
     */
    void embeddingBackward(Matrix dTable, Matrix dY, int[] ids, float beta);

    /**
     * Causal multi-head self-attention, forward; see {@link Kernels#attentionForward}.
     *
     * @param o     O, {@code (B T, H D)}: written
     * @param p     the probabilities P, {@code (B H T, T)}: written
     * @param q     the queries Q, {@code (B T, H D)}
     * @param k     the keys K, {@code (B T, H D)}
     * @param v     the values V, {@code (B T, H D)}
     * @param g     the shape
     * @param scale the factor of the scores
     */
    void attentionForward(Matrix o, Matrix p, Matrix q, Matrix k, Matrix v, SelfAttention g, float scale);

    /**
     * Causal multi-head self-attention, backward; see {@link Kernels#attentionBackward}.
     *
     * @param dQ    the gradient with respect to Q, {@code (B T, H D)}: written
     * @param dK    the gradient with respect to K, {@code (B T, H D)}: written
     * @param dV    the gradient with respect to V, {@code (B T, H D)}: written
     * @param dO    the gradient with respect to O, {@code (B T, H D)}
     * @param q     the forward pass's Q
     * @param k     the forward pass's K
     * @param v     the forward pass's V
     * @param p     the forward pass's P, {@code (B H T, T)}
     * @param g     the shape
     * @param scale the forward pass's scale
     */
    void attentionBackward(Matrix dQ, Matrix dK, Matrix dV, Matrix dO, Matrix q, Matrix k, Matrix v, Matrix p,
                           SelfAttention g, float scale);

    // ---------------------------------------------------------------- losses fused with their gradient

    /**
     * Mean squared error and its gradient; see {@link Kernels#mseLoss}.
     *
     * @param dP the gradient with respect to P, {@code (m, n)}: written
     * @param p  the predictions P, {@code (m, n)}
     * @param t  the targets T, {@code (m, n)}
     * @return the mean squared error L
     */
    float mseLoss(Matrix dP, Matrix p, Matrix t);

    /**
     * Binary cross-entropy on logits and its gradient; see {@link Kernels#bceWithLogitsLoss}.
     *
     * @param dX the gradient with respect to the logits, {@code (m, n)}: written
     * @param x  the logits X, {@code (m, n)}
     * @param y  the targets Y, {@code (m, n)}, each in [0, 1]
     * @return the mean binary cross-entropy L
     */
    float bceWithLogitsLoss(Matrix dX, Matrix x, Matrix y);

    /**
     * Softmax cross-entropy with class labels and its gradient; see {@link Kernels#softmaxCrossEntropyLoss}.
     *
     * @param dX     the gradient with respect to the logits, {@code (m, classes)}: written
     * @param x      the logits X, {@code (m, classes)}, one row per example
     * @param labels the class of each row, {@code labels[i]} in {@code [0, classes)}; length at least m
     * @return the mean cross-entropy L
     */
    float softmaxCrossEntropyLoss(Matrix dX, Matrix x, int[] labels);

    // ---------------------------------------------------------------- optimizer updates (one fused pass)

    /**
     * One SGD step with momentum on W and V; see {@link Kernels#sgdUpdate}.
     *
     * @param w           the parameters W, {@code (m, n)}: updated in place
     * @param v           the velocity V, {@code (m, n)}: updated in place (written without being read when
     *                    {@code momentum == 0})
     * @param dW          the gradient with respect to W, {@code (m, n)}: only read
     * @param lr          the learning rate; finite, {@code >= 0}
     * @param momentum    the momentum factor; finite, {@code >= 0} (0: plain SGD)
     * @param weightDecay the L2 factor added to the gradient; finite, {@code >= 0}
     * @param nesterov    whether to take the Nesterov step (needs {@code momentum > 0})
     */
    void sgdUpdate(Matrix w, Matrix v, Matrix dW, float lr, float momentum, float weightDecay, boolean nesterov);

    /**
     * One Adam step on W, M and V; see {@link Kernels#adamUpdate}.
     *
     * @param w           the parameters W, {@code (m, n)}: updated in place
     * @param mom         the first moment M, {@code (m, n)}: updated in place (zero before step 1)
     * @param vel         the second moment V, {@code (m, n)}: updated in place (zero before step 1)
     * @param dW          the gradient with respect to W, {@code (m, n)}: only read
     * @param lr          the learning rate; finite, {@code >= 0}
     * @param beta1       the decay of the first moment, in [0, 1) (commonly 0.9)
     * @param beta2       the decay of the second moment, in [0, 1) (commonly 0.999)
     * @param eps         added to the root of the second moment; finite, {@code > 0} (commonly 1e-8)
     * @param weightDecay the L2 factor added to the gradient; finite, {@code >= 0}
     * @param step        the number of this update, counted from 1, for the bias corrections
     */
    void adamUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                    float weightDecay, int step);

    /**
     * One AdamW step (decoupled weight decay) on W, M and V; see {@link Kernels#adamwUpdate}.
     *
     * @param w           the parameters W, {@code (m, n)}: updated in place
     * @param mom         the first moment M, {@code (m, n)}: updated in place (zero before step 1)
     * @param vel         the second moment V, {@code (m, n)}: updated in place (zero before step 1)
     * @param dW          the gradient with respect to W, {@code (m, n)}: only read
     * @param lr          the learning rate; finite, {@code >= 0}
     * @param beta1       the decay of the first moment, in [0, 1) (commonly 0.9)
     * @param beta2       the decay of the second moment, in [0, 1) (commonly 0.999)
     * @param eps         added to the root of the second moment; finite, {@code > 0} (commonly 1e-8)
     * @param weightDecay the decoupled decay factor; finite, {@code >= 0} (commonly 0.01)
     * @param step        the number of this update, counted from 1, for the bias corrections
     */
    void adamwUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                     float weightDecay, int step);
}
