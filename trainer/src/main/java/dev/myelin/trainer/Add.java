package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.List;

/**
 * The element-wise sum of several inputs of one shape: {@code y = x_0 + x_1 + ...}, added left to right (one
 * rounding per addition, as {@code x_0 + x_1} in PyTorch). The backward pass hands {@code dY} itself to every
 * input: {@code dX_i = dY}, nothing computed or copied. A residual connection is {@code Node.add(block, x)}.
 */
public final class Add implements Merge {

    private Kernels k;
    private int width;
    private Buffer y;

    /** A sum of the inputs a {@link Node#merge} gives it. */
    public Add() {
    }

    @Override
    public Shape build(List<Shape> inputs, Context context) {
        Layers.once(k != null, this);
        Shape first = inputs.get(0);
        for (int i = 1; i < inputs.size(); i++) {
            if (!inputs.get(i).equals(first)) {
                throw new IllegalArgumentException("Add takes inputs of one shape, got " + first + " (input 0) and "
                        + inputs.get(i) + " (input " + i + ")");
            }
        }
        this.k = context.kernels();
        this.width = first.size();
        return first;
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
        y = new Buffer(arena, maxBatch, width);
    }

    @Override
    public Matrix forward(List<Matrix> inputs, boolean training) {
        Matrix out = y.rows(inputs.get(0).rows());
        sum(out, inputs);
        return out;
    }

    /** {@code out = x_0 + x_1 + ...}, left to right. */
    private void sum(Matrix out, List<Matrix> inputs) {
        k.copy(out, inputs.get(0));
        for (int i = 1; i < inputs.size(); i++) {
            k.axpy(out, 1f, inputs.get(i));          // 1 * x_i + out: one rounding, the same as out + x_i
        }
    }

    /** For {@link Decoder}: the sum of one position's rows, {@code (1, C)} each, in the same order. */
    Decoder.MergeStep step(Arena arena, int channels) {
        Matrix out = Matrix.allocate(arena, 1, channels);
        return (inputs, position) -> {
            sum(out, inputs);
            return out;
        };
    }

    @Override
    public boolean passesGradient() {
        return true;
    }

    @Override
    public Matrix backward(Matrix dY, int input) {
        return dY;
    }

    @Override
    public String type() {
        return "add";
    }

    @Override
    public String toString() {
        return "Add";
    }
}
