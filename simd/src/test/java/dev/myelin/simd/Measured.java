package dev.myelin.simd;

/**
 * Error bounds of the SIMD transcendental functions, measured by {@link UlpSweepTest} against
 * {@link StrictMath} in double (which stands for the exact value: its own error is below 2^-40 of
 * a float ulp) and documented in docs/kernels.md. Each is the largest
 * {@code |simd - exact| / ulp(exact)} found over the sweep (every 257th float bit pattern, plus dense
 * samples of the exp overflow and underflow regions and of the subnormals), rounded up to the next
 * 0.01 ulp. The agreement properties use them; the sweep fails if the Vector API's functions ever
 * get worse than this.
 */
final class Measured {

    /** {@code VectorOperators.EXP}, measured on x86 AVX2 (SVML), JDK 25. */
    static final double EXP = 0.74;

    /** {@code VectorOperators.LOG1P}. */
    static final double LOG1P = 0.58;

    /** The tanh kernel ({@code VectorOperators.TANH}). */
    static final double TANH = 0.52;

    /** The sigmoid kernel (stable form over EXP). */
    static final double SIGMOID = 2.33;

    /**
     * The gelu kernel, beyond its argument error: {@code ulps <= GELU + 6 |z| (1 - sigmoid(z))}, where
     * {@code z = 2 sqrt(2/pi) (x + 0.044715 x^3)}. The second term is derived, not measured: z is computed
     * in float with float constants, relative error at most gamma(6) (two rounded constants and four
     * operations on terms of one sign), and d/dz log sigmoid(z) = 1 - sigmoid(z), so the result carries
     * a relative error of up to gamma(6) |z| (1 - s), that is up to 6 |z| (1 - s) ulps.
     */
    static final double GELU = 2.06;

    private Measured() {
    }
}
