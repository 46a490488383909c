package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.io.IOException;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Guards against the JIT hazard of large Vector API kernels: a micro-kernel with 16+ vector accumulators
 * that reads MemorySegments can fail C1 ("out of virtual registers") and then never reach C2, running at
 * 1-2 GFLOP/s for the JVM's life. The design avoids it (the micro-kernels read float[] panels); this test
 * detects it if it comes back, without timing anything: a child JVM runs GEMMs on two threads with
 * {@code -XX:+PrintCompilation}, and the micro-kernel must be compiled at tier 4 (C2) and no GEMM method
 * may be reported as failing to compile. Both tiles are checked.
 */
class CompileTierTest {

    @ParameterizedTest
    @ValueSource(strings = {"4x2", "6x4"})
    void microKernelReachesC2(String tile) throws IOException, InterruptedException {
        Process p = SimdTesting.startJvm(List.of("--add-modules=jdk.incubator.vector", "-XX:+PrintCompilation",
                "-Dmyelin.simd.tile=" + tile), Driver.class);
        String out = SimdTesting.output(p, "child", 120);
        String kernel = "kernel" + tile;
        Pattern c2 = Pattern.compile("^\\s*\\d+\\s+\\d+\\s+[%sbn! ]*4\\s+dev\\.myelin\\.simd\\.Gemm::" + kernel + " ", Pattern.MULTILINE);
        assertTrue(c2.matcher(out).find(), () -> kernel + " never reached C2 (tier 4):\n" + grep(out, "Gemm::"));
        List<String> failed = out.lines().filter(l -> l.contains("dev.myelin.simd.Gemm::")
                && (l.contains("COMPILE SKIPPED") || l.contains("failed"))).toList();
        assertTrue(failed.isEmpty(), () -> "GEMM methods failed to compile:\n" + String.join("\n", failed));
    }

    private static String grep(String text, String what) {
        return String.join("\n", text.lines().filter(l -> l.contains(what)).toList());
    }

    /** The child JVM: enough two-thread GEMMs (shared memory) for the JIT to settle. */
    public static final class Driver {
        public static void main(String[] args) {
            Kernels k = Backends.get("simd", 2);
            try (Matrix a = Matrix.allocate(96, 200); Matrix b = Matrix.allocate(200, 96); Matrix c = Matrix.allocate(96, 96)) {
                a.fill(0.5f);
                b.fill(0.25f);
                for (int i = 0; i < 3000; i++) {
                    k.gemm(c, a, Trans.N, b, Trans.N, 1f, 0f);
                }
            }
        }
    }
}
