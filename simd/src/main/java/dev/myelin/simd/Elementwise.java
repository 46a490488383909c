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
 * SIMD elementwise kernels and reductions, and the row-walking helpers every SIMD kernel family uses.
 *
 * <p>Each loop has one shape: {@code F.loopBound(n)}, the vector main loop, then one tail for the last
 * {@code c = n mod L} elements. A matrix is walked row by row (element (i, j) at byte
 * {@code (offset + i * ld + j) * 4}); when every operand is contiguous ({@code ld == cols}) the whole
 * matrix is one row of {@code m * n} elements, so narrow matrices still fill whole vectors.
 *
 * <p>Tails, in every kernel family but GEMM, are one of two kinds, and neither touches memory with a
 * masked vector access:
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
 * Why not masked accesses: a masked MemorySegment access compiles to a masked instruction only when the
 * whole vector {@code [at, at + F.vectorByteSize())} lies inside the segment. Where it reaches past the
 * end, as the tail of a matrix's last row does, the JDK runs a Java fallback that allocates on every call
 * and keeps deoptimising its caller, and a warm training step must allocate nothing.
 *
 * <p>No method of this package outside GEMM takes or returns a vector: the kernels call
 * {@code FloatVector.fromMemorySegment} and {@code intoMemorySegment} themselves, and a helper that
 * computes one vector ({@link Activations#sigmoid}) takes segments and byte offsets. A vector passed to
 * or returned from a method that C2 does not inline is boxed on the heap, and C2 declines to inline an
 * ordinary method when the graph of the method it compiles has passed its node cutoff
 * ({@code NodeCountInliningCutoff}), or when it compiles against a young profile ("low call site
 * frequency"); both were measured here, the second leaving a kernel allocating for as long as that
 * compilation lived. The Vector API's own methods are force-inlined. For the same budget, exact loops
 * end in scalar tails: a vector tail repeats the main loop's graph (measured on AVX2: Adam parses to
 * about 17,500 nodes with a scalar tail and 28,000 with a vector tail, whose last operations then ran
 * the Vector API's allocating Java fallback).
 *
 * <p>For the same reason a vector carried round a loop (an accumulator) is never the receiver of a call:
 * C2 types it by its declared class, and without a profile the call is virtual and boxes it (measured:
 * MSE's accumulators, 2,752 bytes per call until a recompilation). The fresh vector is the receiver
 * instead ({@code x.add(acc)} for {@code acc.add(x)}: the same sum), and after the loop {@code -0 + acc}
 * (equal to acc in every lane, -0.0 and NaN included) or {@code max(-Inf, acc)} gives the accumulator a
 * known class. A vector is never picked by a branch either: the optimizers blend (see
 * {@link Optimizers}).
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

    /** True if all operands are contiguous and small enough to walk as one row of {@code m * n} elements. */
    static boolean flat(Matrix a, Matrix b) {
        return a.isContiguous() && b.isContiguous() && a.size() <= Integer.MAX_VALUE - 2L * L;
    }

    /** As {@link #flat(Matrix, Matrix)} for three operands. */
    static boolean flat(Matrix a, Matrix b, Matrix c) {
        return flat(a, b) && c.isContiguous();
    }

    /** As {@link #flat(Matrix, Matrix)} for four operands. */
    static boolean flat(Matrix a, Matrix b, Matrix c, Matrix d) {
        return flat(a, b, c) && d.isContiguous();
    }

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
        long to = (long) slot * F.vectorByteSize();
        for (int l = 0; l < c; l++) {
            t.set(FLOAT, to + bytes(l), s.get(FLOAT, at + bytes(l)));
        }
        for (int l = c; l < L; l++) {
            t.set(FLOAT, to + bytes(l), 0f);
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
     * that runs before C2 compiles a kernel (measured: 299 of 512 sums differed), so the result would hang
     * on JIT timing.
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
    static float rowMax(MemorySegment xs, long x0, int n, MemorySegment t) {
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

    // ---------------------------------------------------------------- fill, copy

    // x is (m, n)
    static void fill(Matrix x, float value) {
        boolean flat = x.isContiguous() && x.size() <= Integer.MAX_VALUE - 2L * L;
        int rows = flat ? 1 : x.rows();
        int n = flat ? (int) x.size() : x.cols();
        MemorySegment xs = x.segment();
        FloatVector v = FloatVector.broadcast(F, value);
        for (int i = 0; i < rows; i++) {
            long x0 = row(x, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                v.intoMemorySegment(xs, x0 + bytes(j), NATIVE);
            }
            for (; j < n; j++) {
                xs.set(FLOAT, x0 + bytes(j), value);
            }
        }
    }

    // y, x are (m, n)
    static void copy(Matrix y, Matrix x) {
        boolean flat = flat(y, x);
        int rows = flat ? 1 : x.rows();
        int n = flat ? (int) x.size() : x.cols();
        MemorySegment ys = y.segment();
        MemorySegment xs = x.segment();
        for (int i = 0; i < rows; i++) {
            long y0 = row(y, i);
            long x0 = row(x, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector.fromMemorySegment(F, xs, x0 + bytes(j), NATIVE).intoMemorySegment(ys, y0 + bytes(j), NATIVE);
            }
            for (; j < n; j++) {
                ys.set(FLOAT, y0 + bytes(j), xs.get(FLOAT, x0 + bytes(j)));
            }
        }
    }

    // ---------------------------------------------------------------- scale, axpy, mul, addRowVector, mulRowVector

    // y is (m, n): y = alpha * y
    static void scale(Matrix y, float alpha) {
        boolean flat = y.isContiguous() && y.size() <= Integer.MAX_VALUE - 2L * L;
        int rows = flat ? 1 : y.rows();
        int n = flat ? (int) y.size() : y.cols();
        MemorySegment ys = y.segment();
        for (int i = 0; i < rows; i++) {
            long y0 = row(y, i);
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
    }

    // y, x are (m, n): y = alpha * x + y, product rounded then sum (no FMA: the reference's two roundings)
    static void axpy(Matrix y, float alpha, Matrix x) {
        boolean flat = flat(y, x);
        int rows = flat ? 1 : x.rows();
        int n = flat ? (int) x.size() : x.cols();
        MemorySegment ys = y.segment();
        MemorySegment xs = x.segment();
        for (int i = 0; i < rows; i++) {
            long y0 = row(y, i);
            long x0 = row(x, i);
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
    }

    // z, x, y are (m, n)
    static void mul(Matrix z, Matrix x, Matrix y) {
        boolean flat = flat(z, x, y);
        int rows = flat ? 1 : x.rows();
        int n = flat ? (int) x.size() : x.cols();
        MemorySegment zs = z.segment();
        MemorySegment xs = x.segment();
        MemorySegment ys = y.segment();
        for (int i = 0; i < rows; i++) {
            long z0 = row(z, i);
            long x0 = row(x, i);
            long y0 = row(y, i);
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
    }

    // y is (m, n), b is (1, n)
    static void addRowVector(Matrix y, Matrix b) {
        int n = y.cols();
        MemorySegment ys = y.segment();
        MemorySegment bs = b.segment();
        long b0 = row(b, 0);
        for (int i = 0; i < y.rows(); i++) {
            long y0 = row(y, i);
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
    }

    // y is (m, n), s is (1, n): y = y * s, one rounding per element (the reference's operation)
    static void mulRowVector(Matrix y, Matrix s) {
        int n = y.cols();
        MemorySegment ys = y.segment();
        MemorySegment ss = s.segment();
        long s0 = row(s, 0);
        for (int i = 0; i < y.rows(); i++) {
            long y0 = row(y, i);
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

    // max is (m, 1), x is (m, n)
    static void rowMax(Matrix max, Matrix x) {
        MemorySegment ms = max.segment();
        MemorySegment t = tail();
        for (int i = 0; i < x.rows(); i++) {
            float v = rowMax(x.segment(), row(x, i), x.cols(), t);
            ms.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, max.offset() + (long) i * max.ld(), v);
        }
    }

    // index has length >= m, x is (m, n): the row's maximum first, then the first element with its bits (or the first NaN)
    static void rowArgmax(int[] index, Matrix x) {
        int n = x.cols();
        MemorySegment xs = x.segment();
        MemorySegment t = tail();
        for (int i = 0; i < x.rows(); i++) {
            long x0 = row(x, i);
            float best = rowMax(xs, x0, n, t);
            index[i] = Float.isNaN(best) ? firstNaN(xs, x0, n) : firstWithBits(xs, x0, n, Float.floatToRawIntBits(best));
        }
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
