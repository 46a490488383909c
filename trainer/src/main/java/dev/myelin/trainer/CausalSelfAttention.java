package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.SelfAttention;
import dev.myelin.core.Trans;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Causal multi-head self-attention with its projections, as GPT-2's attention block ({@code c_attn}, then
 * {@code c_proj}). A sample is {@code (T, C)}, C a multiple of the heads H, each head of {@code D = C / H} columns;
 * the batch is viewed as {@code (B T, C)}, one token a row:
 * <pre>
 * QKV = x W_qkv + b_qkv          W_qkv (C, 3C), b_qkv (1, 3C): one GEMM; Q, K, V are its column blocks (views)
 * O   = attention(Q, K, V)       softmax(Q K^T / sqrt(D) + causal mask) V per head ({@code attentionForward})
 * y   = O W_o + b_o              W_o (C, C), b_o (1, C)
 * </pre>
 * Backward, in reverse: {@code dW_o = O^T dY}, {@code db_o} the column sums of dY, {@code dO = dY W_o^T}; dQ, dK and
 * dV into the three column blocks of one {@code dQKV} ({@code attentionBackward}, from the forward pass's QKV and
 * probabilities P, which the layer keeps); then {@code dW_qkv = x^T dQKV}, {@code db_qkv} its column sums, and
 * {@code dX = dQKV W_qkv^T}. Parameter gradients are written ({@code =}) or, when accumulating, added to. The weights
 * start {@link Init#GPT2} (normal, standard deviation 0.02), the biases 0.
 */
public final class CausalSelfAttention implements Layer {

    private final int heads;
    private Kernels k;
    private int length;             // T
    private int channels;           // C
    private float scale;            // 1 / sqrt(D)
    private Parameter wQkv;
    private Parameter bQkv;
    private Parameter wO;
    private Parameter bO;
    private ChannelView xView;      // (B, T C) as (B T, C)
    private ChannelView dYView;
    private Buffer qkv;             // (B T, 3C): the last forward pass's projection, kept for backward
    private Buffer p;               // (B H T, T): its probabilities
    private Buffer o;               // (B T, C): the heads' outputs
    private Buffer y;               // (B, T C)
    private Buffer dQkv;            // (B T, 3C)
    private Buffer dO;              // (B T, C)
    private Buffer dX;              // (B, T C)
    private Views[] views;          // by batch size: the views of the buffers, made once each
    private Matrix x;               // the last training input, (B T, C)

    /**
     * Causal self-attention with {@code heads} heads.
     *
     * @param heads the heads, {@code >= 1}; the input's channels must be a multiple of it
     */
    public CausalSelfAttention(int heads) {
        if (heads < 1) {
            throw new IllegalArgumentException("heads must be >= 1, got " + heads);
        }
        this.heads = heads;
    }

    /** From a model file: {@code heads}. */
    static CausalSelfAttention of(Map<String, String> config) {
        return new CausalSelfAttention(Layers.intValue(config, "heads"));
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.k != null, this);
        if (input.rank() != 2) {
            throw new IllegalArgumentException(this + " takes sequences of shape (length, channels), got shape " + input);
        }
        if (input.dim(1) % heads != 0) {
            throw new IllegalArgumentException(this + ": the channels, " + input.dim(1) + ", must be a multiple of the heads, "
                    + heads);
        }
        this.k = context.kernels();
        this.length = input.dim(0);
        this.channels = input.dim(1);
        this.scale = (float) (1 / Math.sqrt(channels / heads));
        wQkv = new Parameter("W_qkv", channels, Math.multiplyExact(3, channels));
        bQkv = Parameter.withoutDecay("b_qkv", 1, 3 * channels);
        wO = new Parameter("W_o", channels, channels);
        bO = Parameter.withoutDecay("b_o", 1, channels);
        xView = new ChannelView(channels);
        dYView = new ChannelView(channels);
        return input;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(wQkv, bQkv, wO, bO);
    }

    @Override
    public void initialize(SplittableRandom rnd) {
        wQkv.value().copyFrom(Init.GPT2.sample(channels, 3 * channels, rnd));
        bQkv.value().fill(0f);
        wO.value().copyFrom(Init.GPT2.sample(channels, channels, rnd));
        bO.value().fill(0f);
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
        int tokens = Math.multiplyExact(maxBatch, length);
        qkv = new Buffer(arena, tokens, 3 * channels);
        p = new Buffer(arena, Math.multiplyExact(tokens, heads), length);
        o = new Buffer(arena, tokens, channels);
        y = new Buffer(arena, maxBatch, length * channels);
        dQkv = new Buffer(arena, tokens, 3 * channels);
        dO = new Buffer(arena, tokens, channels);
        dX = new Buffer(gradients, maxBatch, length * channels);
        views = new Views[maxBatch + 1];
    }

    /** The views of one batch size's buffers: the attention's shape, Q, K, V and their gradients as column blocks. */
    private record Views(SelfAttention g, Matrix qkv, Matrix q, Matrix k, Matrix v, Matrix p, Matrix o, Matrix y,
                         Matrix yTokens, Matrix dQkv, Matrix dQ, Matrix dK, Matrix dV, Matrix dO, Matrix dX,
                         Matrix dXTokens) {
    }

    private Views views(int batch) {
        Views s = views[batch];
        if (s == null) {
            int tokens = batch * length;
            int c = channels;
            Matrix all = qkv.rows(tokens);
            Matrix dAll = dQkv.rows(tokens);
            Matrix out = y.rows(batch);
            Matrix dx = dX.rows(batch);
            s = new Views(new SelfAttention(batch, length, heads, channels / heads), all, all.view(0, 0, tokens, c),
                    all.view(0, c, tokens, c), all.view(0, 2 * c, tokens, c), p.rows(tokens * heads), o.rows(tokens), out,
                    tokens(out), dAll, dAll.view(0, 0, tokens, c), dAll.view(0, c, tokens, c), dAll.view(0, 2 * c, tokens, c),
                    dO.rows(tokens), dx, tokens(dx));
            views[batch] = s;
        }
        return s;
    }

    /** A (B, T C) buffer view as (B T, C): the same memory. */
    private Matrix tokens(Matrix m) {
        return Matrix.wrap(m.segment(), m.offset(), m.rows() * length, channels, channels);
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        Views s = views(x.rows());
        Matrix xs = xView.of(x, "the input");
        if (training) {
            this.x = xs;
        }
        project(s.qkv, xs);
        k.attentionForward(s.o, s.p, s.q, s.k, s.v, s.g, scale);            // O, P
        output(s.yTokens, s.o);
        return s.y;
    }

    /** {@code QKV = x W_qkv + b_qkv} on rows of tokens. */
    private void project(Matrix qkv, Matrix x) {
        k.gemm(qkv, x, Trans.N, wQkv.value(), Trans.N, 1f, 0f);            // QKV = x W_qkv
        k.addRowVector(qkv, bQkv.value());                                  // + b_qkv
    }

    /** {@code y = O W_o + b_o} on rows of tokens. */
    private void output(Matrix y, Matrix o) {
        k.gemm(y, o, Trans.N, wO.value(), Trans.N, 1f, 0f);                // y = O W_o
        k.addRowVector(y, bO.value());                                      // + b_o
    }

    /**
     * For {@link Decoder}: token {@code position} of one sequence, {@code (1, C)}, attending to the keys and values of
     * the positions before it, which earlier calls (positions 0, 1, ... in order) left in this step's cache.
     * {@code project} writes the token's Q, K and V into row {@code position} of a {@code (T, 3C)} cache; then per
     * head h, over the cache's rows {@code [0, position]}:
     * <pre>
     * s   = scale q_h K_h^T          gemm, (1, p + 1): each an FMA chain over d from +0, times scale
     * s   = softmax(s)               softmaxForward on the p + 1 scores
     * o_h = s V_h                    gemm, (1, D): each an FMA chain over s from +0, times 1 (exact)
     * </pre>
     * and {@code output}. These are {@code attentionForward}'s operations on its row {@code position} in its orders
     * (its Javadoc, and the SIMD kernel's, state them) as long as each GEMM is one k block of the SIMD GEMM
     * ({@code D <= 384} and {@code position + 1 <= 384}): the logits are then the full forward pass's bits on both
     * backends. Past that, the SIMD GEMM sums in blocks, and the two differ by its regrouping (within
     * {@code gamma(k + 2)} of the products' magnitudes). A token costs one position: {@code O(C^2 + p C)}.
     */
    Decoder.Step step(Arena arena) {
        int d = channels / heads;
        Matrix cache = Matrix.allocate(arena, length, 3 * channels);   // row t: token t's Q, K, V
        Matrix scores = Matrix.allocate(arena, 1, length);
        Matrix o1 = Matrix.allocate(arena, 1, channels);
        Matrix y1 = Matrix.allocate(arena, 1, channels);
        return (x, position) -> {
            Matrix qkv1 = cache.rows(position, 1);
            project(qkv1, x);
            int n = position + 1;
            Matrix s = scores.view(0, 0, 1, n);
            for (int h = 0; h < heads; h++) {
                int c0 = h * d;
                k.gemm(s, qkv1.view(0, c0, 1, d), Trans.N, cache.view(0, channels + c0, n, d), Trans.T, scale, 0f);
                k.softmaxForward(s, s);
                k.gemm(o1.view(0, c0, 1, d), s, Trans.N, cache.view(0, 2 * channels + c0, n, d), Trans.N, 1f, 0f);
            }
            output(y1, o1);
            return y1;
        };
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        Views s = views(dY.rows());
        Matrix dYs = dYView.of(dY, "dY");
        float beta = accumulate ? 1f : 0f;
        k.gemm(wO.grad(), s.o, Trans.T, dYs, Trans.N, 1f, beta);           // dW_o = O^T dY (+ dW_o)
        k.columnSums(bO.grad(), dYs, beta);                                 // db_o = sum_rows dY (+ db_o)
        k.gemm(s.dO, dYs, Trans.N, wO.value(), Trans.T, 1f, 0f);           // dO = dY W_o^T
        k.attentionBackward(s.dQ, s.dK, s.dV, s.dO, s.q, s.k, s.v, s.p, s.g, scale);
        k.gemm(wQkv.grad(), x, Trans.T, s.dQkv, Trans.N, 1f, beta);        // dW_qkv = x^T dQKV (+ dW_qkv)
        k.columnSums(bQkv.grad(), s.dQkv, beta);                            // db_qkv = sum_rows dQKV (+ db_qkv)
        if (!needInput) {
            return null;
        }
        k.gemm(s.dXTokens, s.dQkv, Trans.N, wQkv.value(), Trans.T, 1f, 0f); // dX = dQKV W_qkv^T
        return s.dX;
    }

    @Override
    public String type() {
        return "causal_self_attention";
    }

    @Override
    public Map<String, String> config() {
        return Map.of("heads", Integer.toString(heads));
    }

    @Override
    public String toString() {
        return "CausalSelfAttention(" + heads + (wQkv == null ? "" : " heads, " + channels + " channels") + ")";
    }
}
