package dev.myelin.bench;

import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.util.SplittableRandom;

/**
 * Checks a benchmark's result before it is timed. For GEMM: each checked element must lie within
 * {@code 2 * gamma(k + 2) * (|op(A)||op(B)|)_ij} of the reference (the agreement bound of
 * docs/kernels.md, alpha = 1, beta = 0). The reference element is computed exactly as the reference
 * backend computes it (same order, float). Small products are checked in full; large ones on 512
 * random elements, which a wrong kernel (a missed tile, a wrong transpose) cannot pass.
 */
final class Verify {

    private Verify() {
    }

    static void gemm(String what, Matrix c, Matrix a, Trans opA, Matrix b, Trans opB) {
        int m = c.rows();
        int n = c.cols();
        int k = opA.cols(a);
        float[] av = a.toArray();
        float[] bv = b.toArray();
        float[] cv = c.toArray();
        boolean full = (long) m * n * k <= 300L * 300 * 300;
        int checks = full ? m * n : 512;
        SplittableRandom rnd = new SplittableRandom(7);
        double[] expected = new double[checks];
        float[] actual = new float[checks];
        double[] bound = new double[checks];
        for (int e = 0; e < checks; e++) {
            int i = full ? e / n : rnd.nextInt(m);
            int j = full ? e % n : rnd.nextInt(n);
            float s = 0f;
            double p = 0;
            for (int l = 0; l < k; l++) {
                float x = opA == Trans.N ? av[i * a.cols() + l] : av[l * a.cols() + i];
                float y = opB == Trans.N ? bv[l * b.cols() + j] : bv[j * b.cols() + l];
                s += x * y;
                p += Math.abs((double) x * y);
            }
            expected[e] = s;
            actual[e] = cv[i * n + j];
            bound[e] = 2 * (ErrorBounds.gamma(k + 2) * p + (k + 2) * (double) Float.MIN_VALUE);
        }
        ErrorBounds.compare(expected, actual, bound, 1).orThrow(what + ": result differs from the reference");
    }
}
