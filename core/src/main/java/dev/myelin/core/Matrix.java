package dev.myelin.core;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;

/**
 * A row-major float32 matrix over off-heap memory.
 *
 * <p>Element {@code (i, j)} lives at element index {@code offset + i * ld + j} of {@link #segment()},
 * where {@code ld >= cols} is the leading dimension (row stride). A {@linkplain #view view} shares
 * its parent's memory and leading dimension, so kernels work on sub-matrices without copying.
 *
 * <p>Memory comes from an {@link Arena}: either one the caller owns ({@link #allocate(Arena, int, int)};
 * the caller closes the arena) or one the matrix owns ({@link #allocate(int, int)}; then
 * {@link #close()} frees it). Owned arenas are shared arenas, so the multi-threaded kernels may
 * touch the memory from their pool. Allocations are 64-byte aligned and zero-filled.
 *
 * <p>Every method checks its arguments and throws with a message that names the argument and its
 * value; access to closed memory throws {@link IllegalStateException}.
 */
public final class Matrix implements AutoCloseable {

    /** Alignment of every allocation, in bytes: one cache line, one 512-bit vector. */
    public static final long ALIGNMENT = 64;

    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private final MemorySegment segment;
    private final long offset;
    private final int rows;
    private final int cols;
    private final int ld;
    private final Arena owned;

    private Matrix(MemorySegment segment, long offset, int rows, int cols, int ld, Arena owned) {
        this.segment = segment;
        this.offset = offset;
        this.rows = rows;
        this.cols = cols;
        this.ld = ld;
        this.owned = owned;
    }

    /**
     * Allocates a zeroed {@code rows x cols} matrix from an arena the caller owns and closes.
     *
     * @param arena the arena the memory comes from; the caller closes it
     * @param rows  the number of rows, {@code >= 1}
     * @param cols  the number of columns, {@code >= 1}
     * @return a contiguous matrix ({@code ld == cols}) of zeros, 64-byte aligned
     */
    public static Matrix allocate(Arena arena, int rows, int cols) {
        if (arena == null) {
            throw new NullPointerException("arena is null");
        }
        checkShape(rows, cols);
        MemorySegment s = arena.allocate(Math.max(1L, (long) rows * cols) * Float.BYTES, ALIGNMENT);
        return new Matrix(s, 0, rows, cols, cols, null);
    }

    /**
     * Allocates a zeroed {@code rows x cols} matrix that owns its memory; {@link #close()} frees it.
     * Use it in try-with-resources.
     *
     * @param rows the number of rows, {@code >= 1}
     * @param cols the number of columns, {@code >= 1}
     * @return a contiguous matrix ({@code ld == cols}) of zeros, 64-byte aligned, that owns its memory
     */
    public static Matrix allocate(int rows, int cols) {
        checkShape(rows, cols);
        Arena arena = Arena.ofShared();
        MemorySegment s = arena.allocate(Math.max(1L, (long) rows * cols) * Float.BYTES, ALIGNMENT);
        return new Matrix(s, 0, rows, cols, cols, arena);
    }

    /**
     * Allocates a {@code rows x cols} matrix from {@code arena} and copies {@code values} (row-major) into it.
     *
     * @param arena  the arena the memory comes from; the caller closes it
     * @param rows   the number of rows, {@code >= 1}
     * @param cols   the number of columns, {@code >= 1}
     * @param values exactly {@code rows * cols} values, row by row
     * @return a contiguous matrix holding {@code values}
     */
    public static Matrix of(Arena arena, int rows, int cols, float... values) {
        Matrix m = allocate(arena, rows, cols);
        m.copyFrom(values);
        return m;
    }

