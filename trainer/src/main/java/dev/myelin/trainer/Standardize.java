package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.Map;

/**
 * Input standardisation inside the model, {@code y = (x - mean) / std} for every element (the statistics
 * of the training data, fixed: nothing is learned). Keeping it in the model means a saved model takes raw
 * inputs: whoever loads it for prediction needs no statistics of their own. Any input shape.
 *
 * <p>Computed as {@code y = x + (-mean)}, then {@code y = y * (1 / std)}: two roundings per element, and
 * {@code 1 / std} rounded once to float. Backward: {@code dX = dY / std} (only needed if a trainable
 * layer comes before it, which is unusual).
 */
public final class Standardize implements Layer {

    private final float mean;
    private final float std;
    private final float inverse;
    private Kernels k;
    private int width;
    private Buffer y;
    private Buffer dX;

    /** Subtracts {@code mean} and divides by {@code std} (finite, {@code std > 0}). */
    public Standardize(float mean, float std) {
        if (!Float.isFinite(mean)) {
            throw new IllegalArgumentException("mean must be finite, got " + mean);
        }
        if (!(std > 0) || !Float.isFinite(std)) {
            throw new IllegalArgumentException("std must be positive and finite, got " + std);
        }
        this.mean = mean;
        this.std = std;
        this.inverse = 1f / std;
    }

    /** From a model file: {@code mean} and {@code std}. */
    static Standardize of(Map<String, String> config) {
        return new Standardize(Layers.floatValue(config, "mean"), Layers.floatValue(config, "std"));
    }

    public float mean() {
        return mean;
    }

    public float std() {
        return std;
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.k != null, this);
        this.k = context.kernels();
        this.width = input.size();
        return input;
    }

    @Override
    public void reserve(Arena arena, int maxBatch) {
        y = new Buffer(arena, maxBatch, width);
        dX = new Buffer(arena, maxBatch, width);
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        Matrix out = y.rows(x.rows());
        k.fill(out, -mean);
        k.axpy(out, 1f, x);          // y = x + (-mean), one rounding
        k.scale(out, inverse);       // y *= 1 / std
        return out;
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        if (!needInput) {
            return null;
        }
        Matrix dx = dX.rows(dY.rows());
        k.copy(dx, dY);
        k.scale(dx, inverse);
        return dx;
    }

    @Override
    public String type() {
        return "standardize";
    }

    @Override
    public Map<String, String> config() {
        return Map.of("mean", Float.toString(mean), "std", Float.toString(std));
    }

    @Override
    public String toString() {
        return "Standardize(" + mean + ", " + std + ")";
    }
}
