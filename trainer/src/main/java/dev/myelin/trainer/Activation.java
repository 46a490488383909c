package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.Locale;
import java.util.Map;

/**
 * An elementwise activation layer, {@code y = f(x)}, {@code dX = f'(.) * dY}, on any input shape (the output
 * has the same shape). ReLU, leaky ReLU and GELU differentiate at the forward input x; sigmoid and tanh at
 * the forward output y (cheaper: no exp).
 */
public final class Activation implements Layer {

    /** Which function. */
    public enum Kind {
        /** {@code y = x}. */
        IDENTITY,
        /** {@code y = max(x, 0)}. */
        RELU,
        /** {@code y = x > 0 ? x : slope * x}. */
        LEAKY_RELU,
        /** {@code y = 1 / (1 + exp(-x))}. */
        SIGMOID,
        /** {@code y = tanh(x)}. */
        TANH,
        /** GELU, tanh form: {@code y = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
        GELU
    }

    private final Kind kind;
    private final float slope;
    private Kernels k;
    private int width;
    private Buffer y;
    private Buffer dX;
    private Matrix x;      // the last forward input
    private Matrix out;    // the last forward output

    private Activation(Kind kind, float slope) {
        this.kind = kind;
        this.slope = slope;
    }

    /** {@return a layer computing {@code y = x}: it changes nothing (but still copies)} */
    public static Activation identity() {
        return new Activation(Kind.IDENTITY, 0);
    }

    /** {@return a ReLU layer, {@code y = max(x, 0)}} */
    public static Activation relu() {
        return new Activation(Kind.RELU, 0);
    }

    /**
     * A leaky ReLU layer, {@code y = x > 0 ? x : slope * x}.
     *
     * @param slope the factor for inputs {@code <= 0}, finite (0.01 is common)
     * @return the layer
     */
    public static Activation leakyRelu(float slope) {
        return new Activation(Kind.LEAKY_RELU, slope);
    }

    /** {@return a logistic sigmoid layer, {@code y = 1 / (1 + exp(-x))}} */
    public static Activation sigmoid() {
        return new Activation(Kind.SIGMOID, 0);
    }

    /** {@return a layer computing {@code y = tanh(x)}} */
    public static Activation tanh() {
        return new Activation(Kind.TANH, 0);
    }

    /** {@return a GELU layer (tanh form, see {@link Kind#GELU})} */
    public static Activation gelu() {
        return new Activation(Kind.GELU, 0);
    }

    /** {@return which function this layer computes} */
    public Kind kind() {
        return kind;
    }

    /** From a model file: the kind by its type name, and the slope of leaky ReLU. */
    static Activation of(String type, Map<String, String> config) {
        Kind kind = Kind.valueOf(type.toUpperCase(Locale.ROOT));
        return new Activation(kind, kind == Kind.LEAKY_RELU ? Layers.floatValue(config, "slope") : 0f);
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.k != null, this);
        this.k = context.kernels();
        this.width = input.size();
        return input;
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
        y = new Buffer(arena, maxBatch, width);
        dX = new Buffer(gradients, maxBatch, width);
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        this.x = x;
        Matrix out = y.rows(x.rows());
        this.out = out;
        apply(out, x);
        return out;
    }

    /** {@code out = f(x)}, element by element. */
    private void apply(Matrix out, Matrix x) {
        switch (kind) {
            case IDENTITY -> k.identityForward(out, x);
            case RELU -> k.reluForward(out, x);
            case LEAKY_RELU -> k.leakyReluForward(out, x, slope);
            case SIGMOID -> k.sigmoidForward(out, x);
            case TANH -> k.tanhForward(out, x);
            case GELU -> k.geluForward(out, x);
        }
    }

    /**
     * For {@link Decoder}: one position's row, {@code (1, C)}, through the same kernel (each element's result depends
     * on that element alone, vector lane or tail).
     */
    Decoder.Step step(Arena arena, int channels) {
        Matrix out = Matrix.allocate(arena, 1, channels);
        return (x, position) -> {
            apply(out, x);
            return out;
        };
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        if (!needInput) {
            return null;
        }
        Matrix dx = dX.rows(dY.rows());
        switch (kind) {
            case IDENTITY -> k.identityBackward(dx, dY);
            case RELU -> k.reluBackward(dx, dY, x);
            case LEAKY_RELU -> k.leakyReluBackward(dx, dY, x, slope);
            case SIGMOID -> k.sigmoidBackward(dx, dY, out);
            case TANH -> k.tanhBackward(dx, dY, out);
            case GELU -> k.geluBackward(dx, dY, x);
        }
        return dx;
    }

    @Override
    public String type() {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public Map<String, String> config() {
        return kind == Kind.LEAKY_RELU ? Map.of("slope", Float.toString(slope)) : Map.of();
    }

    @Override
    public String toString() {
        return switch (kind) {
            case IDENTITY -> "Identity";
            case RELU -> "ReLU";
            case LEAKY_RELU -> "LeakyReLU(" + slope + ")";
            case SIGMOID -> "Sigmoid";
            case TANH -> "Tanh";
            case GELU -> "GELU";
        };
    }
}
