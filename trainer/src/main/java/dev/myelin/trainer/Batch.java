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
    private final int capacity;
    private final int positions;
    private final int[] y;
    private Matrix inputs;
    private Matrix targets;
    private int[] labels;

    /**
     * Buffers for up to {@code capacity} samples of {@code inputs} values with {@code outputs} targets and
     * {@code positions} labels each ({@link Model#positions()}).
     */
    Batch(Arena arena, int capacity, int inputs, int outputs, int positions) {
        this.x = new Buffer(arena, capacity, inputs);
        this.t = new Buffer(arena, capacity, outputs);
        this.capacity = capacity;
        this.positions = positions;
        this.y = new int[Math.multiplyExact(capacity, positions)];
    }

    /** {@return the most samples a batch may have} */
    int capacity() {
        return capacity;
    }

    /**
     * Gathers the samples {@code rows[from .. from + count)} of {@code data} ({@code data}'s rows
     * {@code from .. from + count} when {@code rows} is null), {@code 1 <= count <= capacity}: afterwards
     * {@link #inputs()} is {@code (count, width)}, {@link #targets()} {@code (count, outputs)} or null when
     * {@code data} has none, {@link #labels()} holds the labels in its first {@code count * positions} entries (sample
     * after sample) or is null when {@code data} has none. {@code data} has as many labels per sample as this batch
     * was made for (the model's check).
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
            copyLabels(y, data.labels(), positions, rows, from, count);
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

    /**
     * {@return the labels of the last gathered batch (its first {@code count * positions} entries), or null when its
     * data has none}
     */
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

    /**
     * Sample i's {@code p} labels {@code dst[i p .. (i + 1) p) = labels[r p .. (r + 1) p)} for
     * {@code r = rows[from + i]} (or {@code from + i} when {@code rows} is null).
     */
    private static void copyLabels(int[] dst, int[] labels, int p, int[] rows, int from, int count) {
        if (rows == null) {
            System.arraycopy(labels, from * p, dst, 0, count * p);
            return;
        }
        for (int i = 0; i < count; i++) {
            System.arraycopy(labels, rows[from + i] * p, dst, i * p, p);
        }
    }
}
