package dev.myelin.simd;

import static dev.myelin.simd.Elementwise.row;

import dev.myelin.core.Matrix;

/**
 * SIMD embedding lookup and its gradient, row by row with {@link Elementwise}'s range functions; both exact,
 * bit for bit the reference's.
 *
 * <p>The lookup copies row {@code ids[i]} of the table into row i of Y. The gradient is a scatter-add in the
 * reference's order: each element of table row v starts from {@code +0} ({@code beta == 0}) or its old value and
 * adds {@code dY[i][j]} for each position i with {@code ids[i] == v}, in increasing i ({@code axpy} with alpha 1:
 * {@code 1 * x} is exact, so each step is the reference's one rounded addition). On the pool the table's rows
 * are cut into contiguous runs, one chunk each; a chunk scans every position in order and adds only into its own
 * rows, so no two threads write one row, no atomic is needed, and every row sees its additions in the same order
 * whatever the number of threads or their timing: the same bits at any thread count ({@code EmbeddingThreadsTest}).
 * The lookup cuts Y's rows the same way.
 */
final class Embedding {

    /** Elements (rows times width) from which a call is split over the pool. */
    static final long PARALLEL_MIN_ELEMENTS = 1 << 16;

    /** Chunks per thread: a worker that the OS preempts holds up the call by one short chunk. */
    static final int CHUNKS_PER_THREAD = 4;

    private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);

    private Embedding() {
    }

    /** Y (n, d) row i = table row ids[i]. */
    static void embeddingForward(Matrix y, Matrix table, int[] ids, Parallel pool) {
        Job job = JOBS.get();
        job.start(false, y, table, ids, 0f);
        job.run(pool, y.rows(), (long) y.rows() * y.cols());
    }

    /** dTable (V, d) = beta dTable + scatter-add of dY (n, d)'s rows into rows ids[i], in order of i. */
    static void embeddingBackward(Matrix dTable, Matrix dY, int[] ids, float beta, Parallel pool) {
        Job job = JOBS.get();
        job.start(true, dTable, dY, ids, beta);
        job.run(pool, dTable.rows(), (long) Math.max(dTable.rows(), dY.rows()) * dTable.cols());
    }

    /** One call, reused by its calling thread: a warm call allocates nothing. */
    private static final class Job implements Parallel.Job {
        private boolean backward;
        /** Forward: Y (rows cut into chunks) and the table; backward: dTable (rows cut) and dY. */
        private Matrix out;
        private Matrix in;
        private int[] ids;
        private float beta;
        private int rows;
        private int chunks;

        void start(boolean backward, Matrix out, Matrix in, int[] ids, float beta) {
            this.backward = backward;
            this.out = out;
            this.in = in;
            this.ids = ids;
            this.beta = beta;
        }

        /** Runs over {@code rows} rows of {@code out}, on the pool when the work reaches the threshold. */
        void run(Parallel pool, int rows, long elements) {
            this.rows = rows;
            boolean shared = Parallel.sharable(out.segment()) && Parallel.sharable(in.segment());
            int used = elements < PARALLEL_MIN_ELEMENTS || !shared ? 1 : pool.threads();
            chunks = Math.max(1, Math.min(rows, used == 1 ? 1 : CHUNKS_PER_THREAD * used));
            try {
                pool.run(this, chunks);
            } finally {
                out = null;
                in = null;
                this.ids = null;
            }
        }

        @Override
        public void run(int chunk, int thread) {
            int r0 = (int) ((long) rows * chunk / chunks);
            int r1 = (int) ((long) rows * (chunk + 1) / chunks);
            if (backward) {
                scatter(r0, r1);
            } else {
                gather(r0, r1);
            }
        }

        private void gather(int r0, int r1) {
            int d = out.cols();
            for (int i = r0; i < r1; i++) {
                Elementwise.copy(out.segment(), row(out, i), in.segment(), row(in, ids[i]), d);
            }
        }

        /** Table rows [v0, v1): zeroed when beta is 0, then every position's row of dY added in order of i. */
        private void scatter(int v0, int v1) {
            int d = out.cols();
            if (beta == 0) {
                for (int v = v0; v < v1; v++) {
                    Elementwise.fill(out.segment(), row(out, v), d, 0f);
                }
            }
            int n = in.rows();
            for (int i = 0; i < n; i++) {
                int v = ids[i];
                if (v >= v0 && v < v1) {
                    Elementwise.axpy(out.segment(), row(out, v), 1f, in.segment(), row(in, i), d);
                }
            }
        }
    }
}
