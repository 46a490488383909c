package dev.myelin.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Agreement;
import dev.myelin.core.Cases;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The worked example of docs/testing.md: {@link RowDot}, a user's kernel, tested the way Myelin tests its own.
 *
 * <p><b>Forward bound.</b> Let {@code P_i = sum_j |A_ij B_ij|}. A term of the main loop is rounded by its FMA and
 * the later ones of its lane ({@code c = floor(n / 4L)} at most), by the two additions that join the accumulators,
 * by at most {@code L - 1} additions of the lane reduction (a tree over L leaves, in any order) and by the
 * {@code r = n - 4Lc} tail FMAs: {@code k = c + L + 1 + r} roundings. A tail term sees at most r; with
 * {@code c = 0} the accumulators stay exactly 0 and {@code k = r = n}. So
 * {@code |y - y_exact| <= gamma(k) P_i + n 2^-149} (each FMA may underflow by 2^-150, which the later roundings
 * scale by at most 1 + gamma(k) &lt; 2; additions of floats that underflow are exact). The oracle sums the exact
 * products in double, in order: within {@code gamma_D(n - 1) P_i} of exact. The test allows the sum of both.
 *
 * <p><b>Special values.</b> One input in fifty is NaN, an infinity, a zero, a subnormal, +-1 or +-{@code MAX_VALUE}.
 * Where the finite terms cannot overflow ({@code P_i <= MAX_VALUE / (1 + gamma(k))}), every float partial sum is
 * finite, so a NaN or infinity in the result comes from the special inputs exactly as in the double oracle: the
 * bound there is 0 (the right NaN or infinity meets it). Where they can overflow, the float result depends on the
 * grouping and the kernel promises nothing (as gemm past one k block); such rows are drawn again.
 */
class RowDotTest {

    static final int L = RowDot.F.length();
    static final double U = ErrorBounds.U;

    /** Sizes around the lane count L and around the kernel's step 4L, then 12 random sizes up to 300. */
    static List<Integer> sizes() {
        List<Integer> sizes = new ArrayList<>();
        for (int n : Cases.edgeSizes(L)) {
            sizes.add(n);
        }
        sizes.addAll(Cases.sizes(4 * L, 12, 300, Cases.random(1)));
        return sizes;
    }

    /** The roundings a term of an n-long row goes through, from the summation order. */
    static int roundings(int n) {
        int c = n / (4 * L);
        int r = n - 4 * L * c;
        return c == 0 ? n : c + L + 1 + r;
    }

    /** One case: m rows of n inputs (one in fifty special), laid out at random (views with ld > n at odd offsets). */
    record Inputs(Matrix a, Matrix b, double[] expected, double[] bound) {
    }

    static Inputs draw(Arena arena, Property.Case c, double pSpecial) {
        int n = c.size();
        int m = c.random().nextInt(1, 6);
        int k = roundings(n);
        float[] av = new float[m * n];
        float[] bv = new float[m * n];
        double[] expected = new double[m];
        double[] bound = new double[m];
        for (int i = 0; i < m; i++) {
            float[] ai;
            float[] bi;
            double p;
            do {
                ai = Cases.values(c.random(), n, -1, 1, pSpecial);
                bi = Cases.values(c.random(), n, -1, 1, pSpecial);
                p = 0;
                for (int j = 0; j < n; j++) {
                    double t = (double) ai[j] * bi[j];
                    p += Double.isFinite(t) ? Math.abs(t) : 0;
                }
            } while (p > Float.MAX_VALUE / (1 + ErrorBounds.gamma(k)));
            double exact = 0;
            for (int j = 0; j < n; j++) {
                exact += (double) ai[j] * bi[j];      // exact products, summed in order
            }
            expected[i] = exact;
            bound[i] = Double.isFinite(exact) ? ErrorBounds.gamma(k) * p + n * 0x1p-149 + ErrorBounds.gammaD(n - 1) * p : 0;
            System.arraycopy(ai, 0, av, i * n, n);
            System.arraycopy(bi, 0, bv, i * n, n);
        }
        Matrix a = Cases.layout(arena, c.random(), m, n).copyFrom(av);
        Matrix b = Cases.layout(arena, c.random(), m, n).copyFrom(bv);
        return new Inputs(a, b, expected, bound);
    }

    /** The forward property, for the kernel {@code forward}; returns the worst error over its bound. */
    static double forwardProperty(String name, Forward forward) {
        double[] worst = {0};
        int cases = Property.forEachSize(name, sizes(), c -> {
            try (Arena arena = Arena.ofConfined()) {
                Inputs in = draw(arena, c, 0.02);
                Matrix y = Cases.layout(arena, c.random(), in.a().rows(), 1).fill(Float.NaN);   // written, never read
                forward.apply(y, in.a(), in.b());
                Agreement r = Expect.within(name + " " + in.a().rows() + "x" + c.size(), in.expected(), y, in.bound());
                worst[0] = Math.max(worst[0], r.ratio());
            }
        });
        System.out.printf("%s: %d cases, L = %d, seed %d: the worst error is %.3f of its bound%n", name, cases, L,
                Cases.SEED, worst[0]);
        return worst[0];
    }

