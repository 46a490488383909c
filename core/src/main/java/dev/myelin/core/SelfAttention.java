package dev.myelin.core;

/**
 * The shape of causal multi-head self-attention over a batch of sequences, for
 * {@link Kernels#attentionForward} and {@link Kernels#attentionBackward}. Q, K, V and the output O are
 * {@code (batch * length, heads * headSize)} matrices: row {@code b * length + t} is token t of sequence b, and
 * head h owns columns {@code [h * headSize, (h + 1) * headSize)}, as a projection's output lays them out (so Q,
 * K and V may be column views of one fused projection). The probabilities P are a
 * {@code (batch * heads * length, length)} matrix: row {@code (b * heads + h) * length + t}, column s is the
 * weight of token s in the output of token t for head h of sequence b.
 *
 * <p>Validated on construction: every size {@code >= 1}, and the row counts and widths within
 * {@code Integer.MAX_VALUE}. The message names the field and its value.
 *
 * @param batch    sequences B
 * @param length   tokens per sequence T
 * @param heads    heads H
 * @param headSize columns per head D
 */
public record SelfAttention(int batch, int length, int heads, int headSize) {

    /**
     * Checks the shape as described above.
     *
     * @throws IllegalArgumentException naming the field and its value if the shape is invalid
     */
    public SelfAttention {
        Conv2d.atLeast("batch", batch, 1);
        Conv2d.atLeast("length", length, 1);
        Conv2d.atLeast("heads", heads, 1);
        Conv2d.atLeast("headSize", headSize, 1);
        within("rows (batch x length)", (long) batch * length);
        within("columns (heads x headSize)", (long) heads * headSize);
        within("probability rows (batch x heads x length)", (long) batch * heads * length);
    }

    private static void within(String what, long count) {
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("the " + what + " are " + count + ", more than a matrix holds ("
                    + Integer.MAX_VALUE + ")");
        }
    }

    /** {@return the rows of Q, K, V and O: {@code batch * length}} */
    public int rows() {
        return batch * length;
    }

    /** {@return the columns of Q, K, V and O: {@code heads * headSize}} */
    public int cols() {
        return heads * headSize;
    }

    /** {@return the rows of P: {@code batch * heads * length}} */
    public int probabilityRows() {
        return batch * heads * length;
    }
}