    /**
     * Wraps existing native memory: element {@code (i, j)} is the float at element index
     * {@code offset + i * ld + j} of {@code segment}. The matrix does not own the memory.
     *
     * @param segment native (off-heap) memory large enough for the matrix
     * @param offset  the element index (in floats, not bytes) of element {@code (0, 0)}, {@code >= 0}
     * @param rows    the number of rows, {@code >= 1}
     * @param cols    the number of columns, {@code >= 1}
     * @param ld      the leading dimension: floats from the start of one row to the next, {@code >= cols}
     * @return a matrix over {@code segment}
     * @throws IllegalArgumentException if the segment is a heap segment or too small, or a size is out of range
     */
    public static Matrix wrap(MemorySegment segment, long offset, int rows, int cols, int ld) {
        if (segment == null) {
            throw new NullPointerException("segment is null");
        }
        if (!segment.isNative()) {
            throw new IllegalArgumentException("segment must be native (off-heap), got a heap segment: " + segment);
        }
        checkShape(rows, cols);
        if (ld < cols) {
            throw new IllegalArgumentException("ld (" + ld + ") must be >= cols (" + cols + ")");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        }
        long need = offset + extent(rows, cols, ld);
        if (need * Float.BYTES > segment.byteSize()) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " matrix with ld " + ld + " at offset " + offset
                    + " needs " + need * Float.BYTES + " bytes, segment has " + segment.byteSize());
        }
        return new Matrix(segment, offset, rows, cols, ld, null);
    }

    /**
     * A {@code rows x cols} view whose element {@code (0, 0)} is this matrix's {@code (row, col)}.
     * The view shares memory and leading dimension with this matrix and does not own it.
     *
     * @param row  the row of this matrix where the view starts
     * @param col  the column of this matrix where the view starts
     * @param rows the view's rows, {@code >= 1}
     * @param cols the view's columns, {@code >= 1}
     * @return the view
     * @throws IndexOutOfBoundsException if the view does not lie inside this matrix
     */
    public Matrix view(int row, int col, int rows, int cols) {
        checkShape(rows, cols);
        if (row < 0 || col < 0 || row + (long) rows > this.rows || col + (long) cols > this.cols) {
            throw new IndexOutOfBoundsException("view [" + row + ".." + (row + (long) rows) + ") x [" + col + ".."
                    + (col + (long) cols) + ") lies outside its " + this.rows + "x" + this.cols + " parent");
        }
        return new Matrix(segment, offset + (long) row * ld + col, rows, cols, ld, null);
    }

    /**
     * Rows {@code [row, row + count)} as a view.
     *
     * @param row   the first row
     * @param count the number of rows, {@code >= 1}
     * @return the view of those rows, all columns
     */
    public Matrix rows(int row, int count) {
        return view(row, 0, count, cols);
    }

    /** {@return the number of rows} */
    public int rows() {
        return rows;
    }

    /** {@return the number of columns} */
    public int cols() {
        return cols;
    }

    /** {@return the leading dimension: elements between the starts of two consecutive rows} */
    public int ld() {
        return ld;
    }

    /** {@return the element index of {@code (0, 0)} within {@link #segment()}} */
    public long offset() {
        return offset;
    }

    /** {@return the whole underlying segment (shared by all views of the same allocation)} */
    public MemorySegment segment() {
        return segment;
    }

    /** {@return the number of elements, {@code rows * cols}} */
    public long size() {
        return (long) rows * cols;
    }

    /** {@return true when rows are adjacent in memory ({@code ld == cols} or a single row)} */
    public boolean isContiguous() {
        return ld == cols || rows == 1;
    }

    /** {@return true while the memory is open} */
    public boolean isAlive() {
        return segment.scope().isAlive();
    }

    /**
     * Throws {@link IllegalStateException} naming {@code name} if the memory has been closed.
     *
     * @param name what to call this matrix in the message, e.g. the argument's name
     */
    public void checkAlive(String name) {
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(name + " (" + rows + "x" + cols + ") uses memory that has been closed");
        }
    }

    /**
     * Reads one element.
     *
     * @param i the row, in {@code [0, rows)}
     * @param j the column, in {@code [0, cols)}
     * @return the element {@code (i, j)}
     * @throws IndexOutOfBoundsException if {@code (i, j)} lies outside the matrix
     */
    public float get(int i, int j) {
        checkIndex(i, j);
        return segment.getAtIndex(FLOAT, offset + (long) i * ld + j);
    }

    /**
     * Writes one element.
     *
     * @param i the row, in {@code [0, rows)}
     * @param j the column, in {@code [0, cols)}
     * @param v the new value of element {@code (i, j)}
     * @throws IndexOutOfBoundsException if {@code (i, j)} lies outside the matrix
     */
    public void set(int i, int j, float v) {
        checkIndex(i, j);
        segment.setAtIndex(FLOAT, offset + (long) i * ld + j, v);
    }

    /**
     * Copies {@code src} (row-major, exactly {@code rows * cols} values) into this matrix.
     *
     * @param src the values, row by row
     * @return this matrix
     */
    public Matrix copyFrom(float[] src) {
        if (src == null) {
            throw new NullPointerException("src is null");
        }
        if (src.length != size()) {
            throw new IllegalArgumentException("src has " + src.length + " values, a " + rows + "x" + cols
                    + " matrix needs " + size());
        }
        checkAlive("this matrix");
        for (int i = 0; i < rows; i++) {
            MemorySegment.copy(src, i * cols, segment, FLOAT, (offset + (long) i * ld) * Float.BYTES, cols);
        }
        return this;
    }

    /**
     * Copies this matrix into {@code dst} (row-major, exactly {@code rows * cols} values).
     *
     * @param dst receives the values, row by row
     * @return {@code dst}
     */
    public float[] copyTo(float[] dst) {
        if (dst == null) {
            throw new NullPointerException("dst is null");
        }
        if (dst.length != size()) {
            throw new IllegalArgumentException("dst has " + dst.length + " values, a " + rows + "x" + cols
                    + " matrix holds " + size());
        }
        checkAlive("this matrix");
        for (int i = 0; i < rows; i++) {
            MemorySegment.copy(segment, FLOAT, (offset + (long) i * ld) * Float.BYTES, dst, i * cols, cols);
        }
        return dst;
    }

    /** {@return a new row-major array with this matrix's values} */
    public float[] toArray() {
        if (size() > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("a " + rows + "x" + cols + " matrix does not fit in a Java array");
        }
        return copyTo(new float[(int) size()]);
    }

    /**
     * Sets every element to {@code value}.
     *
     * @param value the value every element gets
     * @return this matrix
     */
    public Matrix fill(float value) {
        checkAlive("this matrix");
        if (isContiguous()) {
            long base = offset * Float.BYTES;
            if (Float.floatToRawIntBits(value) == 0) {
                segment.asSlice(base, size() * Float.BYTES).fill((byte) 0);
            } else {
                for (long e = 0, n = size(); e < n; e++) {
                    segment.setAtIndex(FLOAT, offset + e, value);
                }
            }
            return this;
        }
        for (int i = 0; i < rows; i++) {
            long row = offset + (long) i * ld;
            for (int j = 0; j < cols; j++) {
                segment.setAtIndex(FLOAT, row + j, value);
            }
        }
        return this;
    }

    /**
     * True if this matrix and {@code other} share at least one element of memory. Exact for strided
     * views: two column blocks of one parent that interleave row by row do not overlap.
     *
     * @param other another matrix, possibly over the same memory
     * @return whether a float of memory belongs to both
     */
    public boolean overlaps(Matrix other) {
        // Every matrix is native (allocate and wrap ensure it), so absolute byte addresses compare across
        // segments, even two segments over the same memory. Bytes, not floats: a wrapped segment need not
        // start on a float boundary.
        long a0 = segment.address() + offset * Float.BYTES;
        long b0 = other.segment.address() + other.offset * Float.BYTES;
        long aLd = (long) ld * Float.BYTES;
        long bLd = (long) other.ld * Float.BYTES;
        long aRow = (long) cols * Float.BYTES;
        long bRow = (long) other.cols * Float.BYTES;
        long aEnd = a0 + (rows - 1) * aLd + aRow;
        long bEnd = b0 + (other.rows - 1) * bLd + bRow;
        if (aEnd <= b0 || bEnd <= a0) {
            return false;
        }
        // Walk the rows of this matrix; for each, find the first row of other that could touch it.
        for (int r = 0; r < rows; r++) {
            long s = a0 + r * aLd;
            long e = s + aRow;
            long q = Math.floorDiv(s - bRow - b0, bLd) + 1;     // first q with b0 + q*bLd + bRow > s
            if (q < 0) {
                q = 0;
            }
            if (q < other.rows && b0 + q * bLd < e) {
                return true;
            }
        }
        return false;
    }

    /**
     * True if this is exactly the same view as {@code other}: same memory, origin, shape and stride.
     *
     * @param other another matrix
     * @return whether both address the same elements in the same way
     */
    public boolean sameView(Matrix other) {
        return segment.address() + offset * Float.BYTES == other.segment.address() + other.offset * Float.BYTES
                && rows == other.rows && cols == other.cols && ld == other.ld;
    }

    /** Frees the memory if this matrix owns it ({@link #allocate(int, int)}); otherwise does nothing. */
    @Override
    public void close() {
        if (owned != null && owned.scope().isAlive()) {
            owned.close();
        }
    }

    /** Shape and, for up to 8x8 matrices, the values; larger ones show their corners. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("Matrix ").append(rows).append('x').append(cols);
        if (ld != cols) {
            sb.append(" (ld ").append(ld).append(')');
        }
        if (!isAlive()) {
            return sb.append(" [closed]").toString();
        }
        final int edge = 3;
        boolean cutRows = rows > 8;
        boolean cutCols = cols > 8;
        for (int i = 0; i < rows; i++) {
            if (cutRows && i == edge) {
                sb.append("\n  ...");
                i = rows - edge - 1;
                continue;
            }
            sb.append("\n  [");
            for (int j = 0; j < cols; j++) {
                if (cutCols && j == edge) {
                    sb.append(", ...");
                    j = cols - edge - 1;
                    continue;
                }
                if (j > 0) {
                    sb.append(", ");
                }
                sb.append(String.format(Locale.ROOT, "%10.4g", get(i, j)));
            }
            sb.append(']');
        }
        return sb.toString();
    }

    private void checkIndex(int i, int j) {
        if (i < 0 || i >= rows || j < 0 || j >= cols) {
            throw new IndexOutOfBoundsException("(" + i + ", " + j + ") is outside a " + rows + "x" + cols + " matrix");
        }
    }

    private static void checkShape(int rows, int cols) {
        if (rows <= 0) {
            throw new IllegalArgumentException("rows must be > 0, got " + rows);
        }
        if (cols <= 0) {
            throw new IllegalArgumentException("cols must be > 0, got " + cols);
        }
    }

    /** Elements spanned from (0,0) to the last element inclusive. */
    private static long extent(int rows, int cols, int ld) {
        return (long) (rows - 1) * ld + cols;
    }
}
