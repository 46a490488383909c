package dev.myelin.core;

/**
 * The argument checks of {@link Kernels}, the one place where kernel arguments are checked, so that every
 * backend rejects the same inputs with the same messages. Each names the argument and its value and runs
 * before the backend is called, so before anything is written.
 */
final class Check {

    private Check() {
    }

    /** {@code m} is non-null and its memory is open. */
    static void matrix(String name, Matrix m) {
        if (m == null) {
            throw new NullPointerException(name + " is null");
        }
        m.checkAlive(name);
    }

    /** Both are valid and have the same shape. */
    static void sameShape(String nameX, Matrix x, String nameY, Matrix y) {
        matrix(nameX, x);
        matrix(nameY, y);
        if (x.rows() != y.rows() || x.cols() != y.cols()) {
            throw new IllegalArgumentException(nameX + " is " + shape(x) + " but " + nameY + " is " + shape(y)
                    + "; they must have the same shape");
        }
    }

    /** {@code out} shares no memory with {@code in}. */
    static void disjoint(String nameOut, Matrix out, String nameIn, Matrix in) {
        if (out.overlaps(in)) {
            throw new IllegalArgumentException("output " + nameOut + " (" + shape(out) + ") overlaps input " + nameIn
                    + " (" + shape(in) + "); use a separate output");
        }
    }

    /** {@code out} is either exactly the view {@code in} (in place) or shares no memory with it. */
    static void inPlaceOrDisjoint(String nameOut, Matrix out, String nameIn, Matrix in) {
        if (!out.sameView(in) && out.overlaps(in)) {
            throw new IllegalArgumentException("output " + nameOut + " (" + shape(out) + ") partially overlaps input "
                    + nameIn + " (" + shape(in) + "); pass the very same view to work in place, or a separate output");
        }
    }

