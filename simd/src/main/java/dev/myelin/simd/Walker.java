package dev.myelin.simd;

import static dev.myelin.simd.Elementwise.row;
import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Matrix;

/**
 * The one loop over the rows or elements of the element-wise and row kernels' operands: each such kernel is a
 * {@link Kernel} whose range function computes {@code n} elements (or one row of n) at byte offsets of its
 * operands' segments, and this class walks the operands and calls it. Contiguous operands are walked as one range
 * of {@code m * n} elements (so narrow matrices still fill whole vectors); views with a leading dimension, and the
 * row kernels ({@link Kernel#rows}), a row at a time. An operand of one row, where the walk has more, is the same
 * row for every row of the walk (the row vector of addRowVector and mulRowVector).
 *
 * <p>Large walks are split over the kernels' pool: each chunk is a contiguous range of the elements (cut at
 * multiples of the vector length) or of the rows. Each element gets the same float operations whichever chunk and
 * thread compute it, so the results are bit for bit those of one thread. A walk below {@link #MIN_ELEMENTS} elements
 * of work ({@link Kernel#weight}), or on a pool of one thread, or over memory the workers cannot reach, runs as one
 * chunk on the calling thread. The job is a reused per-thread object: a warm call allocates nothing.
 *
 * <p>The range functions take segments, byte offsets, a count and float scalars, never a vector: the call from
 * the walk to the kernel is not inlined when the walk has seen many kernels, and a vector passed through such a
 * call is boxed (see {@link Elementwise}). The kernels that reduce (the losses) add their range's sum to the job's,
 * in row order; they are never split, so the order is that of one thread.
 *
 * <p>Outside this loop: GEMM, the convolutions and pooling (their own jobs), and the kernels that sum down columns,
 * one lane per column adding the rows in order inside a loop over the columns: {@link Elementwise#columnSums}, batch
 * normalization and layer normalization's dGamma and dBeta ({@link Normalization}).
 */
final class Walker {

    /**
     * Work below which a walk stays on the calling thread, in elements of a memory pass: 2^16 floats (256 KiB an
     * operand) take about 10 us, where handing chunks to a worker (a few us when it spins, tens when it must be
     * woken) would eat the gain.
     */
    static final long MIN_ELEMENTS = 1L << 16;

    /**
     * A kernel's {@link Kernel#weight} that keeps it on the calling thread at any size: the losses (their sum is in row
     * order) and the kernels that were not split before the walker, whose split has not been measured.
     */
    private static final int CALLER = 0;
    /** The weight of a memory pass: 1 to 3 vector operations a vector. */
    private static final int PASS = 1;
    /**
     * The weight of the exp-based kernels (about 25 vector operations a vector), so that they split from 2^14
     * elements, the size of the training step's 128 x 128 hidden layer.
     */
    private static final int EXP = 4;
    /**
     * The weight of layer normalization: three passes over each row (the mean, the variance, the output; the
     * backward likewise: the two sums, then dX), by count, not measured.
     */
    private static final int NORM = 3;

