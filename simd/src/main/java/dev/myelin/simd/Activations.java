package dev.myelin.simd;

import static dev.myelin.simd.Elementwise.FLOAT;
import static dev.myelin.simd.Elementwise.NATIVE;
import static dev.myelin.simd.Elementwise.bytes;
import static dev.myelin.simd.Elementwise.stage;
import static dev.myelin.simd.Elementwise.sumLanes;
import static dev.myelin.simd.Elementwise.tail;
import static dev.myelin.simd.Elementwise.unstage;
import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * SIMD activations, forward and backward: range functions, each computing n elements (softmax, log-softmax: one
 * row of n) at byte offsets of its operands' segments, which {@link Walker} calls over the matrices. Loops as in
 * {@link Elementwise}: loopBound, vector main loop, one tail (scalar where exact, else staged). Where the loop's body
 * goes through VectorMath's exp or tanh, the staged tail is the loop's last turn, so that the body, and exp's or tanh's
 * graph, is in the kernel once (docs/kernels.md, "Inlining and boxing").
 *
 * <p>Exact kernels (bit for bit the reference): relu, leaky relu, and the sigmoid and tanh backward,
 * which perform the reference's float operations in its order. The others compute in float with
 * {@link VectorMath}'s exp and tanh (exactly rounded operations only, so a kernel gives the same floats
 * before and after the JIT compiles it) and are within the bounds of docs/kernels.md:
 * <ul>
 *   <li>sigmoid, in the stable form {@code s = (x >= 0 ? 1 : e) / (1 + e)}, {@code e = exp(-|x|)}: e never
 *       overflows, so results stay accurate down to the subnormals (1 / (1 + exp(-x)) flushes to 0 below
 *       x = -88.7);</li>
 *   <li>gelu as {@code x * sigmoid(z)}, {@code z = x (A + B x^2)}, {@code A = 2 sqrt(2/pi)},
 *       {@code B = A * 0.044715} (the tanh form, without its cancellation); gelu' as
 *       {@code s + x q z'} with {@code q = s (1 - s) = e / (1 + e)^2} and {@code z' = A + 3B x^2}, on x
 *       clamped to [-20, 20] (beyond, q is 0 in float and gelu' rounds to s, 1 or 0, exactly; the clamp
 *       only keeps x^2 finite);</li>
 *   <li>softmax and log-softmax per row: max (exact), then {@code sum exp(x - max)} in float with one
 *       vector accumulator (lane l sums elements l, l+L, l+2L, ... in order, then the lanes are added in
 *       lane order, {@link Elementwise#sumLanes}), then the division or subtraction; softmax backward's {@code sum dY Y} is
 *       summed the same way with FMA; log-softmax backward's {@code sum dY} in double, as the reference's
 *       (see {@link #logSoftmaxBackward}).</li>
 * </ul>
 * Special values are the reference's (see its class comment): the same NaN positions, the same results
 * for +-Inf and -0.0, no flush to zero.
 */
final class Activations {

    /** 2 sqrt(2/pi) in float: z = 2u for the GELU tanh-form argument u. */
    static final float GELU_A = (float) (2 * Math.sqrt(2 / Math.PI));
    /** 2 sqrt(2/pi) * 0.044715 in float. */
    static final float GELU_B = (float) (2 * Math.sqrt(2 / Math.PI) * 0.044715);
    /** 3 * GELU_B, for z' = A + 3B x^2. */
    static final float GELU_B3 = (float) (2 * Math.sqrt(2 / Math.PI) * 3 * 0.044715);
    /** |x| beyond which gelu' is exactly 0 or 1 in float (see the class comment). */
    static final float GELU_CLAMP = 20f;

    private Activations() {
    }

    // ---------------------------------------------------------------- relu, leaky relu (exact)

    /** {@code n} elements of relu's forward from byte x0 of xs to byte y0 of ys. */
    static void reluForward(MemorySegment ys, long y0, MemorySegment xs, long x0, int n) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {                                          // Math.max: NaN stays, -0.0 becomes +0.0
            FloatVector v = FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE);
            v.lanewise(VectorOperators.MAX, 0f).intoMemorySegment(ys, y0 + bytes(j), NATIVE);
        }
        for (; j < n; j++) {
            ys.set(FLOAT, y0 + bytes(j), Math.max(xs.get(FLOAT, x0 + bytes(j)), 0f));
        }
    }

    /** {@code n} elements of relu's backward: dY and x from bytes g0 and x0, dX to byte d0. */
    static void reluBackward(MemorySegment ds, long d0, MemorySegment gs, long g0, MemorySegment xs, long x0, int n) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {                                          // x > 0 ? dy : (x is NaN ? x : 0)
            FloatVector g = FloatVector.fromMemorySegment(F, gs, g0 + bytes(j), NATIVE);
            FloatVector v = FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE);
            FloatVector.zero(F).blend(g, v.compare(VectorOperators.GT, 0f)).blend(v, v.test(VectorOperators.IS_NAN))
                    .intoMemorySegment(ds, d0 + bytes(j), NATIVE);
        }
        for (; j < n; j++) {
            float v = xs.get(FLOAT, x0 + bytes(j));
            ds.set(FLOAT, d0 + bytes(j), v > 0 ? gs.get(FLOAT, g0 + bytes(j)) : Float.isNaN(v) ? v : 0f);
        }
    }

    /** {@code n} elements of leaky relu's forward with this slope, from byte x0 of xs to byte y0 of ys. */
    static void leakyReluForward(MemorySegment ys, long y0, MemorySegment xs, long x0, int n, float slope) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {                                          // x > 0 ? x : slope * x (NaN: slope * NaN = NaN)
            FloatVector v = FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE);
            v.mul(slope).blend(v, v.compare(VectorOperators.GT, 0f)).intoMemorySegment(ys, y0 + bytes(j), NATIVE);
        }
        for (; j < n; j++) {
            float v = xs.get(FLOAT, x0 + bytes(j));
            ys.set(FLOAT, y0 + bytes(j), v > 0 ? v : v * slope);
        }
    }

    /** {@code n} elements of leaky relu's backward with this slope: dY and x from bytes g0 and x0, dX to byte d0. */
    static void leakyReluBackward(MemorySegment ds, long d0, MemorySegment gs, long g0, MemorySegment xs, long x0, int n,
                                  float slope) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {                                          // x > 0 ? dy : (x is NaN ? x : slope * dy)
            FloatVector g = FloatVector.fromMemorySegment(F, gs, g0 + bytes(j), NATIVE);
            FloatVector v = FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE);
            g.mul(slope).blend(g, v.compare(VectorOperators.GT, 0f)).blend(v, v.test(VectorOperators.IS_NAN))
                    .intoMemorySegment(ds, d0 + bytes(j), NATIVE);
        }
        for (; j < n; j++) {
            float v = xs.get(FLOAT, x0 + bytes(j));
            float g = gs.get(FLOAT, g0 + bytes(j));
            ds.set(FLOAT, d0 + bytes(j), v > 0 ? g : Float.isNaN(v) ? v : g * slope);
        }
    }

    // ---------------------------------------------------------------- sigmoid, tanh

    /** {@code n} elements of sigmoid's forward from byte x0 of xs to byte y0 of ys. */
    static void sigmoidForward(MemorySegment ys, long y0, MemorySegment xs, long x0, int n) {
        // One call of the one-vector body, which inlines VectorMath.exp: the tail is the loop's last turn, on x staged in
        // slot 0 of the tail buffer, the result in slot 0. A second call for the tail puts exp's graph in the kernel twice,
        // which can pass C2's inlining cutoff and box vectors (docs/kernels.md, "Inlining and boxing"; see geluBackward).
        // Sigmoid, tanh and GELU forward each write this loop out: one loop shared through a method reference to the
        // body made sigmoidForward 1.37x slower at 256 x 784 (docs/kernels.md, 2026-12-08).
        int bound = F.loopBound(n);
        MemorySegment t = bound < n ? tail() : null;
        for (int j = 0; j < n; j += L) {
            boolean whole = j < bound;
            int c = n - j;
            long xAt = whole ? x0 + bytes(j) : stage(t, 0, xs, x0 + bytes(j), c);
            sigmoid(whole ? ys : t, whole ? y0 + bytes(j) : 0, whole ? xs : t, xAt);
            if (!whole) {
                unstage(t, ys, y0 + bytes(j), c);
            }
        }
    }

    /**
     * One vector: y at byte {@code yAt} of ys = sigmoid(x at byte {@code xAt} of xs), in the stable form
     * e = exp(-|x|) in (0, 1], (x >= 0 ? 1 : e) / (1 + e); NaN gives NaN. Segments in, not vectors (see
     * {@link Elementwise}: a vector passed to a method that is not inlined is boxed).
     */
    static void sigmoid(MemorySegment ys, long yAt, MemorySegment xs, long xAt) {
        FloatVector x = FloatVector.fromMemorySegment(F, xs, xAt, NATIVE);
        x.lanewise(VectorOperators.ABS).neg().intoMemorySegment(ys, yAt, NATIVE);   // -|x| through y's place (x is held)
        VectorMath.exp(ys, yAt, ys, yAt);
        FloatVector e = FloatVector.fromMemorySegment(F, ys, yAt, NATIVE);
        e.blend(1f, x.compare(VectorOperators.GE, 0f)).div(e.add(1f)).intoMemorySegment(ys, yAt, NATIVE);
    }

    /** {@code n} elements of sigmoid's backward: dY and y from bytes g0 and y0, dX to byte d0. */
    static void sigmoidBackward(MemorySegment ds, long d0, MemorySegment gs, long g0, MemorySegment ys, long y0, int n) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, ys, y0 + bytes(j), NATIVE);
            FloatVector g = FloatVector.fromMemorySegment(F, gs, g0 + bytes(j), NATIVE);
            g.mul(v).mul(FloatVector.broadcast(F, 1f).sub(v)).intoMemorySegment(ds, d0 + bytes(j), NATIVE);
        }
        for (; j < n; j++) {
            float v = ys.get(FLOAT, y0 + bytes(j));
            ds.set(FLOAT, d0 + bytes(j), gs.get(FLOAT, g0 + bytes(j)) * v * (1f - v));
        }
    }

    /** {@code n} elements of tanh's forward from byte x0 of xs to byte y0 of ys. */
    static void tanhForward(MemorySegment ys, long y0, MemorySegment xs, long x0, int n) {
        // One call of VectorMath.tanh: the tail is the loop's last turn (see sigmoidForward).
        int bound = F.loopBound(n);
        MemorySegment t = bound < n ? tail() : null;
        for (int j = 0; j < n; j += L) {
            boolean whole = j < bound;
            int c = n - j;
            long xAt = whole ? x0 + bytes(j) : stage(t, 0, xs, x0 + bytes(j), c);
            VectorMath.tanh(whole ? ys : t, whole ? y0 + bytes(j) : 0, whole ? xs : t, xAt);
            if (!whole) {
                unstage(t, ys, y0 + bytes(j), c);
            }
        }
    }

    /** {@code n} elements of tanh's backward: dY and y from bytes g0 and y0, dX to byte d0. */
    static void tanhBackward(MemorySegment ds, long d0, MemorySegment gs, long g0, MemorySegment ys, long y0, int n) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, ys, y0 + bytes(j), NATIVE);
            FloatVector g = FloatVector.fromMemorySegment(F, gs, g0 + bytes(j), NATIVE);
            g.mul(FloatVector.broadcast(F, 1f).sub(v.mul(v))).intoMemorySegment(ds, d0 + bytes(j), NATIVE);
        }
        for (; j < n; j++) {
            float v = ys.get(FLOAT, y0 + bytes(j));
            ds.set(FLOAT, d0 + bytes(j), gs.get(FLOAT, g0 + bytes(j)) * (1f - v * v));
        }
    }

    // ---------------------------------------------------------------- gelu

    /** {@code n} elements of gelu's forward from byte x0 of xs to byte y0 of ys. */
    static void geluForward(MemorySegment ys, long y0, MemorySegment xs, long x0, int n) {
        // One call of the one-vector body, which inlines VectorMath.exp: the tail is the loop's last turn (see sigmoidForward).
        int bound = F.loopBound(n);
        MemorySegment t = bound < n ? tail() : null;
        for (int j = 0; j < n; j += L) {
            boolean whole = j < bound;
            int c = n - j;
            long xAt = whole ? x0 + bytes(j) : stage(t, 0, xs, x0 + bytes(j), c);
            gelu(whole ? ys : t, whole ? y0 + bytes(j) : 0, whole ? xs : t, xAt);
            if (!whole) {
                unstage(t, ys, y0 + bytes(j), c);
            }
        }
    }

    /**
     * One vector: y = x * sigmoid(z), z = x (A + B x^2), sigmoid as in {@link #sigmoid}; gelu(-Inf) = -0.0
     * (the limit, where the product would be -Inf * 0).
     */
    private static void gelu(MemorySegment ys, long yAt, MemorySegment xs, long xAt) {
        FloatVector x = FloatVector.fromMemorySegment(F, xs, xAt, NATIVE);
        FloatVector z = x.mul(x).mul(GELU_B).add(GELU_A).mul(x);
        z.lanewise(VectorOperators.ABS).neg().intoMemorySegment(ys, yAt, NATIVE);   // -|z| through y's place
        VectorMath.exp(ys, yAt, ys, yAt);
        FloatVector e = FloatVector.fromMemorySegment(F, ys, yAt, NATIVE);
        FloatVector s = e.blend(1f, z.compare(VectorOperators.GE, 0f)).div(e.add(1f));
        x.mul(s).blend(-0f, x.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY)).intoMemorySegment(ys, yAt, NATIVE);
    }

    /** {@code n} elements of gelu's backward: dY and x from bytes g0 and x0, dX to byte d0. */
    static void geluBackward(MemorySegment ds, long d0, MemorySegment gs, long g0, MemorySegment xs, long x0, int n) {
        // One call of the one-vector body: the tail is the loop's last turn, on dY and x staged in slots 0 and 1 of the
        // tail buffer, the result in slot 0. With a second call for the tail, C2 inlined the body and exp twice, the
        // graph passed its inlining cutoff and the kernel boxed (KernelAllocationTest, 480-672 bytes a call in one run;
        // docs/kernels.md, "Inlining and boxing"), as log-softmax backward did.
        int bound = F.loopBound(n);
        MemorySegment t = bound < n ? tail() : null;
        for (int j = 0; j < n; j += L) {
            boolean whole = j < bound;
            int c = n - j;
            long gAt = whole ? g0 + bytes(j) : stage(t, 0, gs, g0 + bytes(j), c);
            long xAt = whole ? x0 + bytes(j) : stage(t, 1, xs, x0 + bytes(j), c);
            geluBackward(whole ? ds : t, whole ? d0 + bytes(j) : 0, whole ? gs : t, gAt, whole ? xs : t, xAt);
            if (!whole) {
                unstage(t, ds, d0 + bytes(j), c);
            }
        }
    }

    /**
     * One vector: dX = dY * gelu'(x), gelu'(x) = s + x q z' on x clamped to [-20, 20]: s = sigmoid(z),
     * q = e / (1 + e)^2, e = exp(-|z|).
     */
    private static void geluBackward(MemorySegment ds, long dAt, MemorySegment gs, long gAt, MemorySegment xs, long xAt) {
        FloatVector g = FloatVector.fromMemorySegment(F, gs, gAt, NATIVE);
        FloatVector x = FloatVector.fromMemorySegment(F, xs, xAt, NATIVE);
        FloatVector c = x.lanewise(VectorOperators.MIN, GELU_CLAMP).lanewise(VectorOperators.MAX, -GELU_CLAMP);
        FloatVector c2 = c.mul(c);
        FloatVector z = c2.mul(GELU_B).add(GELU_A).mul(c);
        z.lanewise(VectorOperators.ABS).neg().intoMemorySegment(ds, dAt, NATIVE);   // -|z| through dX's place (dY, x are held)
        VectorMath.exp(ds, dAt, ds, dAt);
        FloatVector e = FloatVector.fromMemorySegment(F, ds, dAt, NATIVE);
        FloatVector onePlusE = e.add(1f);
        FloatVector s = e.blend(1f, z.compare(VectorOperators.GE, 0f)).div(onePlusE);
        FloatVector q = e.div(onePlusE.mul(onePlusE));
        FloatVector dz = c2.mul(GELU_B3).add(GELU_A);
        g.mul(c.mul(q).mul(dz).add(s)).intoMemorySegment(ds, dAt, NATIVE);
    }

    // ---------------------------------------------------------------- softmax, log-softmax (per row)

    /** Softmax of one row of n elements from byte x0 of xs to byte y0 of ys (which may be x's row). */
    static void softmaxForward(MemorySegment ys, long y0, MemorySegment xs, long x0, int n) {
        MemorySegment t = tail();
        float max = Elementwise.max(xs, x0, n, t);
        float sum = sumExp(xs, x0, n, max, true, ys, y0, t);
        // pass 3: y = e / sum
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            long at = y0 + bytes(j);
            FloatVector.fromMemorySegment(F, ys, at, NATIVE).div(sum).intoMemorySegment(ys, at, NATIVE);
        }
        for (; j < n; j++) {
            long at = y0 + bytes(j);
            ys.set(FLOAT, at, ys.get(FLOAT, at) / sum);
        }
    }

    /**
     * {@code sum exp(x - max)} over the n elements from x0 in float, one vector accumulator (lane l sums elements l,
     * l+L, ... in order, then the lanes in lane order). With {@code keep} the e are also written to the n elements
     * from {@code y0} of ys (which may be x's row itself: softmax's and softmax cross-entropy's second pass); without
     * (log-softmax, which reads x again), each vector of e goes through slot 0 of the tail buffer t (whose slot 1
     * holds a staged tail).
     */
    static float sumExp(MemorySegment xs, long x0, int n, float max, boolean keep, MemorySegment ys, long y0,
                        MemorySegment t) {
        // exp's graph is in the loop once (sigmoidForward): the tail is the loop's last turn, on x's last c elements,
        // staged in slot 1 before the loop (as logSoftmaxBackward does, so that acc is live across no call but exp's
        // and unstage's), its e in slot 0. The slot's lanes past the row hold -Inf, whose exp(-Inf - max) is +0
        // (exp clamps to -104, where it is exactly +0), or NaN when max is -Inf and the row's own lanes are NaN too:
        // acc's lanes are +0 or sums of e >= 0 or NaN, to which +0 adds nothing. (A mask blended into every turn
        // instead was measurably slower on short rows.)
        int bound = F.loopBound(n);
        long xTail = bound < n ? stage(t, 1, xs, x0 + bytes(bound), n - bound, Float.NEGATIVE_INFINITY) : 0;
        FloatVector acc = FloatVector.zero(F);
        for (int j = 0; j < n; j += L) {
            boolean whole = j < bound;
            MemorySegment x = whole ? xs : t;
            long xAt = whole ? x0 + bytes(j) : xTail;
            MemorySegment e = whole && keep ? ys : t;
            long eAt = whole && keep ? y0 + bytes(j) : 0;
            FloatVector.fromMemorySegment(F, x, xAt, NATIVE).sub(max).intoMemorySegment(e, eAt, NATIVE);
            VectorMath.exp(e, eAt, e, eAt);
            FloatVector ej = FloatVector.fromMemorySegment(F, e, eAt, NATIVE);
            acc = ej.add(acc);
            if (!whole && keep) {
                unstage(t, ys, y0 + bytes(j), n - j);
            }
        }
        FloatVector.broadcast(F, -0f).add(acc).intoMemorySegment(t, 0, NATIVE);   // -0 + acc: see Elementwise
        return sumLanes(t);
    }

    /** One row of softmax's backward, n elements: s = sum dY Y (FMA, one accumulator); dX = Y * (dY - s). */
    static void softmaxBackward(MemorySegment ds, long d0, MemorySegment gs, long g0, MemorySegment ys, long y0, int n) {
        MemorySegment t = tail();
        FloatVector acc = FloatVector.zero(F);
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector g = FloatVector.fromMemorySegment(F, gs, g0 + bytes(j), NATIVE);
            acc = g.fma(FloatVector.fromMemorySegment(F, ys, y0 + bytes(j), NATIVE), acc);
        }
        if (j < n) {
            int c = n - j;
            FloatVector g = FloatVector.fromMemorySegment(F, t, stage(t, 0, gs, g0 + bytes(j), c), NATIVE);
            FloatVector v = FloatVector.fromMemorySegment(F, t, stage(t, 1, ys, y0 + bytes(j), c), NATIVE);
            acc = g.fma(v, acc);                                             // lanes past the row add 0 * 0
        }
        FloatVector.broadcast(F, -0f).add(acc).intoMemorySegment(t, 0, NATIVE);
        float s = sumLanes(t);
        j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, ys, y0 + bytes(j), NATIVE);
            v.mul(FloatVector.fromMemorySegment(F, gs, g0 + bytes(j), NATIVE).sub(s)).intoMemorySegment(ds, d0 + bytes(j), NATIVE);
        }
        for (; j < n; j++) {
            ds.set(FLOAT, d0 + bytes(j), ys.get(FLOAT, y0 + bytes(j)) * (gs.get(FLOAT, g0 + bytes(j)) - s));
        }
    }

    /** One row of log-softmax's forward, n elements (y may be x's row): y = (x - max) - log(sum exp(x - max)). */
    static void logSoftmaxForward(MemorySegment ys, long y0, MemorySegment xs, long x0, int n) {
        MemorySegment t = tail();
        float max = Elementwise.max(xs, x0, n, t);
        float logSum = (float) Math.log(sumExp(xs, x0, n, max, false, null, 0, t));
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE);
            v.sub(max).sub(logSum).intoMemorySegment(ys, y0 + bytes(j), NATIVE);
        }
        for (; j < n; j++) {
            ys.set(FLOAT, y0 + bytes(j), xs.get(FLOAT, x0 + bytes(j)) - max - logSum);
        }
    }

    /**
     * One row of log-softmax's backward, n elements: {@code dX = dY - exp(Y) s}, {@code s = sum_k dY[i][k]}, summed in
     * double in order of k as in the reference, in scalar; the same pass takes the row's maximum Y (Math.max). The
     * row sums are scalar because their vector form (dY's halves widened into two double accumulators) was seen to
     * box those accumulators on every row in some runs of KernelAllocationTest (672 bytes a call, 2026-12-07;
     * docs/kernels.md, "Inlining and boxing"); next to the row's exp they cost little. A row whose Y are all
     * {@code <= 0} (as every log-softmax output is, so exp(Y) <= 1) and whose s rounds to a finite float takes
     * the float path, {@code dX = fl(dY - fl(EXP(Y) fl(s)))}. Any other row (some Y > 0 or NaN, |s| past the float
     * range, an infinite or NaN dY) is computed as the reference computes it ({@link #logSoftmaxBackwardAsReference}):
     * there a float exp or product could overflow where the reference's double ones do not (exp(100) * 0 is 0 in
     * double, Inf * 0 = NaN in float).
     */
    static void logSoftmaxBackward(MemorySegment ds, long d0, MemorySegment gs, long g0, MemorySegment ys, long y0, int n) {
        double s = 0;
        float maxY = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            s += gs.get(FLOAT, g0 + bytes(j));
            maxY = Math.max(maxY, ys.get(FLOAT, y0 + bytes(j)));
        }
        float sf = (float) s;
        if (!(maxY <= 0f) || !Float.isFinite(sf)) {
            logSoftmaxBackwardAsReference(ds, d0, gs, g0, ys, y0, n, s);
            return;
        }
        logSoftmaxBackwardFloat(tail(), ds, d0, gs, g0, ys, y0, n, sf);
    }

    /**
     * One row of log-softmax backward's float path, {@code dX = dY - exp(Y) sf}: a method of its own, so that C2
     * compiles it apart from the row sums above when it can. Inside one method with them (and VectorMath.exp inlined
     * twice, for the main loop and for a tail), its code was seen to box vectors on every call (KernelAllocationTest:
     * 1,120-1,680 bytes per call in some runs, 336 in a CI run): so the tail is the loop's last turn, on staged
     * copies, and exp's graph is in the loop once.
     */
    private static void logSoftmaxBackwardFloat(MemorySegment t, MemorySegment ds, long d0, MemorySegment gs, long g0,
                                                MemorySegment ys, long y0, int n, float sf) {
        // exp(Y) goes through slot 0 of the tail buffer, and dY is loaded after the call: no vector is live across
        // VectorMath.exp, which C2 may compile apart (then a vector held across it is boxed on every call). On the
        // last turn of a row that ends in a partial vector, Y and dY come from slots 1 and 2 and the result goes to
        // slot 0, whose first c lanes are copied out.
        int bound = F.loopBound(n);
        for (int j = 0; j < n; j += L) {
            boolean whole = j < bound;
            int c = n - j;
            MemorySegment y = whole ? ys : t;
            long yAt = whole ? y0 + bytes(j) : stage(t, 1, ys, y0 + bytes(j), c);
            MemorySegment g = whole ? gs : t;
            long gAt = whole ? g0 + bytes(j) : stage(t, 2, gs, g0 + bytes(j), c);
            MemorySegment d = whole ? ds : t;
            long dAt = whole ? d0 + bytes(j) : 0;
            VectorMath.exp(t, 0, y, yAt);
            FloatVector dy = FloatVector.fromMemorySegment(F, g, gAt, NATIVE);
            dy.sub(FloatVector.fromMemorySegment(F, t, 0, NATIVE).mul(sf)).intoMemorySegment(d, dAt, NATIVE);
            if (!whole) {
                unstage(t, ds, d0 + bytes(j), c);
            }
        }
    }

    /**
     * One row of log-softmax backward as the reference computes it, given the row's {@code s = sum dY}:
     * {@code dX = (float) (dY - StrictMath.exp(Y) * s)} in double, element by element (each element is read
     * before it is written, so dX may be dY or Y itself).
     */
    private static void logSoftmaxBackwardAsReference(MemorySegment ds, long d0, MemorySegment gs, long g0, MemorySegment ys,
                                                      long y0, int n, double s) {
        for (int j = 0; j < n; j++) {
            ds.set(FLOAT, d0 + bytes(j), (float) (gs.get(FLOAT, g0 + bytes(j)) - StrictMath.exp(ys.get(FLOAT, y0 + bytes(j))) * s));
        }
    }
}
