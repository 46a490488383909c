package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One stage of a {@link Sequential} model. Shapes: the input x is (batch, inputs), the output y is
 * (batch, outputs). Memory: parameters are allocated once in {@link #build}, batch buffers once in
 * {@link #reserve}; {@link #forward} and {@link #backward} only write into them.
 */
public interface Layer {

    /**
     * Fixes the input width, allocates and initialises the parameters (from {@code rnd}) in
     * {@code arena}, and returns the output width. Called once, by the model.
     */
    int build(Kernels kernels, int inputs, Arena arena, SplittableRandom rnd);

    /** Allocates the activation and gradient buffers for batches of up to {@code maxBatch} rows. */
    void reserve(Arena arena, int maxBatch);

    /** {@code y = f(x)}; keeps what {@link #backward} needs. The result is a view into this layer's memory. */
    Matrix forward(Matrix x);

    /**
     * Given {@code dY = dLoss/dy} for the last forward batch, writes the parameter gradients and returns
     * {@code dX = dLoss/dx}, or null when {@code needInput} is false (the first layer skips it).
     */
    Matrix backward(Matrix dY, boolean needInput);

    /** Trainable parameters, in a fixed order (empty for activations). */
    default List<Parameter> parameters() {
        return List.of();
    }
}