    /**
     * The element-wise and row kernels: each entry is its work weight, whether its unit is a row, and its
     * {@link Range}, which calls the family's range function with the byte offsets of the job's operands (named in
     * the entry by their role in the kernel; {@code _}: an operand the kernel does not have).
     */
    enum Kernel {
        FILL(CALLER, false, (j, i, x0, _, _, _, n) ->
                Elementwise.fill(j.out.segment(), x0, n, j.alpha)),
        COPY(CALLER, false, (j, i, y0, x0, _, _, n) ->
                Elementwise.copy(j.out.segment(), y0, j.in.segment(), x0, n)),
        SCALE(CALLER, false, (j, i, y0, _, _, _, n) ->
                Elementwise.scale(j.out.segment(), y0, n, j.alpha)),
        AXPY(CALLER, false, (j, i, y0, x0, _, _, n) ->
                Elementwise.axpy(j.out.segment(), y0, j.alpha, j.in.segment(), x0, n)),
        MUL(CALLER, false, (j, i, z0, x0, y0, _, n) ->
                Elementwise.mul(j.out.segment(), z0, j.in.segment(), x0, j.in2.segment(), y0, n)),
        ADD_ROW_VECTOR(CALLER, true, (j, i, y0, b0, _, _, n) ->
                Elementwise.addRowVector(j.out.segment(), y0, j.in.segment(), b0, n)),
        MUL_ROW_VECTOR(CALLER, true, (j, i, y0, s0, _, _, n) ->
                Elementwise.mulRowVector(j.out.segment(), y0, j.in.segment(), s0, n)),
        ROW_MAX(CALLER, true, (j, i, m0, x0, _, _, n) ->
                Elementwise.rowMax(j.out.segment(), m0, j.in.segment(), x0, n)),
        ROW_ARGMAX(CALLER, true, (j, i, _, x0, _, _, n) ->
                j.labels[i] = Elementwise.rowArgmax(j.in.segment(), x0, n)),
        RELU_FORWARD(PASS, false, (j, i, y0, x0, _, _, n) ->
                Activations.reluForward(j.out.segment(), y0, j.in.segment(), x0, n)),
        RELU_BACKWARD(PASS, false, (j, i, d0, g0, x0, _, n) ->
                Activations.reluBackward(j.out.segment(), d0, j.in.segment(), g0, j.in2.segment(), x0, n)),
        LEAKY_RELU_FORWARD(CALLER, false, (j, i, y0, x0, _, _, n) ->
                Activations.leakyReluForward(j.out.segment(), y0, j.in.segment(), x0, n, j.alpha)),
        LEAKY_RELU_BACKWARD(CALLER, false, (j, i, d0, g0, x0, _, n) ->
                Activations.leakyReluBackward(j.out.segment(), d0, j.in.segment(), g0, j.in2.segment(), x0, n, j.alpha)),
        SIGMOID_FORWARD(EXP, false, (j, i, y0, x0, _, _, n) ->
                Activations.sigmoidForward(j.out.segment(), y0, j.in.segment(), x0, n)),
        SIGMOID_BACKWARD(PASS, false, (j, i, d0, g0, y0, _, n) ->
                Activations.sigmoidBackward(j.out.segment(), d0, j.in.segment(), g0, j.in2.segment(), y0, n)),
        TANH_FORWARD(EXP, false, (j, i, y0, x0, _, _, n) ->
                Activations.tanhForward(j.out.segment(), y0, j.in.segment(), x0, n)),
        TANH_BACKWARD(PASS, false, (j, i, d0, g0, y0, _, n) ->
                Activations.tanhBackward(j.out.segment(), d0, j.in.segment(), g0, j.in2.segment(), y0, n)),
        GELU_FORWARD(EXP, false, (j, i, y0, x0, _, _, n) ->
                Activations.geluForward(j.out.segment(), y0, j.in.segment(), x0, n)),
        GELU_BACKWARD(EXP, false, (j, i, d0, g0, x0, _, n) ->
                Activations.geluBackward(j.out.segment(), d0, j.in.segment(), g0, j.in2.segment(), x0, n)),
        SOFTMAX_FORWARD(EXP, true, (j, i, y0, x0, _, _, n) ->
                Activations.softmaxForward(j.out.segment(), y0, j.in.segment(), x0, n)),
        SOFTMAX_BACKWARD(CALLER, true, (j, i, d0, g0, y0, _, n) ->
                Activations.softmaxBackward(j.out.segment(), d0, j.in.segment(), g0, j.in2.segment(), y0, n)),
        LOG_SOFTMAX_FORWARD(CALLER, true, (j, i, y0, x0, _, _, n) ->
                Activations.logSoftmaxForward(j.out.segment(), y0, j.in.segment(), x0, n)),
        LOG_SOFTMAX_BACKWARD(CALLER, true, (j, i, d0, g0, y0, _, n) ->
                Activations.logSoftmaxBackward(j.out.segment(), d0, j.in.segment(), g0, j.in2.segment(), y0, n)),
        MSE_LOSS(CALLER, false, (j, i, d0, p0, t0, _, n) ->
                j.sum += Losses.mse(j.out.segment(), d0, j.in.segment(), p0, j.in2.segment(), t0, n, j.alpha)),
        BCE_WITH_LOGITS_LOSS(CALLER, false, (j, i, d0, x0, y0, _, n) ->
                j.sum += Losses.bceWithLogits(j.out.segment(), d0, j.in.segment(), x0, j.in2.segment(), y0, n, j.alpha)),
        SOFTMAX_CROSS_ENTROPY_LOSS(CALLER, true, (j, i, d0, x0, _, _, n) ->
                j.sum += Losses.softmaxCrossEntropy(j.out.segment(), d0, j.in.segment(), x0, n, j.labels[i], j.alpha)),
        SGD(CALLER, false, (j, i, w0, v0, g0, _, n) ->
                Optimizers.sgd(j.out.segment(), w0, j.in.segment(), v0, j.in2.segment(), g0, n, j.lr, j.momentum,
                        j.decay, j.nesterov)),
        ADAM(PASS, false, (j, i, w0, m0, v0, g0, n) ->
                Optimizers.adam(j.out.segment(), w0, j.in.segment(), m0, j.in2.segment(), v0, j.in3.segment(), g0, n,
                        j.lr, j.invBc2, j.beta1, j.beta2, j.eps, j.decay)),
        LAYER_NORM_FORWARD(NORM, true, (j, i, y0, x0, g0, b0, n) ->
                Normalization.layerNormRow(j.out.segment(), y0, j.in.segment(), x0, j.in2.segment(), g0,
                        j.in3.segment(), b0, n, j.stat.segment(), row(j.stat, i), j.stat2.segment(), row(j.stat2, i),
                        j.eps)),
        LAYER_NORM_BACKWARD(NORM, true, (j, i, d0, g0, x0, gm0, n) ->
                Normalization.layerNormBackwardRow(j.out.segment(), d0, j.in.segment(), g0, j.in2.segment(), x0,
                        j.in3.segment(), gm0, n, j.stat.segment(), row(j.stat, i), j.stat2.segment(), row(j.stat2, i)));

