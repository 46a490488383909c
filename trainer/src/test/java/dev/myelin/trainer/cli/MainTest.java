package dev.myelin.trainer.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.myelin.trainer.Checkpoint;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, end to end, on a tiny made-up Fashion-MNIST (random pixels) in a temp folder. */
class MainTest {

    @TempDir
    Path dir;
    Path data;

    /** What one run printed and returned. */
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    static void idx(Path file, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(b))) {
            out.write(new byte[] {0, 0, 8, (byte) dims.length});
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        Files.write(file, b.toByteArray());
    }

    static void fakeFashion(Path folder, int train, int test, int width) throws IOException {
        Files.createDirectories(folder);
        SplittableRandom rnd = new SplittableRandom(1);
        int[] n = {train, test};
        String[] prefix = {"train", "t10k"};
        for (int s = 0; s < 2; s++) {
            byte[] px = new byte[n[s] * 28 * width];
            byte[] labels = new byte[n[s]];
            for (int i = 0; i < px.length; i++) {
                px[i] = (byte) rnd.nextInt(256);
            }
            for (int i = 0; i < labels.length; i++) {
                labels[i] = (byte) rnd.nextInt(10);
            }
            idx(folder.resolve(prefix[s] + "-images-idx3-ubyte.gz"), new int[] {n[s], 28, width}, px);
            idx(folder.resolve(prefix[s] + "-labels-idx1-ubyte.gz"), new int[] {n[s]}, labels);
        }
    }

    @BeforeEach
    void data() throws IOException {
        data = dir.resolve("fashion");
        fakeFashion(data, 300, 100, 28);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.equals(data)).sorted().toList();
        }
    }

    private static void assertUsageError(Run r, String expected) {
        assertEquals(2, r.code(), r.toString());
        assertEquals("", r.out(), r.toString());
        String[] lines = r.err().strip().split("\\R");
        assertEquals(1, lines.length, "one line on stderr: " + r.err());
        assertTrue(lines[0].startsWith("myelin: ") && lines[0].contains(expected), r.err());
    }

    @Test
    void badInputIsOneLineAndExitCode2AndWritesNothing() throws IOException {
        String report = dir.resolve("r.json").toString();
        String ckpt = dir.resolve("c.ckpt").toString();
        assertUsageError(run("train", "--frobnicate"), "Unknown option: '--frobnicate'");
        assertUsageError(run("train", "--epochs", "zero"), "'zero' is not an int");
        assertUsageError(run("train", "--optimizer", "lbfgs", "--data", data.toString()), "lbfgs");
        assertUsageError(run("train", "--epochs", "0", "--data", data.toString()), "--epochs must be > 0, got 0");
        assertUsageError(run("train", "--lr", "-1", "--data", data.toString()), "--lr must be a positive number");
        assertUsageError(run("train", "--data", dir.resolve("nowhere").toString(), "--report", report),
                "nowhere: no such folder");
        assertUsageError(run("train", "--data", data.toString(), "--report", dir.resolve("no/such/r.json").toString()),
                "the folder");
        assertUsageError(run("frobnicate"), "Unmatched argument");
        assertUsageError(run("evaluate", "--data", data.toString()), "Missing required option: '--checkpoint=PATH'");
        assertUsageError(run("evaluate", "--checkpoint", ckpt), "no such checkpoint file");

        Path odd = dir.resolve("odd");
        fakeFashion(odd, 30, 10, 27);               // 28x27 images
        assertUsageError(run("train", "--data", odd.toString(), "--report", report, "--checkpoint", ckpt),
                "holds 30x28x27; images must be n x 28x28");
        Files.write(odd.resolve("t10k-labels-idx1-ubyte.gz"), new byte[] {1, 2, 3});
        assertUsageError(run("evaluate", "--checkpoint", ckpt, "--data", odd.toString()), "no such checkpoint file");
        assertEquals(List.of(odd), files(), "nothing written but the test's own folder");
    }

    @Test
    void trainWritesReportChartAndCheckpointThenEvaluateAndResume() throws IOException {
        Path report = dir.resolve("report.json");
        Path ckpt = dir.resolve("run.ckpt");
        Run t = run("train", "--data", data.toString(), "--epochs", "2", "--batch-size", "64", "--hidden", "16",
                "--backend", "reference", "--threads", "2", "--report", report.toString(), "--checkpoint", ckpt.toString());
        assertEquals(0, t.code(), t.toString());
        assertTrue(t.out().contains("backend reference (requested with --backend reference)"), t.out());
        assertTrue(t.out().contains(", threads 1; data "), "the threads the kernels use, not --threads: " + t.out());
        assertTrue(t.out().contains("epoch  1/2  loss "), t.out());
        assertTrue(t.out().contains("epoch  2/2  loss "), t.out());
        assertTrue(t.err().contains("epoch 1  batch"), "plain progress lines when not on a terminal: " + t.err());

        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals("reference", json.get("backend").asText());
        assertEquals(1, json.get("threads").asInt(), "the reference runs on one thread whatever --threads says");
        assertEquals(64, json.get("batchSize").asInt());
        assertEquals(2, json.get("epochs").size());
        assertTrue(json.get("epochs").get(1).get("seconds").asDouble() > 0);
        assertTrue(json.has("vectorSpecies") && json.has("testAccuracy"));
        byte[] png = Files.readAllBytes(dir.resolve("report.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
        assertEquals(2, Checkpoint.read(ckpt).epochs());

        String accuracy = t.out().lines().filter(l -> l.startsWith("test accuracy ")).findFirst().orElseThrow()
                .split(" ")[2];
        Run e = run("evaluate", "--data", data.toString(), "--checkpoint", ckpt.toString(), "--backend", "reference",
                "--batch-size", "64");
        assertEquals(0, e.code(), e.toString());
        assertTrue(e.out().contains("test accuracy " + accuracy), "evaluate agrees with train: " + e.out() + t.out());

        Run r = run("train", "--data", data.toString(), "--epochs", "3", "--batch-size", "64", "--hidden", "16",
                "--backend", "reference", "--checkpoint", ckpt.toString(), "--resume");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("resuming from " + ckpt + " after epoch 2 (step 10)"), r.out());  // 2 x ceil(300/64)
        assertFalse(r.out().contains("epoch  2/3"), r.out());
        assertTrue(r.out().contains("epoch  3/3"), r.out());
        assertEquals(3, Checkpoint.read(ckpt).epochs());

        Run done = run("train", "--data", data.toString(), "--epochs", "3", "--batch-size", "64", "--hidden", "16",
                "--backend", "reference", "--checkpoint", ckpt.toString(), "--resume", "--report", report.toString());
        assertEquals(0, done.code(), done.toString());
        assertFalse(done.out().contains("epoch  3/3"), "nothing left to train: " + done.out());
        assertEquals(0, new ObjectMapper().readTree(report.toFile()).get("epochs").size());

        Run wrong = run("train", "--data", data.toString(), "--epochs", "4", "--hidden", "8", "--backend", "reference",
                "--checkpoint", ckpt.toString(), "--resume");
        assertEquals(2, wrong.code(), wrong.toString());
        assertTrue(wrong.err().contains("holds the model Flatten(28x28) -> Dense(784->16)"), wrong.err());
        assertEquals(3, Checkpoint.read(ckpt).epochs(), "a failed resume leaves the checkpoint alone");
        assertEquals(List.of(report, dir.resolve("report.png"), ckpt), files(), "no temporary files left");
    }

    @Test
    void infoNamesTheBackendAndChecksGemm() {
        Run r = run("info");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("backend:   "), r.out());
        assertTrue(r.out().contains("jdk:       " + Runtime.version()), r.out());
        assertTrue(r.out().contains("gemm check: C = A B, 67x129 times 129x45, simd vs reference: worst error"), r.out());
        assertTrue(r.out().contains(": agree"), r.out());
    }

    @Test
    void helpSaysWhatThreadsDo() {
        Run r = run("train", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("--threads") && r.out().contains("The SIMD GEMM"), r.out());
    }
}
