package dev.myelin.bench;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's float32 FMA peak on one core: 12 independent chains of vector FMAs on registers (enough
 * to cover FMA latency x throughput on current x86 cores), no memory traffic, at two widths:
 * <ul>
 *   <li>{@link #fmaPeak256}: 256-bit vectors (8 lanes), the widest of AVX2;</li>
 *   <li>{@link #fmaPeak512}: 512-bit vectors (16 lanes), on a CPU whose widest vectors are 512-bit (on any
 *       other it stops in its setup, saying so, and JMH goes on to the next benchmark).</li>
 * </ul>
 * Which one is the core's peak depends on the core: Zen 4 runs a 512-bit FMA as two 256-bit halves (both
 * widths reach about the same figure), Zen 5 and Intel's AVX-512 cores run it whole (issue 14 measured
 * 132.6 GFLOP/s at 256 bits and 266 at 512 on Zen 5). So the peak is the higher of the two
 * ({@link Report} takes the higher and says which width it was). Each run prints the CPU model and its
 * widest vectors; a benchmark's name gives the width it measures. The two loops are one loop written
 * twice on purpose: the species must be a constant where the loop is compiled (passed in as an argument,
 * it is one only if the JIT inlines the loop, and a peak must not hang on that). The score is in flops
 * per microsecond: divide by 1000 for GFLOP/s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
public class FmaPeakBench {

    /** Species are constants: the JIT intrinsifies Vector API calls only on a constant species. */
    private static final VectorSpecies<Float> F256 = FloatVector.SPECIES_256;
    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;
    static final int ITER = 4096;

    public float x = 1.0000001f;
    public float y = 0.9999999f;

    /** The 512-bit benchmark's precondition: the CPU's widest float vectors are 512-bit. */
    @State(Scope.Thread)
    public static class Wide {
        @Setup(Level.Trial)
        public void check() throws IOException {
            int widest = FloatVector.SPECIES_PREFERRED.vectorBitSize();
            if (widest < F512.vectorBitSize()) {
                throw new IllegalStateException("fmaPeak512 skipped: this CPU's widest float vectors are " + widest
                        + "-bit (CPU " + Machine.cpu() + "); fmaPeak256 measures its peak");
            }
        }
    }

    @Setup(Level.Trial)
    public void describe() throws IOException {
        System.out.println("FmaPeakBench: CPU " + Machine.cpu() + "; the CPU's widest float vectors: "
                + FloatVector.SPECIES_PREFERRED.vectorBitSize() + "-bit (" + FloatVector.SPECIES_PREFERRED.length() + " lanes)");
    }

    /** Flops per invocation: 2 flops x 8 lanes x 12 chains x ITER. */
    @Benchmark
    @OperationsPerInvocation(2 * 8 * 12 * ITER)
    public float fmaPeak256() {
        FloatVector a = FloatVector.broadcast(F256, x);
        FloatVector b = FloatVector.broadcast(F256, y);
        FloatVector c0 = FloatVector.zero(F256), c1 = b, c2 = a, c3 = c0, c4 = b, c5 = a;
        FloatVector c6 = c0, c7 = b, c8 = a, c9 = c0, c10 = b, c11 = a;
        for (int i = 0; i < ITER; i++) {
            c0 = c0.fma(a, b); c1 = c1.fma(a, b); c2 = c2.fma(a, b); c3 = c3.fma(a, b);
            c4 = c4.fma(a, b); c5 = c5.fma(a, b); c6 = c6.fma(a, b); c7 = c7.fma(a, b);
            c8 = c8.fma(a, b); c9 = c9.fma(a, b); c10 = c10.fma(a, b); c11 = c11.fma(a, b);
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11)
                .reduceLanes(VectorOperators.ADD);
    }

    /** Flops per invocation: 2 flops x 16 lanes x 12 chains x ITER. The same loop as {@link #fmaPeak256}. */
    @Benchmark
    @OperationsPerInvocation(2 * 16 * 12 * ITER)
    public float fmaPeak512(Wide wide) {
        FloatVector a = FloatVector.broadcast(F512, x);
        FloatVector b = FloatVector.broadcast(F512, y);
        FloatVector c0 = FloatVector.zero(F512), c1 = b, c2 = a, c3 = c0, c4 = b, c5 = a;
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
