package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import org.junit.jupiter.api.Test;

/** The README's example, with the output the README shows. */
class ReadmeExampleTest {

    @Test
    void printsWhatTheReadmeSays() {
        try (Matrix a = Matrix.allocate(2, 3); Matrix b = Matrix.allocate(3, 2); Matrix c = Matrix.allocate(2, 2)) {
            a.copyFrom(new float[] {1, 2, 3, 4, 5, 6});
            b.copyFrom(new float[] {1, 0, 0, 1, 1, 1});
            Kernels k = Backends.get();
            k.gemm(c, a, Trans.N, b, Trans.N, 1f, 0f);
            assertEquals("""
                    Matrix 2x2
                      [     4.000,      5.000]
                      [     10.00,      11.00]""", c.toString());
        }
    }
}
