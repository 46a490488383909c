package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;

/**
 * Flattens (height, width) images to rows of {@code height * width} features. Datasets already store each
 * image as one row-major row, so this layer copies nothing: it checks the input width and passes x and
 * dY through. It states the model's input shape where a reader looks for it.
 */
public final class Flatten implements Layer {

    private final int height;
    private final int width;

    public Flatten(int height, int width) {
        this.height = height;
        this.width = width;
    }

    @Override
    public int build(Kernels kernels, int inputs, Arena arena, SplittableRandom rnd) {
        if (inputs != height * width) {
            throw new IllegalArgumentException("Flatten(" + height + "x" + width + ") needs rows of " + height * width
                    + " features, the model's input width is " + inputs);
        }
        return inputs;
    }

    @Override
    public void reserve(Arena arena, int maxBatch) {
    }

    @Override
    public Matrix forward(Matrix x) {
        return x;
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput) {
        return needInput ? dY : null;
    }

    @Override
    public String toString() {
        return "Flatten(" + height + "x" + width + ")";
    }
}
