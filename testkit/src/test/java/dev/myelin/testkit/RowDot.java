package dev.myelin.testkit;

import dev.myelin.core.Matrix;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The worked example of docs/testing.md: a kernel a user might write, not part of Myelin. Row-wise dot products
 * with four vector accumulators, and their backward:
 * <pre>
 *   forward:  y_i = sum_j A_ij B_ij          A, B: (m, n)   y: (m, 1)
 *   backward: dA_ij = dY_i B_ij,  dB_ij = dY_i A_ij          dY: (m, 1)   dA, dB: (m, n)
 * </pre>
 * Summation order of row i (the error bound depends on it), with L lanes and {@code c = floor(n / 4L)} full
 * steps: four accumulators of L lanes each take one FMA per step (lane l of accumulator q holds the terms
 * {@code j = 4L t + L q + l}, in order of t); then {@code (s0 + s1) + (s2 + s3)}; then the L lanes are added by
 * {@code reduceLanes(ADD)} in an order the Vector API leaves open; then the {@code n - 4Lc} tail terms, one scalar
 * FMA each, in order of j.
 */
final class RowDot {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private RowDot() {
    }

    /** {@code y_i = sum_j A_ij B_ij}; y is written, never read. */
    static void forward(Matrix y, Matrix a, Matrix b) {
        for (int i = 0; i < a.rows(); i++) {
            y.set(i, 0, dot(a, b, i, false));
        }
    }

    /** A broken forward, for the example: its tail loop stops one element short (the classic off-by-one). */
    static void forwardBroken(Matrix y, Matrix a, Matrix b) {
        for (int i = 0; i < a.rows(); i++) {
            y.set(i, 0, dot(a, b, i, true));
        }
    }

    /** Row i's dot product in the order of the class comment; {@code broken} plants the off-by-one in the tail. */
    private static float dot(Matrix a, Matrix b, int i, boolean broken) {
        int n = a.cols();
        int step = 4 * F.length();
        int upper = n - n % step;
        FloatVector s0 = FloatVector.zero(F);
        FloatVector s1 = FloatVector.zero(F);
        FloatVector s2 = FloatVector.zero(F);
        FloatVector s3 = FloatVector.zero(F);
        int j = 0;
        // main: four independent FMA chains, so that several FMAs are in flight at once
        for (; j < upper; j += step) {
            s0 = load(a, i, j).fma(load(b, i, j), s0);
            s1 = load(a, i, j + F.length()).fma(load(b, i, j + F.length()), s1);
            s2 = load(a, i, j + 2 * F.length()).fma(load(b, i, j + 2 * F.length()), s2);
            s3 = load(a, i, j + 3 * F.length()).fma(load(b, i, j + 3 * F.length()), s3);
        }
        // reduce
        float s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
        // tail
        for (; j < (broken ? n - 1 : n); j++) {
            s = Math.fma(a.get(i, j), b.get(i, j), s);
        }
        return s;
    }

    /** {@code dA_ij = dY_i B_ij} and {@code dB_ij = dY_i A_ij}: one float product each; dA and dB are written. */
    static void backward(Matrix dA, Matrix dB, Matrix dY, Matrix a, Matrix b) {
        for (int i = 0; i < a.rows(); i++) {
            scaleRow(dA, b, i, dY.get(i, 0));
            scaleRow(dB, a, i, dY.get(i, 0));
        }
    }

    /** A broken backward, for the example: it mixes up its inputs, {@code dA = dY A}. */
    static void backwardSwapped(Matrix dA, Matrix dB, Matrix dY, Matrix a, Matrix b) {
        for (int i = 0; i < a.rows(); i++) {
            scaleRow(dA, a, i, dY.get(i, 0));
            scaleRow(dB, b, i, dY.get(i, 0));
        }
    }

    /** Row i of out = s * row i of x. */
    private static void scaleRow(Matrix out, Matrix x, int i, float s) {
        int n = x.cols();
        int upper = F.loopBound(n);
        int j = 0;
        // main
        for (; j < upper; j += F.length()) {
            load(x, i, j).mul(s).intoMemorySegment(out.segment(), address(out, i, j), ByteOrder.nativeOrder());
        }
        // tail
        for (; j < n; j++) {
            out.set(i, j, s * x.get(i, j));
        }
    }

    private static FloatVector load(Matrix m, int i, int j) {
        return FloatVector.fromMemorySegment(F, m.segment(), address(m, i, j), ByteOrder.nativeOrder());
    }

    /** The byte offset of element (i, j) in the matrix's segment. */
    private static long address(Matrix m, int i, int j) {
        return (m.offset() + (long) i * m.ld() + j) * Float.BYTES;
    }
}
