package dev.myelin.examples;

import dev.myelin.trainer.data.FashionMnist;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

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
    public static final String CACHE_PROPERTY = DebianPackage.CACHE_PROPERTY;

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
        return DebianPackage.cacheFolder("fashion-mnist");
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
        log.accept("Fashion-MNIST is not in " + SYSTEM_FOLDER + " nor in " + cache + ": downloading the Debian package "
                + PACKAGE + " (31 MB) with 'apt-get download' and unpacking it with 'dpkg-deb -x' into " + cache);
        DebianPackage.fetch(PACKAGE, SYSTEM_FOLDER, cache, FashionMnist::present,
                f -> FashionMnist.FILES.contains(f.getFileName().toString()), howTo(cache));
        log.accept("Fashion-MNIST is in " + cache);
    }

    private static String howTo(Path cache) {
        return ". To get Fashion-MNIST by hand, do one of: 'apt-get install " + PACKAGE + "' as root (it installs into "
                + SYSTEM_FOLDER + "); or put " + String.join(", ", FashionMnist.FILES)
                + " (from github.com/zalandoresearch/fashion-mnist)"
                + " into " + cache + " or into a folder you pass with --data";
    }
}
