package dev.myelin.bench;

import dev.myelin.core.Backends;
import dev.myelin.core.Conv2d;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;
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
 * The convolution and pooling kernels at the example network's shapes (Fashion-MNIST, batch 64,
 * channels-last): {@code conv1} 28x28x1 to 32 filters of 3x3, padding 1; {@code conv2} 14x14x32 to 64
 * filters of 3x3, padding 1; {@code pool1} 2x2 windows at stride 2 over 28x28x32; {@code pool2} the same
 * over 14x14x64. One benchmark per kernel ({@code kernel} names the layer and the kernel), per backend and
 * thread count; the filter gradient is timed with beta = 0.
 *
 * <p>Before anything is timed, {@link #setUp} runs the kernel once on this backend and once on the
 * reference and throws (failing the run) unless the two agree bit for bit: the SIMD kernels sum every
 * element in the reference's order (docs/kernels.md, "conv2d", "Pooling"), so the check is exact. It
 * prints the CPU and the SIMD backend's vector width. The score is microseconds per call for the whole
 * batch; a convolution step does {@code 2 N P Q K R S C} flops (462 MFLOP for conv2, 28.9 for conv1).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class ConvBench {

    static final int N = 64;

    @Param({"simd", "reference"})
    public String impl;

    @Param({"1"})
    public int threads;

    @Param({"conv1.forward", "conv1.backwardInput", "conv1.backwardFilter", "conv2.forward", "conv2.backwardInput",
        "conv2.backwardFilter", "pool1.maxForward", "pool1.maxBackward", "pool1.avgForward", "pool1.avgBackward",
        "pool2.maxForward", "pool2.maxBackward", "pool2.avgForward", "pool2.avgBackward"})
    public String kernel;

    private Kernels kernels;
    private Conv2d conv;
    private Pool2d pool;
    private Matrix x;
    private Matrix w;
    private Matrix b;
    private Matrix dY;
    private Matrix out;
    private Matrix out2;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        String layer = kernel.substring(0, kernel.indexOf('.'));
        switch (layer) {
            case "conv1" -> conv = Conv2d.of(1, 28, 28, 32, 3, 1, 1);
            case "conv2" -> conv = Conv2d.of(32, 14, 14, 64, 3, 1, 1);
            case "pool1" -> pool = Pool2d.of(32, 28, 28, 2, 2, 0);
            case "pool2" -> pool = Pool2d.of(64, 14, 14, 2, 2, 0);
            default -> throw new IllegalArgumentException("unknown layer " + layer);
        }
        kernels = Backends.get(impl, threads);
        System.out.println("ConvBench: CPU " + Machine.cpu() + "; " + Backends.backend("simd").description()
                + "; " + kernels + "; " + kernel + ": " + (conv != null ? conv : pool) + ", batch " + N);
        SplittableRandom rnd = new SplittableRandom(42);
        int in = conv != null ? conv.inputColumns() : pool.inputColumns();
        int outCols = conv != null ? conv.outputColumns() : pool.outputColumns();
        x = random(rnd, N, in);
        dY = random(rnd, N, outCols);
        if (conv != null) {
            w = random(rnd, conv.filterRows(), conv.filters());
            b = random(rnd, 1, conv.filters());
        }
        String step = kernel.substring(kernel.indexOf('.') + 1);
        int rows = step.equals("backwardFilter") ? conv.filterRows() : N;
        int cols = switch (step) {
            case "forward" -> conv.outputColumns();
            case "maxForward", "avgForward" -> pool.outputColumns();
            case "backwardFilter" -> conv.filters();
            case "backwardInput" -> conv.inputColumns();
            default -> pool.inputColumns();
        };
        out = Matrix.allocate(rows, cols);
        out2 = conv != null ? Matrix.allocate(1, conv.filters()) : null;
        float[][] mine = results(kernels);
        float[][] ref = impl.equals("reference") ? mine : results(Backends.reference());
        for (int o = 0; o < mine.length; o++) {
            for (int e = 0; e < mine[o].length; e++) {
                if (Float.floatToIntBits(mine[o][e]) != Float.floatToIntBits(ref[o][e])) {
                    throw new IllegalStateException(kernel + " on " + kernels + ": output " + o + " element " + e + " is "
                            + mine[o][e] + ", the reference's " + ref[o][e]);
                }
            }
        }
    }

    /** Runs the kernel once on {@code k} (NaN in the outputs first: it must write them) and returns the outputs. */
    private float[][] results(Kernels k) {
        out.fill(Float.NaN);
        if (out2 != null) {
            out2.fill(Float.NaN);
        }
        run(k);
        return out2 == null ? new float[][] {out.toArray()} : new float[][] {out.toArray(), out2.toArray()};
    }

    @Benchmark
    public Matrix kernel() {
        run(kernels);
        return out;
    }

    private void run(Kernels k) {
        switch (kernel.substring(kernel.indexOf('.') + 1)) {
            case "forward" -> k.conv2dForward(out, x, w, b, conv);
            case "backwardInput" -> k.conv2dBackwardInput(out, dY, w, conv);
            case "backwardFilter" -> k.conv2dBackwardFilter(out, out2, dY, x, conv, 0f);
            case "maxForward" -> k.maxPool2dForward(out, x, pool);
            case "maxBackward" -> k.maxPool2dBackward(out, dY, x, pool);
            case "avgForward" -> k.avgPool2dForward(out, x, pool);
            case "avgBackward" -> k.avgPool2dBackward(out, dY, pool);
            default -> throw new IllegalArgumentException("unknown kernel " + kernel);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        for (Matrix m : new Matrix[] {x, w, b, dY, out, out2}) {
            if (m != null) {
                m.close();
            }
        }
    }

    private static Matrix random(SplittableRandom rnd, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(-1, 1);
        }
        return Matrix.allocate(rows, cols).copyFrom(v);
    }
}
