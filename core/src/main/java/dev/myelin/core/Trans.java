package dev.myelin.core;

/** Whether a GEMM operand is used as stored ({@link #N}) or transposed ({@link #T}), as BLAS's 'N' and 'T'. */
public enum Trans {
    /** op(X) = X. */
    N,
    /** op(X) = X<sup>T</sup>. */
    T;

    /** Rows of op(x). */
    public int rows(Matrix x) {
        return this == N ? x.rows() : x.cols();
    }

    /** Columns of op(x). */
    public int cols(Matrix x) {
        return this == N ? x.cols() : x.rows();
    }
}
