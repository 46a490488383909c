package dev.myelin.core;

/**
 * Every computational kernel Myelin trains with. {@code reference} (plain loops, the specification)
 * and {@code simd} (the Vector API) implement it with the same methods in the same order; get one
 * from {@link Backends}.
 *
 * <p>Conventions, for every method:
 * <ul>
 *   <li>Arguments: outputs first, then inputs, then scalars. A gradient is named after its forward
 *       value with a {@code d} prefix ({@code dX} is dLoss/dX).</li>
 *   <li>Shapes are given as {@code (rows, cols)}; all matrices are float32, row-major, possibly views.</li>
 *   <li>"Writes" means the output is overwritten ({@code =}) and its old contents are never read;
 *       "accumulates" means {@code +=}.</li>
 *   <li>An elementwise output may be the very same view as an input (in place); an output that
 *       partially overlaps an input, or any GEMM output that overlaps an input, is rejected with
 *       {@link IllegalArgumentException}.</li>
 *   <li>Bad shapes, sizes, labels or closed memory are rejected with an exception that names the
 *       argument and its value, before anything is written.</li>
 * </ul>
 * The formula and error bound of each kernel are catalogued in {@code docs/kernels.md}.
 */
public interface Kernels {

    /** The backend's name: {@code "reference"} or {@code "simd"}. */
    String name();

    // ---------------------------------------------------------------- matrix multiply

