package dev.myelin.simd;

import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The one vector species every kernel uses, and the GEMM tile that fits it, fixed at class
 * initialisation. They are {@code static final} on purpose: the JIT only turns Vector API calls into
 * single instructions when the species is a constant (read from a plain field, a kernel ran 30x slower).
 *
 * <p>Tests and benchmarks may force, before this class loads:
 * <ul>
 *   <li>{@code -Dmyelin.simd.bits=128|256|512}: the vector width (at most the CPU's widest);</li>
 *   <li>{@code -Dmyelin.simd.tile=6x4|4x2}: the GEMM micro-kernel (rows x vectors), which otherwise
 *       follows the register file: 6x4 with 32 vector registers (AVX-512, NEON/SVE), 4x2 with 16 (AVX2;
 *       measured here: the 4x2 micro-kernel alone ran at 74 GFLOP/s, a 6x2 one at 31, spilling).</li>
 * </ul>
 */
final class Vectors {

    /** System property that forces the vector width in bits. */
    static final String BITS_PROPERTY = "myelin.simd.bits";
    /** System property that forces the GEMM micro-kernel tile. */
    static final String TILE_PROPERTY = "myelin.simd.tile";

    /** The CPU's widest float vector, in bits. */
    static final int PREFERRED_BITS = FloatVector.SPECIES_PREFERRED.vectorBitSize();

    /** Why the backend cannot run with these settings, or null. */
    static final String PROBLEM;

    /** The species of every kernel. */
    static final VectorSpecies<Float> F;

    /** Lanes per vector. */
    static final int L;

    /** Rows of the GEMM micro-tile. */
    static final int MR;

    /** Vectors per row of the GEMM micro-tile; {@code NR = NV * L} columns. */
    static final int NV;

    /** Columns of the GEMM micro-tile. */
    static final int NR;

    static {
        String problem = null;
        int bits = PREFERRED_BITS;
        String forced = System.getProperty(BITS_PROPERTY);
        if (forced != null) {
            try {
                bits = Integer.parseInt(forced.trim());
            } catch (NumberFormatException e) {
                bits = -1;
            }
            if (bits != 128 && bits != 256 && bits != 512) {
                problem = "-D" + BITS_PROPERTY + "=" + forced + " is not one of 128, 256, 512";
            } else if (bits > PREFERRED_BITS) {
                problem = "-D" + BITS_PROPERTY + "=" + forced + " exceeds this CPU's widest float vector ("
                        + PREFERRED_BITS + " bits); choose at most " + PREFERRED_BITS;
            }
        }
        if (problem == null && PREFERRED_BITS < 128) {
            problem = "this CPU's widest float vector is " + PREFERRED_BITS + " bits (< 128); the reference is faster here";
        }
        if (problem != null) {
            bits = PREFERRED_BITS;
        }
        F = VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
        L = F.length();

        String tile = System.getProperty(TILE_PROPERTY, registers() >= 32 ? "6x4" : "4x2").trim();
        switch (tile) {
            case "6x4" -> {
                MR = 6;
                NV = 4;
            }
            case "4x2" -> {
                MR = 4;
                NV = 2;
            }
            default -> {
                MR = 4;
                NV = 2;
                if (problem == null) {
                    problem = "-D" + TILE_PROPERTY + "=" + tile + " is not one of 6x4, 4x2";
                }
            }
        }
        NR = NV * L;
        PROBLEM = problem;
    }

    private Vectors() {
    }

    /**
     * Vector registers the tile may plan on: 32 where the CPU has AVX-512 (its preferred vector is 512
     * bits) or is an ARM core, else 16 (AVX2).
     */
    static int registers() {
        String arch = System.getProperty("os.arch", "");
        return PREFERRED_BITS >= 512 || arch.equals("aarch64") ? 32 : 16;
    }

    static String describe() {
        return String.format(Locale.ROOT, "FloatVector %d-bit, %d lanes (CPU's widest: %d-bit); GEMM micro-tile %dx%d (%d x %d floats), KC %d, MC %d; up to %d threads",
                F.vectorBitSize(), L, PREFERRED_BITS, MR, NV, MR, NR, Gemm.KC, Gemm.MC_PANELS * MR, Parallel.MAX_THREADS);
    }
}
