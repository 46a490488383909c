package dev.myelin.trainer;

import dev.myelin.core.Matrix;

/**
 * A trainable tensor and its gradient, both off-heap and of the same shape. The backward pass writes
 * {@code grad} with {@code =} (the kernels' "writes" contract), so it never needs zeroing between steps.
 *
 * @param name  unique within a model, e.g. {@code "dense0.W"}; checkpoints store tensors by it
 * @param value the weights
 * @param grad  dLoss/dvalue for the last batch
 */
public record Parameter(String name, Matrix value, Matrix grad) {

    @Override
    public String toString() {
        return name + " " + value.rows() + "x" + value.cols();
    }
}
