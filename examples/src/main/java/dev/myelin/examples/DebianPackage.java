package dev.myelin.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Fetching a data set that a Debian package ships, into the cache folder, as {@code .ci/fetch-data} does in bash:
 * {@code apt-get download} (apt verifies the package against the signed archive index; no root needed), then
 * {@code dpkg-deb -x}, then the chosen files of the package's folder moved into the cache, each by an atomic
 * rename. {@link FashionMnistDownload} and {@link FortunesDownload} share it.
 */
final class DebianPackage {

    /** System property that overrides the cache root. */
    static final String CACHE_PROPERTY = "myelin.cache";

    private DebianPackage() {
    }

    /**
     * The cache folder of a data set named {@code name}: {@code DIR/name} for {@code -Dmyelin.cache=DIR} or the
     * environment variable {@code MYELIN_CACHE=DIR}, else {@code $XDG_CACHE_HOME/myelin/name}, else
     * {@code ~/.cache/myelin/name}.
     */
    static Path cacheFolder(String name) {
        String base = System.getProperty(CACHE_PROPERTY);
        if (base == null || base.isBlank()) {
            base = System.getenv("MYELIN_CACHE");
        }
        if (base == null || base.isBlank()) {
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path root = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
            return root.resolve("myelin").resolve(name);
        }
        return Path.of(base).resolve(name);
    }

    /**
     * Downloads {@code pkg}, unpacks it in a temporary folder beside {@code cache}, checks that its
     * {@code systemFolder} is {@code complete}, and moves the files of that folder that {@code select} takes into
     * {@code cache}. {@code howTo} ends every error: what to do by hand.
     *
     * @throws IOException if {@code apt-get} or {@code dpkg-deb} is missing or fails, the package lacks the files, or
     *                     they cannot be moved
     */
    static void fetch(String pkg, String systemFolder, Path cache, Predicate<Path> complete, Predicate<Path> select,
                      String howTo) throws IOException {
        Path parent = cache.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path work = Files.createTempDirectory(parent, "fetch-" + pkg + "-");
        try {
            run(work, List.of("apt-get", "download", pkg), howTo);
            Path deb;
            try (Stream<Path> s = Files.list(work)) {
                deb = s.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst()
                        .orElseThrow(() -> new IOException("apt-get download left no .deb file in " + work + howTo));
            }
            Path root = work.resolve("root");
            run(work, List.of("dpkg-deb", "-x", deb.toString(), root.toString()), howTo);
            Path unpacked = root.resolve(systemFolder.substring(1));
            if (!complete.test(unpacked)) {
                throw new IOException("the package " + deb.getFileName() + " does not have the files in " + systemFolder
                        + howTo);
            }
            Files.createDirectories(cache);
            List<Path> files;
            try (Stream<Path> s = Files.list(unpacked)) {
                files = s.filter(select).sorted().toList();
            }
            for (Path f : files) {   // same file system, so each move is an atomic rename
                Files.move(f, cache.resolve(f.getFileName().toString()), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            deleteTree(work);
        }
    }

    private static void run(Path dir, List<String> command, String howTo) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run '" + command.get(0) + "' (" + e.getMessage() + ")" + howTo, e);
        }
        String output;
        try {
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("'" + String.join(" ", command) + "' did not finish in 10 minutes" + howTo);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running '" + String.join(" ", command) + "'", e);
        }
        if (p.exitValue() != 0) {
            String hint = output.contains("Unable to locate package")
                    ? " (the package lists are missing or old: run 'apt-get update' as root first)" : "";
            throw new IOException("'" + String.join(" ", command) + "' failed with exit code " + p.exitValue() + hint
                    + ": " + lastLine(output) + howTo);
        }
    }

    private static String lastLine(String s) {
        String[] lines = s.split("\\R");
        return lines.length == 0 ? "" : lines[lines.length - 1];
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.forEach(all::add);
        }
        all.sort(Comparator.reverseOrder());
        for (Path p : all) {
            Files.deleteIfExists(p);
        }
    }
}
