package dev.myelin.trainer.data;

import dev.myelin.core.Matrix;
import dev.myelin.trainer.Shape;
import java.io.IOException;
import java.lang.foreign.Arena;
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
 * Fashion-MNIST: 28x28 grey images of 10 kinds of clothing, 60,000 for training and 10,000 for test,
 * in four IDX files. Pixels are scaled to {@code [0, 1]}; each image is one row of 784 features.
 *
 * <p>Where the files are looked for, in order ({@link #locate}): the folder the user gave; the folder the
 * Debian package {@value #PACKAGE} installs ({@value #SYSTEM_FOLDER}); the cache folder
 * ({@link #cacheFolder()}). If none has them, {@link #fetch} downloads that Debian package with
 * {@code apt-get download} (verified by apt against the signed archive index, no root needed) and
 * unpacks it with {@code dpkg-deb -x} into the cache.
 */
public final class FashionMnist {

    /** Debian package that ships the files. */
    public static final String PACKAGE = "dataset-fashion-mnist";
    /** Where that package installs them. */
    public static final String SYSTEM_FOLDER = "/usr/share/datasets/fashion-mnist";
    /** The four files, as the package names them. */
    public static final List<String> FILES = List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
            "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
    /** System property that overrides the cache folder. */
    public static final String CACHE_PROPERTY = "myelin.cache";

    /** Image height, in pixels. */
    public static final int ROWS = 28;
    /** Image width, in pixels. */
    public static final int COLS = 28;
    /** Number of classes. */
    public static final int CLASSES = 10;
    /** Class names, by label. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private FashionMnist() {
    }

    /**
     * The training set, from {@code folder}.
     *
     * @param folder the folder holding the four files
     * @return the 60,000 training images and labels; close it to free its memory
     * @throws IOException if a file is missing, unreadable or invalid ({@link InvalidDataException}, naming it)
     */
    public static Dataset train(Path folder) throws IOException {
        return load("fashion-mnist train", file(folder, FILES.get(0)), file(folder, FILES.get(1)));
    }

    /**
     * The test set, from {@code folder}.
     *
     * @param folder the folder holding the four files
     * @return the 10,000 test images and labels; close it to free its memory
     * @throws IOException if a file is missing, unreadable or invalid ({@link InvalidDataException}, naming it)
     */
    public static Dataset test(Path folder) throws IOException {
        return load("fashion-mnist test", file(folder, FILES.get(2)), file(folder, FILES.get(3)));
    }

    /**
     * Reads an images file and a labels file: images must be (n, 28, 28), labels (n) in {@code [0, 10)}; the classes
     * are named {@link #CLASS_NAMES}.
     *
     * @param name       what to call the dataset in messages
     * @param imagesFile the images file, plain or gzip
     * @param labelsFile the labels file, plain or gzip
     * @return the dataset; close it to free its memory
     * @throws IOException if a file is missing, unreadable or invalid ({@link InvalidDataException}, naming it)
     */
    public static Dataset load(String name, Path imagesFile, Path labelsFile) throws IOException {
        return IdxReader.dataset(name, imagesFile, labelsFile, ROWS, COLS, CLASSES).classNames(CLASS_NAMES);
    }

    /**
     * The test images file in {@code folder} (gzip or plain).
     *
     * @param folder the folder holding the files
     * @return the path of the test images file
     */
    public static Path testImages(Path folder) {
        return file(folder, FILES.get(2));
    }

    /** {@code name} in {@code folder}, or the same name without {@code .gz} if only that exists. */
    private static Path file(Path folder, String name) {
        Path gz = folder.resolve(name);
        Path plain = folder.resolve(name.substring(0, name.length() - 3));
        return Files.exists(gz) || !Files.exists(plain) ? gz : plain;
    }

    /**
     * True if {@code folder} holds the four files (gzipped or not).
     *
     * @param folder the folder to look in, or null
     * @return whether all four files are there
     */
    public static boolean present(Path folder) {
        return folder != null && FILES.stream().allMatch(f -> Files.isRegularFile(file(folder, f)));
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
            if (!Files.isDirectory(folder)) {
                throw new InvalidDataException(folder, "no such folder");
            }
            for (String f : FILES) {
                if (!Files.isRegularFile(file(folder, f))) {
                    throw new InvalidDataException(folder, "has no " + f + " (Fashion-MNIST needs " + String.join(", ", FILES) + ")");
                }
            }
            return folder;
        }
        Path system = Path.of(SYSTEM_FOLDER);
        if (present(system)) {
            return system;
        }
        Path cache = cacheFolder();
        if (present(cache)) {
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
            if (!present(unpacked)) {
                throw new IOException("the package " + deb.getFileName() + " has no " + String.join(", ", FILES)
                        + " in " + SYSTEM_FOLDER + howTo(cache));
            }
            Files.createDirectories(cache);
            for (String f : FILES) {   // same file system, so each move is an atomic rename
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
                + SYSTEM_FOLDER + "); or put " + String.join(", ", FILES) + " (from github.com/zalandoresearch/fashion-mnist)"
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
