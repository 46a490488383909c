package dev.myelin.examples;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * Finds the English fortune files of Debian's {@value #PACKAGE} package, the text corpus of the character-level
 * language model ({@code myelin train --text}, {@link dev.myelin.trainer.data.TextCorpus}), downloading them when no
 * folder has them, as {@link FashionMnistDownload} does for Fashion-MNIST and {@code .ci/fetch-data} in bash.
 *
 * <p>Where they are looked for, in order ({@link #locate}): the folder the package installs ({@value #SYSTEM_FOLDER});
 * the cache folder ({@link #cacheFolder()}). If neither has them, {@link #fetch} downloads the package with
 * {@code apt-get download} and unpacks its fortune files, without their {@code .dat} indices and {@code .u8} links,
 * into the cache: 40 files, 2,478,275 bytes of text (fortunes 1:1.99.1-7.3).
 */
public final class FortunesDownload {

    /** Debian package that ships the files. */
    public static final String PACKAGE = "fortunes";
    /** Where that package installs them. */
    public static final String SYSTEM_FOLDER = "/usr/share/games/fortunes";
    /**
     * Files of the package (not of {@code fortunes-min}, whose one file is {@code fortunes}) whose presence marks a
     * complete copy.
     */
    public static final List<String> MARKS = List.of("art", "computers", "cookie", "wisdom", "zippy");

    private FortunesDownload() {
    }

    /**
     * The cache folder: {@code DIR/fortunes} for {@code -Dmyelin.cache=DIR} or {@code MYELIN_CACHE=DIR}, else
     * {@code $XDG_CACHE_HOME/myelin/fortunes}, else {@code ~/.cache/myelin/fortunes}.
     *
     * @return the cache folder (it may not exist yet)
     */
    public static Path cacheFolder() {
        return DebianPackage.cacheFolder("fortunes");
    }

    /**
     * Whether {@code folder} holds the fortune files (every one of {@link #MARKS}, not empty).
     *
     * @param folder the folder to look in
     * @return true if it does
     */
    public static boolean present(Path folder) {
        for (String f : MARKS) {
            Path p = folder.resolve(f);
            try {
                if (!Files.isRegularFile(p) || Files.size(p) == 0) {
                    return false;
                }
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }

    /**
     * The folder of the fortune files: {@value #SYSTEM_FOLDER}, then the cache, then a fresh {@link #fetch} into the
     * cache; {@code log} hears what is being done.
     *
     * @param log hears each step taken (a download, where to)
     * @return the folder holding the fortune files
     * @throws IOException if the download fails
     */
    public static Path locate(Consumer<String> log) throws IOException {
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
     * Downloads the Debian package {@value #PACKAGE} with {@code apt-get download} and moves its fortune files (the
     * regular files of {@value #SYSTEM_FOLDER} not ending in {@code .dat}; the {@code .u8} links left behind) into
     * {@code cache}. Works without root.
     *
     * @param cache the folder to create with the files
     * @param log   hears what is being done
     * @throws IOException if {@code apt-get} or {@code dpkg-deb} is missing or fails, or the files cannot be moved
     */
    public static void fetch(Path cache, Consumer<String> log) throws IOException {
        log.accept("the fortune files are not in " + SYSTEM_FOLDER + " nor in " + cache + ": downloading the Debian package "
                + PACKAGE + " (0.8 MB) with 'apt-get download' and unpacking it with 'dpkg-deb -x' into " + cache);
        DebianPackage.fetch(PACKAGE, SYSTEM_FOLDER, cache, FortunesDownload::present,
                f -> Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                        && !f.getFileName().toString().endsWith(".dat"),
                ". To get them by hand, do one of: 'apt-get install " + PACKAGE + "' as root (it installs into "
                        + SYSTEM_FOLDER + "); or put the fortune files (without their .dat indices) into " + cache);
        log.accept("the fortune files are in " + cache);
    }
}
