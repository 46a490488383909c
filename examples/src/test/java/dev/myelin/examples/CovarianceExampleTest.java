package dev.myelin.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import org.junit.jupiter.api.Test;

class CovarianceExampleTest {

    @Test
    void hebbianMatrixByGemmMatchesTheReferenceAndTheOracle() {
        int d = 37;                        // not a multiple of any vector width: edge tiles on both sides
        CovarianceExample.Result r = CovarianceExample.run(Backends.simd(), Backends.reference(), 3001, d, 5);
        System.out.println(r.simdVsReference());
        // Each backend is within ErrorBounds.gemmBound of the exact result (the double oracle), so the two
        // are within twice it of each other.
        assertTrue(r.simdVsOracle().passed(), r.simdVsOracle().toString());
        assertTrue(r.referenceVsOracle().passed(), r.referenceVsOracle().toString());
        assertTrue(r.simdVsReference().passed(), r.simdVsReference().toString());
        // W is symmetric exactly: W[i][j] and W[j][i] sum the same products (x_ri x_rj = x_rj x_ri exactly)
        // in the same order, since the SIMD GEMM's summation order per element does not depend on i or j.
        float[] w = r.w();
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < i; j++) {
                assertEquals(w[i * d + j], w[j * d + i], "(" + i + ", " + j + ")");
            }
        }
    }
}
