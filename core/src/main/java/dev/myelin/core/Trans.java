package dev.myelin.core;

/** Whether a GEMM operand is used as stored ({@link #N}) or transposed ({@link #T}), as BLAS's 'N' and 'T'. */
public enum Trans {
    /** op(X) = X. */
    N,
    /** op(X) = X<sup>T</sup>. */
    T;

    /**
     * Rows of op(x).
     *
     * @param x the stored operand
     * @return the rows of op(x): {@code x.rows()} for {@link #N}, {@code x.cols()} for {@link #T}
     */
    public int rows(Matrix x) {
        return this == N ? x.rows() : x.cols();
    }

    /**
     * Columns of op(x).
     *
     * @param x the stored operand
     * @return the columns of op(x): {@code x.cols()} for {@link #N}, {@code x.rows()} for {@link #T}
     */
    public int cols(Matrix x) {
        return this == N ? x.cols() : x.rows();
    }
}
