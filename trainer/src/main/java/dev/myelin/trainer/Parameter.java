package dev.myelin.trainer;

import dev.myelin.core.Matrix;

/**
 * A tensor of a layer that lives in its model's slabs. Most are trainable parameters: the value and the gradient
 * are views into the model's two slabs (one block for every value, one of the same layout for every gradient;
 * see {@link Model#values()}). The others are model state ({@link #state}, e.g. batch normalization's running
 * statistics): a value in the model's running-state slab ({@link Model#runningState()}) and no gradient; the
 * optimizer never sees them, the model file and checkpoints keep them. A layer creates both kinds in
 * {@link Layer#build}; the model lays them out and binds the views before {@link Layer#initialize} runs.
 *
 * <p>The backward pass writes {@code grad} with {@code =} (the kernels' "writes" contract), or adds to it
 * when gradients accumulate over micro-batches, so it never needs zeroing between steps.
 */
public final class Parameter {

    private String name;
    private final int rows;
    private final int cols;
    private final boolean trainable;
    private final float minimum;
    private final boolean decays;
    private long offset = -1;
    private Matrix value;
    private Matrix grad;

    /**
     * A {@code rows x cols} parameter named {@code name} within its layer (e.g. {@code "W"}).
     *
     * @param name the name within its layer, not empty
     * @param rows the rows, {@code >= 1}
     * @param cols the columns, {@code >= 1}
     */
    public Parameter(String name, int rows, int cols) {
        this(name, rows, cols, true, Float.NEGATIVE_INFINITY, true);
    }

    /**
     * A trainable parameter that an optimizer set to decay the weights only ({@link Optimizer#decayWeightsOnly()})
     * leaves out of its weight decay: a bias, a normalization's scale and shift, an embedding table (GPT-2's rule, as
     * nanoGPT's parameter groups apply it: decay pulls a value towards 0, which suits the weights of a product, not
     * a shift, a scale that starts at 1, or the vectors a lookup returns).
     *
     * @param name the name within its layer, not empty
     * @param rows the rows, {@code >= 1}
     * @param cols the columns, {@code >= 1}
     * @return the parameter, not yet backed by memory
     */
    public static Parameter withoutDecay(String name, int rows, int cols) {
        return new Parameter(name, rows, cols, true, Float.NEGATIVE_INFINITY, false);
    }

    /**
     * A {@code rows x cols} tensor of model state named {@code name} within its layer (e.g. {@code "running_var"}):
     * not trained, without a gradient, laid out in {@link Model#runningState()} (see {@link Layer#runningState()}).
     * A model file's value for it must be finite and at least {@code minimum}, or the file is refused.
     *
     * @param name    the name within its layer, not empty
     * @param rows    the rows, {@code >= 1}
     * @param cols    the columns, {@code >= 1}
     * @param minimum the least value a stored element may have ({@code 0} for a variance; {@code -Infinity} for no
     *                bound), not NaN
     * @return the state tensor, not yet backed by memory
     */
    public static Parameter state(String name, int rows, int cols, float minimum) {
        if (Float.isNaN(minimum)) {
            throw new IllegalArgumentException("state tensor " + name + ": the minimum must not be NaN");
        }
        return new Parameter(name, rows, cols, false, minimum, false);
    }

    private Parameter(String name, int rows, int cols, boolean trainable, float minimum, boolean decays) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a parameter needs a name, got " + (name == null ? "null" : "\"\""));
        }
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("parameter " + name + " must be at least 1x1, got " + rows + "x" + cols);
        }
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.trainable = trainable;
        this.minimum = minimum;
        this.decays = decays;
    }

    /** {@return whether weight decay applies to it: true for weights, false for {@link #withoutDecay} parameters and state} */
    public boolean decays() {
        return decays;
    }

    /** {@return true for a trainable parameter, false for model state ({@link #state}), which has no gradient} */
    public boolean trainable() {
        return trainable;
    }

    /** {@return the least value a stored element of this state tensor may have; -Infinity for a parameter} */
    public float minimum() {
        return minimum;
    }

    /**
     * {@return the name: the layer's own ({@code "W"}) until the model binds it, then the model-wide
     * {@code "layer1.W"}}
     */
    public String name() {
        return name;
    }

    /** {@return the number of rows} */
    public int rows() {
        return rows;
    }

    /** {@return the number of columns} */
    public int cols() {
        return cols;
    }

    /** {@return the number of values, {@code rows * cols}} */
    public long size() {
        return (long) rows * cols;
    }

    /** {@return the element offset of this parameter within the model's slabs (-1 before the model laid it out)} */
    public long offset() {
        return offset;
    }

    /**
     * {@return the values: a {@code (rows, cols)} view into the model's value slab}
     *
     * @throws IllegalStateException if no model has laid the parameter out yet
     */
    public Matrix value() {
        return bound(value);
    }

    /**
     * {@return dLoss/dvalue of the last backward pass: a {@code (rows, cols)} view into the model's gradient slab}
     *
     * @throws IllegalStateException if no model has laid the parameter out yet, or this is model state (no gradient)
     */
    public Matrix grad() {
        if (!trainable) {
            throw new IllegalStateException(name + " is model state, not trained: it has no gradient");
        }
        return bound(grad);
    }

    /**
     * Called once by the model: the layer's name ({@code "layer1"}) and where this tensor lives in the slabs (for
     * model state: in the running-state slab, {@code grad} null).
     */
    void bind(String layer, long offset, Matrix value, Matrix grad) {
        if (this.value != null) {
            throw new IllegalStateException("parameter " + name + " already belongs to a model; a layer instance can be "
                    + "part of one model only");
        }
        this.name = layer + "." + name;
        this.offset = offset;
        this.value = value;
        this.grad = grad;
    }

    private Matrix bound(Matrix m) {
        if (m == null) {
            throw new IllegalStateException("parameter " + name + " has no memory yet: it is laid out when its model is built");
        }
        return m;
    }

    @Override
    public String toString() {
        return name + " " + rows + "x" + cols;
    }
}
