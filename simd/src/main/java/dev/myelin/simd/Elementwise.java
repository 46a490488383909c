package dev.myelin.simd;

import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * SIMD elementwise kernels and reductions as range functions (n elements, or one row of n, at byte offsets of
 * their operands' segments: {@link Walker} walks the matrices), and the helpers every SIMD kernel family uses.
 *
 * <p>Each loop has one shape: {@code F.loopBound(n)}, the vector main loop, then one tail for the last
 * {@code c = n mod L} elements. Tails, in every kernel family but GEMM, are one of two kinds, and neither touches
 * memory with a masked vector access:
 * <ul>
 *   <li>Scalar, where each element's result is a few float operations: the same operations in the same
 *       order, element by element, so the results are bit for bit the vector lanes' (Math.max is the
 *       {@code MAX} lane operation; {@link Math#sqrt} of a float, rounded to float, is the correctly
 *       rounded {@code SQRT}).</li>
 *   <li>Staged, where lanes go through exp, tanh or log1p ({@link VectorMath}'s, with no bit-identical
 *       scalar twin) or add into a vector accumulator: each input's c elements are
 *       copied into a slot of this thread's tail buffer with the other lanes zeroed ({@link #stage};
 *       {@link #TAIL_SLOTS} vectors of native memory, allocated once per thread), the loop's vector code
 *       runs on the slots, and the result, stored into slot 0, has its c lanes copied out
 *       ({@link #unstage}). The other lanes read 0, as the lanes outside a load's mask do, so results are
 *       bit for bit what a masked tail gives; reductions keep a mask ({@code F.indexInRange}) where a
 *       zero lane would count.</li>
 * </ul>
 * Not masked accesses: where the vector reaches past the end of its segment, as the tail of a matrix's last row
 * does, the JDK runs a Java fallback that allocates on every call, and a warm training step must allocate nothing.
 *
 * <p>Rules that keep C2 from boxing vectors (the measurements behind them: docs/kernels.md, "Inlining and boxing
 * in the SIMD kernels"). A vector passed to or returned from a method that C2 does not inline is boxed, and C2
 * may decline to inline an ordinary method (its graph past the node cutoff, or a young profile), so:
 * <ul>
 *   <li>no method of this package outside GEMM takes or returns a vector: helpers that compute one vector
 *       ({@link Activations#sigmoid}) take segments and byte offsets, and so do the range functions
 *       {@link Walker} calls;</li>
 *   <li>exact loops end in scalar tails: a vector tail repeats the main loop's graph, pushing it past the
 *       cutoff;</li>
 *   <li>a vector carried round a loop (an accumulator) is never the receiver of a call: without a profile
 *       the call is virtual and boxes it. The fresh vector is the receiver instead ({@code x.add(acc)} for
 *       {@code acc.add(x)}: the same sum), and after the loop {@code -0 + acc} (equal to acc in every lane,
 *       -0.0 and NaN included) or {@code max(-Inf, acc)} gives the accumulator a known class;</li>
 *   <li>a vector is never picked by a branch: the optimizers blend (see {@link Optimizers}).</li>
 * </ul>
 *
 * <p>Every kernel here performs, per element, exactly the float operations of the reference (no FMA,
 * same operand order), so the results are bit for bit the reference's. {@link #columnSums} sums each
 * column over i = 0, 1, ..., m-1 in order, one lane per column, which is also the reference's order.
 * {@link #rowMax} folds lanes with {@code MAX} (Math.max semantics) and reduces the lanes with
 * {@link Math#max}; max is associative and commutative, so the order does not change the result.
 */
final class Elementwise {

    static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /** Scalar access to a float at a byte offset, as the scalar tails do it. */
    static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED;

    /** Scalar access to a double at a byte offset (the lanes of a loss's double accumulator). */
    static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED;

    /** Vectors in a tail buffer: the most a staged tail holds at once (BCE: its logits, targets and terms). */
    static final int TAIL_SLOTS = 3;

    /**
     * Each thread's tail buffer (the kernels may also run on the pool's workers): native memory like the
     * matrices, so the vector accesses see one kind of segment; freed with its thread.
     */
    private static final ThreadLocal<MemorySegment> TAIL =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(TAIL_SLOTS * F.vectorByteSize(), Matrix.ALIGNMENT));

    private Elementwise() {
    }

    // ---------------------------------------------------------------- helpers shared by the SIMD kernel families

    /** Byte offset of (i, 0) in m's segment. */
    static long row(Matrix m, int i) {
        return (m.offset() + (long) i * m.ld()) * Float.BYTES;
    }

    /** Byte offset of element j from a row's start. */
    static long bytes(int j) {
        return (long) j * Float.BYTES;
    }

    /** This thread's tail buffer: {@link #TAIL_SLOTS} vectors of floats (class comment). */
    static MemorySegment tail() {
        return TAIL.get();
    }

    /**
     * Copies the {@code c < L} floats at byte {@code at} of {@code s} into vector {@code slot} of the tail
     * buffer {@code t}, zeroes the slot's other lanes, and returns the slot's byte offset in t. Element by
     * element: a call of {@code MemorySegment.copy} costs more than a few floats are worth.
     */
    static long stage(MemorySegment t, int slot, MemorySegment s, long at, int c) {
        return stage(t, slot, s, at, c, 0f);
    }

    /** {@link #stage(MemorySegment, int, MemorySegment, long, int)} with {@code pad} in the slot's other lanes. */
    static long stage(MemorySegment t, int slot, MemorySegment s, long at, int c, float pad) {
        long to = (long) slot * F.vectorByteSize();
        for (int l = 0; l < c; l++) {
            t.set(FLOAT, to + bytes(l), s.get(FLOAT, at + bytes(l)));
        }
        for (int l = c; l < L; l++) {
            t.set(FLOAT, to + bytes(l), pad);
        }
        return to;
    }

    /** Copies the first {@code c} floats of slot 0 of the tail buffer {@code t}, where results go, to byte {@code at} of s. */
    static void unstage(MemorySegment t, MemorySegment s, long at, int c) {
        for (int l = 0; l < c; l++) {
            s.set(FLOAT, at + bytes(l), t.get(FLOAT, bytes(l)));
        }
    }

    /**
     * The L floats of slot 0 of the tail buffer t added in lane order, lane 0 first. Not
     * {@code reduceLanes(ADD)}: its order is unspecified, and it differs between C2 and the Java fallback
     * that runs before C2 compiles a kernel (docs/kernels.md), so the result would hang on JIT timing.
     */
    static float sumLanes(MemorySegment t) {
        float s = t.get(FLOAT, 0);
        for (int l = 1; l < L; l++) {
            s += t.get(FLOAT, bytes(l));
        }
        return s;
    }

    /** As {@link #sumLanes} for the L / 2 doubles of a double vector of F's shape stored at byte 0 of t. */
    static double sumDoubleLanes(MemorySegment t) {
        double s = t.get(DOUBLE, 0);
        for (int l = 1; l < L / 2; l++) {
            s += t.get(DOUBLE, (long) l * Double.BYTES);
        }
        return s;
    }

    /** The maximum of the n elements from byte {@code x0} of xs in Math.max order (NaN wins, +0.0 above -0.0). */
    static float max(MemorySegment xs, long x0, int n, MemorySegment t) {
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);   // max(-Inf, v) = v for every v
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {                                          // main
            acc = FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE).lanewise(VectorOperators.MAX, acc);
        }
        // reduce: Math.max in lane order; max(-Inf, acc) = acc gives the accumulator a known class (class comment)
        FloatVector.broadcast(F, Float.NEGATIVE_INFINITY).lanewise(VectorOperators.MAX, acc).intoMemorySegment(t, 0, NATIVE);
        float max = t.get(FLOAT, 0);
        for (int l = 1; l < L; l++) {
            max = Math.max(max, t.get(FLOAT, bytes(l)));
        }
        for (; j < n; j++) {                                                 // tail
            max = Math.max(max, xs.get(FLOAT, x0 + bytes(j)));
        }
        return max;
    }

    // ---------------------------------------------------------------- fill, copy (range functions: see Walker)

    /** {@code n} elements from byte x0 of xs set to {@code value}. */
    static void fill(MemorySegment xs, long x0, int n, float value) {
        FloatVector v = FloatVector.broadcast(F, value);
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            v.intoMemorySegment(xs, x0 + bytes(j), NATIVE);
        }
        for (; j < n; j++) {
            xs.set(FLOAT, x0 + bytes(j), value);
        }
    }

    /** {@code n} elements from byte x0 of xs to byte y0 of ys. */
    static void copy(MemorySegment ys, long y0, MemorySegment xs, long x0, int n) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE).intoMemorySegment(ys, y0 + bytes(j), NATIVE);
        }
        for (; j < n; j++) {
            ys.set(FLOAT, y0 + bytes(j), xs.get(FLOAT, x0 + bytes(j)));
        }
    }

    // ---------------------------------------------------------------- scale, axpy, mul, addRowVector, mulRowVector

    /** {@code y = alpha * y} on n elements from byte y0 of ys. */
    static void scale(MemorySegment ys, long y0, int n, float alpha) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            long at = y0 + bytes(j);
            FloatVector.fromMemorySegment(F, ys, at, NATIVE).mul(alpha).intoMemorySegment(ys, at, NATIVE);
        }
        for (; j < n; j++) {
            long at = y0 + bytes(j);
            ys.set(FLOAT, at, ys.get(FLOAT, at) * alpha);
        }
    }

    /** {@code y = alpha * x + y} on n elements, product rounded then sum (no FMA: the reference's two roundings). */
    static void axpy(MemorySegment ys, long y0, float alpha, MemorySegment xs, long x0, int n) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            long at = y0 + bytes(j);
            FloatVector xj = FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE);
            xj.mul(alpha).add(FloatVector.fromMemorySegment(F, ys, at, NATIVE)).intoMemorySegment(ys, at, NATIVE);
        }
        for (; j < n; j++) {
            long at = y0 + bytes(j);
            ys.set(FLOAT, at, xs.get(FLOAT, x0 + bytes(j)) * alpha + ys.get(FLOAT, at));
        }
    }

    /** {@code z = x * y} on n elements. */
    static void mul(MemorySegment zs, long z0, MemorySegment xs, long x0, MemorySegment ys, long y0, int n) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            FloatVector xj = FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE);
            xj.mul(FloatVector.fromMemorySegment(F, ys, y0 + bytes(j), NATIVE)).intoMemorySegment(zs, z0 + bytes(j), NATIVE);
        }
        for (; j < n; j++) {
            zs.set(FLOAT, z0 + bytes(j), xs.get(FLOAT, x0 + bytes(j)) * ys.get(FLOAT, y0 + bytes(j)));
        }
    }

    /** One row: {@code y = y + b} on n elements, b the row vector from byte b0 of bs. */
    static void addRowVector(MemorySegment ys, long y0, MemorySegment bs, long b0, int n) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            long at = y0 + bytes(j);
            FloatVector yj = FloatVector.fromMemorySegment(F, ys, at, NATIVE);
            yj.add(FloatVector.fromMemorySegment(F, bs, b0 + bytes(j), NATIVE)).intoMemorySegment(ys, at, NATIVE);
        }
        for (; j < n; j++) {
            long at = y0 + bytes(j);
            ys.set(FLOAT, at, ys.get(FLOAT, at) + bs.get(FLOAT, b0 + bytes(j)));
        }
    }

    /** One row: {@code y = y * s} on n elements, one rounding per element (the reference's operation). */
    static void mulRowVector(MemorySegment ys, long y0, MemorySegment ss, long s0, int n) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            long at = y0 + bytes(j);
            FloatVector yj = FloatVector.fromMemorySegment(F, ys, at, NATIVE);
            yj.mul(FloatVector.fromMemorySegment(F, ss, s0 + bytes(j), NATIVE)).intoMemorySegment(ys, at, NATIVE);
        }
        for (; j < n; j++) {
            long at = y0 + bytes(j);
            ys.set(FLOAT, at, ys.get(FLOAT, at) * ss.get(FLOAT, s0 + bytes(j)));
        }
    }

    // ---------------------------------------------------------------- reductions

    // s is (1, n), x is (m, n): one lane per column, rows summed in order 0..m-1 (the reference's order)
    static void columnSums(Matrix s, Matrix x, float beta) {
        int n = x.cols();
        MemorySegment ss = s.segment();
        MemorySegment xs = x.segment();
        long s0 = row(s, 0);
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {                                          // main: L columns at a time
            FloatVector t = FloatVector.fromMemorySegment(F, xs, row(x, 0) + bytes(j), NATIVE);
            for (int i = 1; i < x.rows(); i++) {
                t = FloatVector.fromMemorySegment(F, xs, row(x, i) + bytes(j), NATIVE).add(t);
            }
            long at = s0 + bytes(j);
            if (beta == 0) {                                                 // -0 + t = t: see the class comment
                FloatVector.broadcast(F, -0f).add(t).intoMemorySegment(ss, at, NATIVE);
            } else {
                FloatVector.fromMemorySegment(F, ss, at, NATIVE).mul(beta).add(t).intoMemorySegment(ss, at, NATIVE);
            }
        }
        for (; j < n; j++) {                                                 // tail: the last n mod L columns
            float t = xs.get(FLOAT, row(x, 0) + bytes(j));
            for (int i = 1; i < x.rows(); i++) {
                t += xs.get(FLOAT, row(x, i) + bytes(j));
            }
            long at = s0 + bytes(j);
            ss.set(FLOAT, at, beta == 0 ? t : ss.get(FLOAT, at) * beta + t);
        }
    }

    /** One row: the maximum of its n elements from byte x0 of xs, written to byte m0 of ms. */
    static void rowMax(MemorySegment ms, long m0, MemorySegment xs, long x0, int n) {
        ms.set(FLOAT, m0, max(xs, x0, n, tail()));
    }

    /** One row: the index of its maximum, the first element with its bits (or the first NaN). */
    static int rowArgmax(MemorySegment xs, long x0, int n) {
        float best = max(xs, x0, n, tail());
        return Float.isNaN(best) ? firstNaN(xs, x0, n) : firstWithBits(xs, x0, n, Float.floatToRawIntBits(best));
    }

    /** Index of the first NaN among n elements from x0 (one exists). */
    private static int firstNaN(MemorySegment xs, long x0, int n) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            VectorMask<Float> hit = FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE).test(VectorOperators.IS_NAN);
            if (hit.anyTrue()) {
                return j + hit.firstTrue();
            }
        }
        for (; j < n; j++) {
            if (Float.isNaN(xs.get(FLOAT, x0 + bytes(j)))) {
                return j;
            }
        }
        throw new AssertionError("the row maximum is NaN but the row holds no NaN");
    }

    /**
     * Index of the first of n elements from x0 whose bit pattern is {@code bits} (one exists). Bits, not
     * {@code ==}: the maximum +0.0 must not match an earlier -0.0.
     */
    private static int firstWithBits(MemorySegment xs, long x0, int n, int bits) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            VectorMask<Float> hit = FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE).reinterpretAsInts().eq(bits).cast(F);
            if (hit.anyTrue()) {
                return j + hit.firstTrue();
            }
        }
        for (; j < n; j++) {
            if (Float.floatToRawIntBits(xs.get(FLOAT, x0 + bytes(j))) == bits) {
                return j;
            }
        }
        throw new AssertionError("the row maximum " + Float.intBitsToFloat(bits) + " is not in the row");
    }
}