    /**
     * General matrix multiply: {@code C = alpha * op(A) * op(B) + beta * C}.
     *
     * <p>Shapes: op(A) is (m, k), op(B) is (k, n), C is (m, n). Writes C; when {@code beta == 0} C is
     * never read (NaN or garbage in C does not reach the result); when {@code alpha == 0}, A and B are
     * not read and {@code C = beta * C}. C must not overlap A or B.
     *
     * <p>Each product is fused into its sum (FMA), in every backend, so it never overflows on its own: a NaN
     * term (NaN input, {@code 0 * Inf}) or infinite terms of both signs give NaN, and infinite terms of one
     * sign that infinity, unless a sum of finite terms overflows; whether one does may depend on the
     * summation order, which differs between backends past k = 384 (docs/kernels.md, gemm, "Special values").
     */
    void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta);

    // ---------------------------------------------------------------- elementwise and reductions

    /** {@code X[i][j] = value} for every element. X is (m, n). Writes X. */
    void fill(Matrix x, float value);

    /** {@code Y = X}. X and Y are (m, n). Writes Y. Exact. */
    void copy(Matrix y, Matrix x);

    /** {@code Y = alpha * Y}. Y is (m, n). Writes Y in place. */
    void scale(Matrix y, float alpha);

    /** {@code Y = alpha * X + Y}. X and Y are (m, n). Accumulates into Y. */
    void axpy(Matrix y, float alpha, Matrix x);

    /** {@code Z = X ⊙ Y} (elementwise product). X, Y and Z are (m, n). Writes Z. */
    void mul(Matrix z, Matrix x, Matrix y);

    /** {@code Y[i][j] += b[0][j]}: adds the bias row b (1, n) to every row of Y (m, n). Accumulates into Y. */
    void addRowVector(Matrix y, Matrix b);

    /**
     * Column sums, the bias gradient: {@code s[0][j] = beta * s[0][j] + sum_i X[i][j]}. X is (m, n),
     * s is (1, n). Writes s; when {@code beta == 0} s is never read.
     */
    void columnSums(Matrix s, Matrix x, float beta);

    /** {@code max[i][0] = max_j X[i][j]} with {@link Math#max} semantics (NaN wins, 0.0 > -0.0). X is (m, n), max is (m, 1). Writes max. Exact. */
    void rowMax(Matrix max, Matrix x);

    /**
     * {@code index[i] = argmax_j X[i][j]}: the first index of the row's maximum in the order of
     * {@link #rowMax} (a NaN is the maximum, so the first NaN wins). X is (m, n), index has length
     * at least m. Writes {@code index[0..m)}. Exact.
     */
    void rowArgmax(int[] index, Matrix x);

    // ---------------------------------------------------------------- activations (forward / backward pairs)

    /** {@code Y = X}. Writes Y. */
    void identityForward(Matrix y, Matrix x);

    /** {@code dX = dY}. Consumes nothing of the forward pass. Writes dX. */
    void identityBackward(Matrix dX, Matrix dY);

    /** {@code Y = max(X, 0)}; NaN stays NaN, -0.0 maps to 0.0. Writes Y. */
    void reluForward(Matrix y, Matrix x);

    /** {@code dX = X > 0 ? dY : 0}; a NaN in X gives NaN in dX. Consumes the forward input X. Writes dX. */
    void reluBackward(Matrix dX, Matrix dY, Matrix x);

    /** {@code Y = X > 0 ? X : slope * X}. Writes Y. */
    void leakyReluForward(Matrix y, Matrix x, float slope);

    /** {@code dX = X > 0 ? dY : slope * dY}; a NaN in X gives NaN in dX. Consumes the forward input X. Writes dX. */
    void leakyReluBackward(Matrix dX, Matrix dY, Matrix x, float slope);

    /** {@code Y = 1 / (1 + exp(-X))}. Writes Y. */
    void sigmoidForward(Matrix y, Matrix x);

    /** {@code dX = dY * Y * (1 - Y)}. Consumes the forward output Y. Writes dX. */
    void sigmoidBackward(Matrix dX, Matrix dY, Matrix y);

    /** {@code Y = tanh(X)}. Writes Y. */
    void tanhForward(Matrix y, Matrix x);

    /** {@code dX = dY * (1 - Y^2)}. Consumes the forward output Y. Writes dX. */
    void tanhBackward(Matrix dX, Matrix dY, Matrix y);

    /**
     * GELU, tanh form: {@code Y = 0.5 X (1 + tanh(sqrt(2/pi) (X + 0.044715 X^3)))}, evaluated as the equal
     * {@code X sigmoid(2 sqrt(2/pi) (X + 0.044715 X^3))} (no cancellation for negative X); GELU(-Inf) = -0.0.
     * Writes Y.
     */
    void geluForward(Matrix y, Matrix x);

    /** {@code dX = dY * GELU'(X)} (derivative of the tanh form). Consumes the forward input X. Writes dX. */
    void geluBackward(Matrix dX, Matrix dY, Matrix x);

    /**
     * Row-wise softmax, max-subtracted: {@code Y[i][j] = exp(X[i][j] - m_i) / sum_k exp(X[i][k] - m_i)},
     * {@code m_i = max_k X[i][k]}. Writes Y; Y may be the very same view as X (each row is read before it is
     * written), as for every row-wise kernel. A row holding NaN or +Inf, or only -Inf, gives a NaN row.
     */
    void softmaxForward(Matrix y, Matrix x);

    /** {@code dX[i][j] = Y[i][j] * (dY[i][j] - sum_k dY[i][k] Y[i][k])}. Consumes the forward output Y. Writes dX. */
    void softmaxBackward(Matrix dX, Matrix dY, Matrix y);

    /** Row-wise log-softmax: {@code Y[i][j] = X[i][j] - m_i - log(sum_k exp(X[i][k] - m_i))}. Writes Y (may be X). */
    void logSoftmaxForward(Matrix y, Matrix x);

    /** {@code dX[i][j] = dY[i][j] - exp(Y[i][j]) * sum_k dY[i][k]}. Consumes the forward output Y. Writes dX. */
    void logSoftmaxBackward(Matrix dX, Matrix dY, Matrix y);

    // ---------------------------------------------------------------- losses fused with their gradient

    /**
     * Mean squared error over all {@code m * n} elements: returns {@code L = sum (P - T)^2 / (m n)} and
     * writes {@code dP = 2 (P - T) / (m n)}. P, T, dP are (m, n).
     */
    float mseLoss(Matrix dP, Matrix p, Matrix t);

    /**
     * Binary cross-entropy on logits, mean over all {@code m * n} elements, in the stable form
     * {@code L = sum (max(x, 0) - x y + log1p(exp(-|x|))) / (m n)}; writes
     * {@code dX = (sigmoid(x) - y) / (m n)}. X (logits), Y (targets in [0, 1]) and dX are (m, n). Targets are
     * used as given (not checked against [0, 1]).
     */
    float bceWithLogitsLoss(Matrix dX, Matrix x, Matrix y);

    /**
     * Softmax cross-entropy with integer class labels, fused, mean over the batch of m rows:
     * returns {@code L = sum_i (logsumexp(X[i]) - X[i][label_i]) / m} and writes
     * {@code dX = (softmax(X) - onehot(label)) / m}. X and dX are (m, classes); labels has length at
     * least m, every label in {@code [0, classes)} (else the row and label are named in the error).
     */
    float softmaxCrossEntropyLoss(Matrix dX, Matrix x, int[] labels);

    // ---------------------------------------------------------------- optimizer updates (one fused pass)

    /**
     * SGD with momentum (the PyTorch form), one pass over a parameter buffer:
     * {@code g = dW + weightDecay * W; V = momentum * V + g; W -= lr * (nesterov ? g + momentum * V : V)}.
     * W, dW, V are (m, n). Writes W and V; dW is only read. With {@code momentum == 0}, {@code V = g} and the
     * old V is not read; {@code nesterov} needs {@code momentum > 0}. No two buffers may share memory.
     */
    void sgdUpdate(Matrix w, Matrix v, Matrix dW, float lr, float momentum, float weightDecay, boolean nesterov);

    /**
     * Adam with bias correction and L2 weight decay added to the gradient:
     * {@code g = dW + weightDecay * W; M = b1 M + (1 - b1) g; V = b2 V + (1 - b2) g^2;
     * W -= lr * (M / (1 - b1^step)) / (sqrt(V / (1 - b2^step)) + eps)}: epsilon is added after the square
     * root of the bias-corrected second moment. {@code step} counts from 1. The bias corrections are computed
     * once per call in double ({@code StrictMath.pow}); {@code lr / (1 - b1^step)} and {@code 1 / (1 - b2^step)}
     * are then rounded to float, the same in both backends. W, M, V, dW are (m, n). Writes W, M, V; no two
     * buffers may share memory.
     */
    void adamUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                    float weightDecay, int step);

    /**
     * AdamW: Adam with decoupled weight decay, {@code W -= lr * weightDecay * W} applied before the Adam
     * step (which then uses the raw gradient). Epsilon sits as in {@link #adamUpdate}. Writes W, M, V.
     */
    void adamwUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                     float weightDecay, int step);
}
