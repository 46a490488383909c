package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a sequence model one position at a time, for generation: token t in, the logits of position t out, at the cost
 * of one position (the attention layers keep every earlier position's keys and values), not of the whole window.
 *
 * <p>The model takes samples of T token ids, {@code (T)}, and gives {@code (T, V)}; each layer in between works on
 * {@code (T, c)}, one row per position. Each layer runs its own kernels on one row ({@code step} in the layer's class,
 * through the same private method as its forward pass where there is one): {@link Embedding} (one table row),
 * {@link PositionEmbedding} (the table's row t), {@link CausalSelfAttention} (the new query over the cached keys and
 * values of positions 0..t), {@link LayerNorm}, per-position {@link Dense}, {@link Activation}, {@link Dropout} (the
 * identity, as in any inference pass) and {@link Add} (residual connections). Anything else mixes positions or holds
 * batch statistics (Flatten, a flat Dense, convolutions, pooling, batch normalization, Concat) and is refused when the
 * decoder is made, naming the layer.
 *
 * <p>Agreement: step t's logits are the model's full forward output at position t ({@link Model#logits}), on the same
 * backend, for any window that starts with the same t + 1 tokens: bit for bit, on either backend, while the window and
 * the heads' size are at most 384 (see {@code CausalSelfAttention.step}); every other layer runs its forward pass's
 * kernels on rows whose results do not depend on the rows around them.
 *
 * <p>The window: positions 0 to T - 1, as the model was trained. When it is full, {@link #next} refuses; the caller
 * decides what comes next ({@link Generator} starts again on the latest half of the window). A decoder belongs to one
 * model, which must stay open; it is not thread-safe.
 */
public final class Decoder implements AutoCloseable {

    /** A one-input layer on one position: {@code (1, in)} to {@code (1, out)}. */
    interface Step {
        /**
         * The layer's output row at {@code position} for input row {@code x}.
         *
         * @return a view into the step's memory, valid until its next call
         */
        Matrix forward(Matrix x, int position);
    }

    /** A {@link Merge} on one position: one row per input. */
    interface MergeStep {
        /** The joined row at {@code position}; a view into the step's memory, valid until its next call. */
        Matrix forward(List<Matrix> inputs, int position);
    }

    private final Model model;
    private final Arena arena = Arena.ofShared();   // shared: the SIMD GEMM may hand a large step to its pool
    private final int window;
    private final Object[] steps;                   // a Step or a MergeStep per layer
    private final int[][] inputs;
    private final Matrix[] rows;                    // each layer's output row of the running step
    private final List<Matrix> mergeInputs = new ArrayList<>();
    private final Matrix token;                     // (1, 1): the id fed to the embeddings
    private int position;

    private Decoder(Model model) {
        this.model = model;
        List<Layer> layers = model.layers();
        Shape in = model.inputShape();
        if (in.rank() != 1) {
            throw new IllegalArgumentException("a decoder runs models on sequences of token ids, input shape (length); this "
                    + "model takes " + in);
        }
        this.window = in.dim(0);
        this.steps = new Object[layers.size()];
        this.inputs = new int[layers.size()][];
        this.rows = new Matrix[layers.size()];
        try {
            for (int i = 0; i < layers.size(); i++) {
                inputs[i] = model.inputsOf(i);
                steps[i] = step(i, layers.get(i));
            }
            token = Matrix.allocate(arena, 1, 1);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * A decoder for {@code model}, at position 0, with its own buffers and caches (the model's parameters are used as
     * they are, not copied: training the model between steps changes what later steps compute).
     *
     * @param model a model as the class comment describes, open
     * @return the decoder; close it to free its caches
     * @throws IllegalArgumentException naming the first layer that cannot run one position at a time, and why
     */
    public static Decoder of(Model model) {
        if (model == null) {
            throw new NullPointerException("model is null");
        }
        model.checkOpen();
        return new Decoder(model);
    }

    /** Layer i's step, after checking that it works position by position on its inputs' shapes. */
    private Object step(int i, Layer l) {
        int[] in = inputs[i];
        String name = "layer " + i + " (" + l + ")";
        for (int j : in) {
            if (j == Graph.INPUT) {
                if (!(l instanceof Embedding)) {
                    throw new IllegalArgumentException(name + " takes the model's token ids; in a decoder only an Embedding "
                            + "may");
                }
                continue;
            }
            Shape s = model.outputShape(j);
            if (s.rank() != 2 || s.dim(0) != window) {
                throw new IllegalArgumentException(name + " takes layer " + j + "'s output of shape " + s + "; a decoder runs "
                        + "layers on sequences of shape (" + window + ", channels), one row per position");
            }
        }
        if (l instanceof Embedding e) {
            return e.step(arena);       // on the ids: an Embedding on a layer's output would take rank 2, not ids
        }
        int channels = model.outputShape(in[0]).dim(1);
        return switch (l) {
            case PositionEmbedding p -> p.step(arena);
            case CausalSelfAttention a -> a.step(arena);
            case LayerNorm n -> n.step(arena);
            case Dense d when d.isPerPosition() -> d.step(arena);
            case Activation a -> a.step(arena, channels);
            case Dropout ignored -> (Step) (x, position) -> x;            // inference: the identity
            case Add a -> a.step(arena, channels);
            default -> throw new IllegalArgumentException(name + " cannot run one position at a time: a decoder steps "
                    + "Embedding, PositionEmbedding, CausalSelfAttention, LayerNorm, per-position Dense, activations, "
                    + "Dropout and Add");
        };
    }

    /** {@return T, the positions of the model's window} */
    public int window() {
        return window;
    }

    /** {@return the position the next token takes: the number of tokens fed since the start or {@link #reset}} */
    public int position() {
        return position;
    }

    /** {@return the model this decoder runs} */
    public Model model() {
        return model;
    }

    /** Starts again at position 0 (the caches' old rows are overwritten as positions are fed again). */
    public void reset() {
        position = 0;
    }

    /**
     * Feeds {@code token} at the next position and returns that position's logits: the model's last layer's output
     * row, {@code (1, V)}.
     *
     * @param token the token id; the embeddings check it
     * @return the logits, a view into the decoder's memory, valid until the next call
     * @throws IllegalStateException if the window is full ({@link #position()} is T) or the model or decoder is closed
     * @throws IllegalArgumentException if the token is not an id of the embeddings' vocabulary
     */
    public Matrix next(int token) {
        model.checkOpen();
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("this Decoder has been closed");
        }
        if (position == window) {
            throw new IllegalStateException("the window of " + window + " positions is full; reset() to start again");
        }
        this.token.set(0, 0, token);
        for (int i = 0; i < steps.length; i++) {
            int[] in = inputs[i];
            if (steps[i] instanceof MergeStep m) {
                mergeInputs.clear();
                for (int j : in) {
                    mergeInputs.add(rows[j]);
                }
                rows[i] = m.forward(mergeInputs, position);
            } else {
                rows[i] = ((Step) steps[i]).forward(in[0] == Graph.INPUT ? this.token : rows[in[0]], position);
            }
        }
        position++;
        return rows[rows.length - 1];
    }

    /** Frees the caches and buffers. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
