package dev.myelin.bench;

import dev.myelin.core.Backends;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
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

/** Square SGEMM, C = A * B, per backend. The result is checked against the reference before timing. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--sun-misc-unsafe-memory-access=allow"})
public class GemmBench {

    @Param({"reference", "simd"})
    public String impl;

    @Param({"256"})
    public int n;

    private Kernels kernels;
    private Matrix a;
    private Matrix b;
    private Matrix c;

    @Setup(Level.Trial)
    public void setUp() {
        kernels = Backends.get(impl);
        SplittableRandom rnd = new SplittableRandom(1);
        a = Matrix.allocate(n, n);
        b = Matrix.allocate(n, n);
        c = Matrix.allocate(n, n);
        float[] v = new float[n * n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(-1, 1);
        }
        a.copyFrom(v);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(-1, 1);
        }
        b.copyFrom(v);
        kernels.gemm(c, a, Trans.N, b, Trans.N, 1f, 0f);
        try (Matrix expected = Matrix.allocate(n, n)) {
            Backends.reference().gemm(expected, a, Trans.N, b, Trans.N, 1f, 0f);
            double[] bound = ErrorBounds.gemmBound(null, a, Trans.N, b, Trans.N, 1f, 0f);
            for (int i = 0; i < bound.length; i++) {
                bound[i] *= 2;
            }
            ErrorBounds.compare(expected, c, bound).orThrow(impl + " gemm " + n);
        }
    }

    @Benchmark
    public Matrix gemm() {
        kernels.gemm(c, a, Trans.N, b, Trans.N, 1f, 0f);
        return c;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        a.close();
        b.close();
        c.close();
    }
}
