package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fully connected layer, {@code y = x W + b}. Input shape {@code (in)}, output {@code (out)}: x is (B, in),
 * W is (in, out), b is (1, out), y is (B, out). Backward: {@code dW = x^T dY}, {@code db = column sums of dY},
 * {@code dX = dY W^T}; dW and db are written ({@code =}) or, when accumulating, added to.
 *
 * <p>{@link #perPosition(int, Init)} makes the same layer act on the last axis of any input shape, as PyTorch's
 * {@code Linear}: a sequence {@code (T, in)} gives {@code (T, out)}, each position through the same W and b (a transformer's MLP);
 * the batch is viewed as {@code (B T, in)} and the formulas above apply to it unchanged. A plain Dense layer takes
 * flat inputs only, so that an image forgotten before its Flatten is an error, not a 1x1 convolution.
 */
public final class Dense implements Layer {

    private final int outputs;
    private final Init init;
    private final boolean eachPosition;     // perPosition: over the last axis of any shape
    private Kernels k;
    private int inputs;
    private int width;          // the input's size: positions * inputs
    private int positions;
    private ChannelView xView;  // (B, positions in) as (B positions, in); the identity for one position
    private ChannelView yView;
    private ChannelView dYView;
    private ChannelView dXView;
    private Parameter w;
    private Parameter b;
    private Buffer y;
    private Buffer dX;
    private Matrix x;   // the last training forward input, (B, in): dW needs it

    /**
     * {@code outputs} units, weights drawn from {@code init}, biases 0.
     *
     * @param outputs the units, {@code >= 1}
     * @param init    how the weights are drawn ({@link Init#HE} before a ReLU, {@link Init#XAVIER} otherwise)
     */
    public Dense(int outputs, Init init) {
        this(outputs, init, false);
    }

    private Dense(int outputs, Init init, boolean eachPosition) {
        if (outputs <= 0) {
            throw new IllegalArgumentException("outputs must be > 0, got " + outputs);
        }
        if (init == null) {
            throw new NullPointerException("init is null");
        }
        this.outputs = outputs;
        this.init = init;
        this.eachPosition = eachPosition;
    }

    /**
     * A Dense layer of {@code outputs} units applied to each position of its input: over the last axis, so an input
     * {@code (..., in)} gives {@code (..., outputs)} (see the class comment).
     *
     * @param outputs the units, {@code >= 1}
     * @param init    how the weights are drawn
     * @return the layer
     */
    public static Dense perPosition(int outputs, Init init) {
        return new Dense(outputs, init, true);
    }

    /** {@return whether this layer acts on each position of its input's last axis ({@link #perPosition(int, Init)})} */
    public boolean isPerPosition() {
        return eachPosition;
    }

    /**
     * {@code outputs} units with Xavier (Glorot) uniform weights, for tanh, sigmoid and linear outputs.
     *
     * @param outputs the units, {@code >= 1}
     */
    public Dense(int outputs) {
        this(outputs, Init.XAVIER);
    }

    /** From a model file: {@code units}, {@code init} and {@code per_position} (absent in older files: flat). */
    static Dense of(Map<String, String> config) {
        String each = config.getOrDefault("per_position", "false");
        if (!each.equals("true") && !each.equals("false")) {
            throw new IllegalArgumentException("the layer setting per_position=" + each + " is not true or false");
        }
        return new Dense(Layers.intValue(config, "units"), Layers.enumValue(config, "init", Init.class), each.equals("true"));
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.k != null, this);
        if (input.rank() != 1 && !eachPosition) {
            throw new IllegalArgumentException("Dense(" + outputs + ") takes a flat input, got shape " + input
                    + "; put a Flatten layer before it");
        }
        this.k = context.kernels();
        this.inputs = input.dim(input.rank() - 1);
        this.width = input.size();
        this.positions = width / inputs;
        w = new Parameter("W", inputs, outputs);
        b = Parameter.withoutDecay("b", 1, outputs);
        xView = new ChannelView(inputs);
        yView = new ChannelView(outputs);
        dYView = new ChannelView(outputs);
        dXView = new ChannelView(inputs);
        int[] dims = input.dims();
        dims[dims.length - 1] = outputs;
        return Shape.of(dims);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(w, b);
    }

    @Override
    public void initialize(SplittableRandom rnd) {
        w.value().copyFrom(init.sample(inputs, outputs, rnd));
        b.value().fill(0f);
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
        y = new Buffer(arena, maxBatch, Math.multiplyExact(positions, outputs));
        dX = new Buffer(gradients, maxBatch, width);
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        Matrix out = y.rows(x.rows());
        Matrix xs = xView.of(x, "the input");
        Matrix ys = yView.of(out, "the output");
        if (training) {
            this.x = xs;
        }
        apply(ys, xs);
        return out;
    }

    /** {@code y = x W + b} on rows of {@code inputs} values (a batch, or a batch's positions). */
    private void apply(Matrix ys, Matrix xs) {
        k.gemm(ys, xs, Trans.N, w.value(), Trans.N, 1f, 0f);     // y = x W
        k.addRowVector(ys, b.value());                           // y += b
    }

    /**
     * For {@link Decoder}: one position's row, {@code (1, in)} to {@code (1, out)}, through the same GEMM and bias (each
     * element of a GEMM depends on its k alone, not on the rows around it: the same bits as the whole sample's).
     */
    Decoder.Step step(Arena arena) {
        Matrix out = Matrix.allocate(arena, 1, outputs);
        return (x, position) -> {
            apply(out, x);
            return out;
        };
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        float beta = accumulate ? 1f : 0f;
        Matrix dYs = dYView.of(dY, "dY");
        k.gemm(w.grad(), x, Trans.T, dYs, Trans.N, 1f, beta);    // dW = x^T dY (+ dW)
        k.columnSums(b.grad(), dYs, beta);                        // db = sum_rows dY (+ db)
        if (!needInput) {
            return null;
        }
        Matrix dx = dX.rows(dY.rows());
        k.gemm(dXView.of(dx, "dX"), dYs, Trans.N, w.value(), Trans.T, 1f, 0f);     // dX = dY W^T
        return dx;
    }

    @Override
    public String type() {
        return "dense";
    }

    @Override
    public Map<String, String> config() {
        String units = Integer.toString(outputs);
        String initName = init.name().toLowerCase(Locale.ROOT);
        return eachPosition ? Map.of("units", units, "init", initName, "per_position", "true")
                : Map.of("units", units, "init", initName);     // an older file, without the setting, is flat
    }

    @Override
    public String toString() {
        String each = eachPosition ? ", per position" : "";
        return w == null ? "Dense(" + outputs + each + ")" : "Dense(" + inputs + "->" + outputs + each + ")";
    }
}
