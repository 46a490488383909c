package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Measures the error of the SIMD transcendental functions in ulps against StrictMath in double, over
 * the whole float range: every 257th bit pattern (about 16.7 million floats, all exponents, both
 * signs), every 16th float with 80 <= |x| <= 104 (where exp overflows at 88.7 and underflows to the
 * subnormals and to 0 near -87.3 and -103.9) and every 64th subnormal; log1p, defined here on [0, 1],
 * over every 61st float of [0, 1]. It prints the largest error per function, checks NaN and infinite
 * results are the oracle's, and fails if an error exceeds its {@link Measured} bound. Not an
 * *AgreementTest: it runs once, at the CPU's preferred width, in the default test execution (a few
 * seconds).
 *
 * <p>With {@code -Dmyelin.ulp.exhaustive=true} it measures every float instead (every one of [0, 1] for
 * log1p): about ten minutes, the numbers in {@link Measured} and docs/kernels.md. The command is in
 * docs/kernels.md.
 */
class UlpSweepTest {

    private static final int CHUNK = 1 << 16;

    private static final boolean EXHAUSTIVE = Boolean.getBoolean("myelin.ulp.exhaustive");

    /** Float bit patterns {@code from, from + stride, ...} below {@code to} (as unsigned 32-bit values). */
    private record Bits(long from, long to, int stride) {
        static Bits of(float from, float to, int stride) {
            return new Bits(Integer.toUnsignedLong(Float.floatToRawIntBits(from)),
                    Integer.toUnsignedLong(Float.floatToRawIntBits(to)) + 1, stride);
        }

        long count() {
            return (to - from + stride - 1) / stride;
        }
    }

    /** The sweep over the whole float range (see the class comment). */
    private static final List<Bits> ALL = EXHAUSTIVE ? List.of(new Bits(0, 1L << 32, 1)) : List.of(
            new Bits(0, 1L << 32, 257),
            Bits.of(80f, 104f, 16), Bits.of(-80f, -104f, 16),
            Bits.of(Float.MIN_VALUE, Float.intBitsToFloat(0x007f_ffff), 64),
            Bits.of(-Float.MIN_VALUE, -Float.intBitsToFloat(0x007f_ffff), 64));

    /** log1p's domain, [0, 1] (and NaN). */
    private static final List<Bits> UNIT = List.of(Bits.of(0f, 1f, EXHAUSTIVE ? 1 : 61), Bits.of(Float.NaN, Float.NaN, 1));

    /** The worst error found for one function, and where. */
    private record Worst(String name, double ulps, float at, long count) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-8s max %.3f ulp at x = %s (%d inputs)", name, ulps, at, count);
        }
    }

    /**
     * Runs {@code simd} over the sweep and measures {@code |simd - oracle| / ulp(oracle)}, less
     * {@code allowance(x)} ulps. NaN must match NaN; an infinite or zero oracle must be matched exactly.
     */
    private static Worst measure(String name, Function<float[], float[]> simd, DoubleUnaryOperator oracle,
                                 DoubleUnaryOperator allowance) {
        return measure(name, ALL, simd, oracle, allowance);
    }

    /** As {@link #measure(String, Function, DoubleUnaryOperator, DoubleUnaryOperator)} over the floats of sweep. */
    private static Worst measure(String name, List<Bits> sweep, Function<float[], float[]> simd, DoubleUnaryOperator oracle,
                                 DoubleUnaryOperator allowance) {
        double worst = 0;
        float at = Float.NaN;
        long count = 0;
        for (Bits bits : sweep) {
            for (long b = bits.from(); b < bits.to(); ) {
                int n = (int) Math.min(CHUNK, (bits.to() - b + bits.stride() - 1) / bits.stride());
                float[] x = new float[n];
                for (int k = 0; k < n; k++, b += bits.stride()) {
                    x[k] = Float.intBitsToFloat((int) b);
                }
                float[] y = simd.apply(x);
                for (int k = 0; k < n; k++) {
                    double exact = oracle.applyAsDouble(x[k]);
                    float rounded = (float) exact;
                    if (Double.isNaN(exact) || Float.isNaN(y[k]) || Float.isInfinite(rounded)) {
                        assertTrue(Float.floatToIntBits(rounded) == Float.floatToIntBits(y[k]),
                                name + "(" + x[k] + "): simd " + y[k] + ", oracle " + exact);
                        continue;
                    }
                    double err = Math.abs(y[k] - exact) / Math.ulp(rounded) - allowance.applyAsDouble(x[k]);
                    if (err > worst) {
                        worst = err;
                        at = x[k];
                    }
                }
                count += n;
            }
        }
        Worst w = new Worst(name, worst, at, count);
        System.out.println("UlpSweep [" + SimdTesting.setting() + (EXHAUSTIVE ? ", every float" : "") + "] " + w);
        return w;
    }

    private static Function<float[], float[]> kernel(java.util.function.BiConsumer<Matrix, Matrix> op) {
        return x -> {
            try (Matrix in = Matrix.allocate(1, x.length); Matrix out = Matrix.allocate(1, x.length)) {
                in.copyFrom(x);
                op.accept(out, in);
                return out.toArray();
            }
        };
    }

    /** One of {@link VectorMath}'s functions: one vector from byte xAt of xs to byte yAt of ys. */
    private interface VectorFunction {
        void apply(MemorySegment ys, long yAt, MemorySegment xs, long xAt);
    }

    /** Applies f vector by vector to x (padded with zeros to whole vectors). */
    private static float[] vectorMath(float[] x, VectorFunction f) {
        int padded = (x.length + Vectors.L - 1) / Vectors.L * Vectors.L;
        try (Matrix in = Matrix.allocate(1, padded); Matrix out = Matrix.allocate(1, padded)) {
            in.copyFrom(java.util.Arrays.copyOf(x, padded));
            for (int k = 0; k < padded; k += Vectors.L) {
                f.apply(out.segment(), (long) k * Float.BYTES, in.segment(), (long) k * Float.BYTES);
            }
            return java.util.Arrays.copyOf(out.toArray(), x.length);
        }
    }

    private static void check(Worst w, double bound) {
        assertTrue(w.ulps() <= bound, w + " exceeds the documented bound of " + bound + " ulp (Measured, docs/kernels.md)");
    }

    @Test
    void exp() {
        SimdTesting.simd();
        check(measure("exp", x -> vectorMath(x, VectorMath::exp), StrictMath::exp, x -> 0), Measured.EXP);
    }

    @Test
    void log1p() {
        SimdTesting.simd();
        check(measure("log1p", UNIT, x -> vectorMath(x, VectorMath::log1p), StrictMath::log1p, x -> 0), Measured.LOG1P);
    }

    @Test
    void tanh() {
        Kernels simd = SimdTesting.simd();
        check(measure("tanh", kernel(simd::tanhForward), StrictMath::tanh, x -> 0), Measured.TANH);
    }

    @Test
    void sigmoid() {
        Kernels simd = SimdTesting.simd();
        check(measure("sigmoid", kernel(simd::sigmoidForward), x -> 1 / (1 + StrictMath.exp(-x)), x -> 0),
                Measured.SIGMOID);
    }

    @Test
    void gelu() {
        Kernels simd = SimdTesting.simd();
        check(measure("gelu", kernel(simd::geluForward), Oracle::gelu, Oracle::geluArgumentUlps), Measured.GELU);
    }
}