    /** Checks the arguments of {@link Kernels#gemm}. */
    static void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB) {
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
    static void labels(int[] labels, int rows, int classes) {
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
    static String shape(Matrix m) {
        return m.rows() + "x" + m.cols() + (m.ld() != m.cols() ? " (ld " + m.ld() + ")" : "");
    }
    // ---------------------------------------------------------------- non-GEMM kernels

    /** {@code out} and {@code in} are valid and have the same shape; out is the very same view as in, or disjoint. */
    static void elementwise(String nameOut, Matrix out, String nameIn, Matrix in) {
        sameShape(nameOut, out, nameIn, in);
        inPlaceOrDisjoint(nameOut, out, nameIn, in);
    }

    /**
     * The buffers are valid, all have the shape of the first, and no two share memory: the parameter,
     * state and gradient buffers of an optimizer, none of which may alias another. Each buffer follows
     * its name. Fixed arities, not varargs: an optimizer calls this for every parameter on every step,
     * and a varargs array would be allocated on every call.
     */
    static void buffers(String n0, Matrix b0, String n1, Matrix b1, String n2, Matrix b2) {
        sameShape(n0, b0, n1, b1);
        sameShape(n0, b0, n2, b2);
        notShared(n0, b0, n1, b1);
        notShared(n0, b0, n2, b2);
        notShared(n1, b1, n2, b2);
    }

    /** As {@link #buffers(String, Matrix, String, Matrix, String, Matrix)} for four buffers. */
    static void buffers(String n0, Matrix b0, String n1, Matrix b1, String n2, Matrix b2, String n3, Matrix b3) {
        sameShape(n0, b0, n1, b1);
        sameShape(n0, b0, n2, b2);
        sameShape(n0, b0, n3, b3);
        notShared(n0, b0, n1, b1);
        notShared(n0, b0, n2, b2);
        notShared(n0, b0, n3, b3);
        notShared(n1, b1, n2, b2);
        notShared(n1, b1, n3, b3);
        notShared(n2, b2, n3, b3);
    }

    /** Two buffers of {@link #buffers} share no memory. */
    private static void notShared(String nameA, Matrix a, String nameB, Matrix b) {
        if (a.overlaps(b)) {
            throw new IllegalArgumentException(nameA + " (" + shape(a) + ") and " + nameB + " (" + shape(b)
                    + ") share memory; each buffer needs its own");
        }
    }

    /** {@code v} is {@code rows x 1} for an {@code x} of {@code rows} rows: one value per row. */
    static void column(String name, Matrix v, String nameX, Matrix x) {
        matrix(nameX, x);
        matrix(name, v);
        if (v.rows() != x.rows() || v.cols() != 1) {
            throw new IllegalArgumentException(name + " must be " + x.rows() + "x1 (one value per row of " + nameX
                    + " " + shape(x) + "), got " + shape(v));
        }
    }

    /** {@code v} is {@code 1 x cols} for an {@code x} of {@code cols} columns: one value per column. */
    static void row(String name, Matrix v, String nameX, Matrix x) {
        matrix(nameX, x);
        matrix(name, v);
        if (v.rows() != 1 || v.cols() != x.cols()) {
            throw new IllegalArgumentException(name + " must be 1x" + x.cols() + " (one value per column of " + nameX
                    + " " + shape(x) + "), got " + shape(v));
        }
    }

    /** The index array is non-null and holds one entry per row of {@code x}. */
    static void indices(String name, int[] index, Matrix x) {
        if (index == null) {
            throw new NullPointerException(name + " is null");
        }
        if (index.length < x.rows()) {
            throw new IllegalArgumentException(name + " has length " + index.length + ", needs at least " + x.rows()
                    + " (one per row of a " + shape(x) + " matrix)");
        }
    }

    /** {@code value} is finite (not NaN, not infinite). */
    static void finite(String name, float value) {
        if (!Float.isFinite(value)) {
            throw new IllegalArgumentException(name + " must be finite, got " + value);
        }
    }

    /** {@code value} is finite and {@code >= 0}. */
    static void nonNegative(String name, float value) {
        if (!(Float.isFinite(value) && value >= 0)) {
            throw new IllegalArgumentException(name + " must be finite and >= 0, got " + value);
        }
    }

    /** {@code value} is finite and {@code > 0}. */
    static void positive(String name, float value) {
        if (!(Float.isFinite(value) && value > 0)) {
            throw new IllegalArgumentException(name + " must be finite and > 0, got " + value);
        }
    }

    /** {@code value} lies in {@code [0, 1)}: a moment decay rate. */
    static void decay(String name, float value) {
        if (!(value >= 0 && value < 1)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), got " + value);
        }
    }

    /** An optimizer step counts from 1. */
    static void step(int step) {
        if (step < 1) {
            throw new IllegalArgumentException("step counts from 1, got " + step);
        }
    }

    /**
     * Checks a backward kernel {@code dX = f(dY, saved)}: all three the same shape, dX the very same view
     * as dY or as the saved forward value, or disjoint from it.
     */
    static void backward(Matrix dX, Matrix dY, String nameSaved, Matrix saved) {
        elementwise("dX", dX, "dY", dY);
        elementwise("dX", dX, nameSaved, saved);
    }

    /** Checks the arguments of {@link Kernels#sgdUpdate}. */
    static void sgd(Matrix w, Matrix v, Matrix dW, float lr, float momentum, float weightDecay, boolean nesterov) {
        buffers("W", w, "V", v, "dW", dW);
        nonNegative("lr", lr);
        nonNegative("momentum", momentum);
        nonNegative("weightDecay", weightDecay);
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("nesterov needs momentum > 0, got momentum " + momentum);
        }
    }

    /** Checks the arguments of {@link Kernels#adamUpdate} and {@link Kernels#adamwUpdate}. */
    static void adam(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                            float weightDecay, int step) {
        buffers("W", w, "M", mom, "V", vel, "dW", dW);
        nonNegative("lr", lr);
        decay("beta1", beta1);
        decay("beta2", beta2);
        positive("eps", eps);
        nonNegative("weightDecay", weightDecay);
        step(step);
    }

    // ---------------------------------------------------------------- convolution and pooling

    /** The geometry is non-null. */
    static void geometry(Object g) {
        if (g == null) {
            throw new NullPointerException("g is null");
        }
    }

    /**
     * {@code m} holds one image per row, {@code cols} columns each, and as many rows as {@code nameBatch} has
     * ({@code batch}). {@code g} is a {@link Conv2d} or {@link Pool2d} and {@code output} says which of its
     * images m holds: they only make the message, which is built on failure alone (a warm call allocates
     * nothing).
     */
    static void images(String name, Matrix m, int cols, Object g, boolean output, String nameBatch, int batch) {
        if (m.cols() != cols) {
            throw new IllegalArgumentException(name + " must have " + cols + " columns (" + describe(g, output) + "), got "
                    + shape(m));
        }
        if (m.rows() != batch) {
            throw new IllegalArgumentException(name + " is " + shape(m) + " but " + nameBatch + " has " + batch
                    + " rows; both hold one image per row, so they need the same number of rows (the batch)");
        }
    }

    /** "height 28 x width 28 x channels 1": the factors of an image's columns. */
    private static String describe(Object g, boolean output) {
        if (g instanceof Conv2d c) {
            return output ? "outHeight " + c.outHeight() + " x outWidth " + c.outWidth() + " x filters " + c.filters()
                    : "height " + c.height() + " x width " + c.width() + " x channels " + c.channels();
        }
        Pool2d p = (Pool2d) g;
        return output ? "outHeight " + p.outHeight() + " x outWidth " + p.outWidth() + " x channels " + p.channels()
                : "height " + p.height() + " x width " + p.width() + " x channels " + p.channels();
    }

    /** W is {@code (kernelHeight * kernelWidth * channels, filters)}. */
    static void filters(String name, Matrix w, Conv2d g) {
        if (w.rows() != g.filterRows() || w.cols() != g.filters()) {
            throw new IllegalArgumentException(name + " must be " + g.filterRows() + "x" + g.filters() + " (kernelHeight "
                    + g.kernelHeight() + " x kernelWidth " + g.kernelWidth() + " x channels " + g.channels()
                    + " rows, filters " + g.filters() + " columns), got " + shape(w));
        }
    }

    /** A bias (or its gradient) is {@code (1, filters)}. */
    static void bias(String name, Matrix b, Conv2d g) {
        if (b.rows() != 1 || b.cols() != g.filters()) {
            throw new IllegalArgumentException(name + " must be 1x" + g.filters() + " (one value per filter, filters "
                    + g.filters() + "), got " + shape(b));
        }
    }

    /** {@code beta} is 0 (overwrite) or 1 (accumulate). */
    static void zeroOrOne(String name, float beta) {
        if (beta != 0 && beta != 1) {
            throw new IllegalArgumentException(name + " must be 0 (overwrite) or 1 (accumulate), got " + beta);
        }
    }

    /** Checks the arguments of {@link Kernels#conv2dForward}. */
    static void conv2dForward(Matrix y, Matrix x, Matrix w, Matrix b, Conv2d g) {
        geometry(g);
        matrix("Y", y);
        matrix("X", x);
        matrix("W", w);
        matrix("b", b);
        images("X", x, g.inputColumns(), g, false, "X", x.rows());
        images("Y", y, g.outputColumns(), g, true, "X", x.rows());
        filters("W", w, g);
        bias("b", b, g);
        disjoint("Y", y, "X", x);
        disjoint("Y", y, "W", w);
        disjoint("Y", y, "b", b);
    }

    /** Checks the arguments of {@link Kernels#conv2dBackwardInput}. */
    static void conv2dBackwardInput(Matrix dX, Matrix dY, Matrix w, Conv2d g) {
        geometry(g);
        matrix("dX", dX);
        matrix("dY", dY);
        matrix("W", w);
        images("dY", dY, g.outputColumns(), g, true, "dY", dY.rows());
        images("dX", dX, g.inputColumns(), g, false, "dY", dY.rows());
        filters("W", w, g);
        disjoint("dX", dX, "dY", dY);
        disjoint("dX", dX, "W", w);
    }

    /** Checks the arguments of {@link Kernels#conv2dBackwardFilter}. */
    static void conv2dBackwardFilter(Matrix dW, Matrix db, Matrix dY, Matrix x, Conv2d g, float beta) {
        geometry(g);
        matrix("dW", dW);
        matrix("db", db);
        matrix("dY", dY);
        matrix("X", x);
        images("X", x, g.inputColumns(), g, false, "X", x.rows());
        images("dY", dY, g.outputColumns(), g, true, "X", x.rows());
        filters("dW", dW, g);
        bias("db", db, g);
        zeroOrOne("beta", beta);
        disjoint("dW", dW, "dY", dY);
        disjoint("dW", dW, "X", x);
        disjoint("db", db, "dY", dY);
        disjoint("db", db, "X", x);
        notShared("dW", dW, "db", db);
    }

    /** Checks the arguments of a pooling forward kernel. */
    static void poolForward(Matrix y, Matrix x, Pool2d g) {
        geometry(g);
        matrix("Y", y);
        matrix("X", x);
        images("X", x, g.inputColumns(), g, false, "X", x.rows());
        images("Y", y, g.outputColumns(), g, true, "X", x.rows());
        disjoint("Y", y, "X", x);
    }

    /** Checks the arguments of {@link Kernels#maxPool2dBackward}. */
    static void maxPoolBackward(Matrix dX, Matrix dY, Matrix x, Pool2d g) {
        geometry(g);
        matrix("dX", dX);
        matrix("dY", dY);
        matrix("X", x);
        images("X", x, g.inputColumns(), g, false, "X", x.rows());
        images("dY", dY, g.outputColumns(), g, true, "X", x.rows());
        images("dX", dX, g.inputColumns(), g, false, "X", x.rows());
        disjoint("dX", dX, "dY", dY);
        disjoint("dX", dX, "X", x);
    }

    /** Checks the arguments of {@link Kernels#avgPool2dBackward}. */
    static void avgPoolBackward(Matrix dX, Matrix dY, Pool2d g) {
        geometry(g);
        matrix("dX", dX);
        matrix("dY", dY);
        images("dY", dY, g.outputColumns(), g, true, "dY", dY.rows());
        images("dX", dX, g.inputColumns(), g, false, "dY", dY.rows());
        disjoint("dX", dX, "dY", dY);
    }

    // ---------------------------------------------------------------- normalization

    /** Checks the arguments of {@link Kernels#batchNormStatistics}. */
    static void batchNormStatistics(Matrix mean, Matrix var, Matrix x) {
        row("mean", mean, "X", x);
        row("var", var, "X", x);
        disjoint("mean", mean, "X", x);
        disjoint("var", var, "X", x);
        disjoint("mean", mean, "var", var);
    }

    /** Checks the arguments of {@link Kernels#batchNormForward}, but eps. */
    static void batchNormForward(Matrix y, Matrix x, Matrix mean, Matrix var, Matrix gamma, Matrix beta) {
        elementwise("Y", y, "X", x);
        row("mean", mean, "X", x);
        row("var", var, "X", x);
        row("gamma", gamma, "X", x);
        row("beta", beta, "X", x);
        disjoint("Y", y, "mean", mean);
        disjoint("Y", y, "var", var);
        disjoint("Y", y, "gamma", gamma);
        disjoint("Y", y, "beta", beta);
    }

    /** Checks the arguments of {@link Kernels#batchNormRunningUpdate}. */
    static void runningUpdate(Matrix runningMean, Matrix runningVar, Matrix mean, Matrix var, int count, float momentum) {
        matrix("mean", mean);
        if (mean.rows() != 1) {
            throw new IllegalArgumentException("mean must be one row (one value per channel), got " + shape(mean));
        }
        row("runningMean", runningMean, "mean", mean);
        row("runningVar", runningVar, "mean", mean);
        row("var", var, "mean", mean);
        notShared("runningMean", runningMean, "runningVar", runningVar);
        disjoint("runningMean", runningMean, "mean", mean);
        disjoint("runningMean", runningMean, "var", var);
        disjoint("runningVar", runningVar, "mean", mean);
        disjoint("runningVar", runningVar, "var", var);
        if (count < 2) {
            throw new IllegalArgumentException("count must be at least 2 (the unbiased variance divides by count - 1),"
                    + " got " + count);
        }
        if (!(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1], got " + momentum);
        }
    }

    /** Checks the arguments of {@link Kernels#layerNormForward}, but eps. */
    static void layerNormForward(Matrix y, Matrix mean, Matrix rstd, Matrix x, Matrix gamma, Matrix beta) {
        elementwise("Y", y, "X", x);
        column("mean", mean, "X", x);
        column("rstd", rstd, "X", x);
        row("gamma", gamma, "X", x);
        row("beta", beta, "X", x);
        disjoint("Y", y, "gamma", gamma);
        disjoint("Y", y, "beta", beta);
        statisticsOut("mean", mean, y, x, gamma, beta);
        statisticsOut("rstd", rstd, y, x, gamma, beta);
        disjoint("mean", mean, "rstd", rstd);
    }

    /** A statistic that a layer normalization writes shares no memory with Y, X, gamma or beta. */
    private static void statisticsOut(String name, Matrix s, Matrix y, Matrix x, Matrix gamma, Matrix beta) {
        disjoint(name, s, "Y", y);
        disjoint(name, s, "X", x);
        disjoint(name, s, "gamma", gamma);
        disjoint(name, s, "beta", beta);
    }

    /**
     * Checks the arguments of {@link Kernels#batchNormBackward} ({@code perRow} false: the statistics a and b are
     * one value per column) and {@link Kernels#layerNormBackward} (true: one value per row), but eps and beta.
     */
    static void normalizeBackward(Matrix dX, Matrix dGamma, Matrix dBeta, Matrix dY, Matrix x, String nameA, Matrix a,
                                  String nameB, Matrix b, Matrix gamma, boolean perRow) {
        backward(dX, dY, "X", x);
        if (perRow) {
            column(nameA, a, "X", x);
            column(nameB, b, "X", x);
        } else {
            row(nameA, a, "X", x);
            row(nameB, b, "X", x);
        }
        row("gamma", gamma, "X", x);
        row("dGamma", dGamma, "X", x);
        row("dBeta", dBeta, "X", x);
        disjoint("dX", dX, nameA, a);
        disjoint("dX", dX, nameB, b);
        disjoint("dX", dX, "gamma", gamma);
        disjoint("dX", dX, "dGamma", dGamma);
        disjoint("dX", dX, "dBeta", dBeta);
        parameterGradient("dGamma", dGamma, dY, x, nameA, a, nameB, b, gamma);
        parameterGradient("dBeta", dBeta, dY, x, nameA, a, nameB, b, gamma);
        disjoint("dGamma", dGamma, "dBeta", dBeta);
    }

    /** A parameter gradient of a normalization shares no memory with any input. */
    private static void parameterGradient(String name, Matrix d, Matrix dY, Matrix x, String nameA, Matrix a,
                                          String nameB, Matrix b, Matrix gamma) {
        disjoint(name, d, "dY", dY);
        disjoint(name, d, "X", x);
        disjoint(name, d, nameA, a);
        disjoint(name, d, nameB, b);
        disjoint(name, d, "gamma", gamma);
    }
    // ---------------------------------------------------------------- sequences: embeddings, self-attention

    /** Every one of the first {@code count} ids lies in {@code [0, vocabulary)}; the array holds at least {@code count}. */
    static void ids(int[] ids, int count, int vocabulary) {
        if (ids == null) {
            throw new NullPointerException("ids is null");
        }
        if (ids.length < count) {
            throw new IllegalArgumentException("ids has length " + ids.length + ", needs at least " + count
                    + " (one per row)");
        }
        for (int i = 0; i < count; i++) {
            if (ids[i] < 0 || ids[i] >= vocabulary) {
                throw new IllegalArgumentException("id " + ids[i] + " at position " + i + " is outside [0, " + vocabulary
                        + ") (the table's rows)");
            }
        }
    }

    /** Checks the arguments of {@link Kernels#embeddingForward}. */
    static void embeddingForward(Matrix y, Matrix table, int[] ids) {
        matrix("Y", y);
        matrix("table", table);
        if (y.cols() != table.cols()) {
            throw new IllegalArgumentException("Y is " + shape(y) + " but table is " + shape(table)
                    + "; they need the same columns (the embedding width)");
        }
        ids(ids, y.rows(), table.rows());
        disjoint("Y", y, "table", table);
    }

    /** Checks the arguments of {@link Kernels#embeddingBackward}. */
    static void embeddingBackward(Matrix dTable, Matrix dY, int[] ids, float beta) {
        matrix("dTable", dTable);
        matrix("dY", dY);
        if (dY.cols() != dTable.cols()) {
            throw new IllegalArgumentException("dY is " + shape(dY) + " but dTable is " + shape(dTable)
                    + "; they need the same columns (the embedding width)");
        }
        ids(ids, dY.rows(), dTable.rows());
        zeroOrOne("beta", beta);
        disjoint("dTable", dTable, "dY", dY);
    }

    /** {@code m} is {@code (batch * length, heads * headSize)}. */
    private static void tokens(String name, Matrix m, SelfAttention g) {
        matrix(name, m);
        if (m.rows() != g.rows() || m.cols() != g.cols()) {
            throw new IllegalArgumentException(name + " must be " + g.rows() + "x" + g.cols() + " (batch " + g.batch()
                    + " x length " + g.length() + " rows, heads " + g.heads() + " x headSize " + g.headSize()
                    + " columns), got " + shape(m));
        }
    }

    /** {@code p} is {@code (batch * heads * length, length)}. */
    private static void probabilities(Matrix p, SelfAttention g) {
        matrix("P", p);
        if (p.rows() != g.probabilityRows() || p.cols() != g.length()) {
            throw new IllegalArgumentException("P must be " + g.probabilityRows() + "x" + g.length() + " (batch "
                    + g.batch() + " x heads " + g.heads() + " x length " + g.length() + " rows, length " + g.length()
                    + " columns), got " + shape(p));
        }
    }

    /** Checks the arguments of {@link Kernels#attentionForward}. */
    static void attentionForward(Matrix o, Matrix p, Matrix q, Matrix k, Matrix v, SelfAttention g, float scale) {
        geometry(g);
        tokens("O", o, g);
        probabilities(p, g);
        tokens("Q", q, g);
        tokens("K", k, g);
        tokens("V", v, g);
        finite("scale", scale);
        disjoint("O", o, "Q", q);
        disjoint("O", o, "K", k);
        disjoint("O", o, "V", v);
        disjoint("P", p, "Q", q);
        disjoint("P", p, "K", k);
        disjoint("P", p, "V", v);
        notShared("O", o, "P", p);
    }

    /** Checks the arguments of {@link Kernels#attentionBackward}. */
    static void attentionBackward(Matrix dQ, Matrix dK, Matrix dV, Matrix dO, Matrix q, Matrix k, Matrix v, Matrix p,
                                  SelfAttention g, float scale) {
        geometry(g);
        tokens("dQ", dQ, g);
        tokens("dK", dK, g);
        tokens("dV", dV, g);
        tokens("dO", dO, g);
        tokens("Q", q, g);
        tokens("K", k, g);
        tokens("V", v, g);
        probabilities(p, g);
        finite("scale", scale);
        notShared("dQ", dQ, "dK", dK);
        notShared("dQ", dQ, "dV", dV);
        notShared("dK", dK, "dV", dV);
        gradientReadsNothing("dQ", dQ, dO, q, k, v, p);
        gradientReadsNothing("dK", dK, dO, q, k, v, p);
        gradientReadsNothing("dV", dV, dO, q, k, v, p);
    }

    /** An attention gradient shares no memory with any input of the backward pass (no array: a warm call allocates nothing). */
    private static void gradientReadsNothing(String name, Matrix out, Matrix dO, Matrix q, Matrix k, Matrix v, Matrix p) {
        disjoint(name, out, "dO", dO);
        disjoint(name, out, "Q", q);
        disjoint(name, out, "K", k);
        disjoint(name, out, "V", v);
        disjoint(name, out, "P", p);
    }
}
