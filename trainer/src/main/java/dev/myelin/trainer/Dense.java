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
 */
public final class Dense implements Layer {

    private final int outputs;
    private final Init init;
    private Kernels k;
    private int inputs;
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
        if (outputs <= 0) {
            throw new IllegalArgumentException("outputs must be > 0, got " + outputs);
        }
        if (init == null) {
            throw new NullPointerException("init is null");
        }
        this.outputs = outputs;
        this.init = init;
    }

    /**
     * {@code outputs} units with Xavier (Glorot) uniform weights, for tanh, sigmoid and linear outputs.
     *
     * @param outputs the units, {@code >= 1}
     */
    public Dense(int outputs) {
        this(outputs, Init.XAVIER);
    }

    /** From a model file: {@code units} and {@code init}. */
    static Dense of(Map<String, String> config) {
        return new Dense(Layers.intValue(config, "units"), Layers.enumValue(config, "init", Init.class));
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.k != null, this);
        if (input.rank() != 1) {
            throw new IllegalArgumentException("Dense(" + outputs + ") takes a flat input, got shape " + input
                    + "; put a Flatten layer before it");
        }
        this.k = context.kernels();
        this.inputs = input.dim(0);
        w = new Parameter("W", inputs, outputs);
        b = new Parameter("b", 1, outputs);
        return Shape.of(outputs);
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
    public void reserve(Arena arena, int maxBatch) {
        y = new Buffer(arena, maxBatch, outputs);
        dX = new Buffer(arena, maxBatch, inputs);
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        if (training) {
            this.x = x;
        }
        Matrix out = y.rows(x.rows());
        k.gemm(out, x, Trans.N, w.value(), Trans.N, 1f, 0f);    // y = x W
        k.addRowVector(out, b.value());                          // y += b
        return out;
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        float beta = accumulate ? 1f : 0f;
        k.gemm(w.grad(), x, Trans.T, dY, Trans.N, 1f, beta);     // dW = x^T dY (+ dW)
        k.columnSums(b.grad(), dY, beta);                         // db = sum_rows dY (+ db)
        if (!needInput) {
            return null;
        }
        Matrix dx = dX.rows(dY.rows());
        k.gemm(dx, dY, Trans.N, w.value(), Trans.T, 1f, 0f);     // dX = dY W^T
        return dx;
    }

    @Override
    public String type() {
        return "dense";
    }

    @Override
    public Map<String, String> config() {
        return Map.of("units", Integer.toString(outputs), "init", init.name().toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return w == null ? "Dense(" + outputs + ")" : "Dense(" + inputs + "->" + outputs + ")";
    }
}
