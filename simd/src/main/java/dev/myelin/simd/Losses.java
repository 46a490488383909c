package dev.myelin.simd;

import static dev.myelin.simd.Elementwise.NATIVE;
import static dev.myelin.simd.Elementwise.bytes;
import static dev.myelin.simd.Elementwise.stage;
import static dev.myelin.simd.Elementwise.sumDoubleLanes;
import static dev.myelin.simd.Elementwise.tail;
import static dev.myelin.simd.Elementwise.unstage;
import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Matrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * SIMD losses fused with their gradients: range functions that return their range's sum, which {@link Walker}
 * adds in row order. Loops as in {@link Elementwise}.
 *
 * <p>Totals are double, as in the reference, but summed in a different order: each float vector of
 * terms is widened into two double vectors ({@code F2D}, parts 0 and 1) added to two double
 * accumulators; a row's accumulators are added, then their lanes in lane order
 * ({@link Elementwise#sumDoubleLanes}), and the row's sum is added to the
 * total in row order. The per-element terms are float:
 * <ul>
 *   <li>MSE: {@code d = P - T} in float, {@code d^2} exact in double; {@code dP = d * scale} as the
 *       reference, so dP is bit for bit the reference's and the loss differs only by the double
 *       summation order.</li>
 *   <li>BCE: {@code max(x, 0) - x y + log1p(exp(-|x|))} in float with {@link VectorMath#exp} and {@link VectorMath#log1p};
 *       {@code dX = (sigmoid(x) - y) * (float) (1 / (m n))}, sigmoid in the stable form of
 *       {@link Activations#sigmoid}.</li>
 *   <li>Softmax cross-entropy, per row: max (exact), {@code e = exp(x - max)} stored in dX and summed in
 *       float with one vector accumulator, row term {@code ((double) max - x[label]) + log(sum)} in
 *       double ({@link Math#log}); {@code dX = (e / sum) * (float) (1 / m)}, then
 *       {@code dX[label] = (e[label] / sum - 1) * (float) (1 / m)}.</li>
 * </ul>
 */
final class Losses {

    /** Doubles in a vector of F's size: half as many lanes. */
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());

    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Losses() {
    }

    // dP, p, t are (m, n)
    static float mseLoss(Matrix dP, Matrix p, Matrix t, Parallel pool) {
        float scale = (float) (2.0 / ((double) p.rows() * p.cols()));
        double total = Walker.run(Walker.Kernel.MSE_LOSS, pool, scale, dP, p, t);
        return (float) (total / ((double) p.rows() * p.cols()));
    }

    /** MSE on n elements: dP = (P - T) * scale, returning {@code sum (P - T)^2} in double (class comment). */
    static double mse(MemorySegment ds, long d0, MemorySegment ps, long p0, MemorySegment ts, long t0, int n, float scale) {
        MemorySegment buf = tail();
        DoubleVector acc0 = DoubleVector.zero(D);
        DoubleVector acc1 = DoubleVector.zero(D);
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector pj = FloatVector.fromMemorySegment(F, ps, p0 + bytes(j), NATIVE);
            FloatVector d = pj.sub(FloatVector.fromMemorySegment(F, ts, t0 + bytes(j), NATIVE));
            d.mul(scale).intoMemorySegment(ds, d0 + bytes(j), NATIVE);
            DoubleVector lo = (DoubleVector) d.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector hi = (DoubleVector) d.convertShape(VectorOperators.F2D, D, 1);
            acc0 = lo.mul(lo).add(acc0);
            acc1 = hi.mul(hi).add(acc1);
        }
        if (j < n) {
            int c = n - j;
            FloatVector pj = FloatVector.fromMemorySegment(F, buf, stage(buf, 0, ps, p0 + bytes(j), c), NATIVE);
            FloatVector tj = FloatVector.fromMemorySegment(F, buf, stage(buf, 1, ts, t0 + bytes(j), c), NATIVE);
            FloatVector d = pj.sub(tj);                                      // 0 - 0 past the row
            d.mul(scale).intoMemorySegment(buf, 0, NATIVE);
            unstage(buf, ds, d0 + bytes(j), c);
            DoubleVector lo = (DoubleVector) d.convertShape(VectorOperators.F2D, D, 0);
            DoubleVector hi = (DoubleVector) d.convertShape(VectorOperators.F2D, D, 1);
            acc0 = lo.mul(lo).add(acc0);
            acc1 = hi.mul(hi).add(acc1);
        }
        DoubleVector.broadcast(D, -0.0).add(acc0).add(acc1).intoMemorySegment(buf, 0, NATIVE);   // -0 + acc0: see Elementwise
        return sumDoubleLanes(buf);
    }

    // dX, x, y are (m, n)
    static float bceWithLogitsLoss(Matrix dX, Matrix x, Matrix y, Parallel pool) {
        double count = (double) x.rows() * x.cols();
        double total = Walker.run(Walker.Kernel.BCE_WITH_LOGITS_LOSS, pool, (float) (1 / count), dX, x, y);
        return (float) (total / count);
    }

    /** BCE with logits on n elements: dX = (sigmoid(x) - y) * scale, returning the terms' sum in double (class comment). */
    static double bceWithLogits(MemorySegment ds, long d0, MemorySegment xs, long x0, MemorySegment ys, long y0, int n,
                                float scale) {
        // One call of the one-vector body, which inlines VectorMath.exp and log1p: the tail is the loop's last turn, on x
        // and y's last c elements staged in slots 0 and 1 before the loop (as sumExp does, so that the accumulators are
        // live across no call but bce's and unstage's), dX in slot 0, the terms in slot 2 on every turn. With a second
        // call for the tail, the kernel's graph holds exp and log1p twice (docs/kernels.md, "Inlining and boxing").
        MemorySegment t = tail();
        long termAt = 2L * F.vectorByteSize();
        int bound = F.loopBound(n);
        long xTail = bound < n ? stage(t, 0, xs, x0 + bytes(bound), n - bound) : 0;
        long yTail = bound < n ? stage(t, 1, ys, y0 + bytes(bound), n - bound) : 0;
        DoubleVector acc0 = DoubleVector.zero(D);
        DoubleVector acc1 = DoubleVector.zero(D);
        for (int j = 0; j < n; j += L) {
            boolean whole = j < bound;
            bce(whole ? ds : t, whole ? d0 + bytes(j) : 0, whole ? xs : t, whole ? x0 + bytes(j) : xTail,
                    whole ? ys : t, whole ? y0 + bytes(j) : yTail, scale, t, termAt);
            if (!whole) {
                unstage(t, ds, d0 + bytes(j), n - j);
            }
            FloatVector term = FloatVector.fromMemorySegment(F, t, termAt, NATIVE);
            term = FloatVector.zero(F).blend(term, F.indexInRange(j, n));    // lanes past the row hold log(2): +0 instead
            acc0 = ((DoubleVector) term.convertShape(VectorOperators.F2D, D, 0)).add(acc0);
            acc1 = ((DoubleVector) term.convertShape(VectorOperators.F2D, D, 1)).add(acc1);
        }
        DoubleVector.broadcast(D, -0.0).add(acc0).add(acc1).intoMemorySegment(t, 0, NATIVE);   // -0 + acc0: see Elementwise
        return sumDoubleLanes(t);
    }

    /**
     * One vector of BCE: from the logits at {@code xAt} and the targets at {@code yAt}, writes
     * {@code dX = (sigmoid(x) - y) * scale} at {@code dAt} (which also holds exp's and log1p's lanes on the
     * way; it may be {@code xAt}, read first) and the terms {@code max(x, 0) - x y + log1p(exp(-|x|))} at
     * {@code termAt}. Called once, from {@link #bceWithLogits}'s one loop, whose last turn is the staged tail, so
     * the kernel's graph holds this code, exp and log1p once. Written out in the main loop and again in the tail,
     * the tail's calls went past C2's node cutoff and its vectors were boxed (240 bytes per row in
     * {@code KernelAllocationTest}); called from both (until 2026-12-07), it was inlined at each call site, so the
     * graph still held exp and log1p twice, as GELU backward's did before it boxed.
     */
    private static void bce(MemorySegment ds, long dAt, MemorySegment xs, long xAt, MemorySegment ys, long yAt,
                            float scale, MemorySegment ts, long termAt) {
        FloatVector v = FloatVector.fromMemorySegment(F, xs, xAt, NATIVE);
        FloatVector target = FloatVector.fromMemorySegment(F, ys, yAt, NATIVE);
        v.lanewise(VectorOperators.ABS).neg().intoMemorySegment(ds, dAt, NATIVE);   // exp, log1p through dX's place
        VectorMath.exp(ds, dAt, ds, dAt);
        FloatVector e = FloatVector.fromMemorySegment(F, ds, dAt, NATIVE);
        VectorMath.log1p(ds, dAt, ds, dAt);
        FloatVector term = v.lanewise(VectorOperators.MAX, 0f).sub(v.mul(target)).add(FloatVector.fromMemorySegment(F, ds, dAt, NATIVE));
        FloatVector s = e.blend(1f, v.compare(VectorOperators.GE, 0f)).div(e.add(1f));
        s.sub(target).mul(scale).intoMemorySegment(ds, dAt, NATIVE);
        term.intoMemorySegment(ts, termAt, NATIVE);
    }

    // dX, x are (m, classes); dX may be x itself (the label logit is read first)
    static float softmaxCrossEntropyLoss(Matrix dX, Matrix x, int[] labels, Parallel pool) {
        Walker.Job job = Walker.job();
        job.alpha = (float) (1.0 / x.rows());
        job.labels = labels;
        double total = job.run(Walker.Kernel.SOFTMAX_CROSS_ENTROPY_LOSS, pool, dX, x, null, null);
        return (float) (total / x.rows());
    }

    /**
     * One row of softmax cross-entropy, n classes: dX = softmax(x) * invM, less invM at the label; returns the row's
     * term {@code (max - x[label]) + log(sum exp(x - max))} in double.
     */
    static double softmaxCrossEntropy(MemorySegment ds, long d0, MemorySegment xs, long x0, int n, int label, float invM) {
        MemorySegment t = tail();
        float xLabel = xs.get(FL, x0 + bytes(label));
        float max = Elementwise.max(xs, x0, n, t);
        float sum = Activations.sumExp(xs, x0, n, max, true, ds, d0, t);   // pass 2: e = exp(x - max) into dX
        double term = ((double) max - xLabel) + Math.log(sum);
        float eLabel = ds.get(FL, d0 + bytes(label));
        // pass 3: dX = (e / sum) * invM, then the label's - 1
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            long at = d0 + bytes(j);
            FloatVector.fromMemorySegment(F, ds, at, NATIVE).div(sum).mul(invM).intoMemorySegment(ds, at, NATIVE);
        }
        for (; j < n; j++) {
            long at = d0 + bytes(j);
            ds.set(FL, at, ds.get(FL, at) / sum * invM);
        }
        ds.set(FL, d0 + bytes(label), (eLabel / sum - 1f) * invM);
        return term;
    }
}
