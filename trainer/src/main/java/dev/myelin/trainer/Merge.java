package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import java.util.List;

/**
 * A layer that joins the outputs of several nodes of a model's graph ({@link Node#merge}): {@link Add},
 * {@link Concat}. Its life cycle is a {@link Layer}'s, with the input-taking steps in their several-input form:
 * {@link #build(List, Context)}, {@link #forward(List, boolean)} and {@link #backward(Matrix, int)}; the model
 * never calls the one-input forms, which refuse.
 */
public interface Merge extends Layer {

    /**
     * Checks the input shapes and returns the output shape. Called once, by the model.
     *
     * @param inputs  the shapes of one sample of each input, in the node's order, at least two
     * @param context what the layer keeps from its model
     * @return the shape of one output sample
     * @throws IllegalArgumentException if the shapes cannot be joined; the message names them
     */
    Shape build(List<Shape> inputs, Context context);

    /**
     * The joined output of one batch.
     *
     * @param inputs   the inputs, each {@code (batch, its shape's size)}, in the node's order
     * @param training whether a backward pass will follow
     * @return the output, a view into this layer's memory, valid until the next forward pass
     */
    Matrix forward(List<Matrix> inputs, boolean training);

    /**
     * {@code dX_i = dLoss/dx_i} for input {@code i}, given {@code dY} of the last training forward pass.
     *
     * @param dY    the gradient with respect to the output, {@code (batch, output size)}
     * @param input which input, from 0
     * @return dX_i, {@code (batch, input i's size)}: a view into this layer's memory or {@code dY} itself, valid
     *         until the next backward pass; callers only read it
     */
    Matrix backward(Matrix dY, int input);

    /** Refuses: a merge takes its inputs from the graph ({@link Node#merge}). */
    @Override
    default Shape build(Shape input, Context context) {
        throw new IllegalArgumentException(this + " joins several inputs: apply it with Node.merge (or Node.add, "
                + "Node.concat), not in a list of layers");
    }

    /** Refuses: the model calls {@link #forward(List, boolean)}. */
    @Override
    default Matrix forward(Matrix x, boolean training) {
        throw new IllegalStateException(this + " takes its inputs as a list");
    }

    /** Refuses: the model calls {@link #backward(Matrix, int)}. */
    @Override
    default Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        throw new IllegalStateException(this + " gives one gradient per input");
    }
}
