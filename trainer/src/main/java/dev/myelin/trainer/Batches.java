package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import java.lang.foreign.MemorySegment;

/** Gathering a batch's rows out of a dataset: plain copies, no kernel (every row is whole). */
final class Batches {

    private Batches() {
    }

    /** {@code dst[i] = src[rows[from + i]]} (or {@code src[from + i]} when {@code rows} is null), row by row. */
    static void gather(Matrix dst, Matrix src, int[] rows, int from, int count) {
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
    static void gatherLabels(int[] dst, int[] labels, int[] rows, int from, int count) {
        if (rows == null) {
            System.arraycopy(labels, from, dst, 0, count);
            return;
        }
        for (int i = 0; i < count; i++) {
            dst[i] = labels[rows[from + i]];
        }
    }
}