    interface Forward {
        void apply(Matrix y, Matrix a, Matrix b);
    }

    @Test
    void forwardIsWithinItsBound() {
        forwardProperty("rowDot", RowDot::forward);      // Expect.within checks every case; this prints the worst ratio
    }

    @Test
    void theBrokenForwardIsCaught() {
        AssertionError e = assertThrows(AssertionError.class, () -> forwardProperty("rowDotBroken", RowDot::forwardBroken));
        System.out.println(e.getMessage());
        String m = e.getMessage();
        // the first size, n = 1, is all tail: the broken loop adds nothing, y = 0
        assertTrue(m.startsWith("rowDotBroken n=1 [seed " + Cases.SEED + ", case 0; rerun it alone with -Dmyelin.seed="
                + Cases.SEED + " -Dmyelin.case=0]: rowDotBroken "), m);
        assertTrue(m.contains("DISAGREE") && m.contains("worst at (") && m.contains("actual 0.0, error "), m);
    }

    @Test
    void backwardIsOneRoundedProduct() {
        // dA_ij = fl(dY_i B_ij): the product of two floats is exact in double, so (float) (dY * (double) B) is the
        // one right answer, special values included; likewise dB
        Property.forEachSize("rowDotBackward", sizes(), c -> {
            try (Arena arena = Arena.ofConfined()) {
                Inputs in = draw(arena, c, 0.02);
                int m = in.a().rows();
                int n = c.size();
                Matrix dY = Cases.layout(arena, c.random(), m, 1).copyFrom(Cases.values(c.random(), m, -2, 2, 0.02));
                Matrix dA = Cases.layout(arena, c.random(), m, n).fill(Float.NaN);
                Matrix dB = Cases.layout(arena, c.random(), m, n).fill(Float.NaN);
                RowDot.backward(dA, dB, dY, in.a(), in.b());
                float[] wantA = new float[m * n];
                float[] wantB = new float[m * n];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        wantA[i * n + j] = (float) (dY.get(i, 0) * (double) in.b().get(i, j));
                        wantB[i * n + j] = (float) (dY.get(i, 0) * (double) in.a().get(i, j));
                    }
                }
                Expect.exact("dA " + m + "x" + n, wantA, dA);
                Expect.exact("dB " + m + "x" + n, wantB, dB);
            }
        });
    }

    /**
     * The gradient check of dA, for the backward {@code backward}: f(A) = sum_i dY_i sum_j A_ij B_ij, linear in A
     * (M3 = 0). In double each term of f goes through at most n + m roundings (product, row sum, times dY_i, outer
     * sum): {@code fError = gamma_D(n + m) sum_i |dY_i| sum_j (|A_ij| + h) |B_ij|}. dA is one float product of
     * the exact derivative {@code dY_i B_ij}: {@code u |dY_i B_ij| + 2^-149}.
     */
    static void gradientProperty(String name, Backward backward) {
        double h = 0x1p-13;
        Property.forEachSize(name, sizes(), c -> {
            try (Arena arena = Arena.ofConfined()) {
                Inputs in = draw(arena, c, 0);                // finite inputs: finite differences need them
                int m = in.a().rows();
                int n = c.size();
                float[] dy = Cases.values(c.random(), m, -2, 2, 0);
                Matrix dA = Matrix.allocate(arena, m, n);
                Matrix dB = Matrix.allocate(arena, m, n);
                backward.apply(dA, dB, Matrix.of(arena, m, 1, dy), in.a(), in.b());
                float[] a = in.a().toArray();
                float[] b = in.b().toArray();
                double magnitude = 0;
                double[] gradientError = new double[m * n];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        magnitude += Math.abs(dy[i]) * (Math.abs(a[i * n + j]) + h) * Math.abs(b[i * n + j]);
                        gradientError[i * n + j] = U * Math.abs(dy[i] * (double) b[i * n + j]) + 0x1p-149;
                    }
                }
                Gradients.check(name + " dA " + m + "x" + n, x -> {
                    double f = 0;
                    for (int i = 0; i < m; i++) {
                        double row = 0;
                        for (int j = 0; j < n; j++) {
                            row += x[i * n + j] * b[i * n + j];
                        }
                        f += dy[i] * row;
                    }
                    return f;
                }, a, dA.toArray(), h, 0, ErrorBounds.gammaD(n + m) * magnitude, gradientError);
            }
        });
    }

    interface Backward {
        void apply(Matrix dA, Matrix dB, Matrix dY, Matrix a, Matrix b);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        gradientProperty("rowDotGradient", RowDot::backward);
    }

    @Test
    void theSwappedBackwardIsCaught() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> gradientProperty("rowDotGradientSwapped", RowDot::backwardSwapped));
        System.out.println(e.getMessage());
        String m = e.getMessage();
        assertTrue(m.startsWith("rowDotGradientSwapped n=1 [seed " + Cases.SEED + ", case 0;"), m);
        assertTrue(m.contains("(gradient against central differences, h = 1.220703125E-4): DISAGREE"), m);
    }
}
