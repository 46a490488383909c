package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One stage of a {@link Model}. A batch enters as a matrix {@code x} of {@code (batch, input.size())}, one
 * sample of the input {@link Shape} per row, and leaves as {@code (batch, output.size())}.
 *
 * <p>Life cycle, all driven by the model: {@link #build} (check the input shape, create the parameters,
 * return the output shape), the model lays every parameter out in its slabs, {@link #initialize} (write
 * initial values), then {@link #reserve} (batch buffers, again when a larger batch comes) and any number
 * of {@link #forward}/{@link #backward} pairs, which only write into memory allocated before.
 *
 * <p>A layer that the model file can restore has a {@link #type()} and a {@link #config()} from which
 * {@link Layers#create} builds an equal layer.
 */
public interface Layer {

    /** What a layer learns from its model when it is built. */
    interface Context {

        /** {@return the kernels every forward and backward pass calls (the model's backend)} */
        Kernels kernels();

        /** {@return this layer's position in the model, from 0} */
        int index();

        /**
         * The key of the running training pass: the fit loop sets one per micro-batch (a function of its seed,
         * the epoch, the batch and the replica), so random draws while training (dropout) are reproducible and
         * survive a resume.
         *
         * @return the key of the running pass
         */
        long passKey();
    }

    /**
     * Checks the input shape, creates this layer's parameters (not yet backed by memory) and returns the
     * output shape. Called once, by the model.
     *
     * @param input   the shape of one input sample (the previous layer's output)
     * @param context what the layer keeps from its model: kernels, position, pass key
     * @return the shape of one output sample
     * @throws IllegalArgumentException if the layer does not fit {@code input}; the message names the shape
     * @throws IllegalStateException if the layer already belongs to a model
     */
    Shape build(Shape input, Context context);

    /** {@return the parameters created by {@link #build}, in a fixed order (empty for layers without any)} */
    default List<Parameter> parameters() {
        return List.of();
    }

    /**
     * The model state created by {@link #build}, in a fixed order (empty for layers without any): tensors made with
     * {@link Parameter#state}, such as batch normalization's running mean and variance. A training {@link #forward}
     * may update them; nothing trains them (no gradient, unseen by the optimizer and weight decay). The model lays
     * them out in its running-state slab ({@link Model#runningState()}) before {@link #initialize}, which writes
     * their initial values; the model file and checkpoints keep them, and data-parallel training averages them
     * across replicas as it does the parameters.
     *
     * @return the state tensors, in a fixed order
     */
    default List<Parameter> runningState() {
        return List.of();
    }

    /**
     * Writes initial parameter (and running-state) values, drawing from {@code rnd}; called once they have memory.
     *
     * @param rnd the model's generator, seeded from its seed; layers draw from it in model order
     */
    default void initialize(SplittableRandom rnd) {
    }

    /**
     * Allocates the activation and gradient buffers for batches of up to {@code maxBatch} rows: what {@link #backward}
     * returns (dX) from {@code gradients}, everything else from {@code arena}. The model hands each layer a
     * {@code gradients} arena that other layers' dX share: memory written by this layer's backward and read until
     * the backward of the layers it reads from has run, and free at any other time. So nothing else may go there:
     * not what forward keeps for backward, not scratch that lives across calls.
     *
     * @param arena     the arena the layer's own buffers come from (the model's; it frees them)
     * @param gradients the arena dX comes from (the model's, shared as above; it frees it)
     * @param maxBatch  the most rows a batch will have
     */
    void reserve(Arena arena, Arena gradients, int maxBatch);

    /**
     * {@return whether {@link #backward} may return dY itself (or a view of it) as dX instead of memory of its own from
     * the {@code gradients} arena} The model keeps dY's memory busy for as long as the layers that read it as dX
     * need it; a layer that returns dY without saying so here is stopped by an error at its first backward pass.
     */
    default boolean passesGradient() {
        return false;
    }

    /**
     * {@code y = f(x)}. With {@code training} it keeps what {@link #backward} needs and applies training-only
     * behaviour (dropout); without, it is pure inference. The result is a view into this layer's memory
     * (or {@code x} itself for a layer that changes nothing).
     *
     * @param x        the input, {@code (batch, input.size())}
     * @param training whether this pass will be followed by {@link #backward}
     * @return the output, {@code (batch, output.size())}, valid until the next forward pass
     */
    Matrix forward(Matrix x, boolean training);

    /**
     * Given {@code dY = dLoss/dy} for the last training forward pass, computes the parameter gradients and
     * returns {@code dX = dLoss/dx}, or null when {@code needInput} is false (the first trainable layer skips it).
     * Parameter gradients are written ({@code =}), or added to ({@code +=}) when {@code accumulate} is true.
     *
     * @param dY         the gradient with respect to the output, {@code (batch, output.size())}
     * @param needInput  whether to compute dX (false for the first layer with parameters; the layers before it get no
     *                   backward call)
     * @param accumulate whether to add to the parameter gradients ({@code +=}) instead of writing them
     * @return dX, {@code (batch, input.size())}, valid until the next backward pass; null when {@code needInput} is
     *         false
     */
    Matrix backward(Matrix dY, boolean needInput, boolean accumulate);

    /** {@return the type name the model file stores, e.g. {@code "dense"}} */
    String type();

    /** {@return the settings the model file stores (besides the input shape), e.g. {@code units=128, init=he}} */
    default Map<String, String> config() {
        return Map.of();
    }
}
