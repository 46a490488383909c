package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.UncheckedKernels;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * What every SIMD property needs: both backends, and the lane count the sizes are relative to; and the
 * child JVMs of the tests that need a JVM started differently.
 */
final class SimdTesting {

    static final Kernels REFERENCE = Backends.reference();

    private SimdTesting() {
    }

    /** The SIMD kernels at this JVM's forced width; skips the test (saying why) if that width cannot run here. */
    static Kernels simd() {
        Assumptions.assumeTrue(Vectors.PROBLEM == null, () -> "skipped: " + Vectors.PROBLEM);
        return Backends.simd();
    }

    /** Lanes per vector at this JVM's width. */
    static int lanes() {
        return Vectors.L;
    }

    /** "512-bit, 16 lanes, tile 6x4", for test names. */
    static String setting() {
        return Vectors.F.vectorBitSize() + "-bit, " + Vectors.L + " lanes, tile " + Vectors.MR + "x" + Vectors.NV;
    }

    /**
     * Starts a child JVM on this class path: this JVM's {@code java}, then {@code jvmArgs}, then
     * {@code main} with {@code args}; its stderr goes into its stdout.
     */
    static Process startJvm(List<String> jvmArgs, Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** A child JVM's whole output, once it has ended within {@code seconds} with exit code 0 ({@code name} in the messages). */
    static String output(Process p, String name, int seconds) throws IOException, InterruptedException {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), name + " JVM did not finish");
        assertEquals(0, p.exitValue(), name + " JVM failed:\n" + out);
        return out;
    }

    /**
     * The names of the kernels: every method a backend implements ({@link UncheckedKernels}, which
     * {@link Kernels} fronts one for one) but {@code name} and {@code threads}, which compute nothing.
     */
    static Set<String> kernelNames() {
        Set<String> names = new TreeSet<>();
        for (Method m : UncheckedKernels.class.getMethods()) {
            names.add(m.getName());
        }
        names.remove("name");
        names.remove("threads");
        return names;
    }
}