        /** The kernel's work per element in elements of a memory pass ({@link #PASS}, {@link #EXP}); {@link #CALLER}: never split. */
        final int weight;
        /** True for the kernels whose unit is a row (softmax, the row vectors, the row reductions): never walked flat. */
        final boolean rows;
        /** The kernel's range function. */
        final Range range;

        Kernel(int weight, boolean rows, Range range) {
            this.weight = weight;
            this.rows = rows;
            this.range = range;
        }
    }

    /**
     * A kernel on n elements (a row kernel: on row i, of n) at these byte offsets of the job's operands; a loss adds
     * its range's sum to {@link Job#sum}. Plain values only: this call is not inlined where the walk has seen several
     * kernels, and a vector passed through it would be boxed.
     */
    @FunctionalInterface
    interface Range {
        void run(Job j, int i, long out0, long in0, long in20, long in30, int n);
    }

    private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);

    private Walker() {
    }

    /** This thread's job, for a kernel that takes several scalars: set them, then {@link Job#run}. */
    static Job job() {
        return JOBS.get();
    }

    /** Runs {@code kernel} on its operands (see {@link Job}), on the pool if it is large enough to gain. */
    static double run(Kernel kernel, Parallel pool, Matrix out, Matrix in, Matrix in2) {
        return JOBS.get().run(kernel, pool, out, in, in2, null);
    }

    /** As {@link #run(Kernel, Parallel, Matrix, Matrix, Matrix)} with two operands. */
    static double run(Kernel kernel, Parallel pool, Matrix out, Matrix in) {
        return JOBS.get().run(kernel, pool, out, in, null, null);
    }

    /** As {@link #run(Kernel, Parallel, Matrix, Matrix, Matrix)} for a kernel whose one scalar is {@link Job#alpha}. */
    static double run(Kernel kernel, Parallel pool, float alpha, Matrix out, Matrix in, Matrix in2) {
        Job job = JOBS.get();
        job.alpha = alpha;
        return job.run(kernel, pool, out, in, in2, null);
    }

    /**
     * One call's kernel, operands and scalars, and the walk over one chunk. The operands, in the kernel's argument
     * order (outputs, then inputs): {@code out} first, whose rows the walk covers ({@code in}'s when the kernel
     * writes no matrix, as rowArgmax), then {@code in}, {@code in2}, {@code in3}; the walk's columns are its widest
     * operand's (rowMax writes one column). The scalars are named; each kernel reads the ones its caller set.
     */
    static final class Job implements Parallel.Job {
        /** fill's value, scale's and axpy's alpha, leaky relu's slope, the losses' gradient scale. */
        float alpha;
        /** SGD's learning rate; Adam's step size {@code lr / (1 - beta1^t)}. */
        float lr;
        /** SGD's momentum. */
        float momentum;
        /** SGD's weight decay, Adam's L2 decay in the gradient. */
        float decay;
        /** SGD's Nesterov flag. */
        boolean nesterov;
        /** Adam's {@code 1 / (1 - beta2^t)}. */
        float invBc2;
        /** Adam's moment decay rates. */
        float beta1;
        float beta2;
        /** Adam's denominator term; layer normalization's variance term. */
        float eps;
        /** Layer normalization's per-row mean and rstd, {@code (m, 1)}: written by the forward, read by the backward. */
        Matrix stat;
        Matrix stat2;
        /** rowArgmax's result, softmax cross-entropy's labels: one per row. */
        int[] labels;

        private Kernel kernel;
        private Matrix out;
        private Matrix in;
        private Matrix in2;
        private Matrix in3;
        private boolean flat;
        private int chunks;
        /** The losses' sum over the walk, added to row by row in order (they are never split). */
        private double sum;

        /** Runs {@code kernel} on these operands ({@code in2}, {@code in3} may be null), returning the losses' sum. */
        double run(Kernel kernel, Parallel pool, Matrix out, Matrix in, Matrix in2, Matrix in3) {
            Matrix walked = out != null ? out : in;
            long size = (long) walked.rows() * cols(out, in);
            this.kernel = kernel;
            this.out = out;
            this.in = in;
            this.in2 = in2;
            this.in3 = in3;
            this.flat = !kernel.rows && contiguous(out) && contiguous(in) && contiguous(in2) && contiguous(in3)
                    && size <= Integer.MAX_VALUE - 2L * L;
            boolean split = kernel.weight != CALLER && pool.threads() > 1 && size * kernel.weight >= MIN_ELEMENTS
                    && sharable(out) && sharable(in) && sharable(in2) && sharable(in3) && sharable(stat)
                    && sharable(stat2);
            int units = flat ? (int) (size / L) : walked.rows();        // vectors, or rows
            this.chunks = split ? Math.max(1, Math.min(units, pool.threads())) : 1;
            this.sum = 0;
            try {
                if (split) {
                    pool.run(this, chunks);
                } else {
                    run(0, 0);
                }
                return sum;
            } finally {
                this.out = null;
                this.in = null;
                this.in2 = null;
                this.in3 = null;
                this.labels = null;
                this.stat = null;
                this.stat2 = null;
            }
        }

        private static int cols(Matrix out, Matrix in) {
            return out == null ? in.cols() : in == null ? out.cols() : Math.max(out.cols(), in.cols());
        }

        private static boolean contiguous(Matrix m) {
            return m == null || m.isContiguous();
        }

        private static boolean sharable(Matrix m) {
            return m == null || Parallel.sharable(m.segment());
        }

        @Override
        public void run(int chunk, int thread) {
            Matrix walked = out != null ? out : in;
            Range range = kernel.range;
            if (flat) {                                                  // elements [from, to), from a multiple of L
                long size = walked.size();
                long vectors = size / L;
                long from = vectors * chunk / chunks * L;
                long to = chunk == chunks - 1 ? size : vectors * (chunk + 1) / chunks * L;
                long at = from * Float.BYTES;
                range.run(this, 0, offset(out, 0) + at, offset(in, 0) + at, offset(in2, 0) + at, offset(in3, 0) + at,
                        (int) (to - from));
            } else {                                                     // rows [from, to)
                int n = cols(out, in);
                int from = (int) ((long) walked.rows() * chunk / chunks);
                int to = (int) ((long) walked.rows() * (chunk + 1) / chunks);
                for (int i = from; i < to; i++) {
                    range.run(this, i, offset(out, i), offset(in, i), offset(in2, i), offset(in3, i), n);
                }
            }
        }

        /** Byte offset of row i of m (of its only row, if it has one), 0 for an absent operand. */
        private static long offset(Matrix m, int i) {
            return m == null ? 0 : row(m, m.rows() == 1 ? 0 : i);
        }
    }
}
