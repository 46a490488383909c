package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import java.util.Arrays;

/**
 * Views a batch of samples whose last axis is C, {@code (n, positions * C)} (a channels-last image
 * {@code (H, W, C)} has {@code H * W} positions, a vector {@code (C)} one), as the {@code (n * positions, C)}
 * matrix of one channel vector per row that the normalization kernels take. The same memory, no copy; it
 * needs a batch whose rows follow each other ({@code ld == cols}), as every layer's output buffer does.
 * The view of each row count's last matrix is kept, so a warm training step, which passes the same buffer views
 * each time (a full batch's and the epoch's last, partial one's), creates no objects.
 */
final class ChannelView {

    private final int channels;
    private Matrix[] from = new Matrix[0];     // by row count: the matrix last viewed
    private Matrix[] view = new Matrix[0];     // and its view

    ChannelView(int channels) {
        this.channels = channels;
    }

    /**
     * {@code m} as {@code (m.rows() * m.cols() / C, C)}.
     *
     * @throws IllegalArgumentException naming {@code name} if the rows of {@code m} do not follow each other
     */
    Matrix of(Matrix m, String name) {
        if (m.cols() == channels) {
            return m;                   // one position: already the kernels' layout, any leading dimension
        }
        int n = m.rows();
        if (n >= from.length) {
            from = Arrays.copyOf(from, n + 1);
            view = Arrays.copyOf(view, n + 1);
        }
        if (m != from[n]) {
            if (!m.isContiguous()) {
                throw new IllegalArgumentException(name + " is a view with leading dimension " + m.ld() + " over "
                        + m.cols() + " columns; per-channel normalization needs its rows to follow each other");
            }
            view[n] = Matrix.wrap(m.segment(), m.offset(), Math.toIntExact((long) n * (m.cols() / channels)), channels,
                    channels);
            from[n] = m;
        }
        return view[n];
    }
}
