package dev.myelin.simd;

import static dev.myelin.simd.Agree.TINY;
import static dev.myelin.simd.Agree.exact;
import static dev.myelin.simd.Agree.gamma;

import dev.myelin.core.Cases;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.SelfAttention;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Property: the SIMD attention kernels against the reference over seeded shapes: sequence length T from 1 to 300,
 * head size D from 8 to 128, heads 1 to 8, batch 1 to 5 (edge sizes around the lane count, then random ones, their
 * work {@code B H T^2 D} capped at {@link #MAX_WORK} by shrinking the batch and the heads, so the cases stay a few
 * dozen seconds in all), every operand at a random layout (views, odd offsets), outputs filled with NaN first, one
 * case in four with a special value in a hundred inputs (NaN, infinities, zeros, subnormals, MAX_VALUE).
 *
 * <p>Bounds (docs/kernels.md, "attention"):
 * <ul>
 *   <li>The scores are the same float operations in both backends (an FMA chain over d in order, then times
 *       scale): the same bits. The SIMD softmax of a row then differs from the reference's as the softmax kernels
 *       do: P within {@link ActivationsAgreementTest#softmaxBound} of the row's scores, which the test recomputes
 *       with the same float operations; above the diagonal both are exactly +0.</li>
 *   <li>O: each backend sums its own P with an FMA chain of t + 1 terms in order of s, within
 *       {@code gamma(t + 1) sum_s |P_s v_s|} of the exact sum of its P; the two P differ by {@code |P_r - P_s|}, so
 *       {@code |O_r - O_s| <= gamma(t + 1) sum_s (|P_r v_s| + |P_s v_s|) + sum_s |P_r - P_s| |v_s| + 2 (t + 1) 2^-150}
 *       (underflow of each rounding), computed from the two backends' P (each already checked above).</li>
 *   <li>Backward, given the same P: every step is the reference's float operations in its order (FMA chains over
 *       d, s or t from zero, {@code p (dP - r)}, times scale), so dQ, dK and dV are the same bits.</li>
 * </ul>
 * Non-finite values: a result the bound does not cover (an overflowing magnitude) must still be NaN in both or
 * neither and the same infinity in both ({@link ErrorBounds#compare}; bounds are capped at {@code MAX_VALUE} so that
 * such a mismatch fails).
 */
class AttentionAgreementTest {

    /** The largest work {@code B H T^2 D} of a case. */
    static final long MAX_WORK = 3_000_000;

    private static final int RANDOM = 20;

    /** Shapes: edge sizes of T and D relative to the lane count with small B and H, then random ones. */
    static List<SelfAttention> shapes(long base) {
        int l = SimdTesting.lanes();
        List<SelfAttention> list = new ArrayList<>();
        list.add(new SelfAttention(1, 1, 1, 8));
        list.add(new SelfAttention(2, 2, 3, 128));
        list.add(new SelfAttention(1, 300, 1, 8));
        list.add(new SelfAttention(1, 300, 2, 13));
        int[] ds = {8, Math.max(8, l - 1), Math.max(8, l), l + 1, 2 * l, 2 * l + 1, 3 * l + 5};
        int[] ts = {l - 1, l, l + 1, 2 * l + 1};
        for (int i = 0; i < ds.length; i++) {
            list.add(new SelfAttention(1 + i % 3, Math.max(1, ts[i % ts.length]), 1 + i % 4, ds[i]));
        }
        SplittableRandom rnd = Cases.random(base + 999_999);
        for (int c = 0; c < RANDOM * Cases.SCALE; c++) {
            int b = rnd.nextInt(1, 6);
            int t = rnd.nextInt(1, 301);
            int h = rnd.nextInt(1, 9);
            int d = rnd.nextInt(8, 129);
            while ((long) b * h * t * t * d > MAX_WORK && (b > 1 || h > 1)) {
                if (b > 1) {
                    b--;
                } else {
                    h--;
                }
            }
            while ((long) t * t * d > MAX_WORK) {
                t = t * 3 / 4;
            }
            list.add(new SelfAttention(b, t, h, d));
        }
        return list;
    }

    /** One case's inputs, shared by both backends (they are only read). */
    private record Inputs(Matrix q, Matrix k, Matrix v, Matrix dO, float scale) {
    }

    private static Inputs inputs(Arena arena, SplittableRandom rnd, SelfAttention g, boolean special) {
        double range = rnd.nextBoolean() ? 0.5 : 2;                                // 2: peaked softmax rows
        double p = special ? 0.01 : 0;
        Matrix q = Agree.matrix(arena, rnd, g.rows(), g.cols(), Cases.values(rnd, g.rows() * g.cols(), -range, range, p));
        Matrix k = Agree.matrix(arena, rnd, g.rows(), g.cols(), Cases.values(rnd, g.rows() * g.cols(), -range, range, p));
        Matrix v = Agree.matrix(arena, rnd, g.rows(), g.cols(), Cases.values(rnd, g.rows() * g.cols(), -1, 1, p));
        Matrix dO = Agree.matrix(arena, rnd, g.rows(), g.cols(), Cases.values(rnd, g.rows() * g.cols(), -1, 1, p));
        return new Inputs(q, k, v, dO, (float) (1 / Math.sqrt(g.headSize())));
    }

    private static Stream<DynamicTest> cases(String kernel, long base, Check check) {
        List<SelfAttention> shapes = shapes(base);
        return java.util.stream.IntStream.range(0, shapes.size()).mapToObj(c -> {
            SelfAttention g = shapes.get(c);
            long index = base + c;
            boolean special = c % 4 == 3;
            String name = kernel + " " + g + (special ? " with special values " : " ") + SimdTesting.setting() + " "
                    + Cases.tag(index);
            return DynamicTest.dynamicTest(name, () -> {
                Kernels simd = SimdTesting.simd();
                SplittableRandom rnd = Cases.random(index);
                try (Arena arena = Arena.ofConfined()) {
                    check.run(name, g, inputs(arena, rnd, g, special), arena, rnd, simd);
                }
            });
        });
    }

    private interface Check {
        void run(String name, SelfAttention g, Inputs in, Arena arena, SplittableRandom rnd, Kernels simd);
    }

    @TestFactory
    Stream<DynamicTest> attentionForward() {
        return cases("attentionForward", 95_000_000L, (name, g, in, arena, rnd, simd) -> {
            Kernels[] backends = {SimdTesting.REFERENCE, simd};
            float[][] o = new float[2][];
            float[][] p = new float[2][];
            for (int b = 0; b < 2; b++) {
                Matrix om = Agree.output(arena, rnd, g.rows(), g.cols());
                Matrix pm = Agree.output(arena, rnd, g.probabilityRows(), g.length());
                backends[b].attentionForward(om, pm, in.q(), in.k(), in.v(), g, in.scale());
                o[b] = om.toArray();
                p[b] = pm.toArray();
            }
            double[][] bounds = forwardBounds(g, in, p[0], p[1]);
            ErrorBounds.compare(p[0], p[1], bounds[0], g.length()).orThrow(name + ": P");
            ErrorBounds.compare(o[0], o[1], bounds[1], g.cols()).orThrow(name + ": O");
        });
    }

    /** {P's bound, O's bound} (class comment); P's is 0 above the diagonal (both +0 exactly). */
    private static double[][] forwardBounds(SelfAttention g, Inputs in, float[] pr, float[] ps) {
        int tn = g.length();
        int dn = g.headSize();
        int cols = g.cols();
        float[] q = in.q().toArray();
        float[] k = in.k().toArray();
        float[] v = in.v().toArray();
        double[] pb = new double[pr.length];
        double[] ob = new double[g.rows() * cols];
        for (int b = 0; b < g.batch(); b++) {
            for (int h = 0; h < g.heads(); h++) {
                for (int t = 0; t < tn; t++) {
                    int row = (b * g.heads() + h) * tn + t;
                    float[] scores = new float[t + 1];
                    for (int s = 0; s <= t; s++) {
                        float dot = 0f;
                        for (int d = 0; d < dn; d++) {
                            dot = Math.fma(q[(b * tn + t) * cols + h * dn + d], k[(b * tn + s) * cols + h * dn + d], dot);
                        }
                        scores[s] = in.scale() * dot;
                    }
                    double[] sb = ActivationsAgreementTest.softmaxBound(scores, 1, t + 1);
                    System.arraycopy(sb, 0, pb, row * tn, t + 1);
                    for (int d = 0; d < dn; d++) {
                        double bound = (t + 1) * TINY;                          // 2 (t + 1) 2^-150
                        for (int s = 0; s <= t; s++) {
                            double vs = Math.abs(v[(b * tn + s) * cols + h * dn + d]);
                            double a = Math.abs(pr[row * tn + s]);
                            double c = Math.abs(ps[row * tn + s]);
                            bound += gamma(t + 1) * (a * vs + c * vs) + Math.abs(a - c) * vs;
                        }
                        ob[(b * tn + t) * cols + h * dn + d] = bound <= Double.MAX_VALUE ? bound : Double.MAX_VALUE;
                    }
                }
            }
        }
        return new double[][] {pb, ob};
    }

    @TestFactory
    Stream<DynamicTest> attentionBackward() {
        return cases("attentionBackward", 96_000_000L, (name, g, in, arena, rnd, simd) -> {
            // P from the reference's forward pass, the same for both backends
            Matrix p = Agree.output(arena, rnd, g.probabilityRows(), g.length());
            SimdTesting.REFERENCE.attentionForward(Agree.output(arena, rnd, g.rows(), g.cols()), p, in.q(), in.k(), in.v(),
                    g, in.scale());
            Kernels[] backends = {SimdTesting.REFERENCE, simd};
            float[][][] out = new float[2][3][];
            for (int b = 0; b < 2; b++) {
                Matrix dQ = Agree.output(arena, rnd, g.rows(), g.cols());
                Matrix dK = Agree.output(arena, rnd, g.rows(), g.cols());
                Matrix dV = Agree.output(arena, rnd, g.rows(), g.cols());
                backends[b].attentionBackward(dQ, dK, dV, in.dO(), in.q(), in.k(), in.v(), p, g, in.scale());
                out[b][0] = dQ.toArray();
                out[b][1] = dK.toArray();
                out[b][2] = dV.toArray();
            }
            exact(name + ": dQ", out[0][0], out[1][0], g.cols());
            exact(name + ": dK", out[0][1], out[1][1], g.cols());
            exact(name + ": dV", out[0][2], out[1][2], g.cols());
        });
    }
}
