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
 * <p>Per pair, with the head's K (or V, backward) packed transposed into a per-thread {@code float[]}
 * ({@code kt[d * tp + s]}, tp = T rounded up to whole vectors, zero past T):
 * <ul>
 *   <li><b>Dot products over d</b> ({@code q_t . k_s}, {@code do_t . v_s}): a vector of L consecutive s at once,
 *       {@code acc = fma(kt[d][s..], q_t[d], acc)} for d in order from zero, two vectors of s per pass: each lane
 *       is the reference's FMA chain, so the scores and dP are the reference's bits. Lanes past t are computed and
 *       dropped.</li>
 *   <li><b>Weighted sums of rows</b> ({@code o_t}, {@code dq_t}, {@code dk_s}, {@code dv_s}; {@link #weightedSum}):
 *       a vector of L consecutive d at once, {@code acc = fma(x_i[d..], w_i, acc)} over the rows i in the
 *       reference's order from zero, two vectors of d per pass, the last {@code D mod L} columns as the same
 *       {@link Math#fma} chain in scalar; then times scale (1 where there is none: exact). The reference's bits.</li>
 *   <li><b>Softmax</b>: the scaled scores of row t are written into P's row and {@link Activations#softmaxForward}
 *       (the SIMD softmax kernel) runs on its first t + 1 elements in place; the rest of the row is set to +0.
 *       This is the one step that differs from the reference (exp and the sum's order): P agrees within
 *       softmax's bound, and O then within a bound derived from it (docs/kernels.md).</li>
 *   <li><b>Softmax gradient</b>: {@code r_t} as a scalar FMA chain in order of s and {@code dS = p (dP - r)}, the
 *       reference's operations: the backward pass is the reference's bits given the same P.</li>
 * </ul>
 * Every element is computed by one thread in one order, so results are the same bits at any thread count. The
 * vector loops take and return no vector (arrays, segments and offsets only; see {@link Elementwise}'s rules).
 * Scratch is per calling thread and per pool slot, grown to the largest shape seen: a warm call allocates nothing.
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
     * {@code out[o0 + s] = sum_d a[d] * pt[d * tp + s]} for s in [0, count) rounded up to whole vectors (count <= tp,
     * tp a multiple of L), each an FMA chain over d in order from zero.
     */
    static void dots(float[] out, int o0, float[] a, float[] pt, int tp, int dn, int count) {
        int s = 0;
        // main: two vectors of s per pass
        for (; s + L < count; s += 2 * L) {
            FloatVector acc0 = FloatVector.zero(F);
            FloatVector acc1 = acc0;
            for (int d = 0, at = s; d < dn; d++, at += tp) {
                FloatVector ad = FloatVector.broadcast(F, a[d]);
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
                acc = FloatVector.fromArray(F, pt, at).fma(FloatVector.broadcast(F, a[d]), acc);
            }
            FloatVector.broadcast(F, -0f).add(acc).intoArray(out, o0 + s);
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
        /** Per slot: one row of D floats (q_t or do_t). */
        private final float[][] vec = new float[Parallel.MAX_THREADS][0];
        /** Per slot: one row or column of tp floats (scores, probabilities, weights). */
        private final float[][] line = new float[Parallel.MAX_THREADS][0];
        /** Per slot, backward: dS of one head, T x tp. */
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
            if (vec[thread].length < dn) {
                vec[thread] = new float[dn];
            }
            if (line[thread].length < tp) {
                line[thread] = new float[tp];
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

        /** pt[d * tp + s] = x[r0 + s][c0 + d], zero for s in [T, tp). */
        private static void pack(float[] pt, Matrix x, int r0, int c0, int tn, int dn, int tp) {
            MemorySegment xs = x.segment();
            for (int s = 0; s < tn; s++) {
                long at = row(x, r0 + s) + bytes(c0);
                for (int d = 0; d < dn; d++) {
                    pt[d * tp + s] = xs.get(FLOAT, at + bytes(d));
                }
            }
            for (int d = 0; d < dn; d++) {
                for (int s = tn; s < tp; s++) {
                    pt[d * tp + s] = 0f;
                }
            }
        }

        /** Copies dn floats at byte {@code at} of s into a. */
        private static void load(float[] a, MemorySegment s, long at, int dn) {
            for (int d = 0; d < dn; d++) {
                a[d] = s.get(FLOAT, at + bytes(d));
            }
        }

        private void forward(int thread, int b, int h, int tn, int dn, int tp) {
            float[] kt = packed[thread];
            float[] qt = vec[thread];
            float[] sc = line[thread];
            int r0 = b * tn;
            int c0 = h * dn;
            int p0 = (b * g.heads() + h) * tn;
            pack(kt, k, r0, c0, tn, dn, tp);
            MemorySegment ps = p.segment();
            for (int t = 0; t < tn; t++) {
                load(qt, q.segment(), row(q, r0 + t) + bytes(c0), dn);
                dots(sc, 0, qt, kt, tp, dn, t + 1);
                long pr = row(p, p0 + t);
                for (int s = 0; s <= t; s++) {
                    ps.set(FLOAT, pr + bytes(s), scale * sc[s]);
                }
                Activations.softmaxForward(ps, pr, ps, pr, t + 1);
                Elementwise.fill(ps, pr + bytes(t + 1), tn - t - 1, 0f);
                for (int s = 0; s <= t; s++) {
                    sc[s] = ps.get(FLOAT, pr + bytes(s));
                }
                weightedSum(o.segment(), row(o, r0 + t) + bytes(c0), 1f, sc, 0, 1, v.segment(), row(v, r0) + bytes(c0),
                        bytes(v.ld()), t + 1, dn);
            }
        }

        private void backward(int thread, int b, int h, int tn, int dn, int tp) {
            float[] vt = packed[thread];
            float[] dot = vec[thread];
            float[] w = line[thread];
            float[] ds = grad[thread];
            int r0 = b * tn;
            int c0 = h * dn;
            int p0 = (b * g.heads() + h) * tn;
            MemorySegment ps = p.segment();
            // dv_s = sum_{t >= s} p_ts do_t
            for (int s = 0; s < tn; s++) {
                for (int t = s; t < tn; t++) {
                    w[t - s] = ps.get(FLOAT, row(p, p0 + t) + bytes(s));
                }
                weightedSum(dV.segment(), row(dV, r0 + s) + bytes(c0), 1f, w, 0, 1, dO.segment(),
                        row(dO, r0 + s) + bytes(c0), bytes(dO.ld()), tn - s, dn);
            }
            // dP_ts = do_t . v_s into ds's row t; then dS_ts = p_ts (dP_ts - r_t)
            pack(vt, v, r0, c0, tn, dn, tp);
            for (int t = 0; t < tn; t++) {
                load(dot, dO.segment(), row(dO, r0 + t) + bytes(c0), dn);
                int at = t * tp;
                dots(ds, at, dot, vt, tp, dn, t + 1);
                long pr = row(p, p0 + t);
                float r = 0f;
                for (int s = 0; s <= t; s++) {
                    r = Math.fma(ps.get(FLOAT, pr + bytes(s)), ds[at + s], r);
                }
                for (int s = 0; s <= t; s++) {
                    ds[at + s] = ps.get(FLOAT, pr + bytes(s)) * (ds[at + s] - r);
                }
            }
            // dq_t = scale sum_{s <= t} dS_ts k_s;  dk_s = scale sum_{t >= s} dS_ts q_t
            for (int t = 0; t < tn; t++) {
                weightedSum(dQ.segment(), row(dQ, r0 + t) + bytes(c0), scale, ds, t * tp, 1, k.segment(),
                        row(k, r0) + bytes(c0), bytes(k.ld()), t + 1, dn);
            }
            for (int s = 0; s < tn; s++) {
                weightedSum(dK.segment(), row(dK, r0 + s) + bytes(c0), scale, ds, s * tp + s, tp, q.segment(),
                        row(q, r0 + s) + bytes(c0), bytes(q.ld()), tn - s, dn);
            }
        }
    }
}
