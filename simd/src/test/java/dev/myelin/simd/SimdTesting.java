package dev.myelin.simd;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import org.junit.jupiter.api.Assumptions;

/** What every SIMD property needs: both backends, and the lane count the sizes are relative to. */
final class SimdTesting {

    static final Kernels REFERENCE = Backends.reference();

    private SimdTesting() {
    }

    /** The SIMD kernels at this JVM's forced width; skips the test (saying why) if that width cannot run here. */
    static Kernels simd() {
        Assumptions.assumeTrue(Vectors.PROBLEM == null, () -> "skipped: " + Vectors.PROBLEM);
        return Backends.simd();
    }

    /** Lanes per vector at this JVM's width. */
    static int lanes() {
        return Vectors.L;
    }

    /** "512-bit, 16 lanes, tile 6x4", for test names. */
    static String setting() {
        return Vectors.F.vectorBitSize() + "-bit, " + Vectors.L + " lanes, tile " + Vectors.MR + "x" + Vectors.NV;
    }
}
