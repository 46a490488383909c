package dev.myelin.cli;

import dev.myelin.core.Backend;
import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.trainer.AtomicFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** Options and checks shared by the commands. */
final class Options {

    /** The kernel backends, as typed on the command line. */
    enum BackendName { reference, simd }

    @Option(names = "--backend", paramLabel = "NAME",
            description = "Kernel backend: ${COMPLETION-CANDIDATES}. Default: simd when the Vector API can run here, else reference.")
    BackendName backend;

    @Option(names = "--threads", paramLabel = "N",
            description = "Threads for the kernels (default: -Dmyelin.threads, else the number of cores). The SIMD GEMM splits "
                    + "its work over them, at most one per core; the result is the same for any count. The other kernels, "
                    + "and every reference kernel, run on one thread.")
    Integer threads;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "32",
            description = "Samples per batch (default: ${DEFAULT-VALUE}, as the library's Trainer).")
    int batchSize;

    @Option(names = {"-q", "--quiet"},
            description = "Print only the result (train: the last epoch's and the test scores) and errors: no setup lines, "
                    + "per-epoch lines, progress or notes.")
    boolean quiet;

    /** The chosen backend's kernels and a line saying which and why. */
    record Chosen(Kernels kernels, String name, String why, String description) {
    }

    /** The --threads value, or the default. */
    int threads() {
        if (threads == null) {
            return Backends.defaultThreads();
        }
        positive("--threads", threads);
        return threads;
    }

    Chosen kernels() {
        int threads = threads();
        try {
            if (backend == null) {
                Backends.Choice c = Backends.choice();
                return new Chosen(c.backend().kernels(threads), c.backend().name(), c.reason(), c.backend().description());
            }
            Backend b = Backends.backend(backend.name());
            return new Chosen(b.kernels(threads), b.name(), "requested with --backend " + backend, b.description());
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new Main.UsageException("--backend " + backend + ": " + e.getMessage());
        }
    }

    /** Where notes go (standard error), or nowhere with --quiet. */
    Consumer<String> notes(PrintWriter err) {
        return quiet ? note -> { } : err::println;
    }

    static void positive(String option, long value) {
        if (value <= 0) {
            throw new Main.UsageException(option + " must be > 0, got " + value);
        }
    }

    /**
     * {@code file} can be written: its folder exists and takes a new file (checked by creating and deleting the
     * temporary file a later atomic write goes through), and it is not a folder. Checked before any work, so a run
     * does not train for an hour and then fail to save.
     */
    static void writable(String option, Path file) {
        if (file == null) {
            return;
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new Main.UsageException(option + " " + file + ": the folder " + parent + " does not exist");
        }
        if (Files.isDirectory(file)) {
            throw new Main.UsageException(option + " " + file + " is a folder; give a file name");
        }
        Path probe = AtomicFile.temporary(file);
        try {
            Files.deleteIfExists(probe);
            Files.createFile(probe);
            Files.delete(probe);
        } catch (IOException e) {
            throw new Main.UsageException(option + " " + file + ": cannot write in " + parent + " ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage()) + ")");
        }
    }
}
