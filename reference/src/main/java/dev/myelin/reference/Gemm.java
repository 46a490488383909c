package dev.myelin.reference;

import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Reference GEMM: the specification of {@code C = alpha * op(A) * op(B) + beta * C}.
 *
 * <p>Plain loops, no blocking, no unrolling. Each product is fused into the sum ({@link Math#fma}, one
 * rounding per term), as the SIMD backend's FMAs do. Summation order, for each element (i, j):
 * <pre>
 *   s = +0f;  for l = 0 .. k-1:  s = fma(op(A)[i][l], op(B)[l][j], s)     (the product exact, one rounding)
 *   C[i][j] = beta == 0 ? alpha * s : fma(alpha, s, beta * C[i][j])       (beta * C rounded first)
 * </pre>
 * Error bound: a term {@code op(A)[i][l] op(B)[l][j]} is rounded first by the fma that adds it, then by
 * each later fma (at most k roundings in all), then once by the alpha step: k + 1; {@code beta C} twice.
 * So {@code gamma(k + 2) (|alpha| |op(A)||op(B)| + |beta C|)} per element (docs/kernels.md), derived
 * for any order with or without FMA, still covers it: fusing removes the product's own rounding.
 *
 * <p>Special values follow from these operations (docs/kernels.md, "Special values"): a product never
 * overflows by itself, only a rounded sum does. For {@code k <= 384} (one of the SIMD backend's k blocks)
 * the SIMD backend performs these very operations in this order, so the two agree bit for bit, special
 * values included. Arguments are checked by the caller ({@link dev.myelin.core.Kernels}).
 */
final class Gemm {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;

    private Gemm() {
    }

    static void gemm(Matrix c, Matrix a, Trans opA, Matrix b, Trans opB, float alpha, float beta) {
        int m = c.rows();
        int n = c.cols();
        int k = opA.cols(a);
        MemorySegment as = a.segment();
        MemorySegment bs = b.segment();
        MemorySegment cs = c.segment();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                long cij = c.offset() + (long) i * c.ld() + j;
                float s = 0f;
                for (int l = 0; alpha != 0 && l < k; l++) {
                    float x = as.getAtIndex(F, opA == Trans.N ? a.offset() + (long) i * a.ld() + l : a.offset() + (long) l * a.ld() + i);
                    float y = bs.getAtIndex(F, opB == Trans.N ? b.offset() + (long) l * b.ld() + j : b.offset() + (long) j * b.ld() + l);
                    s = Math.fma(x, y, s);
                }
                float r;
                if (alpha == 0) {
                    r = beta == 0 ? 0f : beta * cs.getAtIndex(F, cij);
                } else {
                    r = beta == 0 ? alpha * s : Math.fma(alpha, s, beta * cs.getAtIndex(F, cij));
                }
                cs.setAtIndex(F, cij, r);
            }
        }
    }
}
