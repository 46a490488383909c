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

    /**
     * A zeroed buffer, for layers' activations and gradients.
     *
     * @param arena    the arena the memory comes from (the model's batch arena)
     * @param capacity the most rows a view may have, {@code >= 1}
     * @param cols     the columns, {@code >= 1}
     */
    public Buffer(Arena arena, int capacity, int cols) {
        this.full = Matrix.allocate(arena, capacity, cols);
        this.views = new Matrix[capacity + 1];
        views[capacity] = full;
    }

    /**
     * The first {@code n} rows, {@code 1 <= n <= capacity}.
     *
     * @param n the number of rows
     * @return the view of the first {@code n} rows, the same object on every call with this {@code n}
     */
    public Matrix rows(int n) {
        Matrix v = views[n];
        if (v == null) {
            v = full.rows(0, n);
            views[n] = v;
        }
        return v;
    }

    /** {@return the most rows a view may have} */
    public int capacity() {
        return full.rows();
    }

    /** {@return the number of columns} */
    public int cols() {
        return full.cols();
    }
}
