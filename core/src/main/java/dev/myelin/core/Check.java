package dev.myelin.core;

/**
 * Argument checks shared by every backend, so that both reject the same inputs with the same
 * messages. Each names the argument and its value and runs before anything is written.
 */
public final class Check {

    private Check() {
    }

    /** {@code m} is non-null and its memory is open. */
    public static void matrix(String name, Matrix m) {
        if (m == null) {
            throw new NullPointerException(name + " is null");
        }
        m.checkAlive(name);
    }

    /** Both are valid and have the same shape. */
    public static void sameShape(String nameX, Matrix x, String nameY, Matrix y) {
        matrix(nameX, x);
        matrix(nameY, y);
        if (x.rows() != y.rows() || x.cols() != y.cols()) {
            throw new IllegalArgumentException(nameX + " is " + shape(x) + " but " + nameY + " is " + shape(y)
                    + "; they must have the same shape");
        }
    }

    /** {@code m} has exactly the given shape. */
    public static void shape(String name, Matrix m, int rows, int cols) {
        matrix(name, m);
        if (m.rows() != rows || m.cols() != cols) {
            throw new IllegalArgumentException(name + " must be " + rows + "x" + cols + ", got " + shape(m));
        }
    }

    /** {@code out} shares no memory with {@code in}. */
    public static void disjoint(String nameOut, Matrix out, String nameIn, Matrix in) {
        if (out.overlaps(in)) {
            throw new IllegalArgumentException("output " + nameOut + " (" + shape(out) + ") overlaps input " + nameIn
                    + " (" + shape(in) + "); use a separate output");
        }
    }

    /** {@code out} is either exactly the view {@code in} (in place) or shares no memory with it. */
    public static void inPlaceOrDisjoint(String nameOut, Matrix out, String nameIn, Matrix in) {
        if (!out.sameView(in) && out.overlaps(in)) {
            throw new IllegalArgumentException("output " + nameOut + " (" + shape(out) + ") partially overlaps input "
                    + nameIn + " (" + shape(in) + "); pass the very same view to work in place, or a separate output");
        }
    }

    /** Checks the arguments of {@link Kernels#gemm}. */
    public static void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB) {
        matrix("C", c);
        matrix("A", a);
        matrix("B", b);
        if (opA == null) {
            throw new NullPointerException("opA is null");
        }
        if (opB == null) {
            throw new NullPointerException("opB is null");
        }
        int m = opA.rows(a);
        int k = opA.cols(a);
        if (opB.rows(b) != k) {
            throw new IllegalArgumentException("op(A) is " + m + "x" + k + " (A " + shape(a) + ", opA=" + opA
                    + ") but op(B) is " + opB.rows(b) + "x" + opB.cols(b) + " (B " + shape(b) + ", opB=" + opB
                    + "); the inner dimensions must agree");
        }
        if (c.rows() != m || c.cols() != opB.cols(b)) {
            throw new IllegalArgumentException("C must be " + m + "x" + opB.cols(b) + " for op(A) " + m + "x" + k
                    + " times op(B) " + k + "x" + opB.cols(b) + ", got " + shape(c));
        }
        disjoint("C", c, "A", a);
        disjoint("C", c, "B", b);
    }

    /** The labels array covers the m rows and every label lies in {@code [0, classes)}. */
    public static void labels(int[] labels, int rows, int classes) {
        if (labels == null) {
            throw new NullPointerException("labels is null");
        }
        if (labels.length < rows) {
            throw new IllegalArgumentException("labels has length " + labels.length + ", needs at least " + rows);
        }
        for (int i = 0; i < rows; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new IllegalArgumentException("label " + labels[i] + " at row " + i + " is outside [0, " + classes + ")");
            }
        }
    }

    /** "rows x cols". */
    public static String shape(Matrix m) {
        return m.rows() + "x" + m.cols() + (m.ld() != m.cols() ? " (ld " + m.ld() + ")" : "");
    }
}
