package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;

/**
 * Inverted dropout: while training, each element is kept with probability {@code 1 - rate} and scaled by
 * {@code 1 / (1 - rate)}, or set to 0; in inference it is the identity. Any input shape.
 *
 * <p>The mask is a pure function of this layer's index, the fit loop's pass key (one per micro-batch: the
 * trainer's seed, the epoch, the batch and the replica) and the element's position in the batch: the same
 * run draws the same masks on any backend, thread count or launch, and a run resumed from a checkpoint draws
 * what the uninterrupted run would have. Forward {@code Y = X * M}, backward {@code dX = dY * M}, with M the mask of
 * the last training pass.
 */
public final class Dropout implements Layer {

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final float rate;
    private Context context;
    private int width;
    private Buffer mask;
    private Buffer y;
    private Buffer dX;

    /**
     * Drops each element with probability {@code rate}, {@code 0 <= rate < 1}.
     *
     * @param rate the probability of dropping an element, in [0, 1) (0: the identity)
     */
    public Dropout(float rate) {
        if (!(rate >= 0 && rate < 1)) {
            throw new IllegalArgumentException("rate must be in [0, 1), got " + rate);
        }
        this.rate = rate;
    }

    /** From a model file: {@code rate}. */
    static Dropout of(Map<String, String> config) {
        return new Dropout(Layers.floatValue(config, "rate"));
    }

    /** {@return the probability of dropping an element} */
    public float rate() {
        return rate;
    }

    @Override
    public Shape build(Shape input, Context context) {
        Layers.once(this.context != null, this);
        this.context = context;
        this.width = input.size();
        return input;
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
        mask = new Buffer(arena, maxBatch, width);
        y = new Buffer(arena, maxBatch, width);
        dX = new Buffer(gradients, maxBatch, width);
    }

    @Override
    public Matrix forward(Matrix x, boolean training) {
        if (!training || rate == 0f) {
            return x;
        }
        Matrix m = mask.rows(x.rows());
        drawMask(m, context.index(), context.passKey(), rate);
        Matrix out = y.rows(x.rows());
        context.kernels().mul(out, x, m);
        return out;
    }

    @Override
    public boolean passesGradient() {
        return rate == 0f;      // backward hands dY on as dX when nothing is dropped
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
        if (!needInput) {
            return null;
        }
        if (rate == 0f) {
            return dY;
        }
        Matrix dx = dX.rows(dY.rows());
        context.kernels().mul(dx, dY, mask.rows(dY.rows()));
        return dx;
    }

    /**
     * Writes the mask for one pass: element {@code (i, j)} is {@code 1 / (1 - rate)} when the 24-bit uniform
     * draw {@code u(i * cols + j)} is at least {@code rate * 2^24}, else 0. The draw hashes (layer, key,
     * position) with SplitMix64's finaliser, so it needs no generator state.
     */
    static void drawMask(Matrix m, int layer, long key, float rate) {
        long base = mix(mix(key ^ 0x6A09E667F3BCC909L) + layer * 0x9E3779B97F4A7C15L);
        long threshold = (long) Math.ceil(rate * (double) (1 << 24));
        float keep = (float) (1.0 / (1.0 - rate));
        MemorySegment s = m.segment();
        int cols = m.cols();
        for (int i = 0; i < m.rows(); i++) {
            long row = m.offset() + (long) i * m.ld();
            long position = (long) i * cols;
            for (int j = 0; j < cols; j++) {
                long u = mix(base + (position + j) * 0x9E3779B97F4A7C15L) >>> 40;
                s.setAtIndex(FLOAT, row + j, u >= threshold ? keep : 0f);
            }
        }
    }

    /** SplitMix64's finaliser: a bijection of 64-bit values that scatters nearby inputs. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    @Override
    public String type() {
        return "dropout";
    }

    @Override
    public Map<String, String> config() {
        return Map.of("rate", Float.toString(rate));
    }

    @Override
    public String toString() {
        return "Dropout(" + rate + ")";
    }
}
