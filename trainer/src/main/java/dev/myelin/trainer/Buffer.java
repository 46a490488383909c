package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;

/**
 * An off-heap {@code (capacity, cols)} matrix that hands out views of its first rows. Each view is made
 * once per row count and kept, so a warm training step (every batch full, or the same last partial
 * batch every epoch) creates no objects at all.
 */
public final class Buffer {

    private final Matrix full;
    private final Matrix[] views;

    public Buffer(Arena arena, int capacity, int cols) {
        this.full = Matrix.allocate(arena, capacity, cols);
        this.views = new Matrix[capacity + 1];
        views[capacity] = full;
    }

    /** The first {@code n} rows, {@code 1 <= n <= capacity}. */
    public Matrix rows(int n) {
        Matrix v = views[n];
        if (v == null) {
            v = full.rows(0, n);
            views[n] = v;
        }
        return v;
    }

    public int capacity() {
        return full.rows();
    }

    public int cols() {
        return full.cols();
    }
}
