package dev.myelin.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Report}'s targets table decides "met" and "not met" from the figures of a run: checked here on
 * a synthetic run whose every ratio is known (its FMA peak is the higher of two widths), and the
 * hand-written text around the generated block survives a render.
 */
class ReportTest {

    /** One JMH result row; the median is in microseconds per operation. */
    private static String row(String bench, String impl, String shape, int threads, double medianUs) {
        return String.format(Locale.ROOT, """
                {"benchmark": "dev.myelin.bench.%s", "params": {"impl": "%s", "shape": "%s", "threads": "%d"},
                 "primaryMetric": {"scorePercentiles": {"50.0": %s}, "scoreError": 0, "scoreUnit": "us/op"}}""",
                bench, impl, shape, threads, medianUs);
    }

    private static String kernel(String name, String impl, double medianUs) {
        return String.format(Locale.ROOT, """
                {"benchmark": "dev.myelin.bench.KernelBench.%s", "params": {"batch": "128", "features": "784", "impl": "%s"},
                 "primaryMetric": {"scorePercentiles": {"50.0": %s}, "scoreError": 0, "scoreUnit": "us/op"}}""",
                name, impl, medianUs);
    }

    @Test
    void theTargetsTableReadsTheRun(@TempDir Path dir) throws IOException {
        System.setProperty("java.awt.headless", "true");
        String g = "GemmBench.gemm";
        // 256^3: SIMD 0.90x OpenBLAS; 512^3: 1.10x, and two threads 2.00x one; MLP shape 1.10x; reference 30x slower.
        Files.writeString(dir.resolve("gemm.json"), "[" + String.join(",", List.of(
                row(g, "simd", "256x256x256:NN", 1, 1000), row(g, "openblas", "256x256x256:NN", 1, 900),
                row(g, "reference", "256x256x256:NN", 1, 30000),
                row(g, "simd", "512x512x512:NN", 1, 8000), row(g, "openblas", "512x512x512:NN", 1, 8800),
                row(g, "simd", "512x512x512:NN", 2, 4000),
                row(g, "simd", "128x128x784:NN", 1, 500), row(g, "openblas", "128x128x784:NN", 1, 550),
                row("FmaPeakBench.fmaPeak256", "simd", "1x1x1:NN", 1, 80_000),
                row("FmaPeakBench.fmaPeak512", "simd", "1x1x1:NN", 1, 160_000))) + "]");
        // exp-based activations against relu: tanh 2.0x (within 2x), sigmoid 2.4x (the worst).
        Files.writeString(dir.resolve("kernels.json"), "[" + String.join(",", List.of(kernel("reluForward", "simd", 50),
                kernel("tanhForward", "simd", 100), kernel("sigmoidForward", "simd", 120),
                kernel("tanhForward", "reference", 1500))) + "]");
        // Training: batch 128 at 0.50x PyTorch, 0.2 points below, 2 threads 2x (the README's run: epoch 1 is 10x a
        // later one), 7 threads 1.2x the two-thread time; batch 32 at 0.50x (target 0.4x).
        Files.writeString(dir.resolve("m128.json"), """
                {"batchSize": 128, "threads": 1, "testAccuracy": 0.880, "epochs": [{"seconds": 5}, {"seconds": 1.0}, {"seconds": 1.0}]}""");
        Files.writeString(dir.resolve("m128t2.json"), """
                {"batchSize": 128, "threads": 2, "testAccuracy": 0.880, "epochs": [{"seconds": 5}, {"seconds": 0.5}, {"seconds": 0.5}]}""");
        Files.writeString(dir.resolve("m128t7.json"), """
                {"batchSize": 128, "threads": 7, "testAccuracy": 0.880, "epochs": [{"seconds": 5}, {"seconds": 0.6}, {"seconds": 0.6}]}""");
        Files.writeString(dir.resolve("t128.json"), """
                {"framework": "pytorch", "batch": 128, "threads": 1, "blas_core": "Zen", "test_accuracy": 0.882, "epoch_seconds": [2, 2, 2]}""");
        Files.writeString(dir.resolve("m32.json"), """
                {"batchSize": 32, "threads": 1, "testAccuracy": 0.870, "epochs": [{"seconds": 5}, {"seconds": 1.0}, {"seconds": 1.0}]}""");
        Files.writeString(dir.resolve("t32.json"), """
                {"framework": "pytorch", "batch": 32, "threads": 1, "blas_core": "Zen", "test_accuracy": 0.871, "epoch_seconds": [2, 2, 2]}""");
        Files.writeString(dir.resolve("machine.json"), """
                {"machine": true, "cpu": "Test CPU (family 1, model 2)", "cores": 2, "simd": "FloatVector 512-bit, 16 lanes",
                 "openblasCore": "Zen", "openblasConfig": "OpenBLAS 0.3.28 Zen", "peerEnvironment": "OPENBLAS_CORETYPE=Haswell"}""");
        Path md = dir.resolve("benchmarks.md");
        Files.writeString(md, "# Benchmarks\n\nHand-written.\n\n" + Report.START + "\nold\n" + Report.END + "\nAfter.\n");

        List<String> args = new java.util.ArrayList<>(List.of(md.toString(), dir.resolve("gemm.png").toString(), "bench/run-suite"));
        for (String f : List.of("machine", "gemm", "kernels", "m128", "m128t2", "m128t7", "t128", "m32", "t32")) {
            args.add(dir.resolve(f + ".json").toString());
        }
        Report.main(args.toArray(String[]::new));

        String out = Files.readString(md);
        List<String> expected = List.of(
                "(`FmaPeakBench`, the higher of its widths): **160.0 GFLOP/s**, with 512-bit vectors (256-bit: 80.0 GFLOP/s).",
                "- CPU: Test CPU (family 1, model 2), 2 cores visible to the JVM.",
                "- Myelin's SIMD backend: FloatVector 512-bit, 16 lanes.",
                "ran its `Zen` kernel (`openblas_get_corename`; OpenBLAS 0.3.28 Zen).",
                "in the suite's environment: OPENBLAS_CORETYPE=Haswell; both are removed from the peers' processes",
                "- PyTorch's OpenBLAS (`bench/compare-training`) ran: Zen.",
                "| GEMM, 1 thread: >= 1.05x OpenBLAS on the squares n = 256..2048 | 0.90-1.10x | **not met** |",
                "| GEMM, 1 thread: >= 1.0x OpenBLAS at every MLP shape (`Bx128x784:NN`, `784x128xB:TN`, `Bx784x128:NT`, "
                        + "B = 32..256) | 1.10x at `128x128x784:NN` | **met** |",
                "| GEMM: 2 threads >= 1.85x one thread on the squares n >= 512 | 2.00x | **met** |",
                "| GEMM: 2 threads never slower than one | 2.00x at `512x512x512:NN` | **met** |",
                "| exp-based activations (sigmoid, tanh, GELU, softmax) <= 2x relu's time (`KernelBench`, 128 x 784) | 2.4x "
                        + "(`sigmoidForward`) | **not met** |",
                "| training, 1 thread, batch 128: <= 0.75x PyTorch's seconds per epoch, accuracy at most 0.5 points below | "
                        + "0.50x; accuracy 88.00% against 88.20% | **met** |",
                "| training, 1 thread, batch 32: <= 0.4x PyTorch's seconds per epoch, accuracy at most 0.5 points below | "
                        + "0.50x; accuracy 87.00% against 87.10% | **not met** |",
                "| training, batch 128: 2 threads >= 1.6x faster than 1 | 2.00x | **met** |",
                "| training, batch 32: 2 threads >= 1.6x faster than 1 | not measured |  |",
                "| warm-up: epoch 1 <= 3x a later epoch (batch 128 on 2 threads, as the README's run) | 10.0x (5.00 s against "
                        + "0.50 s) | **not met** |",
                "| 7 threads where the JVM sees 8 processors (2 cores): <= 1.5x the two-thread time (batch 128) | 1.20x | **met** |",
                "| 128 | 7 | 0.60 |  |  | 88.00% |  |");
        for (String line : expected) {
            assertTrue(out.contains(line), () -> "missing: " + line + "\nin:\n" + out);
        }
        assertTrue(out.startsWith("# Benchmarks\n\nHand-written.\n\n" + Report.START + "\n"), out);
        assertTrue(out.endsWith(Report.END + "\nAfter.\n"), out);
        assertEquals(-1, out.indexOf("\nold\n"), "the previous generated block is replaced");
        assertTrue(Files.size(dir.resolve("gemm.png")) > 0, "the chart is written");
    }
}
