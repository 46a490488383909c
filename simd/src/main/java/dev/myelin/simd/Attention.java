package dev.myelin.simd;

import static dev.myelin.simd.Elementwise.FLOAT;
import static dev.myelin.simd.Elementwise.NATIVE;
import static dev.myelin.simd.Elementwise.bytes;
import static dev.myelin.simd.Elementwise.row;
import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Matrix;
import dev.myelin.core.SelfAttention;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;

/**
 * SIMD causal multi-head self-attention, forward and backward, in the reference's three steps and its summation
 * orders, one (sequence, head) pair per chunk of the pool.
 *
 * <p>Per pair, the head's operands are first copied into per-thread {@code float[]} scratch: K (V, backward) packed
 * transposed ({@code kt[d * tp + s]}, tp = T rounded up to whole vectors, zero past T), Q (dO) as T rows of D, and
 * the pair's T x T weights (P, then dS) as rows of tp. Then:
 * <ul>
 *   <li><b>Dot products over d</b> ({@code q_t . k_s}, {@code do_t . v_s}; {@link #dots4}): a register tile of four
 *       tokens t by two vectors of L consecutive s, {@code acc = fma(kt[d][s..], q_t[d], acc)} for d in order from
 *       zero: each lane is the reference's FMA chain, so the scores and dP are the reference's bits. Lanes past t
 *       are computed and dropped.</li>
 *   <li><b>Weighted sums of rows</b> ({@code o_t}, {@code dq_t}, {@code dk_s}, {@code dv_s}; {@link #prefixSums4},
 *       {@link #suffixSums4}, {@link #weightedSum}): a register tile of four output rows by two vectors of L
 *       consecutive d, {@code acc = fma(x_r[d..], w_r, acc)} over the terms r in the reference's order, each row its
 *       own terms (the causal triangle is unrolled: a masked position is never a term, not even a zero one, so a
 *       NaN reaches only the tokens that attend to it), the last {@code D mod 2L} columns through
 *       {@link #weightedSum} (one vector, then the same {@link Math#fma} chain in scalar); then times scale (1 where
 *       there is none: exact). The reference's bits.</li>
 *   <li><b>Softmax</b>: the scaled scores of row t are written into P's row and {@link Activations#softmaxForward}
 *       (the SIMD softmax kernel) runs on its first t + 1 elements in place; the rest of the row is set to +0.
 *       This is the one step that differs from the reference (exp and the sum's order): P agrees within
 *       softmax's bound, and O then within a bound derived from it (docs/kernels.md).</li>
 *   <li><b>Softmax gradient</b>: {@code r_t} as a scalar FMA chain in order of s (four rows' chains interleaved)
 *       and {@code dS = p (dP - r)}, the reference's operations: the backward pass is the reference's bits given
 *       the same P.</li>
 * </ul>
 * Every element is computed by one thread in one order, so results are the same bits at any thread count. The
 * vector loops take and return no vector (arrays, segments and offsets only; see {@link Elementwise}'s rules), and
 * accumulators are named locals of the method that carries them. Scratch is per calling thread and per pool slot,
 * grown to the largest shape seen: a warm call allocates nothing.
 */
final class Attention {

    /** Multiply-adds ({@code B H T^2 D}) from which a call is split over the pool. */
    static final long PARALLEL_MIN_WORK = 1 << 16;

