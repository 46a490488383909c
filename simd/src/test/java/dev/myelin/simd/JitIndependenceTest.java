package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every SIMD kernel gives the same bits whether the JIT has compiled it or not. The Vector API runs a Java
 * fallback until C2 compiles a kernel, and C2's code afterwards; where the two round differently (the
 * Vector API's EXP, TANH, LOG1P, and reduceLanes(ADD), whose lane order differs), a result depended on
 * when C2 got to the kernel, and two launches of the same training drifted apart. This test runs
 * {@link KernelProbe} in two child JVMs, one interpreting everything ({@code -Xint}: only the fallback
 * runs) and one that compiles each kernel before the measured call ({@code -Xbatch}, after warm-up
 * calls), and compares their digests of every operand after every call, and the losses' values, bit for
 * bit.
 */
class JitIndependenceTest {

    @Test
    void interpretedAndCompiledKernelsGiveTheSameBits() throws Exception {
        Process interpreted = start(List.of("-Xint"), "cold");
        Process compiled = start(List.of("-Xbatch"), "warm");
        List<String> a = lines(interpreted, "-Xint");
        List<String> b = lines(compiled, "-Xbatch");
        assertTrue(a.size() > 2 * 30, "too few calls probed: " + a);
        List<String> differ = new ArrayList<>();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            if (!a.get(i).equals(b.get(i))) {
                differ.add("interpreted " + a.get(i) + " vs compiled " + b.get(i));
            }
        }
        assertEquals(a.size(), b.size(), "the probes printed different numbers of lines");
        assertTrue(differ.isEmpty(), "results depend on the JIT:\n" + String.join("\n", differ));
    }

    private static Process start(List<String> jvmArgs, String mode) throws IOException {
        List<String> args = new ArrayList<>(List.of("--add-modules=jdk.incubator.vector"));
        args.addAll(jvmArgs);
        String bits = System.getProperty(Vectors.BITS_PROPERTY);
        if (bits != null) {
            args.add("-D" + Vectors.BITS_PROPERTY + "=" + bits);
        }
        return SimdTesting.startJvm(args, KernelProbe.class, mode);
    }

    /** The probe's digest lines (the JDK's incubator warning dropped). */
    private static List<String> lines(Process p, String name) throws Exception {
        return SimdTesting.output(p, name + " probe", 300).lines().filter(l -> l.contains(": ")).toList();
    }
}
