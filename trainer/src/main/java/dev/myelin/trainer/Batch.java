package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.Dataset;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One batch's samples gathered out of a dataset: inputs, targets and labels, in buffers reused from batch to
 * batch (the fit loop's micro-batches and {@link Model#evaluate}'s chunks). Plain copies, no kernel (every row
 * is whole); a warm {@link #gather} allocates nothing.
 */
final class Batch {

    private final Buffer x;
    private final Buffer t;
    private final int[] y;
    private Matrix inputs;
    private Matrix targets;
    private int[] labels;

    /** Buffers for up to {@code capacity} samples of {@code inputs} values with {@code outputs} targets each. */
    Batch(Arena arena, int capacity, int inputs, int outputs) {
        this.x = new Buffer(arena, capacity, inputs);
        this.t = new Buffer(arena, capacity, outputs);
        this.y = new int[capacity];
    }

    /** {@return the most samples a batch may have} */
    int capacity() {
        return y.length;
    }

    /**
     * Gathers the samples {@code rows[from .. from + count)} of {@code data} ({@code data}'s rows
     * {@code from .. from + count} when {@code rows} is null), {@code 1 <= count <= capacity}: afterwards
     * {@link #inputs()} is {@code (count, width)}, {@link #targets()} {@code (count, outputs)} or null when
     * {@code data} has none, {@link #labels()} holds the labels in its first {@code count} entries or is null when
     * {@code data} has none.
     */
    void gather(Dataset data, int[] rows, int from, int count) {
        inputs = x.rows(count);
        copyRows(inputs, data.features(), rows, from, count);
        targets = null;
        if (data.targets() != null) {
            targets = t.rows(count);
            copyRows(targets, data.targets(), rows, from, count);
        }
        labels = null;
        if (data.labels() != null) {
            copyLabels(y, data.labels(), rows, from, count);
            labels = y;
        }
    }

    /** {@return the inputs of the last gathered batch} */
    Matrix inputs() {
        return inputs;
    }

    /** {@return the targets of the last gathered batch, or null when its data has none} */
    Matrix targets() {
        return targets;
    }

    /** {@return the labels of the last gathered batch (its first rows), or null when its data has none} */
    int[] labels() {
        return labels;
    }

    /** {@code dst[i] = src[rows[from + i]]} (or {@code src[from + i]} when {@code rows} is null), row by row. */
    private static void copyRows(Matrix dst, Matrix src, int[] rows, int from, int count) {
        MemorySegment s = src.segment();
        MemorySegment d = dst.segment();
        long bytes = (long) src.cols() * Float.BYTES;
        for (int i = 0; i < count; i++) {
            int r = rows == null ? from + i : rows[from + i];
            long at = (src.offset() + (long) r * src.ld()) * Float.BYTES;
            MemorySegment.copy(s, at, d, (dst.offset() + (long) i * dst.ld()) * Float.BYTES, bytes);
        }
    }

    /** {@code dst[i] = labels[rows[from + i]]} (or {@code labels[from + i]} when {@code rows} is null). */
    private static void copyLabels(int[] dst, int[] labels, int[] rows, int from, int count) {
        if (rows == null) {
            System.arraycopy(labels, from, dst, 0, count);
            return;
        }
        for (int i = 0; i < count; i++) {
            dst[i] = labels[rows[from + i]];
        }
    }
}
