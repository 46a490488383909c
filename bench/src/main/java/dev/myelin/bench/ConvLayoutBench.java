package dev.myelin.bench;

import dev.myelin.core.Backends;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
 * Which image layout makes convolution fastest through the SIMD GEMM: a whole convolution layer (3x3,
 * stride 1, pad 1) of the Fashion-MNIST example network at batch 64, in each layout, im2col and col2im
 * copies included. {@code conv1} is 28x28x1 -> 28x28x32, {@code conv2} 14x14x32 -> 14x14x64.
 *
 * <pre>
 *   nhwc (channels last), one GEMM over the batch:
 *     forward          col(NPQ, RSC) = im2col(X);  Y(NPQ, K) = col W(RSC, K)      W rows ordered (r, s, c)
 *     backward filter  col = im2col(X);            dW(RSC, K) = col^T dY
 *     backward data    dcol(NPQ, RSC) = dY W^T;    dX = col2im(dcol)
 *   nchw (channels first), one GEMM per sample n:
 *     forward          col_n(CRS, PQ) = im2col(X_n);  Y_n(K, PQ) = W(K, CRS) col_n    W columns ordered (c, r, s)
 *     backward filter  col_n = im2col(X_n);           dW(K, CRS) += dY_n col_n^T (beta 0 for the first sample)
 *     backward data    dcol_n(CRS, PQ) = W^T dY_n;    dX_n = col2im(dcol_n)
 * </pre>
 *
 * Backward filter builds the columns again rather than keep the forward pass's (the same for both
 * layouts; keeping them would hold an R*S-fold copy of the batch). The copies are plain loops, the
 * same helpers for both layouts ({@link #copy}, {@link #zero}, {@link #add}); every GEMM goes through the
 * SIMD backend's {@link Kernels#gemm} with {@link #threads} threads.
 *
 * <p>Before anything is timed, the trial's layout computes Y, dW and dX once and 512 elements of each
 * are checked against the convolution summed in double from the same logical tensors, within the GEMM
 * bound of docs/kernels.md for the depth of that element's float sums (see {@link #check}); a wrong
 * result fails the run. Both layouts are checked against the same exact values, so they compute the
 * same convolution. The score is microseconds per call (one layer, whole batch); {@link #im2col} and
 * {@link #col2im} time the copies alone, so that the rest of each layer's time is its GEMMs'.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class ConvLayoutBench {

    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT;
    private static final int N = 64;
    private static final int R = 3;
    private static final int S = 3;
    private static final int PAD = 1;
    /** Elements of each output checked before timing. */
    private static final int CHECKS = 512;

    @Param({"conv1", "conv2"})
    public String layer;

    @Param({"nhwc", "nchw"})
    public String layout;

    @Param({"1"})
    public int threads;

    private int c;
    private int h;
    private int w;
    private int k;
    private int p;
    private int q;
    private boolean nhwc;
    private Kernels kernels;

    // nhwc: x (NHW, C), y and dY (NPQ, K), filter and dW (RSC, K), col (NPQ, RSC), dX (NHW, C).
    // nchw: x (NC, HW), y and dY (NK, PQ), filter and dW (K, CRS), col (CRS, PQ), one sample's; dX (NC, HW).
    private Matrix x;
    private Matrix filter;
    private Matrix dY;
    private Matrix y;
    private Matrix dW;
    private Matrix dX;
    private Matrix col;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        switch (layer) {
            case "conv1" -> shape(1, 28, 32);
            case "conv2" -> shape(32, 14, 64);
            default -> throw new IllegalArgumentException("unknown layer " + layer);
        }
        nhwc = switch (layout) {
            case "nhwc" -> true;
            case "nchw" -> false;
            default -> throw new IllegalArgumentException("unknown layout " + layout);
        };
        kernels = Backends.get("simd", threads);
        System.out.println("ConvLayoutBench: CPU " + Machine.cpu() + "; " + Backends.backend("simd").description()
                + "; " + kernels + "; " + layer + " " + layout + ": " + N + "x" + h + "x" + w + "x" + c + " -> "
                + N + "x" + p + "x" + q + "x" + k + ", " + R + "x" + S + " pad " + PAD);

        // The logical tensors, in (n, c, h, w) order: x, the filter w(k, c, r, s) and dY(n, k, p, q).
        SplittableRandom rnd = new SplittableRandom(42);
        float[] xs = random(rnd, N * c * h * w);
        float[] ws = random(rnd, k * c * R * S);
        float[] dys = random(rnd, N * k * p * q);
        if (nhwc) {
            x = Matrix.allocate(N * h * w, c);
            filter = Matrix.allocate(R * S * c, k);
            dY = Matrix.allocate(N * p * q, k);
            y = Matrix.allocate(N * p * q, k);
            dW = Matrix.allocate(R * S * c, k);
            dX = Matrix.allocate(N * h * w, c);
            col = Matrix.allocate(N * p * q, R * S * c);
        } else {
            x = Matrix.allocate(N * c, h * w);
            filter = Matrix.allocate(k, c * R * S);
            dY = Matrix.allocate(N * k, p * q);
            y = Matrix.allocate(N * k, p * q);
            dW = Matrix.allocate(k, c * R * S);
            dX = Matrix.allocate(N * c, h * w);
            col = Matrix.allocate(c * R * S, p * q);
        }
        for (int n = 0; n < N; n++) {
            for (int ci = 0; ci < c; ci++) {
                for (int hi = 0; hi < h; hi++) {
                    for (int wi = 0; wi < w; wi++) {
                        x.set(nhwc ? (n * h + hi) * w + wi : n * c + ci, nhwc ? ci : hi * w + wi, xs[((n * c + ci) * h + hi) * w + wi]);
                    }
                }
            }
            for (int ki = 0; ki < k; ki++) {
                for (int pi = 0; pi < p; pi++) {
                    for (int qi = 0; qi < q; qi++) {
                        dY.set(nhwc ? (n * p + pi) * q + qi : n * k + ki, nhwc ? ki : pi * q + qi, dys[((n * k + ki) * p + pi) * q + qi]);
                    }
                }
            }
        }
        for (int ki = 0; ki < k; ki++) {
            for (int ci = 0; ci < c; ci++) {
                for (int r = 0; r < R; r++) {
                    for (int s = 0; s < S; s++) {
                        float v = ws[((ki * c + ci) * R + r) * S + s];
                        if (nhwc) {
                            filter.set((r * S + s) * c + ci, ki, v);
                        } else {
                            filter.set(ki, (ci * R + r) * S + s, v);
                        }
                    }
                }
            }
        }
        forward();
        backwardFilter();
        backwardData();
        check(xs, ws, dys);
    }

    private void shape(int channels, int size, int filters) {
        c = channels;
        h = size;
        w = size;
        k = filters;
        p = h + 2 * PAD - R + 1;
        q = w + 2 * PAD - S + 1;
    }

    /** im2col, then Y = the convolution of X with the filter. */
    @Benchmark
    public Object forward() {
        if (nhwc) {
            im2colNhwc();
            kernels.gemm(y, col, Trans.N, filter, Trans.N, 1f, 0f);
        } else {
            for (int n = 0; n < N; n++) {
                im2colNchw(n);
                kernels.gemm(y.rows(n * k, k), filter, Trans.N, col, Trans.N, 1f, 0f);
            }
        }
        return y;
    }

    /** im2col again, then dW = the filter gradient for dY. */
    @Benchmark
    public Object backwardFilter() {
        if (nhwc) {
            im2colNhwc();
            kernels.gemm(dW, col, Trans.T, dY, Trans.N, 1f, 0f);
        } else {
            for (int n = 0; n < N; n++) {
                im2colNchw(n);
                kernels.gemm(dW, dY.rows(n * k, k), Trans.N, col, Trans.T, 1f, n == 0 ? 0f : 1f);
            }
        }
        return dW;
    }

    /** dcol = dY times the filter transposed, then dX = col2im(dcol). */
    @Benchmark
    public Object backwardData() {
        if (nhwc) {
            kernels.gemm(col, dY, Trans.N, filter, Trans.T, 1f, 0f);
            col2imNhwc();
        } else {
            for (int n = 0; n < N; n++) {
                kernels.gemm(col, filter, Trans.T, dY.rows(n * k, k), Trans.N, 1f, 0f);
                col2imNchw(n);
            }
        }
        return dX;
    }

    /** The copy alone: im2col of the whole batch, as forward and backward filter do it (for the breakdown). */
    @Benchmark
    public Object im2col() {
        if (nhwc) {
            im2colNhwc();
        } else {
            for (int n = 0; n < N; n++) {
                im2colNchw(n);
            }
        }
        return col;
    }

    /** The copy alone: col2im of the whole batch, as backward data does it (for the breakdown). */
    @Benchmark
    public Object col2im() {
        if (nhwc) {
            col2imNhwc();
        } else {
            for (int n = 0; n < N; n++) {
                col2imNchw(n);
            }
        }
        return dX;
    }

    // ---------------------------------------------------------------- im2col and col2im, plain loops

    /** col row (n, p, q) holds, for each (r, s), the C channels of X at (p + r - PAD, q + s - PAD), or zeros. */
    private void im2colNhwc() {
        MemorySegment xs = x.segment();
        MemorySegment cs = col.segment();
        long row = 0;
        for (int n = 0; n < N; n++) {
            for (int pi = 0; pi < p; pi++) {
                for (int qi = 0; qi < q; qi++, row++) {
                    long at = row * R * S * c;
                    for (int r = 0; r < R; r++) {
                        int hi = pi + r - PAD;
                        for (int s = 0; s < S; s++, at += c) {
                            int wi = qi + s - PAD;
                            if (hi < 0 || hi >= h || wi < 0 || wi >= w) {
                                zero(cs, at, c);
                            } else {
                                copy(xs, ((long) (n * h + hi) * w + wi) * c, cs, at, c);
                            }
                        }
                    }
                }
            }
        }
    }

    /** dX = 0, then each col row (n, p, q) adds its (r, s) runs of C channels back where they came from. */
    private void col2imNhwc() {
        MemorySegment xs = dX.segment();
        MemorySegment cs = col.segment();
        zero(xs, 0, (long) N * h * w * c);
        long row = 0;
        for (int n = 0; n < N; n++) {
            for (int pi = 0; pi < p; pi++) {
                for (int qi = 0; qi < q; qi++, row++) {
                    long at = row * R * S * c;
                    for (int r = 0; r < R; r++) {
                        int hi = pi + r - PAD;
                        for (int s = 0; s < S; s++, at += c) {
                            int wi = qi + s - PAD;
                            if (hi >= 0 && hi < h && wi >= 0 && wi < w) {
                                add(cs, at, xs, ((long) (n * h + hi) * w + wi) * c, c);
                            }
                        }
                    }
                }
            }
        }
    }

    /** Sample n: col row (c, r, s) holds X[n, c] shifted by (r - PAD, s - PAD), P rows of Q, zeros outside. */
    private void im2colNchw(int n) {
        MemorySegment xs = x.segment();
        MemorySegment cs = col.segment();
        for (int ci = 0; ci < c; ci++) {
            long plane = (long) (n * c + ci) * h * w;
            for (int r = 0; r < R; r++) {
                for (int s = 0; s < S; s++) {
                    long at = (long) ((ci * R + r) * S + s) * p * q;
                    int q0 = Math.max(0, PAD - s);                // first q whose w = q + s - PAD is inside
                    int q1 = Math.min(q, w + PAD - s);            // one past the last
                    for (int pi = 0; pi < p; pi++, at += q) {
                        int hi = pi + r - PAD;
                        if (hi < 0 || hi >= h) {
                            zero(cs, at, q);
                        } else {
                            zero(cs, at, q0);
                            copy(xs, plane + (long) hi * w + q0 + s - PAD, cs, at + q0, q1 - q0);
                            zero(cs, at + q1, q - q1);
                        }
                    }
                }
            }
        }
    }

    /** Sample n: dX[n] = 0, then each col row (c, r, s) adds its P rows of Q back where they came from. */
    private void col2imNchw(int n) {
        MemorySegment xs = dX.segment();
        MemorySegment cs = col.segment();
        zero(xs, (long) n * c * h * w, (long) c * h * w);
        for (int ci = 0; ci < c; ci++) {
            long plane = (long) (n * c + ci) * h * w;
            for (int r = 0; r < R; r++) {
                for (int s = 0; s < S; s++) {
                    long at = (long) ((ci * R + r) * S + s) * p * q;
                    int q0 = Math.max(0, PAD - s);
                    int q1 = Math.min(q, w + PAD - s);
                    for (int pi = 0; pi < p; pi++, at += q) {
                        int hi = pi + r - PAD;
                        if (hi >= 0 && hi < h) {
                            add(cs, at + q0, xs, plane + (long) hi * w + q0 + s - PAD, q1 - q0);
                        }
                    }
                }
            }
        }
    }

    /** dst[to .. to + len) = src[from .. from + len), in floats. */
    private static void copy(MemorySegment src, long from, MemorySegment dst, long to, int len) {
        for (int i = 0; i < len; i++) {
            dst.setAtIndex(F, to + i, src.getAtIndex(F, from + i));
        }
    }

    /** dst[to .. to + len) = 0. */
    private static void zero(MemorySegment dst, long to, long len) {
        for (long i = 0; i < len; i++) {
            dst.setAtIndex(F, to + i, 0f);
        }
    }

    /** dst[to .. to + len) += src[from .. from + len). */
    private static void add(MemorySegment src, long from, MemorySegment dst, long to, int len) {
        for (int i = 0; i < len; i++) {
            dst.setAtIndex(F, to + i, dst.getAtIndex(F, to + i) + src.getAtIndex(F, from + i));
        }
    }

    // ---------------------------------------------------------------- the check before timing

    /**
     * {@value #CHECKS} random elements each of Y, dW and dX against the convolution summed in double. The
     * bound is that of a float sum of products, {@code gamma(d) * sum |products| + d * MIN_VALUE}, with d
     * the longest chain of roundings an element goes through: a GEMM of depth k rounds at most k + 2 times
     * (docs/kernels.md); nchw's dW adds N GEMMs one after the other (N (PQ + 2)); col2im adds up to R S
     * products of the data GEMM (K + 2 + R S). Padding contributes exact zeros.
     */
    private void check(float[] xs, float[] ws, float[] dys) {
        SplittableRandom rnd = new SplittableRandom(7);
        double[] expected = new double[CHECKS];
        double[] bound = new double[CHECKS];
        float[] actual = new float[CHECKS];

        int depth = R * S * c + 2;
        for (int e = 0; e < CHECKS; e++) {
            int n = rnd.nextInt(N);
            int ki = rnd.nextInt(k);
            int pi = rnd.nextInt(p);
            int qi = rnd.nextInt(q);
            double sum = 0;
            double abs = 0;
            for (int ci = 0; ci < c; ci++) {
                for (int r = 0; r < R; r++) {
                    for (int s = 0; s < S; s++) {
                        int hi = pi + r - PAD;
                        int wi = qi + s - PAD;
                        if (hi >= 0 && hi < h && wi >= 0 && wi < w) {
                            double t = (double) xs[((n * c + ci) * h + hi) * w + wi] * ws[((ki * c + ci) * R + r) * S + s];
                            sum += t;
                            abs += Math.abs(t);
                        }
                    }
                }
            }
            expected[e] = sum;
            bound[e] = ErrorBounds.gamma(depth) * abs + depth * (double) Float.MIN_VALUE;
            actual[e] = nhwc ? y.get((n * p + pi) * q + qi, ki) : y.get(n * k + ki, pi * q + qi);
        }
        ErrorBounds.compare(expected, actual, bound, 1).orThrow(layer + " " + layout + " forward: Y differs from the convolution");

        depth = nhwc ? N * p * q + 2 : N * (p * q + 2);
        for (int e = 0; e < CHECKS; e++) {
            int ki = rnd.nextInt(k);
            int ci = rnd.nextInt(c);
            int r = rnd.nextInt(R);
            int s = rnd.nextInt(S);
            double sum = 0;
            double abs = 0;
            for (int n = 0; n < N; n++) {
                for (int pi = 0; pi < p; pi++) {
                    for (int qi = 0; qi < q; qi++) {
                        int hi = pi + r - PAD;
                        int wi = qi + s - PAD;
                        if (hi >= 0 && hi < h && wi >= 0 && wi < w) {
                            double t = (double) dys[((n * k + ki) * p + pi) * q + qi] * xs[((n * c + ci) * h + hi) * w + wi];
                            sum += t;
                            abs += Math.abs(t);
                        }
                    }
                }
            }
            expected[e] = sum;
            bound[e] = ErrorBounds.gamma(depth) * abs + depth * (double) Float.MIN_VALUE;
            actual[e] = nhwc ? dW.get((r * S + s) * c + ci, ki) : dW.get(ki, (ci * R + r) * S + s);
        }
        ErrorBounds.compare(expected, actual, bound, 1).orThrow(layer + " " + layout + " backward filter: dW differs from the convolution");

        depth = k + 2 + R * S;
        for (int e = 0; e < CHECKS; e++) {
            int n = rnd.nextInt(N);
            int ci = rnd.nextInt(c);
            int hi = rnd.nextInt(h);
            int wi = rnd.nextInt(w);
            double sum = 0;
            double abs = 0;
            for (int ki = 0; ki < k; ki++) {
                for (int r = 0; r < R; r++) {
                    for (int s = 0; s < S; s++) {
                        int pi = hi - r + PAD;
                        int qi = wi - s + PAD;
                        if (pi >= 0 && pi < p && qi >= 0 && qi < q) {
                            double t = (double) dys[((n * k + ki) * p + pi) * q + qi] * ws[((ki * c + ci) * R + r) * S + s];
                            sum += t;
                            abs += Math.abs(t);
                        }
                    }
                }
            }
            expected[e] = sum;
            bound[e] = ErrorBounds.gamma(depth) * abs + depth * (double) Float.MIN_VALUE;
            actual[e] = nhwc ? dX.get((n * h + hi) * w + wi, ci) : dX.get(n * c + ci, hi * w + wi);
        }
        ErrorBounds.compare(expected, actual, bound, 1).orThrow(layer + " " + layout + " backward data: dX differs from the convolution");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Matrix m : new Matrix[] {x, filter, dY, y, dW, dX, col}) {
            m.close();
        }
    }

    private static float[] random(SplittableRandom rnd, int count) {
        float[] v = new float[count];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(-1, 1);
        }
        return v;
    }
}
