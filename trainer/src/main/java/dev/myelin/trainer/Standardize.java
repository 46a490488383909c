package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Input standardisation inside the model, {@code y = (x - mean) / std}, with one mean and standard deviation for
 * every element ({@link #Standardize(float, float)}) or one per feature ({@link #perFeature}); the training data's
 * statistics, fixed: nothing is learned. Keeping it in the model means a saved model takes raw inputs: whoever loads
 * it for prediction needs no statistics of their own (the model file keeps them, as exact decimal strings). Any
 * input shape; per-feature statistics have one value per element of a sample.
 *
 * <p>Computed as {@code y = x}, {@code y += -mean} ({@code addRowVector}), {@code y *= 1 / std}
 * ({@code mulRowVector}): two roundings per element, {@code 1 / std} rounded once to float. Backward:
 * {@code dX = dY / std} (only needed if a trainable layer comes before it, which is unusual).
 */
public final class Standardize implements Layer {

    private final float[] mean;
    private final float[] std;
    private Kernels k;
    private int width;
    private Matrix shift;      // (1, width): -mean
    private Matrix scale;      // (1, width): 1 / std
    private Buffer y;
    private Buffer dX;

    /**
     * Subtracts {@code mean} from every element and divides by {@code std} (finite, {@code std > 0}).
     *
     * @param mean the mean of the training inputs, finite
     * @param std  their standard deviation, finite and {@code > 0}
     */
    public Standardize(float mean, float std) {
        this(new float[] {mean}, new float[] {std});
    }

    private Standardize(float[] mean, float[] std) {
        if (mean.length != std.length || mean.length == 0) {
            throw new IllegalArgumentException("mean and std need the same number of values, at least one; got " + mean.length
                    + " and " + std.length);
        }
        for (int i = 0; i < mean.length; i++) {
            if (!Float.isFinite(mean[i])) {
                throw new IllegalArgumentException("mean must be finite, got " + mean[i] + (mean.length > 1 ? " at feature " + i : ""));
            }
            if (!(std[i] > 0) || !Float.isFinite(std[i])) {
                throw new IllegalArgumentException("std must be positive and finite, got " + std[i]
                        + (std.length > 1 ? " at feature " + i : ""));
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /**
     * One mean and standard deviation per feature (element of a sample), e.g. {@code Dataset.featureStatistics()}'s;
     * a standard deviation of 0 (a constant feature) is taken as 1, so the feature becomes 0.
     *
     * @param mean one mean per feature, each finite
     * @param std  one standard deviation per feature, as many, each finite and {@code >= 0}
     * @return the layer; unless {@code mean} holds a single value, its input must have as many elements
     */
    public static Standardize perFeature(float[] mean, float[] std) {
        float[] s = std.clone();
        for (int i = 0; i < s.length; i++) {
            if (s[i] == 0f) {
                s[i] = 1f;
            }
        }
        return new Standardize(mean, s);
    }

    /** From a model file: {@code mean} and {@code std}, each one value or one per feature, comma-separated. */
    static Standardize of(Map<String, String> config) {
        return new Standardize(floats(config, "mean"), floats(config, "std"));
    }

    private static float[] floats(Map<String, String> config, String key) {
        String[] parts = Layers.value(config, key).split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                v[i] = Float.parseFloat(parts[i]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the layer setting " + key + " holds '" + parts[i] + "', not a number");
            }
        }
        return v;
    }

    /** {@return true if the statistics are per feature, false if one pair serves every element} */
    public boolean isPerFeature() {
        return mean.length > 1;
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.k != null, this);
        if (mean.length > 1 && mean.length != input.size()) {
            throw new IllegalArgumentException("Standardize has statistics for " + mean.length + " features, the input has "
                    + input.size() + " (shape " + input + ")");
        }
        this.k = context.kernels();
        this.width = input.size();
        return input;
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
        shift = Matrix.allocate(arena, 1, width);
        scale = Matrix.allocate(arena, 1, width);
        float[] s = new float[width];
        float[] c = new float[width];
        for (int j = 0; j < width; j++) {
            int f = mean.length > 1 ? j : 0;
            s[j] = -mean[f];
            c[j] = 1f / std[f];
        }
        shift.copyFrom(s);
        scale.copyFrom(c);
        y = new Buffer(arena, maxBatch, width);
        dX = new Buffer(gradients, maxBatch, width);
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        Matrix out = y.rows(x.rows());
        k.copy(out, x);
        k.addRowVector(out, shift);      // y = x + (-mean), one rounding
        k.mulRowVector(out, scale);      // y *= 1 / std, one rounding
        return out;
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        if (!needInput) {
            return null;
        }
        Matrix dx = dX.rows(dY.rows());
        k.copy(dx, dY);
        k.mulRowVector(dx, scale);
        return dx;
    }

    @Override
    public String type() {
        return "standardize";
    }

    @Override
    public Map<String, String> config() {
        return Map.of("mean", join(mean), "std", join(std));
    }

    private static String join(float[] v) {
        StringJoiner j = new StringJoiner(",");
        for (float f : v) {
            j.add(Float.toString(f));
        }
        return j.toString();
    }

    @Override
    public String toString() {
        return mean.length == 1 ? "Standardize(" + mean[0] + ", " + std[0] + ")"
                : "Standardize(per feature, " + mean.length + " features)";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Standardize s && Arrays.equals(mean, s.mean) && Arrays.equals(std, s.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }
}
