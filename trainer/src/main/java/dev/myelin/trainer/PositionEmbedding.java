package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A learned position embedding, as GPT-2's {@code wpe}: a table {@code (length, C)} added to every sample
 * {@code (length, C)}, {@code y = x + table}, the table broadcast over the batch (with the batch as
 * {@code (B, length C)}, the table is one row of {@code length C} values: {@code addRowVector}, one rounding per
 * element). Backward: {@code dX = dY} (handed on, nothing computed) and {@code dTable = sum over the batch of dY}
 * ({@code columnSums} of the same view), written ({@code =}) or, when accumulating, added to. The table starts
 * {@link Init#GPT2}: normal with standard deviation 0.02 (nanoGPT's choice; GPT-2 drew 0.01).
 */
public final class PositionEmbedding implements Layer {

    private final int length;
    private Kernels k;
    private int channels;
    private Parameter table;
    private Matrix tableRow;        // the table's values as (1, length C)
    private Matrix gradRow;         // and its gradient
    private Buffer y;

    /**
     * A position embedding for samples of {@code length} positions.
     *
     * @param length the positions of a sample (the context), {@code >= 1}
     */
    public PositionEmbedding(int length) {
        if (length < 1) {
            throw new IllegalArgumentException("length must be >= 1, got " + length);
        }
        this.length = length;
    }

    /** From a model file: {@code length}. */
    static PositionEmbedding of(Map<String, String> config) {
        return new PositionEmbedding(Layers.intValue(config, "length"));
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.k != null, this);
        if (input.rank() != 2 || input.dim(0) != length) {
            throw new IllegalArgumentException(this + " takes samples of shape (" + length + ", channels), got shape "
                    + input);
        }
        this.k = context.kernels();
        this.channels = input.dim(1);
        table = Parameter.withoutDecay("table", length, channels);
        return input;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(table);
    }

    @Override
    public void initialize(SplittableRandom rnd) {
        table.value().copyFrom(Init.GPT2.sample(length, channels, rnd));
    }

    /** {@code m}, {@code (length, C)} with its rows following each other (a parameter's view), as one row. */
    private Matrix row(Matrix m) {
        return Matrix.wrap(m.segment(), m.offset(), 1, length * channels, length * channels);
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
        y = new Buffer(arena, maxBatch, length * channels);
        tableRow = row(table.value());      // here, not in initialize, which a loaded model does not call
        gradRow = row(table.grad());
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        Matrix out = y.rows(x.rows());
        k.copy(out, x);
        k.addRowVector(out, tableRow);      // y = x + table: one rounding per element
        return out;
    }

    /**
     * For {@link Decoder}: one position's row {@code (1, C)}, {@code y = x + table[position]} (the same
     * {@code addRowVector} on that row of the table: the same rounding as the whole sample's).
     */
    Decoder.Step step(Arena arena) {
        Matrix out = Matrix.allocate(arena, 1, channels);
        return (x, position) -> {
            k.copy(out, x);
            k.addRowVector(out, table.value().rows(position, 1));
            return out;
        };
    }

    @Override
    public boolean passesGradient() {
        return true;
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        k.columnSums(gradRow, dY, accumulate ? 1f : 0f);  // dTable = sum_b dY[b] (+ dTable)
        return needInput ? dY : null;
    }

    @Override
    public String type() {
        return "position_embedding";
    }

    @Override
    public Map<String, String> config() {
        return Map.of("length", Integer.toString(length));
    }

    @Override
    public String toString() {
        return "PositionEmbedding(" + length + (table == null ? "" : ", " + channels) + ")";
    }
}
