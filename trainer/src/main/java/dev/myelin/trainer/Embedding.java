package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Token embedding, as PyTorch's {@code Embedding(vocabulary, width)}: a sample of shape {@code (T)} holds T token ids
 * as float values, each an exact integer in {@code [0, vocabulary)}; the output {@code (T, width)} holds row
 * {@code id} of the table {@code (vocabulary, width)} for each position ({@code embeddingForward} on the batch viewed
 * as {@code (B T, width)}: an exact copy). The table starts {@link Init#GPT2}: normal with standard deviation 0.02.
 * Backward: {@code dTable} is the scatter-add of dY's rows ({@code embeddingBackward}), written ({@code =}) or, when
 * accumulating, added to. Token ids have no gradient (the output is a step function of them), so the layer takes the
 * model's input or a layer through which no parameter is reached: asked for dX, it refuses.
 */
public final class Embedding implements Layer {

    private final int vocabulary;
    private final int width;
    private Kernels k;
    private int length;             // T: tokens per sample
    private Parameter table;
    private Buffer y;
    private ChannelView yView;      // (B, T width) as (B T, width)
    private ChannelView dYView;
    private int[] ids = new int[0]; // the last forward pass's ids, B T of them

    /**
     * An embedding of {@code vocabulary} tokens into vectors of {@code width} values.
     *
     * @param vocabulary the number of distinct token ids, {@code >= 1}
     * @param width      the values per token, {@code >= 1}
     */
    public Embedding(int vocabulary, int width) {
        if (vocabulary < 1) {
            throw new IllegalArgumentException("vocabulary must be >= 1, got " + vocabulary);
        }
        if (width < 1) {
            throw new IllegalArgumentException("width must be >= 1, got " + width);
        }
        this.vocabulary = vocabulary;
        this.width = width;
    }

    /** From a model file: {@code vocabulary} and {@code width}. */
    static Embedding of(Map<String, String> config) {
        return new Embedding(Layers.intValue(config, "vocabulary"), Layers.intValue(config, "width"));
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.k != null, this);
        if (input.rank() != 1) {
            throw new IllegalArgumentException(this + " takes a sequence of token ids, shape (length), got shape " + input);
        }
        this.k = context.kernels();
        this.length = input.dim(0);
        table = Parameter.withoutDecay("table", vocabulary, width);
        yView = new ChannelView(width);
        dYView = new ChannelView(width);
        return Shape.of(length, width);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(table);
    }

    @Override
    public void initialize(SplittableRandom rnd) {
        table.value().copyFrom(Init.GPT2.sample(vocabulary, width, rnd));
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
        y = new Buffer(arena, maxBatch, Math.multiplyExact(length, width));
        ids = new int[Math.multiplyExact(maxBatch, length)];
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        int n = x.rows();
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < length; t++) {
                ids[i * length + t] = id(x.get(i, t), i, t);
            }
        }
        Matrix out = y.rows(n);
        k.embeddingForward(yView.of(out, "the output"), table.value(), ids);
        return out;
    }

    /** The token id {@code v} holds, checked: an integer in [0, vocabulary), else an error naming sample and position. */
    private int id(float v, int sample, int position) {
        int id = (int) v;
        if (id != v || id >= vocabulary || id < 0) {
            throw new IllegalArgumentException(this + ": the token id at sample " + sample + ", position " + position + " is "
                    + v + "; ids are integers in [0, " + vocabulary + ")");
        }
        return id;
    }

    /** {@return the number of distinct token ids} */
    public int vocabulary() {
        return vocabulary;
    }

    /**
     * For {@link Decoder}: the lookup of one token, {@code (1, 1)} holding its id, at any position: the table's row
     * (the same {@code embeddingForward}, an exact copy).
     */
    Decoder.Step step(Arena arena) {
        Matrix out = Matrix.allocate(arena, 1, width);
        int[] one = new int[1];
        return (x, position) -> {
            one[0] = id(x.get(0, 0), 0, position);
            k.embeddingForward(out, table.value(), one);
            return out;
        };
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        if (needInput) {
            throw new IllegalStateException(this + " takes token ids, which have no gradient: it must take the model's "
                    + "input, or a layer through which no parameter is reached");
        }
        k.embeddingBackward(table.grad(), dYView.of(dY, "dY"), ids, accumulate ? 1f : 0f);
        return null;
    }

    @Override
    public String type() {
        return "embedding";
    }

    @Override
    public Map<String, String> config() {
        return Map.of("vocabulary", Integer.toString(vocabulary), "width", Integer.toString(width));
    }

    @Override
    public String toString() {
        return "Embedding(" + vocabulary + ", " + width + ")";
    }
}
