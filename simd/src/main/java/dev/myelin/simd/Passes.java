package dev.myelin.simd;

import static dev.myelin.simd.Elementwise.flat;
import static dev.myelin.simd.Elementwise.row;
import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Matrix;

/**
 * Passes over large operands (the elementwise activations forward and backward, softmax, Adam) split over the
 * kernels' pool: each chunk is a contiguous range of the elements (operands that are contiguous, cut at multiples
 * of the vector length) or of the rows (always for softmax, whose rows are its units), and runs the kernel's own
 * loop on it. Each element gets the same float operations whichever chunk and thread compute it, so the results
 * are bit for bit those of one thread. A pass below {@link #MIN_ELEMENTS} elements of work, or on a pool of one
 * thread, or over memory the workers cannot reach, runs as one chunk on the calling thread: this class is the
 * kernels' only loop over their operands' rows or elements. The job is a reused per-thread object: a warm call
 * allocates nothing.
 */
final class Passes {

    /**
     * Work below which a pass stays on the calling thread, in elements of a memory pass: 2^16 floats (256 KiB an
     * operand) take about 10 us, where handing chunks to a worker (a few us when it spins, tens when it must be
     * woken) would eat the gain.
     */
    static final long MIN_ELEMENTS = 1L << 16;

    static final int RELU_FORWARD = 0;
    static final int RELU_BACKWARD = 1;
    static final int ADAM = 2;
    static final int SIGMOID_FORWARD = 3;
    static final int SIGMOID_BACKWARD = 4;
    static final int TANH_FORWARD = 5;
    static final int TANH_BACKWARD = 6;
    static final int GELU_FORWARD = 7;
    static final int GELU_BACKWARD = 8;
    static final int SOFTMAX_FORWARD = 9;

    /**
     * A kernel's work per element in elements of a memory pass: 4 for the exp-based kernels (about 25 vector
     * operations a vector, where a memory pass has 1 to 3), so that they split from 2^14 elements, the size of the
     * training step's 128 x 128 hidden layer; 1 for the others.
     */
    private static int weight(int kernel) {
        return switch (kernel) {
            case SIGMOID_FORWARD, TANH_FORWARD, GELU_FORWARD, GELU_BACKWARD, SOFTMAX_FORWARD -> 4;
            default -> 1;
        };
    }

    private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);

    private Passes() {
    }

    /**
     * Runs an activation's pass (forward: a = y, b = x; backward: a = dX, b = dY, c = x or y as the kernel's
     * backward takes it), on the pool if it is large enough to gain.
     */
    static void run(int kernel, Parallel pool, Matrix a, Matrix b, Matrix c) {
        JOBS.get().start(kernel, pool, a, b, c, null, 0, 0, 0, 0, 0, 0);
    }

    /** Adam's update (see {@link Optimizers}), on the pool if it is large enough to gain. */
    static void adam(Parallel pool, Matrix w, Matrix mom, Matrix vel, Matrix dW, float stepSize, float invBc2, float beta1,
                     float beta2, float eps, float l2) {
        JOBS.get().start(ADAM, pool, w, mom, vel, dW, stepSize, invBc2, beta1, beta2, eps, l2);
    }

    /** One call's kernel, operands and scalars, and {@link #run(int, int)} for one chunk. */
    private static final class Job implements Parallel.Job {
        private int kernel;
        private Matrix a;
        private Matrix b;
        private Matrix c;
        private Matrix d;
        private float s0;
        private float s1;
        private float s2;
        private float s3;
        private float s4;
        private float s5;
        private boolean flat;
        private int chunks;

        void start(int kernel, Parallel pool, Matrix a, Matrix b, Matrix c, Matrix d, float s0, float s1, float s2,
                   float s3, float s4, float s5) {
            long size = a.size();
            boolean split = pool.threads() > 1 && size * weight(kernel) >= MIN_ELEMENTS && sharable(a, b, c, d);
            this.kernel = kernel;
            this.a = a;
            this.b = b;
            this.c = c;
            this.d = d;
            this.s0 = s0;
            this.s1 = s1;
            this.s2 = s2;
            this.s3 = s3;
            this.s4 = s4;
            this.s5 = s5;
            this.flat = kernel != SOFTMAX_FORWARD && flat(a, b) && (c == null || c.isContiguous())
                    && (d == null || d.isContiguous());
            int units = flat ? (int) (size / L) : a.rows();              // vectors, or rows
            this.chunks = split ? Math.max(1, Math.min(units, pool.threads())) : 1;
            try {
                if (split) {
                    pool.run(this, chunks);
                } else {
                    run(0, 0);
                }
            } finally {
                this.a = null;
                this.b = null;
                this.c = null;
                this.d = null;
            }
        }

        private static boolean sharable(Matrix a, Matrix b, Matrix c, Matrix d) {
            return sharable(a) && sharable(b) && sharable(c) && sharable(d);
        }

        private static boolean sharable(Matrix m) {
            return m == null || Parallel.sharable(m.segment());
        }

        @Override
        public void run(int chunk, int thread) {
            if (flat) {                                                  // elements [from, to), from a multiple of L
                long vectors = a.size() / L;
                long from = vectors * chunk / chunks * L;
                long to = chunk == chunks - 1 ? a.size() : vectors * (chunk + 1) / chunks * L;
                pass(row(a, 0) + from * Float.BYTES, b == null ? 0 : row(b, 0) + from * Float.BYTES,
                        c == null ? 0 : row(c, 0) + from * Float.BYTES, d == null ? 0 : row(d, 0) + from * Float.BYTES,
                        (int) (to - from));
            } else {                                                     // rows [from, to)
                int from = (int) ((long) a.rows() * chunk / chunks);
                int to = (int) ((long) a.rows() * (chunk + 1) / chunks);
                for (int i = from; i < to; i++) {
                    pass(row(a, i), b == null ? 0 : row(b, i), c == null ? 0 : row(c, i), d == null ? 0 : row(d, i), a.cols());
                }
            }
        }

        /** The kernel's loop over n elements (softmax: one row of n) at these byte offsets of a, b, c and d. */
        private void pass(long a0, long b0, long c0, long d0, int n) {
            switch (kernel) {
                case RELU_FORWARD -> Activations.reluForward(a.segment(), a0, b.segment(), b0, n);
                case RELU_BACKWARD -> Activations.reluBackward(a.segment(), a0, b.segment(), b0, c.segment(), c0, n);
                case SIGMOID_FORWARD -> Activations.sigmoidForward(a.segment(), a0, b.segment(), b0, n);
                case SIGMOID_BACKWARD -> Activations.sigmoidBackward(a.segment(), a0, b.segment(), b0, c.segment(), c0, n);
                case TANH_FORWARD -> Activations.tanhForward(a.segment(), a0, b.segment(), b0, n);
                case TANH_BACKWARD -> Activations.tanhBackward(a.segment(), a0, b.segment(), b0, c.segment(), c0, n);
                case GELU_FORWARD -> Activations.geluForward(a.segment(), a0, b.segment(), b0, n);
                case GELU_BACKWARD -> Activations.geluBackward(a.segment(), a0, b.segment(), b0, c.segment(), c0, n);
                case SOFTMAX_FORWARD -> Activations.softmaxForward(a.segment(), a0, b.segment(), b0, n);
                default -> Optimizers.adam(a.segment(), a0, b.segment(), b0, c.segment(), c0, d.segment(), d0, n,
                        s0, s1, s2, s3, s4, s5);
            }
        }
    }
}
