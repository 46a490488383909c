package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;

/**
 * Reshapes each sample to a vector: input shape {@code (d0, d1, ...)}, output {@code (d0 * d1 * ...)}.
 * A sample is already one row of its batch matrix in memory order, so this is a pure reshape: forward
 * returns x and backward dY, the same views, and nothing is copied.
 */
public final class Flatten implements Layer {

    private Shape input;

    /** A reshape to a vector of the input's size. */
    public Flatten() {
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.input != null, this);
        this.input = input;
        return Shape.of(input.size());
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        return x;
    }

    @Override
    public boolean passesGradient() {
        return true;
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        return needInput ? dY : null;
    }

    @Override
    public String type() {
        return "flatten";
    }

    @Override
    public String toString() {
        return input == null ? "Flatten" : "Flatten" + input;
    }
}
