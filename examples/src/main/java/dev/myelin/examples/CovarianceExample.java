package dev.myelin.examples;

import dev.myelin.core.Agreement;
import dev.myelin.core.Backends;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.lang.foreign.Arena;

/**
 * Seed 4: the Hebbian (covariance) matrix {@code W = (1/N) X^T X = (1/N) sum_n x_n x_n^T} of N samples,
 * computed with one GEMM ({@code alpha = 1/N}, {@code opA = T}). Each backend is checked against a
 * double-precision oracle with the GEMM error bound, and SIMD against the reference with twice it.
 */
public final class CovarianceExample {

    /**
     * What the run found: three comparisons and the SIMD result.
     *
     * @param simdVsOracle      SIMD against the double oracle, bound {@link ErrorBounds#gemmBound}
     * @param referenceVsOracle reference against the double oracle, same bound
     * @param simdVsReference   SIMD against the reference, twice the bound (each is within one bound of exact)
     * @param w                 the SIMD result, row-major d x d
     */
    public record Result(Agreement simdVsOracle, Agreement referenceVsOracle, Agreement simdVsReference, float[] w) {
    }

    private CovarianceExample() {
    }

    /**
     * Computes W with both backends and compares them with each other and with a double-precision oracle.
     *
     * @param simd      the backend under test (any backend: the default one in {@link #main})
     * @param reference the reference backend
     * @param n         the number of samples N
     * @param d         the width of a sample (W is d x d)
     * @param seed      the seed of the samples
     * @return the comparisons and the result
     */
    public static Result run(Kernels simd, Kernels reference, int n, int d, long seed) {
        float[] data = ToyData.correlated(n, d, seed);
        try (Arena arena = Arena.ofConfined()) {
            Matrix x = Matrix.of(arena, n, d, data);
            Matrix ws = Matrix.allocate(arena, d, d);
            Matrix wr = Matrix.allocate(arena, d, d);
            float alpha = 1f / n;
            simd.gemm(ws, x, Trans.T, x, Trans.N, alpha, 0f);        // W = (1/N) X^T X
            reference.gemm(wr, x, Trans.T, x, Trans.N, alpha, 0f);
            double[] bound = ErrorBounds.gemmBound(null, x, Trans.T, x, Trans.N, alpha, 0f);
            double[] twice = bound.clone();
            for (int i = 0; i < twice.length; i++) {
                twice[i] *= 2;
            }
            double[] oracle = new double[d * d];
            for (int i = 0; i < d; i++) {
                for (int j = 0; j < d; j++) {
                    double s = 0;
                    for (int r = 0; r < n; r++) {
                        s += (double) data[r * d + i] * data[r * d + j];
                    }
                    oracle[i * d + j] = (double) alpha * s;
                }
            }
            float[] w = ws.toArray();
            return new Result(ErrorBounds.compare(oracle, w, bound, d), ErrorBounds.compare(oracle, wr.toArray(), bound, d),
                    ErrorBounds.compare(wr, ws, twice), w);
        }
    }

    /**
     * Prints W for 10,000 samples of width 6, and the three comparisons.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        int d = 6;
        Result r = run(Backends.get(), Backends.reference(), 10_000, d, 42);
        System.out.println("W = (1/N) X^T X for x = z L^T (expected L L^T: W[i][j] = min(i, j) + 1):");
        for (int i = 0; i < d; i++) {
            StringBuilder row = new StringBuilder();
            for (int j = 0; j < d; j++) {
                row.append(String.format(java.util.Locale.ROOT, "%7.3f", r.w()[i * d + j]));
            }
            System.out.println(row);
        }
        System.out.println("SIMD vs double oracle:      " + r.simdVsOracle());
        System.out.println("reference vs double oracle: " + r.referenceVsOracle());
        System.out.println("SIMD vs reference:          " + r.simdVsReference());
    }
}
