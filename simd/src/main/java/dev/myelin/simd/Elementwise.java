package dev.myelin.simd;

import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Matrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * SIMD elementwise kernels and reductions, and the row-walking helpers every SIMD kernel family uses.
 *
 * <p>Each loop has one shape: {@code F.loopBound(n)}, the vector main loop, then one masked tail
 * ({@code F.indexInRange}) for the last {@code n mod L} elements. A matrix is walked row by row
 * (element (i, j) at byte {@code (offset + i * ld + j) * 4}); when every operand is contiguous
 * ({@code ld == cols}) the whole matrix is one row of {@code m * n} elements, so narrow matrices still
 * fill whole vectors.
 *
 * <p>Every kernel here performs, per element, exactly the float operations of the reference (no FMA,
 * same operand order), so the results are bit for bit the reference's. {@link #columnSums} sums each
 * column over i = 0, 1, ..., m-1 in order, one lane per column, which is also the reference's order.
 * {@link #rowMax} folds lanes with {@code MAX} (Math.max semantics) and reduces the lanes with
 * {@link Math#max}; max is associative and commutative, so the order does not change the result.
 */
final class Elementwise {

    static final ByteOrder NATIVE = ByteOrder.nativeOrder();

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

    static FloatVector load(MemorySegment s, long at) {
        return FloatVector.fromMemorySegment(F, s, at, NATIVE);
    }

    /** Masked load: lanes outside the mask read as 0 and touch no memory. */
    static FloatVector load(MemorySegment s, long at, VectorMask<Float> m) {
        return FloatVector.fromMemorySegment(F, s, at, NATIVE, m);
    }

    /** Math.max over the lanes, in lane order. */
    static float maxLanes(FloatVector v) {
        float m = v.lane(0);
        for (int l = 1; l < L; l++) {
            m = Math.max(m, v.lane(l));
        }
        return m;
    }

    /** The maximum of row i of x in Math.max order (NaN wins, +0.0 above -0.0), or of the first n elements from {@code x0}. */
    static float rowMax(MemorySegment xs, long x0, int n) {
        FloatVector acc = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);   // max(-Inf, v) = v for every v
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {                                          // main
            acc = acc.lanewise(VectorOperators.MAX, load(xs, x0 + bytes(j)));
        }
        if (j < n) {                                                         // tail: lanes outside keep acc
            VectorMask<Float> m = F.indexInRange(j, n);
            acc = acc.lanewise(VectorOperators.MAX, load(xs, x0 + bytes(j), m), m);
        }
        return maxLanes(acc);
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
            if (j < n) {
                v.intoMemorySegment(xs, x0 + bytes(j), NATIVE, F.indexInRange(j, n));
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
                load(xs, x0 + bytes(j)).intoMemorySegment(ys, y0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                load(xs, x0 + bytes(j), m).intoMemorySegment(ys, y0 + bytes(j), NATIVE, m);
            }
        }
    }

    // ---------------------------------------------------------------- scale, axpy, mul, addRowVector

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
                load(ys, at).mul(alpha).intoMemorySegment(ys, at, NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                long at = y0 + bytes(j);
                load(ys, at, m).mul(alpha).intoMemorySegment(ys, at, NATIVE, m);
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
                load(xs, x0 + bytes(j)).mul(alpha).add(load(ys, at)).intoMemorySegment(ys, at, NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                long at = y0 + bytes(j);
                load(xs, x0 + bytes(j), m).mul(alpha).add(load(ys, at, m)).intoMemorySegment(ys, at, NATIVE, m);
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
                load(xs, x0 + bytes(j)).mul(load(ys, y0 + bytes(j))).intoMemorySegment(zs, z0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                load(xs, x0 + bytes(j), m).mul(load(ys, y0 + bytes(j), m)).intoMemorySegment(zs, z0 + bytes(j), NATIVE, m);
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
                load(ys, at).add(load(bs, b0 + bytes(j))).intoMemorySegment(ys, at, NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                long at = y0 + bytes(j);
                load(ys, at, m).add(load(bs, b0 + bytes(j), m)).intoMemorySegment(ys, at, NATIVE, m);
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
            FloatVector t = load(xs, row(x, 0) + bytes(j));
            for (int i = 1; i < x.rows(); i++) {
                t = t.add(load(xs, row(x, i) + bytes(j)));
            }
            long at = s0 + bytes(j);
            (beta == 0 ? t : load(ss, at).mul(beta).add(t)).intoMemorySegment(ss, at, NATIVE);
        }
        if (j < n) {                                                         // tail: the last n mod L columns
            VectorMask<Float> m = F.indexInRange(j, n);
            FloatVector t = load(xs, row(x, 0) + bytes(j), m);
            for (int i = 1; i < x.rows(); i++) {
                t = t.add(load(xs, row(x, i) + bytes(j), m));
            }
            long at = s0 + bytes(j);
            (beta == 0 ? t : load(ss, at, m).mul(beta).add(t)).intoMemorySegment(ss, at, NATIVE, m);
        }
    }

    // max is (m, 1), x is (m, n)
    static void rowMax(Matrix max, Matrix x) {
        MemorySegment ms = max.segment();
        for (int i = 0; i < x.rows(); i++) {
            float v = rowMax(x.segment(), row(x, i), x.cols());
            ms.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, max.offset() + (long) i * max.ld(), v);
        }
    }

    // index has length >= m, x is (m, n): the row's maximum first, then the first element with its bits (or the first NaN)
    static void rowArgmax(int[] index, Matrix x) {
        int n = x.cols();
        MemorySegment xs = x.segment();
        for (int i = 0; i < x.rows(); i++) {
            long x0 = row(x, i);
            float best = rowMax(xs, x0, n);
            index[i] = Float.isNaN(best) ? firstNaN(xs, x0, n) : firstWithBits(xs, x0, n, Float.floatToRawIntBits(best));
        }
    }

    /** Index of the first NaN among n elements from x0 (one exists). */
    private static int firstNaN(MemorySegment xs, long x0, int n) {
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            VectorMask<Float> hit = load(xs, x0 + bytes(j)).test(VectorOperators.IS_NAN);
            if (hit.anyTrue()) {
                return j + hit.firstTrue();
            }
        }
        if (j < n) {
            VectorMask<Float> m = F.indexInRange(j, n);
            VectorMask<Float> hit = load(xs, x0 + bytes(j), m).test(VectorOperators.IS_NAN).and(m);
            if (hit.anyTrue()) {
                return j + hit.firstTrue();
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
            VectorMask<Float> hit = load(xs, x0 + bytes(j)).reinterpretAsInts().eq(bits).cast(F);
            if (hit.anyTrue()) {
                return j + hit.firstTrue();
            }
        }
        if (j < n) {
            VectorMask<Float> m = F.indexInRange(j, n);
            VectorMask<Float> hit = load(xs, x0 + bytes(j), m).reinterpretAsInts().eq(bits).cast(F).and(m);
            if (hit.anyTrue()) {
                return j + hit.firstTrue();
            }
        }
        throw new AssertionError("the row maximum " + Float.intBitsToFloat(bits) + " is not in the row");
    }
}
