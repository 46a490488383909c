package dev.myelin.bench;

import dev.myelin.core.Backends;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.SelfAttention;
import dev.myelin.core.Trans;
import java.io.IOException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Causal self-attention at the shapes of issue 22's example (batch 32 windows of 128 tokens, 4 heads of 32 columns:
 * Q, K, V, O are 4096 x 128, P is 16384 x 128), the measurement behind the fused-or-three-step decision
 * (docs/kernels.md, "attention"). {@code step}:
 * <ul>
 *   <li>{@code forward}, {@code backward}, {@code forwardBackward}: the three-step kernels
 *       ({@code Kernels.attentionForward}, {@code attentionBackward}) as a training step calls them;</li>
 *   <li>{@code gemmEquivalent}: for comparison, the two products of a forward pass done as dense GEMMs per (sequence,
 *       head) on views ({@code S = Q K^T}, {@code O = P V}, 2 T^2 D multiply-adds each, twice the causal
 *       work): what the packed GEMM would take for the products alone, without the mask, the softmax or P's memory
 *       traffic.</li>
 * </ul>
 * A fused (flash-attention style) kernel would be one more {@code step} here; it does not exist yet.
 *
 * <p>Before anything is timed, {@link #setUp} checks this backend against the reference: the backward pass bit for bit
 * (given the same P, both perform the same float operations in the same order), P within the softmax agreement bound
 * written below, O within the bound that P's difference and the two FMA chains allow. It throws, failing the run,
 * otherwise. Score: microseconds per call for the whole batch. Run on a quiet machine, e.g.
 * {@code java -jar bench/target/benchmarks.jar AttentionBench -p threads=1,2}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class AttentionBench {

    static final SelfAttention SHAPE = new SelfAttention(32, 128, 4, 32);

    @Param({"simd"})
    public String impl;

    @Param({"1"})
    public int threads;

    @Param({"forward", "backward", "forwardBackward", "gemmEquivalent"})
    public String step;

    private Kernels kernels;
    private float scale;
    private Matrix q;
    private Matrix k;
    private Matrix v;
    private Matrix dO;
    private Matrix o;
    private Matrix p;
    private Matrix dQ;
    private Matrix dK;
    private Matrix dV;
    /** Per (sequence, head): views of Q, K, V, O and of a full T x T block of P, for {@code gemmEquivalent}. */
    private Matrix[][] views;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        SelfAttention g = SHAPE;
        kernels = Backends.get(impl, threads);
        System.out.println("AttentionBench: CPU " + Machine.cpu() + "; " + Backends.backend("simd").description() + "; "
                + kernels + "; " + step + " at " + g);
        SplittableRandom rnd = new SplittableRandom(42);
        scale = (float) (1 / Math.sqrt(g.headSize()));
        q = random(rnd, g.rows(), g.cols(), 2);
        k = random(rnd, g.rows(), g.cols(), 2);
        v = random(rnd, g.rows(), g.cols(), 1);
        dO = random(rnd, g.rows(), g.cols(), 1);
        o = Matrix.allocate(g.rows(), g.cols());
        p = Matrix.allocate(g.probabilityRows(), g.length());
        dQ = Matrix.allocate(g.rows(), g.cols());
        dK = Matrix.allocate(g.rows(), g.cols());
        dV = Matrix.allocate(g.rows(), g.cols());
        views = new Matrix[g.batch() * g.heads()][];
        int tn = g.length();
        int dn = g.headSize();
        for (int b = 0; b < g.batch(); b++) {
            for (int h = 0; h < g.heads(); h++) {
                views[b * g.heads() + h] = new Matrix[] {q.view(b * tn, h * dn, tn, dn), k.view(b * tn, h * dn, tn, dn),
                    v.view(b * tn, h * dn, tn, dn), o.view(b * tn, h * dn, tn, dn), p.view((b * g.heads() + h) * tn, 0, tn, tn)};
            }
        }
        check();
    }

    /**
     * This backend against the reference. P: per row of n = t + 1 scores, with {@code Tm} the row's largest
     * {@code |S - max|}, the SIMD softmax's relative error is at most {@code (1 + h)(1 + u) / (1 - R) - 1},
     * {@code h = (1 + expm1(u Tm))(1 + 2u 0.94) - 1} (the rounded {@code S - max} and exp's measured 0.94 ulp),
     * {@code R = h + gamma(n - 1)(1 + h) + 2 n 2^-149} (the float sum, S >= 1), and the reference's
     * {@code u + gamma_D(2n + 4)}; plus {@code 2^-148} for underflow. O: {@code gamma(n) sum (|P_r v| + |P_s v|) +
     * sum |P_r - P_s| |v| + n 2^-149}.
     */
    private void check() {
        if (impl.equals("reference")) {
            return;
        }
        SelfAttention g = SHAPE;
        Kernels ref = Backends.reference();
        Matrix oRef = Matrix.allocate(g.rows(), g.cols());
        Matrix pRef = Matrix.allocate(g.probabilityRows(), g.length());
        ref.attentionForward(oRef, pRef, q, k, v, g, scale);
        o.fill(Float.NaN);
        p.fill(Float.NaN);
        kernels.attentionForward(o, p, q, k, v, g, scale);
        float[] pr = pRef.toArray();
        float[] ps = p.toArray();
        float[] or = oRef.toArray();
        float[] os = o.toArray();
        float[] qa = q.toArray();
        float[] ka = k.toArray();
        float[] va = v.toArray();
        int tn = g.length();
        int dn = g.headSize();
        int cols = g.cols();
        double u = ErrorBounds.U;
        double[] pb = new double[pr.length];
        double[] ob = new double[or.length];
        for (int b = 0; b < g.batch(); b++) {
            for (int h = 0; h < g.heads(); h++) {
                for (int t = 0; t < tn; t++) {
                    int row = (b * g.heads() + h) * tn + t;
                    int n = t + 1;
                    float[] s = new float[n];
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        float dot = 0f;
                        for (int d = 0; d < dn; d++) {
                            dot = Math.fma(qa[(b * tn + t) * cols + h * dn + d], ka[(b * tn + j) * cols + h * dn + d], dot);
                        }
                        s[j] = scale * dot;
                        max = Math.max(max, s[j]);
                    }
                    double tm = 0;
                    for (int j = 0; j < n; j++) {
                        tm = Math.max(tm, Math.abs((double) s[j] - max));
                    }
                    double hh = (1 + Math.expm1(u * tm)) * (1 + 2 * u * 0.94) - 1;
                    double r = hh + ErrorBounds.gamma(Math.max(1, n - 1)) * (1 + hh) + 2 * n * (double) Float.MIN_VALUE;
                    double rel = (1 + hh) * (1 + u) / (1 - r) - 1 + u + ErrorBounds.gammaD(2L * n + 4);
                    for (int j = 0; j < n; j++) {
                        pb[row * tn + j] = rel * Math.abs(pr[row * tn + j]) + 2 * (double) Float.MIN_VALUE;
                    }
                    for (int d = 0; d < dn; d++) {
                        double bound = n * (double) Float.MIN_VALUE;
                        for (int j = 0; j < n; j++) {
                            double vj = Math.abs(va[(b * tn + j) * cols + h * dn + d]);
                            double a = Math.abs(pr[row * tn + j]);
                            double c = Math.abs(ps[row * tn + j]);
                            bound += ErrorBounds.gamma(n) * (a + c) * vj + Math.abs(a - c) * vj;
                        }
                        ob[(b * tn + t) * cols + h * dn + d] = bound;
                    }
                }
            }
        }
        ErrorBounds.compare(pr, ps, pb, tn).orThrow("AttentionBench: P on " + kernels + " against the reference");
        ErrorBounds.compare(or, os, ob, cols).orThrow("AttentionBench: O on " + kernels + " against the reference");
        Matrix[] mine = {dQ, dK, dV};
        Matrix[] theirs = {Matrix.allocate(g.rows(), g.cols()), Matrix.allocate(g.rows(), g.cols()), Matrix.allocate(g.rows(), g.cols())};
        ref.attentionBackward(theirs[0], theirs[1], theirs[2], dO, q, k, v, pRef, g, scale);
        kernels.attentionBackward(dQ, dK, dV, dO, q, k, v, pRef, g, scale);
        for (int m = 0; m < 3; m++) {
            float[] a = theirs[m].toArray();
            float[] c = mine[m].toArray();
            for (int e = 0; e < a.length; e++) {
                if (Float.floatToIntBits(a[e]) != Float.floatToIntBits(c[e])) {
                    throw new IllegalStateException("AttentionBench: gradient " + "QKV".charAt(m) + " element " + e + " is "
                            + c[e] + " on " + kernels + ", the reference's " + a[e]);
                }
            }
            theirs[m].close();
        }
        oRef.close();
        pRef.close();
    }

    @Benchmark
    public Matrix attention() {
        SelfAttention g = SHAPE;
        switch (step) {
            case "forward" -> kernels.attentionForward(o, p, q, k, v, g, scale);
            case "backward" -> kernels.attentionBackward(dQ, dK, dV, dO, q, k, v, p, g, scale);
            case "forwardBackward" -> {
                kernels.attentionForward(o, p, q, k, v, g, scale);
                kernels.attentionBackward(dQ, dK, dV, dO, q, k, v, p, g, scale);
            }
            case "gemmEquivalent" -> {
                for (Matrix[] x : views) {
                    kernels.gemm(x[4], x[0], Trans.N, x[1], Trans.T, scale, 0f);
                    kernels.gemm(x[3], x[4], Trans.N, x[2], Trans.N, 1f, 0f);
                }
            }
            default -> throw new IllegalArgumentException("unknown step " + step);
        }
        return o;
    }

    private static Matrix random(SplittableRandom rnd, int rows, int cols, double range) {
        Matrix m = Matrix.allocate(rows, cols);
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) rnd.nextDouble(-range, range);
        }
        return m.copyFrom(values);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Matrix m : new Matrix[] {q, k, v, dO, o, p, dQ, dK, dV}) {
            m.close();
        }
    }
}
