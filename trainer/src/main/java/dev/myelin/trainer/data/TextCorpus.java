package dev.myelin.trainer.data;

import dev.myelin.core.Matrix;
import dev.myelin.trainer.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A text for a character-level language model, read as bytes: each byte is a token, its value {@code 0..255} the
 * token id, so the vocabulary is the {@value #VOCABULARY} byte values whatever the text holds (UTF-8 text's
 * multi-byte characters are several tokens; no vocabulary has to be built or stored beyond the name
 * {@value #TOKENS}). Samples are windows of {@code T + 1} consecutive bytes: the first T are the input, one token
 * id a position (as {@link dev.myelin.trainer.Embedding} takes them), the last T the labels, the next byte at each
 * position ({@link Dataset#sequences}: {@code T} labels a sample).
 *
 * <p>The last {@code validation} fraction of the bytes ({@value #VALIDATION} by default) is held out:
 * {@link #training} draws random windows from the bytes before it, {@link #validation} cuts the tail into
 * consecutive windows, so every byte of the tail after its first is scored once (but the at most T - 1 left over at
 * the end).
 *
 * <p>What {@link #read} reads: a file, whatever it holds; or a folder's files, in the order of their names, each
 * once (a file reached again through a link, as the {@code .u8} links of Debian's {@code fortunes} package reach
 * theirs, is read the first time only), leaving out hidden files, subfolders and files that are not text: those
 * with a NUL byte, such as the {@code .dat} indices {@code strfile} writes beside fortune files. The files' bytes
 * follow each other with nothing between them. {@link #skipped()} lists what was left out.
 */
public final class TextCorpus {

    /** The tokenization a model trained on a text records ({@code ModelFile.Contents#tokens()}): one token a byte. */
    public static final String TOKENS = "bytes";
    /** The vocabulary of byte tokens: the 256 byte values. */
    public static final int VOCABULARY = 256;
    /** The fraction of the bytes held out for validation unless told otherwise: the last tenth. */
    public static final double VALIDATION = 0.1;

    /** The most bytes a text may have: the largest Java array. */
    static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private final String name;
    private final byte[] bytes;
    private final List<Path> files;
    private final List<Path> skipped;

    private TextCorpus(String name, byte[] bytes, List<Path> files, List<Path> skipped) {
        this.name = name;
        this.bytes = bytes;
        this.files = List.copyOf(files);
        this.skipped = List.copyOf(skipped);
    }

    /**
     * The text of {@code bytes}, for tests and texts from elsewhere.
     *
     * @param name  what to call the text in messages
     * @param bytes the text's bytes, at least one; copied
     * @return the text
     * @throws IllegalArgumentException if there are no bytes
     */
    public static TextCorpus of(String name, byte[] bytes) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException(name + ": the text is empty");
        }
        return new TextCorpus(name, bytes.clone(), List.of(), List.of());
    }

    /**
     * Reads a file, or a folder's text files, as bytes (see the class comment for which files a folder gives).
     *
     * @param path a file or a folder
     * @return the text
     * @throws NoSuchFileException   if {@code path} does not exist
     * @throws InvalidDataException  if it holds no bytes (an empty file, a folder without a non-empty text file) or
     *                               more than a Java array holds
     * @throws IOException           if a file cannot be read
     */
    public static TextCorpus read(Path path) throws IOException {
        if (path == null) {
            throw new NullPointerException("path is null");
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such text file or folder");
        }
        List<Path> files = new ArrayList<>();
        List<Path> skipped = new ArrayList<>();
        if (Files.isDirectory(path)) {
            List<Path> entries;
            try (Stream<Path> s = Files.list(path)) {
                entries = s.sorted().toList();
            }
            Set<Path> seen = new HashSet<>();
            for (Path p : entries) {
                if (!Files.isRegularFile(p) || p.getFileName().toString().startsWith(".") || !seen.add(p.toRealPath())
                        || hasNul(p)) {
                    skipped.add(p);
                } else {
                    files.add(p);
                }
            }
        } else {
            files.add(path);
        }
        long total = 0;
        for (Path p : files) {
            total += Files.size(p);
        }
        if (total > MAX_BYTES) {
            throw new InvalidDataException(path, String.format(Locale.ROOT, "%,d bytes of text, more than the %,d a text may"
                    + " have", total, MAX_BYTES));
        }
        if (total == 0) {
            throw new InvalidDataException(path, files.isEmpty() ? "no text file in the folder (skipped: " + skipped + ")"
                    : "the text is empty");
        }
        byte[] bytes = new byte[(int) total];
        int at = 0;
        for (Path p : files) {
            try (InputStream in = Files.newInputStream(p)) {
                int n = in.readNBytes(bytes, at, bytes.length - at);
                if (in.read() != -1 || n != Files.size(p)) {
                    throw new InvalidDataException(p, "the file changed while it was read");
                }
                at += n;
            }
        }
        if (at != bytes.length) {
            throw new InvalidDataException(path, "the files changed while they were read");
        }
        return new TextCorpus(path.toString(), bytes, files, skipped);
    }

    /** Whether the file holds a NUL byte: binary, not text. */
    private static boolean hasNul(Path p) throws IOException {
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(p)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buffer[i] == 0) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** {@return what messages call the text: the path it was read from, or the name it was given} */
    public String name() {
        return name;
    }

    /** {@return the number of bytes (tokens)} */
    public int length() {
        return bytes.length;
    }

    /**
     * The token at {@code i}: the byte's value.
     *
     * @param i the position, in {@code [0, length())}
     * @return the byte's value, {@code 0..255}
     */
    public int token(int i) {
        return bytes[i] & 0xFF;
    }

    /** {@return the files read, in order (empty for a text given as bytes)} */
    public List<Path> files() {
        return files;
    }

    /** {@return the entries of the folder left out: links to files read already, hidden files, subfolders, binary files} */
    public List<Path> skipped() {
        return skipped;
    }

    /**
     * Where the held-out tail starts: {@code length() - round(validation * length())}.
     *
     * @param validation the fraction held out, in {@code [0, 1)}
     * @return the first byte of the tail (the length of the training part)
     * @throws IllegalArgumentException if the fraction is outside {@code [0, 1)}
     */
    public int validationStart(double validation) {
        if (!(validation >= 0 && validation < 1)) {
            throw new IllegalArgumentException("validation must be a fraction in [0, 1), got " + validation);
        }
        return bytes.length - (int) Math.round(validation * bytes.length);
    }

    /**
     * Epoch {@code epoch}'s training windows: {@code windows} windows of {@code context + 1} bytes from the training
     * part (the bytes before {@link #validationStart}), each starting at an offset drawn uniformly from every offset
     * where it fits, by a generator seeded by {@code (seed, epoch)} alone; so the same arguments give the same windows.
     *
     * @param context    T, the tokens a sample has, {@code >= 1}
     * @param validation the fraction of the text held out at its end, in {@code [0, 1)}
     * @param windows    the samples, {@code >= 1}
     * @param seed       the seed
     * @param epoch      the epoch, from 0: each draws windows of its own
     * @return the samples {@code (T)} of token ids with T labels each, 256 classes; close it to free its memory
     * @throws IllegalArgumentException if T or the windows are not positive, the training part is shorter than a
     *                                  window, or the windows would take more memory than this JVM may use
     */
    public Dataset training(int context, double validation, int windows, long seed, int epoch) {
        checkContext(context);
        if (windows < 1) {
            throw new IllegalArgumentException("windows must be >= 1, got " + windows);
        }
        int end = validationStart(validation);
        checkPart("training part (the first " + end + ")", end, context);
        checkMemory(name + " training windows", windows, context);
        SplittableRandom rnd = new SplittableRandom(seed * 0xC2B2AE3D27D4EB4FL + epoch * 0x9E3779B97F4A7C15L + 1);
        int[] offsets = new int[windows];
        for (int i = 0; i < windows; i++) {
            offsets[i] = rnd.nextInt(end - context);       // the last window ends at the part's last byte
        }
        return windows(name + " training windows", context, offsets);
    }

    /**
     * The validation windows: the held-out tail ({@code validation} of the text, at its end) cut into consecutive
     * windows of {@code context + 1} bytes that overlap by one byte (window k starts at the tail's byte {@code k T}),
     * as many as fit; so every byte of the tail after its first is a label once, but for the at most {@code T - 1}
     * at the end that do not fill a window.
     *
     * @param context    T, the tokens a sample has, {@code >= 1}
     * @param validation the fraction of the text held out at its end, in {@code (0, 1)}
     * @return the samples {@code (T)} of token ids with T labels each, 256 classes; close it to free its memory
     * @throws IllegalArgumentException if T is not positive or the tail is shorter than a window
     */
    public Dataset validation(int context, double validation) {
        checkContext(context);
        int start = validationStart(validation);
        int tail = bytes.length - start;
        checkPart("held-out tail (the last " + tail + ", " + validation + " of it)", tail, context);
        int[] offsets = new int[(tail - 1) / context];
        for (int k = 0; k < offsets.length; k++) {
            offsets[k] = start + k * context;
        }
        return windows(name + " validation windows", context, offsets);
    }

    private static void checkContext(int context) {
        if (context < 1) {
            throw new IllegalArgumentException("context must be >= 1, got " + context);
        }
    }

    private void checkPart(String part, int bytesInPart, int context) {
        if (bytesInPart < (long) context + 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s has %,d bytes; its %s is shorter than a window "
                    + "of context + 1 = %,d bytes", name, bytes.length, part, (long) context + 1));
        }
    }

    /**
     * Checks, before anything is allocated, that {@code windows} windows of T tokens fit: their inputs (floats) and
     * labels (ints) in one array each and, with their offsets, in what this JVM may use (its heap limit, which also
     * bounds memory off the heap).
     */
    private static void checkMemory(String what, int windows, int context) {
        long values = (long) windows * context;
        long need = values * (Float.BYTES + Integer.BYTES) + (long) windows * Integer.BYTES;
        if (values > Integer.MAX_VALUE - 8 || need > Runtime.getRuntime().maxMemory()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: %,d windows of %,d tokens need %,d bytes, more "
                    + "than this JVM may use (%,d); use fewer windows or a shorter context", what, windows, context, need,
                    Runtime.getRuntime().maxMemory()));
        }
    }

    /** The windows starting at {@code offsets}: inputs {@code [o, o + T)}, labels {@code [o + 1, o + T]}. */
    private Dataset windows(String what, int context, int[] offsets) {
        checkMemory(what, offsets.length, context);
        int[] labels = new int[offsets.length * context];
        float[] row = new float[context];
        Arena arena = Arena.ofShared();
        try {
            Matrix x = Matrix.allocate(arena, offsets.length, context);
            for (int i = 0; i < offsets.length; i++) {
                int o = offsets[i];
                for (int j = 0; j < context; j++) {
                    row[j] = bytes[o + j] & 0xFF;
                    labels[i * context + j] = bytes[o + j + 1] & 0xFF;
                }
                x.rows(i, 1).copyFrom(row);
            }
            return Dataset.sequences(what, arena, Shape.of(context), x, labels, context, VOCABULARY);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (%,d bytes%s)", name, bytes.length, files.size() > 1 ? " in " + files.size()
                + " files" : "");
    }
}
