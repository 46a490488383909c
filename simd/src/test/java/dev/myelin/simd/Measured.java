package dev.myelin.simd;

/**
 * Error bounds of the SIMD transcendental functions, measured by {@link UlpSweepTest} against
 * {@link StrictMath} in double (which stands for the exact value: its own error is below 2^-40 of
 * a float ulp) and documented in docs/kernels.md. Each is the largest
 * {@code |simd - exact| / ulp(exact)} over every float (log1p: every float of [0, 1]), measured with
 * {@code -Dmyelin.ulp.exhaustive=true}, rounded up to the next 0.01 ulp; the default, sampled sweep
 * checks them on every build. The agreement properties use them. {@link VectorMath}'s functions use
 * exactly rounded operations only, so these hold on every CPU and at every vector width.
 */
final class Measured {

    /** {@link VectorMath#exp}. */
    static final double EXP = 0.94;

    /** {@link VectorMath#log1p}, on its domain [0, 1]. */
    static final double LOG1P = 1.58;

    /** The tanh kernel ({@link VectorMath#tanh}; worst just above 0.55, where it leaves its series). */
    static final double TANH = 1.47;

    /** The sigmoid kernel (stable form over exp). */
    static final double SIGMOID = 2.41;

    /**
     * The gelu kernel, beyond its argument error: {@code ulps <= GELU + 6 |z| (1 - sigmoid(z))}, where
     * {@code z = 2 sqrt(2/pi) (x + 0.044715 x^3)}. The second term is derived, not measured: z is computed
     * in float with float constants, relative error at most gamma(6) (two rounded constants and four
     * operations on terms of one sign), and d/dz log sigmoid(z) = 1 - sigmoid(z), so the result carries
     * a relative error of up to gamma(6) |z| (1 - s), that is up to 6 |z| (1 - s) ulps.
     */
    static final double GELU = 2.20;

    private Measured() {
    }
}
