package dev.myelin.core;

/**
 * Every computational kernel Myelin trains with: the front that user code calls. Each method checks its
 * arguments here, in one place for every backend, then calls the backend's {@link UncheckedKernels}
 * method of the same name. {@code reference} (plain loops, the specification) and {@code simd} (the
 * Vector API) implement {@link UncheckedKernels} with the same methods in the same order; get kernels
 * from {@link Backends}, or wrap an implementation with {@link #of}.
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
public final class Kernels {

    private final UncheckedKernels impl;

    private Kernels(UncheckedKernels impl) {
        this.impl = impl;
    }

    /**
     * The checking front over a backend's implementation: every call is checked, then passed to
     * {@code impl}. A {@link Backend} wraps its implementation with this.
     *
     * @param impl the backend's implementation, not null
     * @return kernels that check every call, then pass it to {@code impl}
     */
    public static Kernels of(UncheckedKernels impl) {
        if (impl == null) {
            throw new NullPointerException("impl is null");
        }
        return new Kernels(impl);
    }

    /** {@return the backend's name: {@code "reference"} or {@code "simd"}} */
    public String name() {
        return impl.name();
    }

    /** {@return the threads the backend uses at most: 1 for a single-threaded backend, else at most the cores} */
    public int threads() {
        return impl.threads();
    }

    /** "simd (2 threads)": the backend's name and threads, for test names and logs. */
    @Override
    public String toString() {
        return impl.name() + " (" + impl.threads() + (impl.threads() == 1 ? " thread)" : " threads)");
    }

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
     *
     * @param c     C, {@code (m, n)}: written; read only when {@code beta != 0}
     * @param a     A: {@code (m, k)} when {@code opA} is {@link Trans#N}, {@code (k, m)} when it is {@link Trans#T}
     * @param opA   whether op(A) is A as stored or its transpose
     * @param b     B: {@code (k, n)} when {@code opB} is {@link Trans#N}, {@code (n, k)} when it is {@link Trans#T}
     * @param opB   whether op(B) is B as stored or its transpose
     * @param alpha the factor of the product {@code op(A) * op(B)}
     * @param beta  the factor of the old C; 0 overwrites C without reading it
     */
    public void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta) {
        Check.gemm(c, a, opA, b, opB);
        impl.gemm(c, a, opA, b, opB, alpha, beta);
    }

    // ---------------------------------------------------------------- elementwise and reductions

    /**
     * {@code X[i][j] = value} for every element. X is (m, n). Writes X.
     *
     * @param x     X, {@code (m, n)}: written
     * @param value the value every element gets
     */
    public void fill(Matrix x, float value) {
        Check.matrix("X", x);
        impl.fill(x, value);
    }

    /**
     * {@code Y = X}. X and Y are (m, n). Writes Y. Exact.
     *
     * @param y Y, {@code (m, n)}: written
     * @param x X, {@code (m, n)}: only read
     */
    public void copy(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        impl.copy(y, x);
    }

    /**
     * {@code Y = alpha * Y}. Y is (m, n). Writes Y in place.
     *
     * @param y     Y, {@code (m, n)}: scaled in place
     * @param alpha the factor
     */
    public void scale(Matrix y, float alpha) {
        Check.matrix("Y", y);
        impl.scale(y, alpha);
    }

    /**
     * {@code Y = alpha * X + Y}. X and Y are (m, n). Accumulates into Y.
     *
     * @param y     Y, {@code (m, n)}: accumulated into
     * @param alpha the factor of X
     * @param x     X, {@code (m, n)}: only read
     */
    public void axpy(Matrix y, float alpha, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        impl.axpy(y, alpha, x);
    }

    /**
     * {@code Z = X ⊙ Y} (elementwise product). X, Y and Z are (m, n). Writes Z.
     *
     * @param z Z, {@code (m, n)}: written; may be the very same view as X or Y
     * @param x X, {@code (m, n)}
     * @param y Y, {@code (m, n)}
     */
    public void mul(Matrix z, Matrix x, Matrix y) {
        Check.elementwise("Z", z, "X", x);
        Check.elementwise("Z", z, "Y", y);
        impl.mul(z, x, y);
    }

    /**
     * {@code Y[i][j] += b[0][j]}: adds the bias row b (1, n) to every row of Y (m, n). Accumulates into Y.
     *
     * @param y Y, {@code (m, n)}: accumulated into
     * @param b the bias row b, {@code (1, n)}: only read
     */
    public void addRowVector(Matrix y, Matrix b) {
        Check.row("b", b, "Y", y);
        Check.inPlaceOrDisjoint("Y", y, "b", b);
        impl.addRowVector(y, b);
    }

    /**
     * {@code Y[i][j] *= s[0][j]}: scales every row of Y (m, n) by the row s (1, n), in place; the
     * multiplicative twin of {@link #addRowVector} (per-feature scaling). One rounding per element: exact
     * between backends.
     *
     * @param y Y, {@code (m, n)}: scaled in place
     * @param s the row of factors s, {@code (1, n)}: only read
     */
    public void mulRowVector(Matrix y, Matrix s) {
        Check.row("s", s, "Y", y);
        Check.inPlaceOrDisjoint("Y", y, "s", s);
        impl.mulRowVector(y, s);
    }

    /**
     * Column sums, the bias gradient: {@code s[0][j] = beta * s[0][j] + sum_i X[i][j]}. X is (m, n),
     * s is (1, n). Writes s; when {@code beta == 0} s is never read.
     *
     * @param s    the sums s, {@code (1, n)}: written; read only when {@code beta != 0}
     * @param x    X, {@code (m, n)}: only read
     * @param beta the factor of the old sums: 0 overwrites s, 1 accumulates into it
     */
    public void columnSums(Matrix s, Matrix x, float beta) {
        Check.row("s", s, "X", x);
        Check.inPlaceOrDisjoint("s", s, "X", x);
        impl.columnSums(s, x, beta);
    }

    /**
     * {@code max[i][0] = max_j X[i][j]} with {@link Math#max} semantics (NaN wins, 0.0 > -0.0). X is (m, n),
     * max is (m, 1). Writes max. Exact.
     *
     * @param max the row maxima, {@code (m, 1)}: written
     * @param x   X, {@code (m, n)}: only read
     */
    public void rowMax(Matrix max, Matrix x) {
        Check.column("max", max, "X", x);
        Check.inPlaceOrDisjoint("max", max, "X", x);
        impl.rowMax(max, x);
    }

    /**
     * {@code index[i] = argmax_j X[i][j]}: the first index of the row's maximum in the order of
     * {@link #rowMax} (a NaN is the maximum, so the first NaN wins). X is (m, n), index has length
     * at least m. Writes {@code index[0..m)}. Exact.
     *
     * @param index receives the column of each row's maximum in {@code index[0..m)}; length at least m
     * @param x     X, {@code (m, n)}: only read
     */
    public void rowArgmax(int[] index, Matrix x) {
        Check.matrix("X", x);
        Check.indices("index", index, x);
        impl.rowArgmax(index, x);
    }

    // ---------------------------------------------------------------- activations (forward / backward pairs)

    /**
     * {@code Y = X}. Writes Y.
     *
     * @param y Y, {@code (m, n)}: written
     * @param x X, {@code (m, n)}
     */
    public void identityForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        impl.identityForward(y, x);
    }

    /**
     * {@code dX = dY}. Consumes nothing of the forward pass. Writes dX.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     */
    public void identityBackward(Matrix dX, Matrix dY) {
        Check.elementwise("dX", dX, "dY", dY);
        impl.identityBackward(dX, dY);
    }

    /**
     * {@code Y = max(X, 0)}; NaN stays NaN, -0.0 maps to 0.0. Writes Y.
     *
     * @param y Y, {@code (m, n)}: written (may be X itself)
     * @param x X, {@code (m, n)}
     */
    public void reluForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        impl.reluForward(y, x);
    }

    /**
     * {@code dX = X > 0 ? dY : 0}; a NaN in X gives NaN in dX. Consumes the forward input X. Writes dX.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     * @param x  the forward input X, {@code (m, n)}
     */
    public void reluBackward(Matrix dX, Matrix dY, Matrix x) {
        Check.backward(dX, dY, "X", x);
        impl.reluBackward(dX, dY, x);
    }

    /**
     * {@code Y = X > 0 ? X : slope * X}. Writes Y.
     *
     * @param y     Y, {@code (m, n)}: written (may be X itself)
     * @param x     X, {@code (m, n)}
     * @param slope the factor for inputs {@code <= 0}; finite (commonly 0.01)
     */
    public void leakyReluForward(Matrix y, Matrix x, float slope) {
        Check.elementwise("Y", y, "X", x);
        Check.finite("slope", slope);
        impl.leakyReluForward(y, x, slope);
    }

    /**
     * {@code dX = X > 0 ? dY : slope * dY}; a NaN in X gives NaN in dX. Consumes the forward input X. Writes dX.
     *
     * @param dX    the gradient with respect to X, {@code (m, n)}: written
     * @param dY    the gradient with respect to Y, {@code (m, n)}
     * @param x     the forward input X, {@code (m, n)}
     * @param slope the slope the forward pass used; finite
     */
    public void leakyReluBackward(Matrix dX, Matrix dY, Matrix x, float slope) {
        Check.backward(dX, dY, "X", x);
        Check.finite("slope", slope);
        impl.leakyReluBackward(dX, dY, x, slope);
    }

    /**
     * {@code Y = 1 / (1 + exp(-X))}. Writes Y.
     *
     * @param y Y, {@code (m, n)}: written (may be X itself)
     * @param x X, {@code (m, n)}
     */
    public void sigmoidForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        impl.sigmoidForward(y, x);
    }

    /**
     * {@code dX = dY * Y * (1 - Y)}. Consumes the forward output Y. Writes dX.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     * @param y  the forward output Y, {@code (m, n)}
     */
    public void sigmoidBackward(Matrix dX, Matrix dY, Matrix y) {
        Check.backward(dX, dY, "Y", y);
        impl.sigmoidBackward(dX, dY, y);
    }

    /**
     * {@code Y = tanh(X)}. Writes Y.
     *
     * @param y Y, {@code (m, n)}: written (may be X itself)
     * @param x X, {@code (m, n)}
     */
    public void tanhForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        impl.tanhForward(y, x);
    }

    /**
     * {@code dX = dY * (1 - Y^2)}. Consumes the forward output Y. Writes dX.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     * @param y  the forward output Y, {@code (m, n)}
     */
    public void tanhBackward(Matrix dX, Matrix dY, Matrix y) {
        Check.backward(dX, dY, "Y", y);
        impl.tanhBackward(dX, dY, y);
    }

    /**
     * GELU, tanh form: {@code Y = 0.5 X (1 + tanh(sqrt(2/pi) (X + 0.044715 X^3)))}, evaluated as the equal
     * {@code X sigmoid(2 sqrt(2/pi) (X + 0.044715 X^3))} (no cancellation for negative X); GELU(-Inf) = -0.0.
     * Writes Y.
     *
     * @param y Y, {@code (m, n)}: written (may be X itself)
     * @param x X, {@code (m, n)}
     */
    public void geluForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        impl.geluForward(y, x);
    }

    /**
     * {@code dX = dY * GELU'(X)} (derivative of the tanh form). Consumes the forward input X. Writes dX.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     * @param x  the forward input X, {@code (m, n)}
     */
    public void geluBackward(Matrix dX, Matrix dY, Matrix x) {
        Check.backward(dX, dY, "X", x);
        impl.geluBackward(dX, dY, x);
    }

    /**
     * Row-wise softmax, max-subtracted: {@code Y[i][j] = exp(X[i][j] - m_i) / sum_k exp(X[i][k] - m_i)},
     * {@code m_i = max_k X[i][k]}. Writes Y; Y may be the very same view as X (each row is read before it is
     * written), as for every row-wise kernel. A row holding NaN or +Inf, or only -Inf, gives a NaN row.
     *
     * @param y Y, {@code (m, n)}: written, each row a probability distribution
     * @param x X, {@code (m, n)}: the logits, one row per example
     */
    public void softmaxForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        impl.softmaxForward(y, x);
    }

    /**
     * {@code dX[i][j] = Y[i][j] * (dY[i][j] - sum_k dY[i][k] Y[i][k])}. Consumes the forward output Y. Writes dX.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     * @param y  the forward output Y, {@code (m, n)}
     */
    public void softmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        Check.backward(dX, dY, "Y", y);
        impl.softmaxBackward(dX, dY, y);
    }

    /**
     * Row-wise log-softmax: {@code Y[i][j] = X[i][j] - m_i - log(sum_k exp(X[i][k] - m_i))}. Writes Y (may be X).
     *
     * @param y Y, {@code (m, n)}: written
     * @param x X, {@code (m, n)}: the logits, one row per example
     */
    public void logSoftmaxForward(Matrix y, Matrix x) {
        Check.elementwise("Y", y, "X", x);
        impl.logSoftmaxForward(y, x);
    }

    /**
     * {@code dX[i][j] = dY[i][j] - exp(Y[i][j]) * sum_k dY[i][k]}. Consumes the forward output Y. Writes dX.
     *
     * @param dX the gradient with respect to X, {@code (m, n)}: written
     * @param dY the gradient with respect to Y, {@code (m, n)}
     * @param y  the forward output Y (log-probabilities), {@code (m, n)}
     */
    public void logSoftmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        Check.backward(dX, dY, "Y", y);
        impl.logSoftmaxBackward(dX, dY, y);
    }

    // ---------------------------------------------------------------- convolution and pooling (channels-last images)

    /**
     * 2-D convolution (cross-correlation, as in every framework) of a batch of channels-last images:
     * <pre>
     *   Y[n][(p*Q + q)*K + k] = b[k] + sum_{r, s, c} X[n][(h*W + w)*C + c] * W[(r*S + s)*C + c][k],
     *   h = p*strideHeight - padHeight + r*dilationHeight,  w = q*strideWidth - padWidth + s*dilationWidth
     * </pre>
     * with X read as zero outside the image ({@code h} or {@code w} out of range: zero padding). The sums run
     * over {@code r < R, s < S, c < C}, every term included (a padded one as {@code 0 * W}).
     *
     * <p>Shapes (geometry {@code g}, {@link Conv2d}): X is {@code (N, H*W*C)}, W {@code (R*S*C, K)}, b
     * {@code (1, K)}, Y {@code (N, P*Q*K)} with {@code P = g.outHeight()}, {@code Q = g.outWidth()}. Writes Y
     * ({@code =}; its old contents are never read). Y must not overlap X, W or b. Error: each element is a dot
     * product of depth {@code R*S*C} plus the bias (docs/kernels.md, "conv2d").
     *
     * @param y Y, the output images, {@code (N, P*Q*K)}: written
     * @param x X, the input images, {@code (N, H*W*C)}
     * @param w W, the filters, {@code (R*S*C, K)}
     * @param b b, the bias, {@code (1, K)}
     * @param g the geometry: sizes, strides, padding and dilation
     */
    public void conv2dForward(Matrix y, Matrix x, Matrix w, Matrix b, Conv2d g) {
        Check.conv2dForward(y, x, w, b, g);
        impl.conv2dForward(y, x, w, b, g);
    }

    /**
     * The gradient of {@link #conv2dForward} with respect to its input:
     * <pre>
     *   dX[n][(h*W + w)*C + c] = sum_{r, s, k} dY[n][(p*Q + q)*K + k] * W[(r*S + s)*C + c][k]
     * </pre>
     * over the taps (r, s) through which input pixel (h, w) reaches an output pixel (p, q):
     * {@code p*strideHeight = h + padHeight - r*dilationHeight} (and likewise for q), {@code 0 <= p < P},
     * {@code 0 <= q < Q}; the other taps count as zero terms. Shapes as in {@link #conv2dForward}: dY
     * {@code (N, P*Q*K)}, W {@code (R*S*C, K)}, dX {@code (N, H*W*C)}. Writes every element of dX ({@code =}),
     * zero where no output depends on the pixel; its old contents are never read. dX must not overlap dY or W.
     *
     * @param dX the gradient with respect to X, {@code (N, H*W*C)}: written
     * @param dY the gradient with respect to Y, {@code (N, P*Q*K)}
     * @param w  the filters W, {@code (R*S*C, K)}
     * @param g  the geometry of the forward pass
     */
    public void conv2dBackwardInput(Matrix dX, Matrix dY, Matrix w, Conv2d g) {
        Check.conv2dBackwardInput(dX, dY, w, g);
        impl.conv2dBackwardInput(dX, dY, w, g);
    }

    /**
     * The gradients of {@link #conv2dForward} with respect to its filters and bias:
     * <pre>
     *   dW[(r*S + s)*C + c][k] = beta * dW[(r*S + s)*C + c][k] + sum_{n, p, q} X[n][(h*W + w)*C + c] * dY[n][(p*Q + q)*K + k]
     *   db[k]                  = beta * db[k] + sum_{n, p, q} dY[n][(p*Q + q)*K + k]
     * </pre>
     * with h, w as in {@link #conv2dForward} (X zero outside the image). {@code beta} is 0 (overwrite: the old
     * dW and db are never read, NaN in them does not reach the result) or 1 (accumulate, as over the
     * micro-batches of one step). Shapes: X {@code (N, H*W*C)}, dY {@code (N, P*Q*K)}, dW {@code (R*S*C, K)},
     * db {@code (1, K)}. Writes dW and db; neither may overlap X, dY or the other.
     *
     * @param dW   the gradient with respect to W, {@code (R*S*C, K)}: written or accumulated into, by {@code beta}
     * @param db   the gradient with respect to b, {@code (1, K)}: written or accumulated into, by {@code beta}
     * @param dY   the gradient with respect to Y, {@code (N, P*Q*K)}
     * @param x    the forward input X, {@code (N, H*W*C)}
     * @param g    the geometry of the forward pass
     * @param beta 0 to overwrite dW and db, 1 to add to them; any other value is rejected
     */
    public void conv2dBackwardFilter(Matrix dW, Matrix db, Matrix dY, Matrix x, Conv2d g, float beta) {
        Check.conv2dBackwardFilter(dW, db, dY, x, g, beta);
        impl.conv2dBackwardFilter(dW, db, dY, x, g, beta);
    }

    /**
     * 2-D max pooling, channel by channel:
     * {@code Y[n][(p*Q + q)*C + c] = max_{r, s} X[n][(h*W + w)*C + c]},
     * {@code h = p*strideHeight - padHeight + r}, {@code w = q*strideWidth - padWidth + s}, over the window's
     * pixels inside the image (a padded cell never wins: it counts as -Inf; every window holds a pixel). The
     * maximum follows {@link Math#max}: a NaN wins, +0.0 is above -0.0. Shapes (geometry {@code g},
     * {@link Pool2d}): X {@code (N, H*W*C)}, Y {@code (N, P*Q*C)}. Writes Y; exact. Y must not overlap X.
     *
     * @param y Y, {@code (N, P*Q*C)}: written
     * @param x X, {@code (N, H*W*C)}
     * @param g the geometry: sizes, window, strides and padding
     */
    public void maxPool2dForward(Matrix y, Matrix x, Pool2d g) {
        Check.poolForward(y, x, g);
        impl.maxPool2dForward(y, x, g);
    }

    /**
     * The gradient of {@link #maxPool2dForward}: each {@code dY[n][(p*Q + q)*C + c]} goes to the window's
     * <em>first</em> maximum in scan order (window rows top to bottom, each row left to right; the first NaN
     * if the window holds one), found again from the forward input X (no index buffer is kept); where windows
     * overlap, a pixel adds up what it receives, in order of (p, q). Shapes: X and dX {@code (N, H*W*C)}, dY
     * {@code (N, P*Q*C)}. Writes every element of dX ({@code =}; zero where nothing is sent); its old contents
     * are never read. dX must not overlap dY or X.
     *
     * @param dX the gradient with respect to X, {@code (N, H*W*C)}: written
     * @param dY the gradient with respect to Y, {@code (N, P*Q*C)}
     * @param x  the forward input X, {@code (N, H*W*C)}
     * @param g  the geometry of the forward pass
     */
    public void maxPool2dBackward(Matrix dX, Matrix dY, Matrix x, Pool2d g) {
        Check.maxPoolBackward(dX, dY, x, g);
        impl.maxPool2dBackward(dX, dY, x, g);
    }

    /**
     * 2-D average pooling, channel by channel, padded cells counted as zeros (PyTorch's
     * {@code count_include_pad=True}): {@code Y[n][(p*Q + q)*C + c] = (sum_{r, s} X[n][(h*W + w)*C + c]) / (R*S)},
     * the sum over the window's pixels inside the image in scan order, from +0, divided by the whole window's
     * size {@code R*S}. Shapes as in {@link #maxPool2dForward}. Writes Y. Y must not overlap X.
     *
     * @param y Y, {@code (N, P*Q*C)}: written
     * @param x X, {@code (N, H*W*C)}
     * @param g the geometry: sizes, window, strides and padding
     */
    public void avgPool2dForward(Matrix y, Matrix x, Pool2d g) {
        Check.poolForward(y, x, g);
        impl.avgPool2dForward(y, x, g);
    }

    /**
     * The gradient of {@link #avgPool2dForward}: {@code dX[n][(h*W + w)*C + c] = sum dY[n][(p*Q + q)*C + c] / (R*S)}
     * over the windows (p, q) that hold pixel (h, w), added in order of (p, q), each term {@code dY / (R*S)}
     * rounded first. Shapes: dY {@code (N, P*Q*C)}, dX {@code (N, H*W*C)}. Writes every element of dX
     * ({@code =}); its old contents are never read. dX must not overlap dY.
     *
     * @param dX the gradient with respect to X, {@code (N, H*W*C)}: written
     * @param dY the gradient with respect to Y, {@code (N, P*Q*C)}
     * @param g  the geometry of the forward pass
     */
    public void avgPool2dBackward(Matrix dX, Matrix dY, Pool2d g) {
        Check.avgPoolBackward(dX, dY, g);
        impl.avgPool2dBackward(dX, dY, g);
    }

    // ---------------------------------------------------------------- normalization

    /**
     * The batch's statistics per column (channel): the mean {@code mean[0][c] = sum_i X[i][c] / m} and the biased
     * variance {@code var[0][c] = sum_i (X[i][c] - mu_c)^2 / m}, X being (m, C): m samples of C features, or
     * channels-last images viewed as {@code (N*H*W, C)}. Two passes, both sums in double: the second subtracts the
     * double mean {@code mu_c}, so a channel of equal values has a variance of exactly 0 and a channel of large
     * values with a small spread (1e4 plus noise of 1e-2) keeps its spread; each result is rounded once to float,
     * so it is within half an ulp (plus the double sums' own {@code m 2^-53} relative error) of the exact value
     * for the float inputs. Writes mean and var. A NaN or infinity in a channel makes its statistics NaN or
     * infinite.
     *
     * @param mean the means, {@code (1, C)}: written
     * @param var  the biased variances, {@code (1, C)}: written
     * @param x    X, {@code (m, C)}: only read
     */
    public void batchNormStatistics(Matrix mean, Matrix var, Matrix x) {
        Check.batchNormStatistics(mean, var, x);
        impl.batchNormStatistics(mean, var, x);
    }

    /**
     * Batch normalization, forward: {@code Y[i][c] = gamma_c (X[i][c] - mean_c) rstd_c + beta_c} with
     * {@code rstd_c = 1 / sqrt(var_c + eps)}. In training the statistics are the batch's own
     * ({@link #batchNormStatistics}); in inference, the running ones ({@link #batchNormRunningUpdate}). Each rstd
     * is computed in double and rounded once; each element is {@code fma(gamma_c, (X - mean_c) * rstd_c, beta_c)},
     * a float subtraction, a float product and a fused multiply-add, so both backends give the same bits. Writes Y;
     * Y may be the very same view as X (in place).
     *
     * @param y     Y, {@code (m, C)}: written
     * @param x     X, {@code (m, C)}
     * @param mean  the means, {@code (1, C)}
     * @param var   the variances, {@code (1, C)}
     * @param gamma the scale, {@code (1, C)}
     * @param beta  the shift, {@code (1, C)}
     * @param eps   added to each variance; finite and {@code > 0} (commonly 1e-5)
     */
    public void batchNormForward(Matrix y, Matrix x, Matrix mean, Matrix var, Matrix gamma, Matrix beta, float eps) {
        Check.batchNormForward(y, x, mean, var, gamma, beta);
        Check.positive("eps", eps);
        impl.batchNormForward(y, x, mean, var, gamma, beta, eps);
    }

    /**
     * The gradient of {@link #batchNormForward} in training, where mean and var are X's own statistics from
     * {@link #batchNormStatistics}: with {@code xhat = (X - mean_c) rstd_c} and {@code g = dY gamma_c},
     * {@code dX[i][c] = rstd_c (g - a_c - xhat b_c)}, {@code a_c = sum_i g / m}, {@code b_c = sum_i g xhat / m};
     * {@code dGamma[0][c] = beta * dGamma[0][c] + sum_i dY xhat} and {@code dBeta[0][c] = beta * dBeta[0][c] +
     * sum_i dY}. xhat and g are float operations as in the forward pass; the four sums run in double and are rounded
     * once; each dX is {@code rstd_c * fma(-xhat, b_c, g - a_c)}. Writes dX; dX may be the very same view as dY or
     * X, or disjoint from both. With {@code beta == 0} dGamma and dBeta are overwritten without being read.
     *
     * @param dX     the gradient with respect to X, {@code (m, C)}: written
     * @param dGamma the gradient with respect to gamma, {@code (1, C)}: written or accumulated into
     * @param dBeta  the gradient with respect to beta, {@code (1, C)}: written or accumulated into
     * @param dY     the gradient with respect to Y, {@code (m, C)}
     * @param x      the forward input X, {@code (m, C)}
     * @param mean   X's means, {@code (1, C)}
     * @param var    X's biased variances, {@code (1, C)}
     * @param gamma  the scale, {@code (1, C)}
     * @param eps    the forward pass's eps; finite and {@code > 0}
     * @param beta   0 overwrites dGamma and dBeta, 1 adds to them
     */
    public void batchNormBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean, Matrix var,
                                  Matrix gamma, float eps, float beta) {
        Check.normalizeBackward(dX, dGamma, dBeta, dY, x, "mean", mean, "var", var, gamma, false);
        Check.positive("eps", eps);
        Check.zeroOrOne("beta", beta);
        impl.batchNormBackward(dX, dGamma, dBeta, dY, x, mean, var, gamma, eps, beta);
    }

    /**
     * The running statistics' update after a training batch of {@code count} rows, as PyTorch: {@code runningMean =
     * (1 - momentum) runningMean + momentum mean} and {@code runningVar = (1 - momentum) runningVar + momentum var
     * count / (count - 1)}, the batch's variance made unbiased. Each element in double, rounded once. Writes
     * runningMean and runningVar.
     *
     * @param runningMean the running means, {@code (1, C)}: updated
     * @param runningVar  the running (unbiased) variances, {@code (1, C)}: updated
     * @param mean        the batch's means, {@code (1, C)}
     * @param var         the batch's biased variances, {@code (1, C)}
     * @param count       the batch's rows that gave mean and var; at least 2
     * @param momentum    the weight of the batch, in {@code [0, 1]} (PyTorch's default 0.1)
     */
    public void batchNormRunningUpdate(Matrix runningMean, Matrix runningVar, Matrix mean, Matrix var, int count,
                                       float momentum) {
        Check.runningUpdate(runningMean, runningVar, mean, var, count, momentum);
        impl.batchNormRunningUpdate(runningMean, runningVar, mean, var, count, momentum);
    }

    /**
     * Layer normalization over the last axis, forward: for each row i of X (m, n), {@code mean_i = sum_j X[i][j] / n}
     * and {@code var_i = sum_j (X[i][j] - mean_i)^2 / n} (two passes in double, as {@link #batchNormStatistics}),
     * {@code rstd_i = 1 / sqrt(var_i + eps)} from the double variance, rounded once; the mean is rounded to float and
     * {@code Y[i][j] = fma(gamma_j, (X[i][j] - mean_i) * rstd_i, beta_j)}. Writes Y, and mean and rstd for the
     * backward pass. Y may be the very same view as X (in place).
     *
     * @param y     Y, {@code (m, n)}: written
     * @param mean  the rows' means, {@code (m, 1)}: written
     * @param rstd  the rows' reciprocal standard deviations, {@code (m, 1)}: written
     * @param x     X, {@code (m, n)}
     * @param gamma the scale, {@code (1, n)}
     * @param beta  the shift, {@code (1, n)}
     * @param eps   added to each variance; finite and {@code > 0} (commonly 1e-5)
     */
    public void layerNormForward(Matrix y, Matrix mean, Matrix rstd, Matrix x, Matrix gamma, Matrix beta, float eps) {
        Check.layerNormForward(y, mean, rstd, x, gamma, beta);
        Check.positive("eps", eps);
        impl.layerNormForward(y, mean, rstd, x, gamma, beta, eps);
    }

    /**
     * The gradient of {@link #layerNormForward}: with {@code xhat = (X - mean_i) rstd_i} and
     * {@code g = dY gamma_j}, {@code dX[i][j] = rstd_i (g - a_i - xhat b_i)}, {@code a_i = sum_j g / n},
     * {@code b_i = sum_j g xhat / n}; {@code dGamma[0][j] = beta * dGamma[0][j] + sum_i dY xhat} and
     * {@code dBeta[0][j] = beta * dBeta[0][j] + sum_i dY}. Float operations and double sums as in
     * {@link #batchNormBackward}. Writes dX; dX may be the very same view as dY or X, or disjoint from both.
     *
     * @param dX     the gradient with respect to X, {@code (m, n)}: written
     * @param dGamma the gradient with respect to gamma, {@code (1, n)}: written or accumulated into
     * @param dBeta  the gradient with respect to beta, {@code (1, n)}: written or accumulated into
     * @param dY     the gradient with respect to Y, {@code (m, n)}
     * @param x      the forward input X, {@code (m, n)}
     * @param mean   the rows' means from the forward pass, {@code (m, 1)}
     * @param rstd   the rows' reciprocal standard deviations from the forward pass, {@code (m, 1)}
     * @param gamma  the scale, {@code (1, n)}
     * @param beta   0 overwrites dGamma and dBeta, 1 adds to them
     */
    public void layerNormBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, Matrix mean, Matrix rstd,
                                  Matrix gamma, float beta) {
        Check.normalizeBackward(dX, dGamma, dBeta, dY, x, "mean", mean, "rstd", rstd, gamma, true);
        Check.zeroOrOne("beta", beta);
        impl.layerNormBackward(dX, dGamma, dBeta, dY, x, mean, rstd, gamma, beta);
    }

    // ---------------------------------------------------------------- sequences: embeddings, causal self-attention

    /**
     * Embedding lookup: {@code Y[i][j] = table[ids[i]][j]} for each of Y's n rows. Y is (n, d), table is
     * (vocabulary, d); ids has length at least n, every id in {@code [0, vocabulary)} (else its position and value
     * are named in the error). An exact copy. Writes Y; Y must not overlap the table.
     *
     * @param y     Y, {@code (n, d)}: written
     * @param table the embedding table, {@code (vocabulary, d)}: only read
     * @param ids   the row of the table for each row of Y; length at least n
     */
    public void embeddingForward(Matrix y, Matrix table, int[] ids) {
        Check.embeddingForward(y, table, ids);
        impl.embeddingForward(y, table, ids);
    }

    /**
     * The gradient of {@link #embeddingForward}, a scatter-add: {@code dTable[v] = beta * dTable[v] + sum over the i
     * with ids[i] == v of dY[i]}. Each element of a table row is {@code t = beta == 0 ? +0 : dTable[v][j]}, then
     * {@code t = t + dY[i][j]} for each such i in increasing order, one rounding per addition, so the result is the
     * same bits whatever the backend or the number of threads; a row no id names is 0 ({@code beta == 0}) or kept.
     * dY is (n, d), dTable is (vocabulary, d); ids as in {@link #embeddingForward}. With {@code beta == 0} dTable is
     * overwritten without being read.
     *
     * @param dTable the gradient with respect to the table, {@code (vocabulary, d)}: written or accumulated into
     * @param dY     the gradient with respect to Y, {@code (n, d)}
     * @param ids    the forward pass's ids; length at least n
     * @param beta   0 overwrites dTable, 1 adds to it
     */
    public void embeddingBackward(Matrix dTable, Matrix dY, int[] ids, float beta) {
        Check.embeddingBackward(dTable, dY, ids, beta);
        impl.embeddingBackward(dTable, dY, ids, beta);
    }

    /**
     * Causal multi-head self-attention, forward, for each sequence b, head h and token t (shapes and layout:
     * {@link SelfAttention}; {@code q_t}, {@code k_s}, {@code v_s}, {@code o_t} are the head's D columns of rows
     * {@code b T + t} and {@code b T + s}, {@code p_t} is row {@code (b H + h) T + t} of P):
     * <pre>
     * S_ts = scale * (q_t . k_s)                  s &lt;= t; the dot product a float FMA chain from +0 in order of d
     * p_ts = exp(S_ts - m_t) / sum_{s' &lt;= t} exp(S_ts' - m_t),  m_t = max_{s &lt;= t} S_ts    (as softmaxForward)
     * p_ts = +0                                   s &gt; t: masked, exactly zero, never computed from K or V
     * o_t  = sum_{s &lt;= t} p_ts v_s                a float FMA chain from +0 in order of s
     * </pre>
     * The row maximum is subtracted, so a row whose scores are all very negative (say -1e30) still has a finite
     * softmax. Writes O and P (P is what {@link #attentionBackward} needs). O and P must not overlap each other or
     * the inputs; Q, K and V may overlap each other (column views of one projection).
     *
     * @param o     O, {@code (B T, H D)}: written
     * @param p     the probabilities P, {@code (B H T, T)}: written, zero above the diagonal of each block
     * @param q     the queries Q, {@code (B T, H D)}
     * @param k     the keys K, {@code (B T, H D)}
     * @param v     the values V, {@code (B T, H D)}
     * @param g     the shape: batch B, length T, heads H, headSize D
     * @param scale the factor of the scores, finite; commonly {@code 1 / sqrt(D)}
     */
    public void attentionForward(Matrix o, Matrix p, Matrix q, Matrix k, Matrix v, SelfAttention g, float scale) {
        Check.attentionForward(o, p, q, k, v, g, scale);
        impl.attentionForward(o, p, q, k, v, g, scale);
    }

    /**
     * The gradient of {@link #attentionForward} with respect to Q, K and V, from P and the forward inputs
     * (notation as there; every sum a float FMA chain from +0 in the order of its index, only over the unmasked
     * {@code s <= t}):
     * <pre>
     * dv_s  = sum_{t &gt;= s} p_ts do_t
     * dP_ts = do_t . v_s                         (in order of d)
     * r_t   = sum_{s &lt;= t} p_ts dP_ts
     * dS_ts = p_ts * (dP_ts - r_t)                (two roundings, as softmaxBackward)
     * dq_t  = scale * (sum_{s &lt;= t} dS_ts k_s)     dk_s = scale * (sum_{t &gt;= s} dS_ts q_t)
     * </pre>
     * Writes dQ, dK and dV ({@code =}); they must not overlap each other or any input.
     *
     * @param dQ    the gradient with respect to Q, {@code (B T, H D)}: written
     * @param dK    the gradient with respect to K, {@code (B T, H D)}: written
     * @param dV    the gradient with respect to V, {@code (B T, H D)}: written
     * @param dO    the gradient with respect to O, {@code (B T, H D)}
     * @param q     the forward pass's Q, {@code (B T, H D)}
     * @param k     the forward pass's K, {@code (B T, H D)}
     * @param v     the forward pass's V, {@code (B T, H D)}
     * @param p     the forward pass's P, {@code (B H T, T)}
     * @param g     the shape: batch B, length T, heads H, headSize D
     * @param scale the forward pass's scale, finite
     */
    public void attentionBackward(Matrix dQ, Matrix dK, Matrix dV, Matrix dO, Matrix q, Matrix k, Matrix v, Matrix p,
                                  SelfAttention g, float scale) {
        Check.attentionBackward(dQ, dK, dV, dO, q, k, v, p, g, scale);
        impl.attentionBackward(dQ, dK, dV, dO, q, k, v, p, g, scale);
    }

    // ---------------------------------------------------------------- losses fused with their gradient

    /**
     * Mean squared error over all {@code m * n} elements: returns {@code L = sum (P - T)^2 / (m n)} and
     * writes {@code dP = 2 (P - T) / (m n)}. P, T, dP are (m, n).
     *
     * @param dP the gradient with respect to P, {@code (m, n)}: written
     * @param p  the predictions P, {@code (m, n)}
     * @param t  the targets T, {@code (m, n)}
     * @return the mean squared error L
     */
    public float mseLoss(Matrix dP, Matrix p, Matrix t) {
        Check.elementwise("dP", dP, "P", p);
        Check.elementwise("dP", dP, "T", t);
        return impl.mseLoss(dP, p, t);
    }

    /**
     * Binary cross-entropy on logits, mean over all {@code m * n} elements, in the stable form
     * {@code L = sum (max(x, 0) - x y + log1p(exp(-|x|))) / (m n)}; writes
     * {@code dX = (sigmoid(x) - y) / (m n)}. X (logits), Y (targets in [0, 1]) and dX are (m, n). Targets are
     * used as given (not checked against [0, 1]).
     *
     * @param dX the gradient with respect to the logits, {@code (m, n)}: written
     * @param x  the logits X, {@code (m, n)}
     * @param y  the targets Y, {@code (m, n)}, each in [0, 1]
     * @return the mean binary cross-entropy L
     */
    public float bceWithLogitsLoss(Matrix dX, Matrix x, Matrix y) {
        Check.elementwise("dX", dX, "X", x);
        Check.elementwise("dX", dX, "Y", y);
        return impl.bceWithLogitsLoss(dX, x, y);
    }

    /**
     * Softmax cross-entropy with integer class labels, fused, mean over the batch of m rows:
     * returns {@code L = sum_i (logsumexp(X[i]) - X[i][label_i]) / m} and writes
     * {@code dX = (softmax(X) - onehot(label)) / m}. X and dX are (m, classes); labels has length at
     * least m, every label in {@code [0, classes)} (else the row and label are named in the error).
     *
     * @param dX     the gradient with respect to the logits, {@code (m, classes)}: written
     * @param x      the logits X, {@code (m, classes)}, one row per example
     * @param labels the class of each row, {@code labels[i]} in {@code [0, classes)}; length at least m
     * @return the mean cross-entropy L
     */
    public float softmaxCrossEntropyLoss(Matrix dX, Matrix x, int[] labels) {
        Check.elementwise("dX", dX, "X", x);
        Check.labels(labels, x.rows(), x.cols());
        return impl.softmaxCrossEntropyLoss(dX, x, labels);
    }

    // ---------------------------------------------------------------- optimizer updates (one fused pass)

    /**
     * SGD with momentum (the PyTorch form), one pass over a parameter buffer:
     * {@code g = dW + weightDecay * W; V = momentum * V + g; W -= lr * (nesterov ? g + momentum * V : V)}.
     * W, dW, V are (m, n). Writes W and V; dW is only read. With {@code momentum == 0}, {@code V = g} and the
     * old V is not read; {@code nesterov} needs {@code momentum > 0}. No two buffers may share memory.
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
    public void sgdUpdate(Matrix w, Matrix v, Matrix dW, float lr, float momentum, float weightDecay, boolean nesterov) {
        Check.sgd(w, v, dW, lr, momentum, weightDecay, nesterov);
        impl.sgdUpdate(w, v, dW, lr, momentum, weightDecay, nesterov);
    }

    /**
     * Adam with bias correction and L2 weight decay added to the gradient:
     * {@code g = dW + weightDecay * W; M = b1 M + (1 - b1) g; V = b2 V + (1 - b2) g^2;
     * W -= lr * (M / (1 - b1^step)) / (sqrt(V / (1 - b2^step)) + eps)}: epsilon is added after the square
     * root of the bias-corrected second moment. {@code step} counts from 1. The bias corrections are computed
     * once per call in double ({@code StrictMath.pow}); {@code lr / (1 - b1^step)} and {@code 1 / (1 - b2^step)}
     * are then rounded to float, the same in both backends. W, M, V, dW are (m, n). Writes W, M, V; no two
     * buffers may share memory.
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
    public void adamUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                           float weightDecay, int step) {
        Check.adam(w, mom, vel, dW, lr, beta1, beta2, eps, weightDecay, step);
        impl.adamUpdate(w, mom, vel, dW, lr, beta1, beta2, eps, weightDecay, step);
    }

    /**
     * AdamW: Adam with decoupled weight decay, {@code W -= lr * weightDecay * W} applied before the Adam
     * step (which then uses the raw gradient). Epsilon sits as in {@link #adamUpdate}. Writes W, M, V.
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
    public void adamwUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                            float weightDecay, int step) {
        Check.adam(w, mom, vel, dW, lr, beta1, beta2, eps, weightDecay, step);
        impl.adamwUpdate(w, mom, vel, dW, lr, beta1, beta2, eps, weightDecay, step);
    }
}
