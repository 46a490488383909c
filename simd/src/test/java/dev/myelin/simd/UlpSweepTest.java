package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.util.Locale;
import java.util.function.DoubleUnaryOperator;
import java.util.function.Function;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.junit.jupiter.api.Test;

/**
 * Measures the error of the SIMD transcendental functions in ulps against StrictMath in double, over
 * the whole float range: every 257th bit pattern (about 16.7 million floats, all exponents, both
 * signs), every 16th float with 80 <= |x| <= 104 (where exp overflows at 88.7 and underflows to the
 * subnormals and to 0 near -87.3 and -103.9) and every 64th subnormal. It prints the largest error per
 * function (the numbers in docs/kernels.md), checks NaN and infinite results are the oracle's, and
 * fails if an error exceeds its {@link Measured} bound. Not an *AgreementTest: it runs once, at the
 * CPU's preferred width, in the default test execution (a few seconds).
 */
class UlpSweepTest {

    private static final int CHUNK = 1 << 16;

    /** The sample: the sweep's floats, in chunks. */
    private static float[] sample() {
        int count = 0;
        float[] v = new float[(int) ((1L << 32) / 257) + 2 * 200_000 + 2 * 140_000];
        for (long b = 0; b < (1L << 32); b += 257) {
            v[count++] = Float.intBitsToFloat((int) b);
        }
        for (int sign = 0; sign < 2; sign++) {
            for (int b = Float.floatToRawIntBits(80f); b <= Float.floatToRawIntBits(104f); b += 16) {
                v[count++] = sign == 0 ? Float.intBitsToFloat(b) : -Float.intBitsToFloat(b);
            }
            for (int b = 1; b < 0x0080_0000; b += 64) {
                v[count++] = sign == 0 ? Float.intBitsToFloat(b) : -Float.intBitsToFloat(b);
            }
        }
        return java.util.Arrays.copyOf(v, count);
    }

    private static final float[] SAMPLE = sample();

    /** The worst error found for one function, and where. */
    private record Worst(String name, double ulps, float at, long count) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%-8s max %.3f ulp at x = %s (%d inputs)", name, ulps, at, count);
        }
    }

    /**
     * Runs {@code simd} over the sample and measures {@code |simd - oracle| / ulp(oracle)}, less
     * {@code allowance(x)} ulps. NaN must match NaN; an infinite or zero oracle must be matched exactly.
     */
    private static Worst measure(String name, Function<float[], float[]> simd, DoubleUnaryOperator oracle,
                                 DoubleUnaryOperator allowance) {
        double worst = 0;
        float at = Float.NaN;
        for (int from = 0; from < SAMPLE.length; from += CHUNK) {
            float[] x = java.util.Arrays.copyOfRange(SAMPLE, from, Math.min(SAMPLE.length, from + CHUNK));
            float[] y = simd.apply(x);
            for (int k = 0; k < x.length; k++) {
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
        }
        Worst w = new Worst(name, worst, at, SAMPLE.length);
        System.out.println("UlpSweep [" + SimdTesting.setting() + "] " + w);
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

    private static float[] lanewise(float[] x, java.util.function.UnaryOperator<FloatVector> op) {
        float[] y = new float[x.length];
        int k = 0;
        for (; k + Vectors.L <= x.length; k += Vectors.L) {
            op.apply(FloatVector.fromArray(Vectors.F, x, k)).intoArray(y, k);
        }
        for (; k < x.length; k++) {
            float[] one = new float[Vectors.L];
            one[0] = x[k];
            y[k] = op.apply(FloatVector.fromArray(Vectors.F, one, 0)).lane(0);
        }
        return y;
    }

    private static void check(Worst w, double bound) {
        assertTrue(w.ulps() <= bound, w + " exceeds the documented bound of " + bound + " ulp (Measured, docs/kernels.md)");
    }

    @Test
    void exp() {
        SimdTesting.simd();
        check(measure("EXP", x -> lanewise(x, v -> v.lanewise(VectorOperators.EXP)), StrictMath::exp, x -> 0),
                Measured.EXP);
    }

    @Test
    void log1p() {
        SimdTesting.simd();
        check(measure("LOG1P", x -> lanewise(x, v -> v.lanewise(VectorOperators.LOG1P)), StrictMath::log1p, x -> 0),
                Measured.LOG1P);
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
