package dev.myelin.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's float32 FMA peak on one core: 12 independent chains of vector FMAs on registers (enough
 * to cover FMA latency x throughput on current x86 cores), no memory traffic, on 256-bit vectors (8
 * lanes: the widest AVX2 vector; on Zen 4 a 512-bit FMA costs two 256-bit ones, so the peak is the same).
 * The score is in flops per microsecond: divide by 1000 for GFLOP/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class FmaPeakBench {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;
    static final int ITER = 4096;

    public float x = 1.0000001f;
    public float y = 0.9999999f;

    /** Flops per invocation: 2 flops x 8 lanes x 12 chains x ITER. */
    @Benchmark
    @OperationsPerInvocation(2 * 8 * 12 * ITER)
    public float fmaPeak() {
        FloatVector a = FloatVector.broadcast(F, x);
        FloatVector b = FloatVector.broadcast(F, y);
        FloatVector c0 = FloatVector.zero(F), c1 = b, c2 = a, c3 = c0, c4 = b, c5 = a;
        FloatVector c6 = c0, c7 = b, c8 = a, c9 = c0, c10 = b, c11 = a;
        for (int i = 0; i < ITER; i++) {
            c0 = c0.fma(a, b); c1 = c1.fma(a, b); c2 = c2.fma(a, b); c3 = c3.fma(a, b);
            c4 = c4.fma(a, b); c5 = c5.fma(a, b); c6 = c6.fma(a, b); c7 = c7.fma(a, b);
            c8 = c8.fma(a, b); c9 = c9.fma(a, b); c10 = c10.fma(a, b); c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }
}
