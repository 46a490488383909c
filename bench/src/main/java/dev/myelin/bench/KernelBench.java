package dev.myelin.bench;

import dev.myelin.core.Backends;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
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
 * The non-GEMM kernels per backend at training sizes: activations forward and backward, the fused
 * losses, and the optimizer updates, on a (batch x features) matrix: batch 32 or 256, features 128 or
 * 784 (the Fashion-MNIST MLP's hidden and input widths). Inputs: X uniform in [-4, 4), dY in [-1, 1),
 * targets in [0, 1), labels uniform.
 *
 * <p>Before anything is timed, {@link #setUp} runs every kernel once on this backend and on the reference
 * and throws (failing the run) unless they agree: bit for bit where the kernels are exact (relu, the
 * sigmoid and tanh backward, the MSE gradient, the optimizers), else within the docs/kernels.md bounds,
 * simplified upward for these inputs (see {@link #check}). The score is microseconds per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--sun-misc-unsafe-memory-access=allow",
        "--enable-native-access=ALL-UNNAMED"})
public class KernelBench {

    @Param({"simd", "reference"})
    public String impl;

    @Param({"32", "256"})
    public int batch;

    @Param({"128", "784"})
    public int features;

    private Kernels kernels;
    private Matrix x;
    private Matrix y;
    private Matrix dy;
    private Matrix dx;
    private Matrix target;
    private int[] labels;
    private Matrix w;
    private Matrix m1;
    private Matrix m2;
    private Matrix dw;
    private int step;

    @Setup(Level.Trial)
    public void setUp() {
        kernels = Backends.get(impl);
        SplittableRandom rnd = new SplittableRandom(11);
        x = random(rnd, -4, 4);
        y = Matrix.allocate(batch, features);
        dy = random(rnd, -1, 1);
        dx = Matrix.allocate(batch, features);
        target = random(rnd, 0, 1);
        labels = new int[batch];
        for (int i = 0; i < batch; i++) {
            labels[i] = rnd.nextInt(features);
        }
        w = random(rnd, -1, 1);
        m1 = random(rnd, -0.1f, 0.1f);
        m2 = random(rnd, 0, 0.01f);
        dw = random(rnd, -1, 1);
        step = 1;
        check(rnd);
    }

    private Matrix random(SplittableRandom rnd, float lo, float hi) {
        Matrix m = Matrix.allocate(batch, features);
        float[] v = new float[batch * features];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(lo, hi);
        }
        return m.copyFrom(v);
    }

    // ---------------------------------------------------------------- the check before timing

    private static final double U = ErrorBounds.U;

    /** Bits must match (NaN by position). */
    private static void exact(String what, float[] ref, float[] got) {
        for (int e = 0; e < ref.length; e++) {
            if (Float.floatToIntBits(ref[e]) != Float.floatToIntBits(got[e])) {
                throw new IllegalStateException(what + ": element " + e + " is " + got[e] + ", the reference " + ref[e]);
            }
        }
    }

    /** |got - ref| <= bound[e] for every element. */
    private static void bounded(String what, float[] ref, float[] got, double[] bound) {
        ErrorBounds.compare(ref, got, bound, 1).orThrow(what + ": differs from the reference");
    }

    /**
     * Runs every kernel here and on the reference and compares. Bounds, for |x| <= 4 (so |x - max| <= 8,
     * |z| <= 11 for GELU), E = 0.74 and E1 = 0.58 ulp (EXP, LOG1P, measured), row length n, N = batch * features:
     * <ul>
     *   <li>sigmoid, tanh, gelu: measured ulps plus the reference's half ulp: 2.83, 1.02 and
     *       2.56 + 6 |z| (1 - sigmoid(z)) <= 69 ulps;</li>
     *   <li>gelu backward: {@code |dY| (s + |t|)} times the sum of the relative errors of its terms,
     *       3 (gamma(6) 11 + 2uE) + gamma(10), plus u |dX| twice: 2.1e-5 |dY| (s + |t|) + 2u |dX|, with
     *       s + |t| <= 1 + 4 * 0.25 * 4.3;</li>
     *   <li>softmax: each e_k off by (8u + 2uE) relative, the float sum by gamma(n), the division by u, the
     *       reference by u: (2 (8u + 2uE) + gamma(n) + 3u) y + 2^-148; log-softmax: absolute
     *       8u + (8u + 2uE + gamma(n)) + u (8 + log n + 1) + u |y| + 2^-148;</li>
     *   <li>softmax backward (both float): 2 |Y| gamma(n + 2) (sum |dY Y| + |dY - s|), s the row's dot;</li>
     *   <li>losses: MSE 2 (u + gamma_D(N + 1)) L; BCE and CE dX: (2uE + 8u + gamma(n)) (p + 1) / count plus u |dX|
     *       for the reference, the loss: (2u (E + E1) + 4u) (4 + 1) + 2u |L| (terms at most |x| + 1 <= 5; CE rows
     *       at most 8 + log n) plus gamma(n) for the CE sums.</li>
     * </ul>
     */
    private void check(SplittableRandom rnd) {
        Kernels ref = Backends.reference();
        int n = features;
        int count = batch * features;
        try (Matrix r = Matrix.allocate(batch, features); Matrix r2 = Matrix.allocate(batch, features)) {
            float[] xv = x.toArray();
            float[] dyv = dy.toArray();
            double[] b = new double[count];

            ref.reluForward(r, x);
            kernels.reluForward(y, x);
            exact("reluForward", r.toArray(), y.toArray());
            ref.reluBackward(r, dy, x);
            kernels.reluBackward(dx, dy, x);
            exact("reluBackward", r.toArray(), dx.toArray());

            ref.sigmoidForward(r, x);
            kernels.sigmoidForward(y, x);
            float[] rv = r.toArray();
            for (int e = 0; e < count; e++) {
                b[e] = 2.83 * Math.ulp(rv[e]);
            }
            bounded("sigmoidForward", rv, y.toArray(), b);
            ref.sigmoidBackward(r2, dy, r);
            kernels.sigmoidBackward(dx, dy, r);
            exact("sigmoidBackward", r2.toArray(), dx.toArray());

            ref.tanhForward(r, x);
            kernels.tanhForward(y, x);
            rv = r.toArray();
            for (int e = 0; e < count; e++) {
                b[e] = 1.02 * Math.ulp(rv[e]);
            }
            bounded("tanhForward", rv, y.toArray(), b);
            ref.tanhBackward(r2, dy, r);
            kernels.tanhBackward(dx, dy, r);
            exact("tanhBackward", r2.toArray(), dx.toArray());

            ref.geluForward(r, x);
            kernels.geluForward(y, x);
            rv = r.toArray();
            for (int e = 0; e < count; e++) {
                double z = 2 * Math.sqrt(2 / Math.PI) * (xv[e] + 0.044715 * xv[e] * xv[e] * xv[e]);
                b[e] = (2.56 + 6 * Math.abs(z) * (1 - 1 / (1 + Math.exp(-z)))) * Math.ulp(rv[e]);
            }
            bounded("geluForward", rv, y.toArray(), b);
            ref.geluBackward(r, dy, x);
            kernels.geluBackward(dx, dy, x);
            rv = r.toArray();
            for (int e = 0; e < count; e++) {
                b[e] = 2.1e-5 * Math.abs(dyv[e]) * (1 + 4 * 0.25 * 4.3) + 2 * U * Math.abs(rv[e]) + 0x1p-148;
            }
            bounded("geluBackward", rv, dx.toArray(), b);

            ref.softmaxForward(r, x);
            kernels.softmaxForward(y, x);
            rv = r.toArray();
            double rel = 2 * (8 * U + 2 * U * 0.74) + ErrorBounds.gamma(n) + 3 * U;
            for (int e = 0; e < count; e++) {
                b[e] = rel * rv[e] + 0x1p-148;
            }
            bounded("softmaxForward", rv, y.toArray(), b);
            ref.softmaxBackward(r2, dy, r);
            kernels.softmaxBackward(dx, dy, r);
            float[] r2v = r2.toArray();
            for (int i = 0; i < batch; i++) {
                double s = 0;
                double p = 0;
                for (int j = 0; j < n; j++) {
                    s += (double) dyv[i * n + j] * rv[i * n + j];
                    p += Math.abs((double) dyv[i * n + j] * rv[i * n + j]);
                }
                for (int j = 0; j < n; j++) {
                    int e = i * n + j;
                    b[e] = 2 * Math.abs(rv[e]) * ErrorBounds.gamma(n + 2) * (p + Math.abs(dyv[e] - s)) + 0x1p-147;
                }
            }
            bounded("softmaxBackward", r2v, dx.toArray(), b);

            ref.logSoftmaxForward(r, x);
            kernels.logSoftmaxForward(y, x);
            rv = r.toArray();
            for (int e = 0; e < count; e++) {
                b[e] = 8 * U + (8 * U + 2 * U * 0.74 + ErrorBounds.gamma(n)) + U * (9 + Math.log(n)) + U * Math.abs(rv[e]) + 0x1p-148;
            }
            bounded("logSoftmaxForward", rv, y.toArray(), b);
            ref.logSoftmaxBackward(r2, dy, r);
            kernels.logSoftmaxBackward(dx, dy, r);
            r2v = r2.toArray();
            for (int i = 0; i < batch; i++) {
                double a = 0;
                for (int j = 0; j < n; j++) {
                    a += Math.abs(dyv[i * n + j]);
                }
                for (int j = 0; j < n; j++) {
                    int e = i * n + j;
                    double ey = Math.exp(rv[e]);
                    b[e] = ey * a * (ErrorBounds.gamma(n) + 4 * U * 0.74 + 4 * U) + 3 * U * Math.abs(r2v[e]) + 0x1p-147;
                }
            }
            bounded("logSoftmaxBackward", r2v, dx.toArray(), b);

            float lr = ref.mseLoss(r, x, target);
            float ls = kernels.mseLoss(dx, x, target);
            exact("mseLoss dP", r.toArray(), dx.toArray());
            bounded("mseLoss", new float[] {lr}, new float[] {ls},
                    new double[] {2 * (U + (count + 1) * 0x1p-53 * 2) * Math.abs(lr) + 0x1p-148});
            lr = ref.bceWithLogitsLoss(r, x, target);
            ls = kernels.bceWithLogitsLoss(dx, x, target);
            rv = r.toArray();
            for (int e = 0; e < count; e++) {
                b[e] = (2 * U * 0.74 + 8 * U) * 2.0 / count + U * Math.abs(rv[e]) + 0x1p-148;
            }
            bounded("bceWithLogitsLoss dX", rv, dx.toArray(), b);
            bounded("bceWithLogitsLoss", new float[] {lr}, new float[] {ls},
                    new double[] {(2 * U * (0.74 + 0.58) + 4 * U) * 5 + 2 * U * Math.abs(lr)});
            lr = ref.softmaxCrossEntropyLoss(r, x, labels);
            ls = kernels.softmaxCrossEntropyLoss(dx, x, labels);
            rv = r.toArray();
            double ceRel = 2 * U * 0.74 + 8 * U + ErrorBounds.gamma(n);
            for (int e = 0; e < count; e++) {
                b[e] = ceRel * 2.0 / batch + U * Math.abs(rv[e]) + 0x1p-148;
            }
            bounded("softmaxCrossEntropyLoss dX", rv, dx.toArray(), b);
            bounded("softmaxCrossEntropyLoss", new float[] {lr}, new float[] {ls},
                    new double[] {ceRel + U * (8 + Math.log(n)) + 2 * U * Math.abs(lr)});

            checkOptimizers(ref);
        }
    }

    /** The optimizers are exact: run both on copies of the same state and compare every buffer. */
    private void checkOptimizers(Kernels ref) {
        String[] names = {"sgdUpdate", "adamUpdate", "adamwUpdate"};
        for (String name : names) {
            float[][] out = new float[2][];
            Kernels[] both = {ref, kernels};
            for (int k = 0; k < 2; k++) {
                try (Matrix ww = Matrix.allocate(batch, features); Matrix a = Matrix.allocate(batch, features);
                     Matrix c = Matrix.allocate(batch, features)) {
                    ww.copyFrom(w.toArray());
                    a.copyFrom(m1.toArray());
                    c.copyFrom(m2.toArray());
                    switch (name) {
                        case "sgdUpdate" -> both[k].sgdUpdate(ww, a, dw, 0.01f, 0.9f, 1e-4f, true);
                        case "adamUpdate" -> both[k].adamUpdate(ww, a, c, dw, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f, 3);
                        default -> both[k].adamwUpdate(ww, a, c, dw, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-2f, 3);
                    }
                    float[] all = new float[3 * batch * features];
                    System.arraycopy(ww.toArray(), 0, all, 0, batch * features);
                    System.arraycopy(a.toArray(), 0, all, batch * features, batch * features);
                    System.arraycopy(c.toArray(), 0, all, 2 * batch * features, batch * features);
                    out[k] = all;
                }
            }
            exact(name, out[0], out[1]);
        }
    }

    // ---------------------------------------------------------------- activations

    @Benchmark
    public Matrix reluForward() {
        kernels.reluForward(y, x);
        return y;
    }

    @Benchmark
    public Matrix reluBackward() {
        kernels.reluBackward(dx, dy, x);
        return dx;
    }

    @Benchmark
    public Matrix sigmoidForward() {
        kernels.sigmoidForward(y, x);
        return y;
    }

    @Benchmark
    public Matrix sigmoidBackward() {
        kernels.sigmoidBackward(dx, dy, y);
        return dx;
    }

    @Benchmark
    public Matrix tanhForward() {
        kernels.tanhForward(y, x);
        return y;
    }

    @Benchmark
    public Matrix tanhBackward() {
        kernels.tanhBackward(dx, dy, y);
        return dx;
    }

    @Benchmark
    public Matrix geluForward() {
        kernels.geluForward(y, x);
        return y;
    }

    @Benchmark
    public Matrix geluBackward() {
        kernels.geluBackward(dx, dy, x);
        return dx;
    }

    @Benchmark
    public Matrix softmaxForward() {
        kernels.softmaxForward(y, x);
        return y;
    }

    @Benchmark
    public Matrix softmaxBackward() {
        kernels.softmaxBackward(dx, dy, y);
        return dx;
    }

    @Benchmark
    public Matrix logSoftmaxForward() {
        kernels.logSoftmaxForward(y, x);
        return y;
    }

    @Benchmark
    public Matrix logSoftmaxBackward() {
        kernels.logSoftmaxBackward(dx, dy, y);
        return dx;
    }

    // ---------------------------------------------------------------- losses

    @Benchmark
    public float mseLoss() {
        return kernels.mseLoss(dx, x, target);
    }

    @Benchmark
    public float bceWithLogitsLoss() {
        return kernels.bceWithLogitsLoss(dx, x, target);
    }

    @Benchmark
    public float softmaxCrossEntropyLoss() {
        return kernels.softmaxCrossEntropyLoss(dx, x, labels);
    }

    // ---------------------------------------------------------------- optimizers (the state keeps evolving; its scale stays put)

    @Benchmark
    public Matrix sgdUpdate() {
        kernels.sgdUpdate(w, m1, dw, 1e-4f, 0.9f, 1e-4f, false);
        return w;
    }

    @Benchmark
    public Matrix adamUpdate() {
        kernels.adamUpdate(w, m1, m2, dw, 1e-5f, 0.9f, 0.999f, 1e-8f, 0f, step++);
        return w;
    }

    @Benchmark
    public Matrix adamwUpdate() {
        kernels.adamwUpdate(w, m1, m2, dw, 1e-5f, 0.9f, 0.999f, 1e-8f, 1e-2f, step++);
        return w;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Matrix m : new Matrix[] {x, y, dy, dx, target, w, m1, m2, dw}) {
            m.close();
        }
    }
}
