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
import jdk.incubator.vector.VectorMask;

/**
 * SIMD GEMM, {@code C = alpha * op(A) * op(B) + beta * C}, organised as in BLIS:
 *
 * <pre>
 *   for pc in 0..k step KC                      k blocks: C gets beta at the first, then accumulates
 *     pack op(B)[pc:pc+kc, 0:n]   -> Bp         panels of NR columns, zero-padded, transposes absorbed here
 *     for ic in 0..m step MC
 *       pack op(A)[ic:ic+mc, pc:pc+kc] -> Ap    micro-panels of MR rows, zero-padded
 *       macro-kernel: for each A micro-panel, for each B panel:
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
 * at later blocks {@code C = fma(alpha, tile, C)}. Edge tiles are computed in full on zero padding and
 * stored with a lane mask, so every shape takes the same path.
 *
 * <p>Summation order: element (i, j) sums its k products in KC blocks, in order within a block, and
 * the blocks in order; it does not depend on m, n, views or the thread that computes it. Error bound:
 * {@code gamma(k + 2) (|alpha| |op(A)||op(B)| + |beta C|)} (docs/kernels.md).
 */
final class Gemm {

    /** Depth of a k block: measured best in 384..512 on Zen 4. */
    static final int KC = 384;
    /** Rows of op(A) packed at once: a multiple of MR. */
    static final int MC = MR * 24;

    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    /** Per-thread packing buffers, grown on demand and kept: a warm call allocates nothing. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Gemm() {
    }

    static final class Scratch {
        float[] ap = new float[0];
        float[] bp = new float[0];
        final float[] tile = new float[MR * NR];

        float[] ap(int size) {
            if (ap.length < size) {
                ap = new float[size];
            }
            return ap;
        }

        float[] bp(int size) {
            if (bp.length < size) {
                bp = new float[size];
            }
            return bp;
        }
    }

    /** Arguments are checked by {@link SimdKernels}. */
    static void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta) {
        int m = c.rows();
        int n = c.cols();
        int k = opA.cols(a);
        if (alpha == 0) {
            scaleC(c, beta);
            return;
        }
        Scratch s = SCRATCH.get();
        int panelsB = (n + NR - 1) / NR;
        for (int pc = 0; pc < k; pc += KC) {
            int kc = Math.min(KC, k - pc);
            float[] bp = s.bp(panelsB * NR * kc);
            packB(bp, b, opB, pc, kc, n);
            boolean first = pc == 0;
            for (int ic = 0; ic < m; ic += MC) {
                int mc = Math.min(MC, m - ic);
                float[] ap = s.ap(((mc + MR - 1) / MR) * MR * kc);
                packA(ap, a, opA, ic, mc, pc, kc);
                macroKernel(c, ic, mc, n, kc, ap, bp, s.tile, alpha, first ? beta : 1f, first && beta == 0);
            }
        }
    }

    /** For each A micro-panel, stream every B panel through the micro-kernel and store the tile. */
    private static void macroKernel(Matrix c, int ic, int mc, int n, int kc, float[] ap, float[] bp, float[] tile,
                                    float alpha, float beta, boolean overwrite) {
        for (int ir = 0; ir < mc; ir += MR) {
            int ao = ir * kc;
            int mr = Math.min(MR, mc - ir);
            for (int jr = 0; jr < n; jr += NR) {
                int bo = jr * kc;
                if (MR == 6) {
                    kernel6x4(kc, ap, ao, bp, bo, tile);
                } else {
                    kernel4x2(kc, ap, ao, bp, bo, tile);
                }
                store(c, ic + ir, jr, mr, Math.min(NR, n - jr), tile, alpha, beta, overwrite);
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
     * (beta is 1 after the first k block, when the multiply is exact). The column tail is masked.
     */
    private static void store(Matrix c, int i0, int j0, int mr, int nr, float[] tile, float alpha, float beta,
                              boolean overwrite) {
        MemorySegment cs = c.segment();
        for (int r = 0; r < mr; r++) {
            long rowBytes = (c.offset() + (long) (i0 + r) * c.ld() + j0) * Float.BYTES;
            int t = r * NR;
            for (int j = 0; j < nr; j += L) {
                VectorMask<Float> mask = F.indexInRange(j, nr);
                long at = rowBytes + (long) j * Float.BYTES;
                FloatVector acc = FloatVector.fromArray(F, tile, t + j);
                FloatVector v;
                if (overwrite) {
                    v = acc.mul(alpha);
                } else {
                    FloatVector old = FloatVector.fromMemorySegment(F, cs, at, NATIVE, mask);
                    v = acc.fma(FloatVector.broadcast(F, alpha), beta == 1f ? old : old.mul(beta));
                }
                v.intoMemorySegment(cs, at, NATIVE, mask);
            }
        }
    }

    /**
     * Packs {@code op(B)[pc:pc+kc, 0:n]} into panels of NR columns: element (l, jr + col) of panel
     * {@code jr / NR} goes to {@code bp[jr*kc + l*NR + col]}; columns past n are zero.
     */
    private static void packB(float[] bp, Matrix b, Trans opB, int pc, int kc, int n) {
        MemorySegment bs = b.segment();
        long base = b.offset();
        int ld = b.ld();
        for (int jr = 0; jr < n; jr += NR) {
            int nr = Math.min(NR, n - jr);
            int panel = jr * kc;
            if (opB == Trans.N) {          // op(B)(l, j) = B(pc + l, j): rows of B are contiguous
                for (int l = 0; l < kc; l++) {
                    int dst = panel + l * NR;
                    MemorySegment.copy(bs, FL, (base + (long) (pc + l) * ld + jr) * Float.BYTES, bp, dst, nr);
                    Arrays.fill(bp, dst + nr, dst + NR, 0f);
                }
            } else {                       // op(B)(l, j) = B(j, pc + l): read along a row of B, scatter by NR
                for (int col = 0; col < nr; col++) {
                    long src = base + (long) (jr + col) * ld + pc;
                    for (int l = 0; l < kc; l++) {
                        bp[panel + l * NR + col] = bs.getAtIndex(FL, src + l);
                    }
                }
                for (int col = nr; col < NR; col++) {
                    for (int l = 0; l < kc; l++) {
                        bp[panel + l * NR + col] = 0f;
                    }
                }
            }
        }
    }

    /**
     * Packs {@code op(A)[ic:ic+mc, pc:pc+kc]} into micro-panels of MR rows: element (ir + row, l) goes
     * to {@code ap[ir*kc + l*MR + row]}; rows past mc are zero.
     */
    private static void packA(float[] ap, Matrix a, Trans opA, int ic, int mc, int pc, int kc) {
        MemorySegment as = a.segment();
        long base = a.offset();
        int ld = a.ld();
        for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int panel = ir * kc;
            if (opA == Trans.T) {          // op(A)(i, l) = A(pc + l, i): rows of A are contiguous in i
                for (int l = 0; l < kc; l++) {
                    int dst = panel + l * MR;
                    MemorySegment.copy(as, FL, (base + (long) (pc + l) * ld + ic + ir) * Float.BYTES, ap, dst, mr);
                    Arrays.fill(ap, dst + mr, dst + MR, 0f);
                }
            } else {                       // op(A)(i, l) = A(i, pc + l): read along a row of A, scatter by MR
                for (int row = 0; row < mr; row++) {
                    long src = base + (long) (ic + ir + row) * ld + pc;
                    for (int l = 0; l < kc; l++) {
                        ap[panel + l * MR + row] = as.getAtIndex(FL, src + l);
                    }
                }
                for (int row = mr; row < MR; row++) {
                    for (int l = 0; l < kc; l++) {
                        ap[panel + l * MR + row] = 0f;
                    }
                }
            }
        }
    }

    /** {@code C = beta * C}, or zeros when beta == 0 (C not read): the result when alpha == 0. */
    private static void scaleC(Matrix c, float beta) {
        MemorySegment cs = c.segment();
        int n = c.cols();
        for (int i = 0; i < c.rows(); i++) {
            long row = (c.offset() + (long) i * c.ld()) * Float.BYTES;
            for (int j = 0; j < n; j += L) {
                VectorMask<Float> mask = F.indexInRange(j, n);
                long at = row + (long) j * Float.BYTES;
                FloatVector v = beta == 0 ? FloatVector.zero(F)
                        : FloatVector.fromMemorySegment(F, cs, at, NATIVE, mask).mul(beta);
                v.intoMemorySegment(cs, at, NATIVE, mask);
            }
        }
    }
}
