package dev.myelin.examples;

import dev.myelin.trainer.data.FashionMnist;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Finds the Fashion-MNIST files for the examples and the command line, downloading them when no folder has them
 * (the library's {@link FashionMnist} only reads a folder that holds them).
 *
 * <p>Where the files are looked for, in order ({@link #locate}): the folder the user gave; the folder the
 * Debian package {@value #PACKAGE} installs ({@value #SYSTEM_FOLDER}); the cache folder
 * ({@link #cacheFolder()}). If none has them, {@link #fetch} downloads that Debian package with
 * {@code apt-get download} (verified by apt against the signed archive index, no root needed) and
 * unpacks it with {@code dpkg-deb -x} into the cache.
 */
public final class FashionMnistDownload {

    /** Debian package that ships the files. */
    public static final String PACKAGE = "dataset-fashion-mnist";
    /** Where that package installs them. */
    public static final String SYSTEM_FOLDER = "/usr/share/datasets/fashion-mnist";
    /** System property that overrides the cache folder. */
    public static final String CACHE_PROPERTY = "myelin.cache";

    private FashionMnistDownload() {
    }

    /**
     * The cache folder: {@code DIR/fashion-mnist} for {@code -Dmyelin.cache=DIR} or the environment variable
     * {@code MYELIN_CACHE=DIR}, else {@code $XDG_CACHE_HOME/myelin/fashion-mnist}, else
     * {@code ~/.cache/myelin/fashion-mnist} (as {@code .ci/fetch-data} does).
     *
     * @return the cache folder (it may not exist yet)
     */
    public static Path cacheFolder() {
        String base = System.getProperty(CACHE_PROPERTY);
        if (base == null || base.isBlank()) {
            base = System.getenv("MYELIN_CACHE");
        }
        if (base == null || base.isBlank()) {
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path root = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
            return root.resolve("myelin").resolve("fashion-mnist");
        }
        return Path.of(base).resolve("fashion-mnist");
    }

    /**
     * The folder to read from. With {@code folder} given, that folder, which must hold the files.
     * Otherwise {@value #SYSTEM_FOLDER}, then the cache, then a fresh {@link #fetch} into the cache;
     * {@code log} hears what is being done
     * (e.g. {@code System.err::println}).
     *
     * @param folder the folder the user gave, or null to search
     * @param log    hears each step taken (a download, where to)
     * @return the folder holding the four files
     * @throws IOException if the given folder lacks a file, or the download fails
     */
    public static Path locate(Path folder, Consumer<String> log) throws IOException {
        if (folder != null) {
            return FashionMnist.requireFiles(folder);
        }
        Path system = Path.of(SYSTEM_FOLDER);
        if (FashionMnist.present(system)) {
            return system;
        }
        Path cache = cacheFolder();
        if (FashionMnist.present(cache)) {
            return cache;
        }
        fetch(cache, log);
        return cache;
    }

    /**
     * Downloads the Debian package {@value #PACKAGE} with {@code apt-get download} and unpacks its four
     * files into {@code cache} with {@code dpkg-deb -x}. Works without root. The files appear in
     * {@code cache} by an atomic rename, so an interrupted fetch leaves no partial folder behind.
     *
     * @param cache the folder to create with the files
     * @param log   hears what is being done
     * @throws IOException if {@code apt-get} or {@code dpkg-deb} is missing or fails, or the files cannot be moved
     */
    public static void fetch(Path cache, Consumer<String> log) throws IOException {
        Path parent = cache.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        log.accept("Fashion-MNIST is not in " + SYSTEM_FOLDER + " nor in " + cache + ": downloading the Debian package "
                + PACKAGE + " (31 MB) with 'apt-get download' and unpacking it with 'dpkg-deb -x' into " + cache);
        Path work = Files.createTempDirectory(parent, "fetch-fashion-mnist-");
        try {
            run(work, List.of("apt-get", "download", PACKAGE));
            Path deb;
            try (Stream<Path> s = Files.list(work)) {
                deb = s.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst()
                        .orElseThrow(() -> new IOException("apt-get download left no .deb file in " + work + howTo(cache)));
            }
            Path root = work.resolve("root");
            run(work, List.of("dpkg-deb", "-x", deb.toString(), root.toString()));
            Path unpacked = root.resolve(SYSTEM_FOLDER.substring(1));
            if (!FashionMnist.present(unpacked)) {
                throw new IOException("the package " + deb.getFileName() + " has no "
                        + String.join(", ", FashionMnist.FILES)
                        + " in " + SYSTEM_FOLDER + howTo(cache));
            }
            Files.createDirectories(cache);
            for (String f : FashionMnist.FILES) {   // same file system, so each move is an atomic rename
                Files.move(unpacked.resolve(f), cache.resolve(f), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
            log.accept("Fashion-MNIST is in " + cache);
        } finally {
            deleteTree(work);
        }
    }

    private static void run(Path dir, List<String> command) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run '" + command.get(0) + "' (" + e.getMessage() + ")" + howTo(cacheFolder()), e);
        }
        String output;
        try {
            output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("'" + String.join(" ", command) + "' did not finish in 10 minutes" + howTo(cacheFolder()));
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
                    + ": " + lastLine(output) + howTo(cacheFolder()));
        }
    }

    private static String howTo(Path cache) {
        return ". To get Fashion-MNIST by hand, do one of: 'apt-get install " + PACKAGE + "' as root (it installs into "
                + SYSTEM_FOLDER + "); or put " + String.join(", ", FashionMnist.FILES)
                + " (from github.com/zalandoresearch/fashion-mnist)"
                + " into " + cache + " or into a folder you pass with --data";
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
