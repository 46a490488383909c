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
    public void reserve(Arena arena, int maxBatch) {
        int tokens = Math.multiplyExact(maxBatch, length);
        qkv = new Buffer(arena, tokens, 3 * channels);
        p = new Buffer(arena, Math.multiplyExact(tokens, heads), length);
        o = new Buffer(arena, tokens, channels);
        y = new Buffer(arena, maxBatch, length * channels);
        dQkv = new Buffer(arena, tokens, 3 * channels);
        dO = new Buffer(arena, tokens, channels);
        dX = new Buffer(arena, maxBatch, length * channels);
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
        k.gemm(s.qkv, xs, Trans.N, wQkv.value(), Trans.N, 1f, 0f);         // QKV = x W_qkv
        k.addRowVector(s.qkv, bQkv.value());                                // + b_qkv
        k.attentionForward(s.o, s.p, s.q, s.k, s.v, s.g, scale);            // O, P
        k.gemm(s.yTokens, s.o, Trans.N, wO.value(), Trans.N, 1f, 0f);      // y = O W_o
        k.addRowVector(s.yTokens, bO.value());                              // + b_o
        return s.y;
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