    private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);

    private Attention() {
    }

    static void attentionForward(Matrix o, Matrix p, Matrix q, Matrix k, Matrix v, SelfAttention g, float scale,
                                 Parallel pool) {
        Job job = JOBS.get();
        job.start(false, g, scale, o, p, q, k, v, null, null, null, null);
        job.run(pool);
    }

    static void attentionBackward(Matrix dQ, Matrix dK, Matrix dV, Matrix dO, Matrix q, Matrix k, Matrix v, Matrix p,
                                  SelfAttention g, float scale, Parallel pool) {
        Job job = JOBS.get();
        job.start(true, g, scale, null, p, q, k, v, dQ, dK, dV, dO);
        job.run(pool);
    }

    /** Rows of a register tile in {@link #dots4}, {@link #prefixSums4} and {@link #suffixSums4}. */
    static final int TILE_ROWS = 4;

    /**
     * {@code out[d] = scale * sum_i w[w0 + i wStride] * x_i[d]} for d in [0, dn), x_i the dn floats at byte
     * {@code x0 + i xStride} of xs, out the dn floats at byte o0 of os; each sum an FMA chain over i in order from
     * zero, then one multiplication by scale.
     */
    static void weightedSum(MemorySegment os, long o0, float scale, float[] w, int w0, int wStride, MemorySegment xs,
                            long x0, long xStride, int count, int dn) {
        FloatVector s = FloatVector.broadcast(F, scale);
        int j = 0;
        // main: two vectors of columns per pass, two independent FMA chains
        for (; j + 2 * L <= dn; j += 2 * L) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            long at = x0 + bytes(j);
            for (int i = 0; i < count; i++, at += xStride) {
                FloatVector wi = FloatVector.broadcast(F, w[w0 + i * wStride]);
                acc0 = FloatVector.fromMemorySegment(F, xs, at, NATIVE).fma(wi, acc0);
                acc1 = FloatVector.fromMemorySegment(F, xs, at + bytes(L), NATIVE).fma(wi, acc1);
            }
            s.mul(acc0).intoMemorySegment(os, o0 + bytes(j), NATIVE);
            s.mul(acc1).intoMemorySegment(os, o0 + bytes(j + L), NATIVE);
        }
        for (; j + L <= dn; j += L) {
            FloatVector acc = FloatVector.zero(F);
            long at = x0 + bytes(j);
            for (int i = 0; i < count; i++, at += xStride) {
                acc = FloatVector.fromMemorySegment(F, xs, at, NATIVE).fma(FloatVector.broadcast(F, w[w0 + i * wStride]), acc);
            }
            s.mul(acc).intoMemorySegment(os, o0 + bytes(j), NATIVE);
        }
        // tail: the same FMA chain per column, in scalar
        for (; j < dn; j++) {
            float acc = 0f;
            long at = x0 + bytes(j);
            for (int i = 0; i < count; i++, at += xStride) {
                acc = Math.fma(w[w0 + i * wStride], xs.get(FLOAT, at), acc);
            }
            os.set(FLOAT, o0 + bytes(j), scale * acc);
        }
    }

    /**
     * Four {@link #weightedSum}s whose terms end on the diagonal: for i in [0, 4),
     * {@code out_i[d] = scale * sum_{r < first + i} w[w0 + i wRow + r wCol] * x_r[d]}, out_i the dn floats at byte
     * {@code o0 + i oStride} of os, x_r at byte {@code x0 + r xStride} of xs ({@code o_t} and {@code dq_t} for the
     * tokens t = first - 1 + i). Each sum is weightedSum's FMA chain over r from zero, so its bits: the terms
     * below {@code first} of all four rows in one register tile, then the triangle, then the columns past the
     * last two whole vectors by weightedSum itself.
     */
    static void prefixSums4(MemorySegment os, long o0, long oStride, float scale, float[] w, int w0, int wRow,
                            int wCol, MemorySegment xs, long x0, long xStride, int first, int dn) {
        FloatVector sv = FloatVector.broadcast(F, scale);
        int j = 0;
        for (; j + 2 * L <= dn; j += 2 * L) {
            FloatVector a00 = FloatVector.zero(F);
            FloatVector a01 = a00;
            FloatVector a10 = a00;
            FloatVector a11 = a00;
            FloatVector a20 = a00;
            FloatVector a21 = a00;
            FloatVector a30 = a00;
            FloatVector a31 = a00;
            long at = x0 + bytes(j);
            int c = w0;
            for (int r = 0; r < first; r++, at += xStride, c += wCol) {
                FloatVector x0v = FloatVector.fromMemorySegment(F, xs, at, NATIVE);
                FloatVector x1v = FloatVector.fromMemorySegment(F, xs, at + bytes(L), NATIVE);
                FloatVector b = FloatVector.broadcast(F, w[c]);
                a00 = x0v.fma(b, a00);
                a01 = x1v.fma(b, a01);
                b = FloatVector.broadcast(F, w[c + wRow]);
                a10 = x0v.fma(b, a10);
                a11 = x1v.fma(b, a11);
                b = FloatVector.broadcast(F, w[c + 2 * wRow]);
                a20 = x0v.fma(b, a20);
                a21 = x1v.fma(b, a21);
                b = FloatVector.broadcast(F, w[c + 3 * wRow]);
                a30 = x0v.fma(b, a30);
                a31 = x1v.fma(b, a31);
            }
            // the triangle: term first for rows 1 to 3, first + 1 for rows 2 and 3, first + 2 for row 3
            FloatVector x0v = FloatVector.fromMemorySegment(F, xs, at, NATIVE);
            FloatVector x1v = FloatVector.fromMemorySegment(F, xs, at + bytes(L), NATIVE);
            FloatVector b = FloatVector.broadcast(F, w[c + wRow]);
            a10 = x0v.fma(b, a10);
            a11 = x1v.fma(b, a11);
            b = FloatVector.broadcast(F, w[c + 2 * wRow]);
            a20 = x0v.fma(b, a20);
            a21 = x1v.fma(b, a21);
            b = FloatVector.broadcast(F, w[c + 3 * wRow]);
            a30 = x0v.fma(b, a30);
            a31 = x1v.fma(b, a31);
            at += xStride;
            c += wCol;
            x0v = FloatVector.fromMemorySegment(F, xs, at, NATIVE);
            x1v = FloatVector.fromMemorySegment(F, xs, at + bytes(L), NATIVE);
            b = FloatVector.broadcast(F, w[c + 2 * wRow]);
            a20 = x0v.fma(b, a20);
            a21 = x1v.fma(b, a21);
            b = FloatVector.broadcast(F, w[c + 3 * wRow]);
            a30 = x0v.fma(b, a30);
            a31 = x1v.fma(b, a31);
            at += xStride;
            c += wCol;
            b = FloatVector.broadcast(F, w[c + 3 * wRow]);
            a30 = FloatVector.fromMemorySegment(F, xs, at, NATIVE).fma(b, a30);
            a31 = FloatVector.fromMemorySegment(F, xs, at + bytes(L), NATIVE).fma(b, a31);
            long out = o0 + bytes(j);
            sv.mul(a00).intoMemorySegment(os, out, NATIVE);
            sv.mul(a01).intoMemorySegment(os, out + bytes(L), NATIVE);
            sv.mul(a10).intoMemorySegment(os, out + oStride, NATIVE);
            sv.mul(a11).intoMemorySegment(os, out + oStride + bytes(L), NATIVE);
            sv.mul(a20).intoMemorySegment(os, out + 2 * oStride, NATIVE);
            sv.mul(a21).intoMemorySegment(os, out + 2 * oStride + bytes(L), NATIVE);
            sv.mul(a30).intoMemorySegment(os, out + 3 * oStride, NATIVE);
            sv.mul(a31).intoMemorySegment(os, out + 3 * oStride + bytes(L), NATIVE);
        }
        if (j < dn) {
            for (int i = 0; i < TILE_ROWS; i++) {
                weightedSum(os, o0 + i * oStride + bytes(j), scale, w, w0 + i * wRow, wCol, xs, x0 + bytes(j), xStride,
                        first + i, dn - j);
            }
        }
    }

    /**
     * Four {@link #weightedSum}s whose terms start on the diagonal: for i in [0, 4),
     * {@code out_i[d] = scale * sum_{start + i <= r < end} w[w0 + i wRow + r wCol] * x_r[d]}, out_i the dn floats at
     * byte {@code o0 + i oStride} of os, x_r at byte {@code x0 + r xStride} of xs ({@code dv_s} and {@code dk_s}
     * for the tokens s = start + i; end >= start + 4). Each sum is weightedSum's FMA chain over r in order, so its
     * bits: the triangle first, then the terms from {@code start + 3} of all four rows in one register tile, then
     * the columns past the last two whole vectors by weightedSum itself.
     */
    static void suffixSums4(MemorySegment os, long o0, long oStride, float scale, float[] w, int w0, int wRow,
                            int wCol, MemorySegment xs, long x0, long xStride, int start, int end, int dn) {
        FloatVector sv = FloatVector.broadcast(F, scale);
        int j = 0;
        for (; j + 2 * L <= dn; j += 2 * L) {
            // the triangle: term start for row 0, start + 1 for rows 0 and 1, start + 2 for rows 0 to 2
            long at = x0 + start * xStride + bytes(j);
            int c = w0 + start * wCol;
            FloatVector b = FloatVector.broadcast(F, w[c]);
            FloatVector a00 = FloatVector.fromMemorySegment(F, xs, at, NATIVE).fma(b, FloatVector.zero(F));
            FloatVector a01 = FloatVector.fromMemorySegment(F, xs, at + bytes(L), NATIVE).fma(b, FloatVector.zero(F));
            at += xStride;
            c += wCol;
            FloatVector x0v = FloatVector.fromMemorySegment(F, xs, at, NATIVE);
            FloatVector x1v = FloatVector.fromMemorySegment(F, xs, at + bytes(L), NATIVE);
            b = FloatVector.broadcast(F, w[c]);
            a00 = x0v.fma(b, a00);
            a01 = x1v.fma(b, a01);
            b = FloatVector.broadcast(F, w[c + wRow]);
            FloatVector a10 = x0v.fma(b, FloatVector.zero(F));
            FloatVector a11 = x1v.fma(b, FloatVector.zero(F));
            at += xStride;
            c += wCol;
            x0v = FloatVector.fromMemorySegment(F, xs, at, NATIVE);
            x1v = FloatVector.fromMemorySegment(F, xs, at + bytes(L), NATIVE);
            b = FloatVector.broadcast(F, w[c]);
            a00 = x0v.fma(b, a00);
            a01 = x1v.fma(b, a01);
            b = FloatVector.broadcast(F, w[c + wRow]);
            a10 = x0v.fma(b, a10);
            a11 = x1v.fma(b, a11);
            b = FloatVector.broadcast(F, w[c + 2 * wRow]);
            FloatVector a20 = x0v.fma(b, FloatVector.zero(F));
            FloatVector a21 = x1v.fma(b, FloatVector.zero(F));
            FloatVector a30 = FloatVector.zero(F);
            FloatVector a31 = a30;
            at += xStride;
            c += wCol;
            for (int r = start + 3; r < end; r++, at += xStride, c += wCol) {
                x0v = FloatVector.fromMemorySegment(F, xs, at, NATIVE);
                x1v = FloatVector.fromMemorySegment(F, xs, at + bytes(L), NATIVE);
                b = FloatVector.broadcast(F, w[c]);
                a00 = x0v.fma(b, a00);
                a01 = x1v.fma(b, a01);
                b = FloatVector.broadcast(F, w[c + wRow]);
                a10 = x0v.fma(b, a10);
                a11 = x1v.fma(b, a11);
                b = FloatVector.broadcast(F, w[c + 2 * wRow]);
                a20 = x0v.fma(b, a20);
                a21 = x1v.fma(b, a21);
                b = FloatVector.broadcast(F, w[c + 3 * wRow]);
                a30 = x0v.fma(b, a30);
                a31 = x1v.fma(b, a31);
            }
            long out = o0 + bytes(j);
            sv.mul(a00).intoMemorySegment(os, out, NATIVE);
            sv.mul(a01).intoMemorySegment(os, out + bytes(L), NATIVE);
            sv.mul(a10).intoMemorySegment(os, out + oStride, NATIVE);
            sv.mul(a11).intoMemorySegment(os, out + oStride + bytes(L), NATIVE);
            sv.mul(a20).intoMemorySegment(os, out + 2 * oStride, NATIVE);
            sv.mul(a21).intoMemorySegment(os, out + 2 * oStride + bytes(L), NATIVE);
            sv.mul(a30).intoMemorySegment(os, out + 3 * oStride, NATIVE);
            sv.mul(a31).intoMemorySegment(os, out + 3 * oStride + bytes(L), NATIVE);
        }
        if (j < dn) {
            for (int i = 0; i < TILE_ROWS; i++) {
                int r = start + i;
                weightedSum(os, o0 + i * oStride + bytes(j), scale, w, w0 + i * wRow + r * wCol, wCol, xs,
                        x0 + r * xStride + bytes(j), xStride, end - r, dn - j);
            }
        }
    }

    /**
     * {@code out[o0 + s] = sum_d a[a0 + d] * pt[d * tp + s]} for s in [0, count) rounded up to whole vectors
     * (count <= tp, tp a multiple of L), each an FMA chain over d in order from zero.
     */
    static void dots(float[] out, int o0, float[] a, int a0, float[] pt, int tp, int dn, int count) {
        int s = 0;
        // main: two vectors of s per pass
        for (; s + L < count; s += 2 * L) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            for (int d = 0, at = s; d < dn; d++, at += tp) {
                FloatVector ad = FloatVector.broadcast(F, a[a0 + d]);
                acc0 = FloatVector.fromArray(F, pt, at).fma(ad, acc0);
                acc1 = FloatVector.fromArray(F, pt, at + L).fma(ad, acc1);
            }
            FloatVector.broadcast(F, -0f).add(acc0).intoArray(out, o0 + s);   // -0 + acc: see Elementwise
            FloatVector.broadcast(F, -0f).add(acc1).intoArray(out, o0 + s + L);
        }
        // the last vector (count - s <= L)
        if (s < count) {
            FloatVector acc = FloatVector.zero(F);
            for (int d = 0, at = s; d < dn; d++, at += tp) {
                acc = FloatVector.fromArray(F, pt, at).fma(FloatVector.broadcast(F, a[a0 + d]), acc);
            }
            FloatVector.broadcast(F, -0f).add(acc).intoArray(out, o0 + s);
        }
    }

    /**
     * Four rows of {@link #dots}: {@code out[o0 + i oRow + s] = sum_d a[a0 + i aRow + d] * pt[d * tp + s]} for i in
     * [0, 4) and s in [0, count) rounded up to whole vectors, each the same FMA chain over d from zero, in a
     * register tile of four rows by two vectors.
     */
    static void dots4(float[] out, int o0, int oRow, float[] a, int a0, int aRow, float[] pt, int tp, int dn,
                      int count) {
        int s = 0;
        for (; s + L < count; s += 2 * L) {
            FloatVector a00 = FloatVector.zero(F);
            FloatVector a01 = a00;
            FloatVector a10 = a00;
            FloatVector a11 = a00;
            FloatVector a20 = a00;
            FloatVector a21 = a00;
            FloatVector a30 = a00;
            FloatVector a31 = a00;
            for (int d = 0, at = s; d < dn; d++, at += tp) {
                FloatVector p0 = FloatVector.fromArray(F, pt, at);
                FloatVector p1 = FloatVector.fromArray(F, pt, at + L);
                FloatVector b = FloatVector.broadcast(F, a[a0 + d]);
                a00 = p0.fma(b, a00);
                a01 = p1.fma(b, a01);
                b = FloatVector.broadcast(F, a[a0 + aRow + d]);
                a10 = p0.fma(b, a10);
                a11 = p1.fma(b, a11);
                b = FloatVector.broadcast(F, a[a0 + 2 * aRow + d]);
                a20 = p0.fma(b, a20);
                a21 = p1.fma(b, a21);
                b = FloatVector.broadcast(F, a[a0 + 3 * aRow + d]);
                a30 = p0.fma(b, a30);
                a31 = p1.fma(b, a31);
            }
            FloatVector z = FloatVector.broadcast(F, -0f);                      // -0 + acc: see Elementwise
            z.add(a00).intoArray(out, o0 + s);
            z.add(a01).intoArray(out, o0 + s + L);
            z.add(a10).intoArray(out, o0 + oRow + s);
            z.add(a11).intoArray(out, o0 + oRow + s + L);
            z.add(a20).intoArray(out, o0 + 2 * oRow + s);
            z.add(a21).intoArray(out, o0 + 2 * oRow + s + L);
            z.add(a30).intoArray(out, o0 + 3 * oRow + s);
            z.add(a31).intoArray(out, o0 + 3 * oRow + s + L);
        }
        if (s < count) {
            FloatVector a0v = FloatVector.zero(F);
            FloatVector a1v = a0v;
            FloatVector a2v = a0v;
            FloatVector a3v = a0v;
            for (int d = 0, at = s; d < dn; d++, at += tp) {
                FloatVector p0 = FloatVector.fromArray(F, pt, at);
                a0v = p0.fma(FloatVector.broadcast(F, a[a0 + d]), a0v);
                a1v = p0.fma(FloatVector.broadcast(F, a[a0 + aRow + d]), a1v);
                a2v = p0.fma(FloatVector.broadcast(F, a[a0 + 2 * aRow + d]), a2v);
                a3v = p0.fma(FloatVector.broadcast(F, a[a0 + 3 * aRow + d]), a3v);
            }
            FloatVector z = FloatVector.broadcast(F, -0f);
            z.add(a0v).intoArray(out, o0 + s);
            z.add(a1v).intoArray(out, o0 + oRow + s);
            z.add(a2v).intoArray(out, o0 + 2 * oRow + s);
            z.add(a3v).intoArray(out, o0 + 3 * oRow + s);
        }
    }

    /** One call, reused by its calling thread; per pool slot scratch grown to the largest shape seen. */
    private static final class Job implements Parallel.Job {
        private boolean backward;
        private SelfAttention g;
        private float scale;
        private Matrix o;
        private Matrix p;
        private Matrix q;
        private Matrix k;
        private Matrix v;
        private Matrix dQ;
        private Matrix dK;
        private Matrix dV;
        private Matrix dO;
        /** Per slot: K or V of one head transposed, D x tp. */
        private final float[][] packed = new float[Parallel.MAX_THREADS][0];
        /** Per slot: Q or dO of one head, T rows of D. */
        private final float[][] heads = new float[Parallel.MAX_THREADS][0];
        /** Per slot: the scores, then P, of one head, T rows of tp. */
        private final float[][] weights = new float[Parallel.MAX_THREADS][0];
        /** Per slot, backward: dP, then dS, of one head, T rows of tp. */
        private final float[][] grad = new float[Parallel.MAX_THREADS][0];

        void start(boolean backward, SelfAttention g, float scale, Matrix o, Matrix p, Matrix q, Matrix k, Matrix v,
                   Matrix dQ, Matrix dK, Matrix dV, Matrix dO) {
            this.backward = backward;
            this.g = g;
            this.scale = scale;
            this.o = o;
            this.p = p;
            this.q = q;
            this.k = k;
            this.v = v;
            this.dQ = dQ;
            this.dK = dK;
            this.dV = dV;
            this.dO = dO;
        }

        void run(Parallel pool) {
            int pairs = g.batch() * g.heads();
            long work = (long) pairs * g.length() * g.length() * g.headSize();
            boolean shared = sharable(o) && sharable(p) && sharable(q) && sharable(k) && sharable(v) && sharable(dQ)
                    && sharable(dK) && sharable(dV) && sharable(dO);
            try {
                (work < PARALLEL_MIN_WORK || !shared ? Parallel.CALLER : pool).run(this, pairs);
            } finally {
                o = p = q = k = v = dQ = dK = dV = dO = null;
            }
        }

        private static boolean sharable(Matrix m) {
            return m == null || Parallel.sharable(m.segment());
        }

        @Override
        public void run(int chunk, int thread) {
            int tn = g.length();
            int dn = g.headSize();
            int tp = (tn + L - 1) / L * L;
            if (packed[thread].length < dn * tp) {
                packed[thread] = new float[dn * tp];
            }
            if (heads[thread].length < tn * dn) {
                heads[thread] = new float[tn * dn];
            }
            if (weights[thread].length < tn * tp) {
                weights[thread] = new float[tn * tp];
            }
            if (backward && grad[thread].length < tn * tp) {
                grad[thread] = new float[tn * tp];
            }
            int b = chunk / g.heads();
            int h = chunk % g.heads();
            if (backward) {
                backward(thread, b, h, tn, dn, tp);
            } else {
                forward(thread, b, h, tn, dn, tp);
            }
        }

        /**
         * pt[d * tp + s] = x[r0 + s][c0 + d], zero for s in [T, tp): the head's rows copied into rows (T x D
         * scratch, overwritten), then transposed between arrays.
         */
        private static void pack(float[] pt, float[] rows, Matrix x, int r0, int c0, int tn, int dn, int tp) {
            copyRows(rows, dn, x, r0, c0, tn, dn);
            for (int d = 0; d < dn; d++) {                 // pt's rows written in order (rows' reads stay in L1)
                int at = d * tp;
                for (int s = 0; s < tn; s++) {
                    pt[at + s] = rows[s * dn + d];
                }
                for (int s = tn; s < tp; s++) {
                    pt[at + s] = 0f;
                }
            }
        }

        /** {@code a[t * aRow + d] = x[r0 + t][c0 + d]} for t in [0, rows), d in [0, cols). */
        private static void copyRows(float[] a, int aRow, Matrix x, int r0, int c0, int rows, int cols) {
            for (int t = 0; t < rows; t++) {
                MemorySegment.copy(x.segment(), FLOAT, row(x, r0 + t) + bytes(c0), a, t * aRow, cols);
            }
        }

        /**
         * P's row of token t (n = t + 1 scores at w[at..]): {@code scale * score} into the row at byte pr of ps,
         * {@link Activations#softmaxForward} over those n in place, +0 for the rest of the T, and the n probabilities
         * back into w. A method of its own: inlined into the forward pass with the softmax, the scaling's vector
         * multiplication was left to the Vector API's Java fallback (JFR, 2026-12-07).
         */
        private static void softmaxRow(MemorySegment ps, long pr, float[] w, int at, float scale, int n, int tn) {
            FloatVector sv = FloatVector.broadcast(F, scale);
            int bound = F.loopBound(n);
            int s = 0;
            for (; s < bound; s += L) {
                sv.mul(FloatVector.fromArray(F, w, at + s)).intoMemorySegment(ps, pr + bytes(s), NATIVE);
            }
            for (; s < n; s++) {
                ps.set(FLOAT, pr + bytes(s), scale * w[at + s]);
            }
            Activations.softmaxForward(ps, pr, ps, pr, n);
            Elementwise.fill(ps, pr + bytes(n), tn - n, 0f);
            MemorySegment.copy(ps, FLOAT, pr, w, at, n);
        }

        /**
         * {@code out[t * tp + s] = a_t . pt[.][s]} for every token t and s in [0, t] (and the lanes past t of the
         * last vector, which nothing reads): the scores or dP of one head, four tokens at a time.
         */
        private static void causalDots(float[] out, float[] a, float[] pt, int tn, int dn, int tp) {
            int t = 0;
            for (; t + TILE_ROWS <= tn; t += TILE_ROWS) {
                dots4(out, t * tp, tp, a, t * dn, dn, pt, tp, dn, t + TILE_ROWS);
            }
            for (; t < tn; t++) {
                dots(out, t * tp, a, t * dn, pt, tp, dn, t + 1);
            }
        }

        /**
         * {@code out_t = scale * sum_{s <= t} w[t * tp + s] x_s} for every token t: O from P and V, dQ from dS and
         * K; out and x the head's columns [c0, c0 + D) of rows [r0, r0 + T).
         */
        private static void causalPrefixSums(Matrix out, float scale, float[] w, int tp, Matrix x, int r0, int c0,
                                             int tn, int dn) {
            MemorySegment os = out.segment();
            long oStride = bytes(out.ld());
            long o0 = row(out, r0) + bytes(c0);
            MemorySegment xs = x.segment();
            long xStride = bytes(x.ld());
            long x0 = row(x, r0) + bytes(c0);
            int t = 0;
            for (; t + TILE_ROWS <= tn; t += TILE_ROWS) {
                prefixSums4(os, o0 + t * oStride, oStride, scale, w, t * tp, tp, 1, xs, x0, xStride, t + 1, dn);
            }
            for (; t < tn; t++) {
                weightedSum(os, o0 + t * oStride, scale, w, t * tp, 1, xs, x0, xStride, t + 1, dn);
            }
        }

        /**
         * {@code out_s = scale * sum_{t >= s} w[t * tp + s] x_t} for every token s: dV from P and dO, dK from dS
         * and Q; out and x the head's columns [c0, c0 + D) of rows [r0, r0 + T).
         */
        private static void causalSuffixSums(Matrix out, float scale, float[] w, int tp, Matrix x, int r0, int c0,
                                             int tn, int dn) {
            MemorySegment os = out.segment();
            long oStride = bytes(out.ld());
            long o0 = row(out, r0) + bytes(c0);
            MemorySegment xs = x.segment();
            long xStride = bytes(x.ld());
            long x0 = row(x, r0) + bytes(c0);
            int s = 0;
            for (; s + TILE_ROWS <= tn; s += TILE_ROWS) {
                suffixSums4(os, o0 + s * oStride, oStride, scale, w, s, 1, tp, xs, x0, xStride, s, tn, dn);
            }
            for (; s < tn; s++) {
                weightedSum(os, o0 + s * oStride, scale, w, s * tp + s, tp, xs, x0 + s * xStride, xStride, tn - s, dn);
            }
        }

        /**
         * The softmax gradient of one row of n = t + 1 weights at {@code w[at..]} and their dP at {@code ds[at..]}:
         * {@code r = sum_s p_s dP_s} (an FMA chain in order of s), then {@code dS_s = p_s (dP_s - r)} in place, in
         * whole vectors up to n rounded up (within the row's tp; the lanes past t are not read).
         */
        private static void softmaxGradientRow(float[] w, float[] ds, int at, int n) {
            float r = 0f;
            for (int s = 0; s < n; s++) {
                r = Math.fma(w[at + s], ds[at + s], r);
            }
            for (int s = 0; s < n; s += L) {
                FloatVector.fromArray(F, w, at + s).mul(FloatVector.fromArray(F, ds, at + s).sub(r)).intoArray(ds, at + s);
            }
        }

        private void forward(int thread, int b, int h, int tn, int dn, int tp) {
            float[] kt = packed[thread];
            float[] qr = heads[thread];
            float[] w = weights[thread];
            int r0 = b * tn;
            int c0 = h * dn;
            int p0 = (b * g.heads() + h) * tn;
            pack(kt, qr, k, r0, c0, tn, dn, tp);
            copyRows(qr, dn, q, r0, c0, tn, dn);
            causalDots(w, qr, kt, tn, dn, tp);
            // P's row t: softmax of the scaled scores s <= t, +0 past t; then P's row back into w for O
            for (int t = 0; t < tn; t++) {
                softmaxRow(p.segment(), row(p, p0 + t), w, t * tp, scale, t + 1, tn);
            }
            causalPrefixSums(o, 1f, w, tp, v, r0, c0, tn, dn);
        }

        private void backward(int thread, int b, int h, int tn, int dn, int tp) {
            float[] vt = packed[thread];
            float[] dor = heads[thread];
            float[] w = weights[thread];
            float[] ds = grad[thread];
            int r0 = b * tn;
            int c0 = h * dn;
            int p0 = (b * g.heads() + h) * tn;
            copyRows(w, tp, p, p0, 0, tn, tn);
            // dv_s = sum_{t >= s} p_ts do_t
            causalSuffixSums(dV, 1f, w, tp, dO, r0, c0, tn, dn);
            // dP_ts = do_t . v_s into ds's row t; r_t = sum_s p_ts dP_ts; then dS_ts = p_ts (dP_ts - r_t)
            pack(vt, dor, v, r0, c0, tn, dn, tp);
            copyRows(dor, dn, dO, r0, c0, tn, dn);
            causalDots(ds, dor, vt, tn, dn, tp);
            for (int t = 0; t < tn; t++) {
                softmaxGradientRow(w, ds, t * tp, t + 1);
            }
            // dq_t = scale sum_{s <= t} dS_ts k_s;  dk_s = scale sum_{t >= s} dS_ts q_t
            causalPrefixSums(dQ, scale, ds, tp, k, r0, c0, tn, dn);
            causalSuffixSums(dK, scale, ds, tp, q, r0, c0, tn, dn);
        }
    }
}
