package dev.myelin.simd;

import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;
import static dev.myelin.simd.Vectors.MR;
import static dev.myelin.simd.Vectors.NR;

import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD GEMM, {@code C = alpha * op(A) * op(B) + beta * C}, organised as in BLIS:
 *
 * <pre>
 *   for each k block [pc, pc + kc)               ceil(k / KC) even blocks; C gets beta at the first
 *     pack op(B)[pc:pc+kc, 0:n]   -> Bp         panels of NR columns, zero-padded, transposes absorbed here
 *     pack op(A)[0:m, pc:pc+kc]   -> Ap         micro-panels of MR rows, zero-padded      (chunks pack ranges)
 *     for each block of MC_PANELS A micro-panels                                        (chunks split the tiles)
 *       macro-kernel: for each B panel, for each A micro-panel of the block
 *         micro-kernel (MR x NR tile into float[] scratch), then write the valid part of the tile to C
 * </pre>
 *
 * <p><b>Micro-kernel contract</b> ({@link #kernel6x4}, {@link #kernel4x2}): given {@code kc >= 1}, an A
 * micro-panel {@code ap[ao + l*MR + r]} and a B panel {@code bp[bo + l*NR + c]} for {@code l < kc},
 * writes {@code tile[r*NR + c] = sum_l ap[.. l*MR + r] * bp[.. l*NR + c]}, summed in order of l with one
 * FMA per term. It has no loop over m or n, reads nothing but the two panels, and never reads C. The
 * panels and the tile are plain {@code float[]} scratch: a micro-kernel with 16+ vector accumulators
 * that reads MemorySegments can fail C1 ("out of virtual registers") and stay slow for the JVM's life.
 *
 * <p><b>Write-back</b> ({@link #store}): the only code that touches C. At the first k block,
 * {@code C = alpha * tile} when beta == 0 (C is not read) or {@code C = fma(alpha, tile, beta * C)};
 * at later blocks {@code C = fma(alpha, tile, beta * C)} with beta = 1 (exact). Edge tiles are computed
 * in full on zero padding; their partial rows are stored lane by lane with the same arithmetic, so every
 * shape sums the same way.
 *
 * <p>Summation order: element (i, j) sums its k products in KC blocks, in order within a block, and
 * the blocks in order; it depends only on k, not on m, n, views, or the number of threads. Error bound:
 * {@code gamma(k + 2) (|alpha| |op(A)||op(B)| + |beta C|)} (docs/kernels.md). With one block
 * ({@code k <= KC}) these are the reference's operations in the reference's order (it fuses its products
 * too), so the two backends agree bit for bit, special values included; with more, they differ only in
 * how the sum is grouped, which decides only where a partial sum of finite terms overflows
 * (docs/kernels.md, "Special values").
 */
final class Gemm {

    /** Deepest k block: measured best in 384..512 on Zen 4. Blocks are cut evenly: k = 784 gives 2 x 392. */
    static final int KC = 384;
    /**
     * Products of at most this many rows take the unpacked path ({@link #unpacked}): it reads B once a row, from
     * memory, where packing would read and write B once and pack A; up to two rows that is no more traffic over B
     * than packing, and a one-row product (a sequence model's next position) skips all of the packing.
     */
    static final int UNPACKED_ROWS = 2;

    /**
     * A micro-panels per block of packed A that the macro-kernel streams past each B panel: a
     * {@code MC x KC} block of floats within {@code L2_BUDGET} bytes, so it stays in L2.
     */
    static final int L2_BUDGET = 256 * 1024;
    static final int MC_PANELS = Math.max(1, L2_BUDGET / (KC * Float.BYTES * MR));

    /**
     * Chunks per thread that a multi-threaded call's packing and tile grid are cut into, taken by the
     * threads from a shared counter (see {@link Parallel}): a thread that is descheduled leaves its
     * chunks to the others. More chunks re-read more packed panels from L2 (each chunk streams the
     * panels of the other side).
     */
    static final int CHUNKS_PER_THREAD = 4;

    /** Below this many multiply-adds (m n k) a second thread costs more than it saves. */
    static final long PARALLEL_MIN_WORK = 64L * 64 * 64;

    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** 4-lane vectors, for moving the 4-float groups of A's micro-panels when op(A) = A^T. */
    private static final VectorSpecies<Float> FQ = FloatVector.SPECIES_128;
    private static final int Q = FQ.length();
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /**
     * One reusable job per calling thread, with its packing buffers: a warm call allocates nothing. The
     * buffers hold one k block (kc <= KC) at a time, so they grow with m and n, never with k: packed A
     * {@code ceil(m / MR) MR kc} floats, packed B {@code ceil(n / NR) NR kc}, the unpacked path's partial strip of B {@code 2 L kc}.
     */
    private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);

    private Gemm() {
    }

    /**
     * The floats the calling thread's packing buffers (packed A and B) hold now: they are kept between
     * calls, so this is what the thread's GEMM calls so far have left on the heap. For tests.
     */
    static long scratchFloats() {
        Job job = JOBS.get();
        return (long) job.ap.length + job.bp.length;
    }

    /** Arguments are checked by {@link dev.myelin.core.Kernels}; the work runs on {@code pool} when large enough. */
    static void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta, Parallel pool) {
        int m = c.rows();
        int n = c.cols();
        int k = opA.cols(a);
        if (alpha == 0) {
            scaleC(c, beta);
            return;
        }
        int blocks = (k + KC - 1) / KC;
        int kcMax = (k + blocks - 1) / blocks;
        if (opB == Trans.N && (n <= 2 * L || m <= UNPACKED_ROWS)) {
            unpacked(c, a, opA, b, alpha, beta, kcMax);
            return;
        }
        long work = (long) m * n * k;
        boolean shared = Parallel.sharable(a.segment()) && Parallel.sharable(b.segment()) && Parallel.sharable(c.segment());
        int used = work < PARALLEL_MIN_WORK || !shared ? 1 : pool.threads();
        Job job = JOBS.get();
        job.start(c, a, opA, b, opB, alpha, beta);
        int chunks = used == 1 ? 1 : CHUNKS_PER_THREAD * used;
        for (int pc = 0; pc < k; pc += kcMax) {
            job.block(pc, Math.min(kcMax, k - pc), pc == 0, chunks);
            job.packing = true;
            pool.run(job, chunks);
            job.packing = false;
            pool.run(job, chunks);
        }
        job.finish();
    }

    /**
     * The path without packing, for narrow outputs ({@code n <= 2} vectors, such as 10 logits) and for products of
     * at most {@link #UNPACKED_ROWS} rows (a sequence model's one new position at a time), with {@code op(B) = B}:
     * there packing B into NR-wide panels and A into micro-panels costs as much as the product or more. C is walked
     * in strips of two vectors: each row of C, for each k block, is accumulated from the block's kc rows of B
     * (broadcast op(A)(i, l), FMA into two named accumulators) and stored. A whole strip is read from B's memory
     * (it lies inside B's rows, so inside its segment); the last strip, if partial, is copied into a float[] of
     * rows padded to two vectors (at most {@code KC * 2L} floats, whatever k: the scratch is bounded). It sums
     * exactly as the packed path does (k blocks of the same depth, one FMA per term in order of l from zero, the
     * same store), so its results are bit-identical to it; walking the k blocks outermost changes the order in
     * which elements of C are stored, not how any element is summed.
     */
    private static void unpacked(Matrix c, Matrix a, Trans opA, Matrix b, float alpha, float beta, int kcMax) {
        int m = c.rows();
        int n = c.cols();
        int k = opA.cols(a);
        int w = 2 * L;
        int whole = n / w * w;                                               // columns in whole strips
        int rest = n - whole;
        Job job = JOBS.get();
        float[] bp = job.bp(kcMax * w);
        float[] row = job.rows[0];
        float[] tile = job.tiles[0];
        MemorySegment as = a.segment();
        MemorySegment bs = b.segment();
        MemorySegment cs = c.segment();
        long ldBytes = (long) b.ld() * Float.BYTES;
        for (int pc = 0; pc < k; pc += kcMax) {
            int kc = Math.min(kcMax, k - pc);
            for (int l = 0; rest > 0 && l < kc; l++) {                       // B[pc:pc+kc, whole:n] -> bp, rows of 2L
                copyRow(bs, (b.offset() + (long) (pc + l) * b.ld() + whole) * Float.BYTES, bp, l * w, rest);
                Arrays.fill(bp, l * w + rest, (l + 1) * w, 0f);
            }
            boolean first = pc == 0;
            float stripBeta = first ? beta : 1f;
            boolean overwrite = first && beta == 0;
            for (int i = 0; i < m; i++) {
                if (opA == Trans.N) {
                    copyRow(as, (a.offset() + (long) i * a.ld() + pc) * Float.BYTES, row, 0, kc);
                } else {
                    for (int l = 0; l < kc; l++) {
                        row[l] = as.getAtIndex(FL, a.offset() + (long) (pc + l) * a.ld() + i);
                    }
                }
                long cRow = (c.offset() + (long) i * c.ld()) * Float.BYTES;
                for (int j = 0; j < whole; j += w) {
                    stripFromMemory(bs, (b.offset() + (long) pc * b.ld() + j) * Float.BYTES, ldBytes, row, kc, tile);
                    storeRow(cs, cRow + (long) j * Float.BYTES, tile, 0, L, alpha, stripBeta, overwrite);
                    storeRow(cs, cRow + (long) (j + L) * Float.BYTES, tile, L, L, alpha, stripBeta, overwrite);
                }
                if (rest > 0) {
                    stripFromArray(bp, w, row, kc, tile);
                    long at = cRow + (long) whole * Float.BYTES;
                    storeRow(cs, at, tile, 0, Math.min(L, rest), alpha, stripBeta, overwrite);
                    if (rest > L) {
                        storeRow(cs, at + (long) L * Float.BYTES, tile, L, rest - L, alpha, stripBeta, overwrite);
                    }
                }
            }
        }
    }

    /** One strip of two vectors: {@code tile[0, 2L) = sum_l row[l] B[l][0, 2L)}, B's rows at byte {@code at}, ld bytes apart. */
    private static void stripFromMemory(MemorySegment bs, long at, long ldBytes, float[] row, int kc, float[] tile) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int l = 0; l < kc; l++) {
            FloatVector x = FloatVector.broadcast(F, row[l]);
            long r = at + l * ldBytes;
            acc0 = FloatVector.fromMemorySegment(F, bs, r, NATIVE).fma(x, acc0);
            acc1 = FloatVector.fromMemorySegment(F, bs, r + F.vectorByteSize(), NATIVE).fma(x, acc1);
        }
        acc0.intoArray(tile, 0);
        acc1.intoArray(tile, L);
    }

    /** {@link #stripFromMemory} from the copied strip {@code bp} (rows of {@code w = 2L} floats). */
    private static void stripFromArray(float[] bp, int w, float[] row, int kc, float[] tile) {
        FloatVector acc0 = FloatVector.zero(F);
        FloatVector acc1 = acc0;
        for (int l = 0; l < kc; l++) {
            FloatVector x = FloatVector.broadcast(F, row[l]);
            acc0 = FloatVector.fromArray(F, bp, l * w).fma(x, acc0);
            acc1 = FloatVector.fromArray(F, bp, l * w + L).fma(x, acc1);
        }
        acc0.intoArray(tile, 0);
        acc1.intoArray(tile, L);
    }

    /**
     * One vector of the store rule of {@link #store}: the first {@code count <= L} values of
     * {@code acc[from ..]} go to C at byte offset {@code at}. A whole vector inside the segment is one
     * vector store; anything else (a partial vector at the right edge of C, or a vector that would reach
     * past the segment's end) runs the same arithmetic lane by lane ({@code Math.fma} is the vector FMA's
     * scalar twin). No masks: a masked access past the segment's end takes the JDK's allocating fallback,
     * and a mask, like a vector, is boxed where C2's profile of this method is young (measured: 480 bytes
     * per call of a GEMM with partial edge tiles, in one test order out of several).
     */
    private static void storeRow(MemorySegment cs, long at, float[] acc, int from, int count, float alpha, float beta,
                                 boolean overwrite) {
        if (count == L && at + F.vectorByteSize() <= cs.byteSize()) {
            FloatVector t = FloatVector.fromArray(F, acc, from);
            if (overwrite) {
                t.mul(alpha).intoMemorySegment(cs, at, NATIVE);
            } else {
                t.fma(FloatVector.broadcast(F, alpha), FloatVector.fromMemorySegment(F, cs, at, NATIVE).mul(beta))
                        .intoMemorySegment(cs, at, NATIVE);
            }
            return;
        }
        for (int lane = 0; lane < count; lane++) {
            long e = at + (long) lane * Float.BYTES;
            float t = acc[from + lane];
            cs.set(FL, e, overwrite ? t * alpha : Math.fma(t, alpha, cs.get(FL, e) * beta));
        }
    }

    /**
     * One GEMM call's state, cut into chunks that run on {@link Parallel}: first the chunks pack the B
     * panels and A micro-panels of a k block (chunk i packs the i-th of {@code chunks} equal ranges of
     * each), then they compute the tiles (chunk i: the i-th range along the grid's longer side). Chunks
     * own disjoint tiles of C, and each tile's sum runs in the same order whatever the chunk or thread,
     * so the result is bit-identical for any thread count.
     */
    static final class Job implements Parallel.Job {
        private Matrix c;
        private Matrix a;
        private Matrix b;
        private Trans opA;
        private Trans opB;
        private float alpha;
        private float beta;
        private int chunks;
        private int pc;
        private int kc;
        private boolean first;
        volatile boolean packing;
        private float[] ap = new float[0];
        private float[] bp = new float[0];
        private final float[][] tiles = new float[Parallel.MAX_THREADS][MR * NR];
        /**
         * Per thread: the rows of a panel of fewer than 4 rows, copied out of their segment before they are
         * transposed into it (at most 3 rows of kc <= KC floats; see {@link #transpose}).
         */
        private final float[][] rows = new float[Parallel.MAX_THREADS][(Q - 1) * KC];

        void start(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta) {
            this.c = c;
            this.a = a;
            this.b = b;
            this.opA = opA;
            this.opB = opB;
            this.alpha = alpha;
            this.beta = beta;
        }

        void block(int pc, int kc, boolean first, int chunks) {
            this.chunks = chunks;
            this.pc = pc;
            this.kc = kc;
            this.first = first;
            int m = c.rows();
            int n = c.cols();
            int needA = (m + MR - 1) / MR * MR * kc;
            if (ap.length < needA) {
                ap = new float[needA];
            }
            bp((n + NR - 1) / NR * NR * kc);
        }

        /** The B scratch, grown to at least {@code size} floats. */
        float[] bp(int size) {
            if (bp.length < size) {
                bp = new float[size];
            }
            return bp;
        }

        /** Drops the references to the user's matrices so they can be freed. */
        void finish() {
            c = null;
            a = null;
            b = null;
        }

        @Override
        public void run(int chunk, int thread) {
            int m = c.rows();
            int n = c.cols();
            int panelsA = (m + MR - 1) / MR;
            int panelsB = (n + NR - 1) / NR;
            if (packing) {
                int q0 = (int) ((long) panelsB * chunk / chunks);
                int q1 = (int) ((long) panelsB * (chunk + 1) / chunks);
                int p0 = (int) ((long) panelsA * chunk / chunks);
                int p1 = (int) ((long) panelsA * (chunk + 1) / chunks);
                float[] buf = rows[thread];
                if (q0 < q1) {
                    packB(bp, b, opB, pc, kc, q0, q1, n, buf);
                }
                if (p0 < p1) {
                    packA(ap, a, opA, pc, kc, p0, p1, m, buf);
                }
                return;
            }
            // Cut the longer side of the tile grid into contiguous ranges, one per chunk.
            int a0 = 0, a1 = panelsA, b0 = 0, b1 = panelsB;
            if (panelsA >= panelsB) {
                a0 = (int) ((long) panelsA * chunk / chunks);
                a1 = (int) ((long) panelsA * (chunk + 1) / chunks);
            } else {
                b0 = (int) ((long) panelsB * chunk / chunks);
                b1 = (int) ((long) panelsB * (chunk + 1) / chunks);
            }
            if (a0 == a1 || b0 == b1) {
                return;
            }
            macroKernel(c, a0, a1, b0, b1, kc, ap, bp, tiles[thread], alpha, first ? beta : 1f, first && beta == 0);
        }
    }

    /**
     * The tiles of A micro-panels {@code [a0, a1)} x B panels {@code [b0, b1)}. The A micro-panels are taken
     * in groups of {@link #MC_PANELS} (an MC x kc block of packed A, sized to stay in L2); for each group,
     * each B panel (kc x NR) stays in L1 while the group's A micro-panels stream through the micro-kernel.
     * With the AVX2 tile (4 x 16) a B panel is 4x the size of an A micro-panel, so streaming A moves a
     * quarter of the bytes that streaming B would (measured in one run: 3-11% faster at the MLP shapes, the
     * same at the squares).
     */
    private static void macroKernel(Matrix c, int a0, int a1, int b0, int b1, int kc, float[] ap, float[] bp,
                                    float[] tile, float alpha, float beta, boolean overwrite) {
        int m = c.rows();
        int n = c.cols();
        for (int ic = a0; ic < a1; ic += MC_PANELS) {
            int icEnd = Math.min(a1, ic + MC_PANELS);
            for (int pb = b0; pb < b1; pb++) {
                int bo = pb * NR * kc;
                int j0 = pb * NR;
                int nr = Math.min(NR, n - j0);
                for (int pa = ic; pa < icEnd; pa++) {
                    int i0 = pa * MR;
                    if (MR == 6) {
                        kernel6x4(kc, ap, pa * MR * kc, bp, bo, tile);
                    } else {
                        kernel4x2(kc, ap, pa * MR * kc, bp, bo, tile);
                    }
                    store(c, i0, j0, Math.min(MR, m - i0), nr, tile, alpha, beta, overwrite);
                }
            }
        }
    }

    /** The 6 x (4 vectors) micro-kernel: 24 accumulators + 4 B vectors + 1 broadcast, for 32 registers. */
    static void kernel6x4(int kc, float[] ap, int ao, float[] bp, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00, c43 = c00;
        FloatVector c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        for (int l = 0; l < kc; l++) {
            int bi = bo + l * (4 * L);
            FloatVector b0 = FloatVector.fromArray(F, bp, bi);
            FloatVector b1 = FloatVector.fromArray(F, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(F, bp, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(F, bp, bi + 3 * L);
            int ai = ao + l * 6;
            FloatVector x = FloatVector.broadcast(F, ap[ai]);
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02); c03 = b3.fma(x, c03);
            x = FloatVector.broadcast(F, ap[ai + 1]);
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12); c13 = b3.fma(x, c13);
            x = FloatVector.broadcast(F, ap[ai + 2]);
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22); c23 = b3.fma(x, c23);
            x = FloatVector.broadcast(F, ap[ai + 3]);
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32); c33 = b3.fma(x, c33);
            x = FloatVector.broadcast(F, ap[ai + 4]);
            c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42); c43 = b3.fma(x, c43);
            x = FloatVector.broadcast(F, ap[ai + 5]);
            c50 = b0.fma(x, c50); c51 = b1.fma(x, c51); c52 = b2.fma(x, c52); c53 = b3.fma(x, c53);
        }
        int r = 4 * L;
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, r); c11.intoArray(tile, r + L); c12.intoArray(tile, r + 2 * L); c13.intoArray(tile, r + 3 * L);
        c20.intoArray(tile, 2 * r); c21.intoArray(tile, 2 * r + L); c22.intoArray(tile, 2 * r + 2 * L); c23.intoArray(tile, 2 * r + 3 * L);
        c30.intoArray(tile, 3 * r); c31.intoArray(tile, 3 * r + L); c32.intoArray(tile, 3 * r + 2 * L); c33.intoArray(tile, 3 * r + 3 * L);
        c40.intoArray(tile, 4 * r); c41.intoArray(tile, 4 * r + L); c42.intoArray(tile, 4 * r + 2 * L); c43.intoArray(tile, 4 * r + 3 * L);
        c50.intoArray(tile, 5 * r); c51.intoArray(tile, 5 * r + L); c52.intoArray(tile, 5 * r + 2 * L); c53.intoArray(tile, 5 * r + 3 * L);
    }

    /** The 4 x (2 vectors) micro-kernel: 8 accumulators + 2 B vectors + 1 broadcast, for 16 registers (AVX2). */
    static void kernel4x2(int kc, float[] ap, int ao, float[] bp, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(F), c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        for (int l = 0; l < kc; l++) {
            int bi = bo + l * (2 * L);
            FloatVector b0 = FloatVector.fromArray(F, bp, bi);
            FloatVector b1 = FloatVector.fromArray(F, bp, bi + L);
            int ai = ao + l * 4;
            FloatVector x = FloatVector.broadcast(F, ap[ai]);
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
            x = FloatVector.broadcast(F, ap[ai + 1]);
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
            x = FloatVector.broadcast(F, ap[ai + 2]);
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
            x = FloatVector.broadcast(F, ap[ai + 3]);
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
        }
        int r = 2 * L;
        c00.intoArray(tile, 0); c01.intoArray(tile, L);
        c10.intoArray(tile, r); c11.intoArray(tile, r + L);
        c20.intoArray(tile, 2 * r); c21.intoArray(tile, 2 * r + L);
        c30.intoArray(tile, 3 * r); c31.intoArray(tile, 3 * r + L);
    }

    /**
     * Writes the valid {@code mr x nr} corner of a tile to C at (i0, j0):
     * {@code C = alpha * tile} if overwrite (C not read), else {@code C = fma(alpha, tile, beta * C)}
     * (beta is 1 after the first k block, when the multiply is exact). A partial column tail goes lane by lane.
     */
    private static void store(Matrix c, int i0, int j0, int mr, int nr, float[] tile, float alpha, float beta,
                              boolean overwrite) {
        MemorySegment cs = c.segment();
        long ld = (long) c.ld() * Float.BYTES;
        long first = (c.offset() + (long) i0 * c.ld() + j0) * Float.BYTES;
        if (nr == NR && first + (mr - 1) * ld + NR * Float.BYTES <= cs.byteSize()) {
            // Whole vectors, all inside the segment: the rule of storeRow, inline, without its checks
            // (at a small k, as in a weight gradient at batch 32, the store costs as much as the FMAs).
            FloatVector a = FloatVector.broadcast(F, alpha);
            for (int r = 0; r < mr; r++) {
                long row = first + r * ld;
                for (int j = 0; j < NR; j += L) {
                    long at = row + (long) j * Float.BYTES;
                    FloatVector t = FloatVector.fromArray(F, tile, r * NR + j);
                    if (overwrite) {
                        t.mul(a).intoMemorySegment(cs, at, NATIVE);
                    } else {
                        FloatVector old = FloatVector.fromMemorySegment(F, cs, at, NATIVE);
                        t.fma(a, old.mul(beta)).intoMemorySegment(cs, at, NATIVE);
                    }
                }
            }
            return;
        }
        for (int r = 0; r < mr; r++) {
            long rowBytes = (c.offset() + (long) (i0 + r) * c.ld() + j0) * Float.BYTES;
            int t = r * NR;
            for (int j = 0; j < nr; j += L) {
                storeRow(cs, rowBytes + (long) j * Float.BYTES, tile, t + j, Math.min(L, nr - j), alpha, beta, overwrite);
            }
        }
    }

    /**
     * {@code dst[at .. at + count) = } the floats at byte offset {@code from} of {@code src}: vector loads,
     * which the JIT turns into plain moves with the bounds check hoisted; a call of
     * {@code MemorySegment.copy} costs far more than a short row is worth (measured: packing took more time
     * than the FMAs at 128x128x784). The tail past the last whole vector is copied element by element.
     */
    static void copyRow(MemorySegment src, long from, float[] dst, int at, int count) {
        int j = 0;
        for (int bound = F.loopBound(count); j < bound; j += L) {
            FloatVector.fromMemorySegment(F, src, from + (long) j * Float.BYTES, NATIVE).intoArray(dst, at + j);
        }
        for (; j < count; j++) {
            dst[at + j] = src.get(FL, from + (long) j * Float.BYTES);
        }
    }

    /**
     * As {@link #copyRow} with quarter-width (4-lane) vectors, for the MR floats of a row of A that go into
     * an A micro-panel when op(A) = A^T; single floats past the last whole group of 4.
     */
    private static void copyQuads(MemorySegment src, long from, float[] dst, int at, int count) {
        int j = 0;
        for (; j + Q <= count; j += Q) {
            FloatVector.fromMemorySegment(FQ, src, from + (long) j * Float.BYTES, NATIVE).intoArray(dst, at + j);
        }
        for (; j < count; j++) {
            dst[at + j] = src.get(FL, from + (long) j * Float.BYTES);
        }
    }

    /**
     * Packs the B panels {@code [q0, q1)} of {@code op(B)[pc:pc+kc, 0:n]}: element (l, j) of panel q goes to
     * {@code bp[q*NR*kc + l*NR + (j - q*NR)]}; columns past n are zero. Panel by panel, so the writes run
     * through one panel at a time (measured: walking l outermost and writing a little of every panel per
     * l, a store every {@code NR*kc*4} bytes, cost several times more).
     *
     * <p>packB and packA hold no Vector API code themselves; their vector moves are in the small leaves
     * {@link #copyRow}, {@link #copyQuads} and {@link #transpose4}. Measured: with the moves written inline,
     * packB's ordinary entry stayed in C1 (tier 2) for 30 s of hot calls while only an OSR version reached C2, and C1's
     * Vector API code allocated 48 bytes per vector moved (KernelAllocationTest failed in about one full
     * build in four). In C1, the drivers' scalar code allocates nothing.
     */
    private static void packB(float[] bp, Matrix b, Trans opB, int pc, int kc, int q0, int q1, int n, float[] buf) {
        MemorySegment bs = b.segment();
        long base = b.offset();
        int ld = b.ld();
        for (int q = q0; q < q1; q++) {
            int nr = Math.min(NR, n - q * NR);
            int panel = q * NR * kc;
            if (opB == Trans.N) {      // op(B)(l, j) = B(pc + l, j): NR floats of row pc + l per l
                long at = (base + (long) pc * ld + q * NR) * Float.BYTES;
                long step = (long) ld * Float.BYTES;
                for (int l = 0; l < kc; l++) {
                    copyRow(bs, at + l * step, bp, panel + l * NR, nr);
                    if (nr < NR) {
                        Arrays.fill(bp, panel + l * NR + nr, panel + (l + 1) * NR, 0f);
                    }
                }
            } else {                   // op(B)(l, j) = B(j, pc + l): row j of B holds column j of op(B)
                transpose(bs, base + (long) q * NR * ld + pc, ld, nr, kc, buf, bp, panel, NR);
            }
        }
    }

    /**
     * {@code panel[at + l*width + r] = } element {@code first + r*ld + l} of src, for {@code r < count} and
     * {@code l < kc}, and zeros in the columns {@code count <= r < width}: the transpose of {@code count}
     * rows of length kc into a panel {@code width} wide. Four rows at a time, in 4 x 4 blocks transposed in
     * registers ({@link #transpose4}) straight from the segment, the last {@code kc % 4} columns of those rows
     * float by float; the last {@code count % 4} rows as one more block of 4 that ends at the last row (it
     * rewrites a few rows with the same values: an A micro-panel of 6 rows is two blocks). A panel of fewer
     * than 4 rows is copied into {@code rows} with vector moves and written row by row. The blocks are the
     * fastest of the ways tried where the transpose dominates a product (the figures, dated: docs/kernels.md,
     * "The SIMD GEMM in layers").
     */
    private static void transpose(MemorySegment src, long first, int ld, int count, int kc, float[] rows,
                                  float[] panel, int at, int width) {
        if (count >= Q) {
            // blocks of 4 rows; the last count % 4 rows as one more block of 4, over rows already written. One call
            // site, so that C2 inlines the shuffles once (docs/kernels.md, "Inlining and boxing", 2026-12-08)
            for (int r = 0; r < count; r += Q) {
                transposeRows4(src, first, ld, Math.min(r, count - Q), kc, panel, at, width);
            }
        } else {
            for (int r = 0; r < count; r++) {
                copyRow(src, (first + (long) r * ld) * Float.BYTES, rows, r * kc, kc);
            }
            for (int r = 0; r < count; r++) {
                int from = r * kc;
                int dst = at + r;
                for (int l = 0; l < kc; l++) {
                    panel[dst + l * width] = rows[from + l];
                }
            }
        }
        for (int r = count; r < width; r++) {
            for (int l = 0; l < kc; l++) {
                panel[at + r + l * width] = 0f;
            }
        }
    }

    /** Rows {@code r .. r+3} of {@link #transpose}: 4 x 4 blocks, then the last {@code kc % 4} columns float by float. */
    private static void transposeRows4(MemorySegment src, long first, int ld, int r, int kc, float[] panel, int at,
                                       int width) {
        long ldBytes = (long) ld * Float.BYTES;
        long row = (first + (long) r * ld) * Float.BYTES;
        int kq = kc - kc % Q;
        for (int l = 0; l < kq; l += Q) {
            transpose4(src, row + (long) l * Float.BYTES, ldBytes, panel, at + l * width + r, width);
        }
        for (int l = kq; l < kc; l++) {
            for (int i = 0; i < Q; i++) {
                panel[at + l * width + r + i] = src.get(FL, row + i * ldBytes + (long) l * Float.BYTES);
            }
        }
    }

    /** Two-source shuffles of 4 lanes (4 to 7 name the second vector's lanes 0 to 3). */
    private static final VectorShuffle<Float> PAIRS_LO = VectorShuffle.fromValues(FQ, 0, 4, 1, 5);
    private static final VectorShuffle<Float> PAIRS_HI = VectorShuffle.fromValues(FQ, 2, 6, 3, 7);
    private static final VectorShuffle<Float> HALVES_LO = VectorShuffle.fromValues(FQ, 0, 1, 4, 5);
    private static final VectorShuffle<Float> HALVES_HI = VectorShuffle.fromValues(FQ, 2, 3, 6, 7);

    /**
     * The 4 x 4 block of floats at byte {@code at} of src (rows {@code ld} bytes apart), transposed into
     * {@code panel[dst + l*width + i]} = row i, column l of the block: two rounds of two-source shuffles.
     */
    private static void transpose4(MemorySegment src, long at, long ld, float[] panel, int dst, int width) {
        FloatVector a = FloatVector.fromMemorySegment(FQ, src, at, NATIVE);
        FloatVector b = FloatVector.fromMemorySegment(FQ, src, at + ld, NATIVE);
        FloatVector c = FloatVector.fromMemorySegment(FQ, src, at + 2 * ld, NATIVE);
        FloatVector d = FloatVector.fromMemorySegment(FQ, src, at + 3 * ld, NATIVE);
        FloatVector ab0 = a.rearrange(PAIRS_LO, b);                       // a0 b0 a1 b1
        FloatVector ab1 = a.rearrange(PAIRS_HI, b);                       // a2 b2 a3 b3
        FloatVector cd0 = c.rearrange(PAIRS_LO, d);                       // c0 d0 c1 d1
        FloatVector cd1 = c.rearrange(PAIRS_HI, d);                       // c2 d2 c3 d3
        ab0.rearrange(HALVES_LO, cd0).intoArray(panel, dst);              // a0 b0 c0 d0
        ab0.rearrange(HALVES_HI, cd0).intoArray(panel, dst + width);      // a1 b1 c1 d1
        ab1.rearrange(HALVES_LO, cd1).intoArray(panel, dst + 2 * width);  // a2 b2 c2 d2
        ab1.rearrange(HALVES_HI, cd1).intoArray(panel, dst + 3 * width);  // a3 b3 c3 d3
    }

    /**
     * Packs the A micro-panels {@code [p0, p1)} of {@code op(A)[0:m, pc:pc+kc]}: element (i, l) of micro-panel
     * p goes to {@code ap[p*MR*kc + l*MR + (i - p*MR)]}; rows past m are zero. Panel by panel, as for B.
     */
    private static void packA(float[] ap, Matrix a, Trans opA, int pc, int kc, int p0, int p1, int m, float[] buf) {
        MemorySegment as = a.segment();
        long base = a.offset();
        int ld = a.ld();
        for (int p = p0; p < p1; p++) {
            int mr = Math.min(MR, m - p * MR);
            int panel = p * MR * kc;
            if (opA == Trans.T) {      // op(A)(i, l) = A(pc + l, i): MR floats of row pc + l per l
                long at = (base + (long) pc * ld + p * MR) * Float.BYTES;
                long step = (long) ld * Float.BYTES;
                if (mr == MR) {
                    for (int l = 0; l < kc; l++) {
                        copyQuads(as, at + l * step, ap, panel + l * MR, MR);
                    }
                } else {
                    for (int l = 0; l < kc; l++) {
                        long row = at + l * step;
                        for (int r = 0; r < MR; r++) {
                            ap[panel + l * MR + r] = r < mr ? as.get(FL, row + (long) r * Float.BYTES) : 0f;
                        }
                    }
                }
            } else {                   // op(A)(i, l) = A(i, pc + l): the micro-panel's rows, transposed
                transpose(as, base + (long) p * MR * ld + pc, ld, mr, kc, buf, ap, panel, MR);
            }
        }
    }

    /** {@code C = beta * C}, or zeros when beta == 0 (C not read): the result when alpha == 0. */
    private static void scaleC(Matrix c, float beta) {
        MemorySegment cs = c.segment();
        int n = c.cols();
        for (int i = 0; i < c.rows(); i++) {
            long row = (c.offset() + (long) i * c.ld()) * Float.BYTES;
            int j = 0;
            for (int bound = F.loopBound(n); j < bound && row + (long) (j + L) * Float.BYTES <= cs.byteSize(); j += L) {
                long at = row + (long) j * Float.BYTES;
                if (beta == 0) {                                     // C is not read: it may hold NaN
                    FloatVector.zero(F).intoMemorySegment(cs, at, NATIVE);
                } else {
                    FloatVector.fromMemorySegment(F, cs, at, NATIVE).mul(beta).intoMemorySegment(cs, at, NATIVE);
                }
            }
            for (; j < n; j++) {                                     // the rest lane by lane (no masks: see storeRow)
                long x = row + (long) j * Float.BYTES;
                cs.set(FL, x, beta == 0 ? 0f : beta * cs.get(FL, x));
            }
        }
    }
}
