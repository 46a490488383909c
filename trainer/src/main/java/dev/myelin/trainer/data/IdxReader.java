package dev.myelin.trainer.data;

import dev.myelin.core.Matrix;
import dev.myelin.trainer.Shape;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads IDX files (the MNIST / Fashion-MNIST format), plain or gzip-compressed (recognised by the gzip
 * magic bytes, not the file name).
 *
 * <p>Layout: a 4-byte magic number {@code 0x00 0x00 type ndims}, then {@code ndims} big-endian 32-bit
 * dimension sizes, then the data, row-major. Only type {@code 0x08} (unsigned byte) is supported: it is
 * what MNIST and Fashion-MNIST use. Every problem (bad magic, unsupported type, a dimension that is not
 * positive, too little or too much data, a broken gzip stream) is an {@link InvalidDataException} that
 * names the file.
 */
public final class IdxReader {

    /** Type code of unsigned bytes. */
    public static final int UNSIGNED_BYTE = 0x08;

    private IdxReader() {
    }

    /**
     * An IDX file's dimensions and its data as unsigned bytes (read them with {@code b & 0xff}).
     *
     * @param dims the dimensions, first the number of items
     * @param data the values, row-major, as many as the product of the dimensions
     */
    public record Idx(int[] dims, byte[] data) {

        /** {@return the number of items: the first dimension} */
        public int count() {
            return dims[0];
        }

        /** {@return the dimensions, written as {@code 60000x28x28}} */
        public String shape() {
            return shape(dims);
        }

        static String shape(int[] dims) {
            return String.join("x", Arrays.stream(dims).mapToObj(Integer::toString).toList());
        }
    }

    /**
     * A classification dataset from an IDX file of images, (n, height, width) unsigned bytes, and one of labels,
     * (n) unsigned bytes: samples of shape (height, width, 1) with pixels scaled to [0, 1]. {@code classes} is the
     * number of classes (each label must be below it), or 0 for the largest label plus one; {@code height} and
     * {@code width} the image size the file must hold, or 0 for any.
     *
     * @param name       what to call the dataset in messages
     * @param imagesFile the images, an IDX file of {@code (n, height, width)} unsigned bytes
     * @param labelsFile the labels, an IDX file of {@code (n)} unsigned bytes
     * @param height     the image height the file must hold, or 0 for any
     * @param width      the image width the file must hold, or 0 for any
     * @param classes    the number of classes, or 0 for the largest label plus one
     * @return the dataset; close it to free its memory
     * @throws IOException if a file cannot be read, or is not valid IDX or does not fit the other
     *                     ({@link InvalidDataException}, naming the file)
     */
    public static Dataset dataset(String name, Path imagesFile, Path labelsFile, int height, int width, int classes)
            throws IOException {
        Idx images = read(imagesFile);
        Idx labels = read(labelsFile);
        int[] d = images.dims();
        if (d.length != 3 || (height > 0 && d[1] != height) || (width > 0 && d[2] != width)) {
            throw new InvalidDataException(imagesFile, "holds " + images.shape() + "; images must be n x "
                    + (height > 0 ? height + "x" + width : "height x width"));
        }
        if (labels.dims().length != 1) {
            throw new InvalidDataException(labelsFile, "holds " + labels.shape() + "; labels must be one-dimensional");
        }
        int n = d[0];
        if (labels.count() != n) {
            throw new InvalidDataException(labelsFile, "holds " + labels.count() + " labels but " + imagesFile.getFileName()
                    + " holds " + n + " images");
        }
        int[] y = new int[n];
        int max = 0;
        for (int i = 0; i < n; i++) {
            y[i] = labels.data()[i] & 0xff;
            max = Math.max(max, y[i]);
            if (classes > 0 && y[i] >= classes) {
                throw new InvalidDataException(labelsFile, "label " + y[i] + " at index " + i + " is outside [0, " + classes + ")");
            }
        }
        Arena arena = Arena.ofShared();
        try {
            return Dataset.own(name, arena, Shape.image(d[1], d[2], 1), pixels(arena, images), null, y,
                    classes > 0 ? classes : max + 1);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * The images of an IDX file of (n, height, width) unsigned bytes as an (n, height * width) matrix of pixels in
     * [0, 1].
     *
     * @param arena      the arena the matrix comes from
     * @param imagesFile the images, an IDX file of {@code (n, height, width)} unsigned bytes
     * @return the pixels, {@code (n, height * width)}
     * @throws IOException if the file cannot be read or is not valid IDX of images
     *                     ({@link InvalidDataException}, naming the file)
     */
    public static Matrix images(Arena arena, Path imagesFile) throws IOException {
        Idx images = read(imagesFile);
        if (images.dims().length != 3) {
            throw new InvalidDataException(imagesFile, "holds " + images.shape() + "; images must be n x height x width");
        }
        return pixels(arena, images);
    }

    private static Matrix pixels(Arena arena, Idx images) {
        int n = images.dims()[0];
        int width = images.dims()[1] * images.dims()[2];
        Matrix x = Matrix.allocate(arena, n, width);
        float[] row = new float[width];
        byte[] px = images.data();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < width; j++) {
                row[j] = (px[i * width + j] & 0xff) / 255f;
            }
            x.rows(i, 1).copyFrom(row);
        }
        return x;
    }

    /**
     * Reads the whole file.
     *
     * @param file the IDX file, plain or gzip
     * @return its dimensions and data
     * @throws IOException if the file cannot be read or is not valid IDX ({@link InvalidDataException}, naming the
     *                     file and the problem)
     */
    public static Idx read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new InvalidDataException(file, "is a folder, not an IDX file");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidDataException(file, "no such file");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f & raw.read() == 0x8b;
            raw.reset();
            InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
            return read(file, new DataInputStream(in), gzip);
        } catch (ZipException e) {
            throw new InvalidDataException(file, "corrupt gzip stream (" + e.getMessage() + ")", e);
        } catch (EOFException e) {
            throw new InvalidDataException(file, "truncated gzip stream: the file ends before its compressed data does"
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), e);
        }
    }

    private static Idx read(Path file, DataInputStream in, boolean gzip) throws IOException {
        byte[] magic = in.readNBytes(4);
        if (magic.length < 4) {
            throw new InvalidDataException(file, "truncated: " + magic.length + " bytes, too short for the 4-byte IDX magic number");
        }
        if (magic[0] != 0 || magic[1] != 0) {
            throw new InvalidDataException(file, String.format(Locale.ROOT,
                    "bad magic number 0x%02x%02x%02x%02x: an IDX file starts with two zero bytes, a type code and the number of dimensions",
                    magic[0], magic[1], magic[2], magic[3]));
        }
        int type = magic[2] & 0xff;
        int ndims = magic[3] & 0xff;
        if (type != UNSIGNED_BYTE) {
            throw new InvalidDataException(file, String.format(Locale.ROOT,
                    "data type 0x%02x is not supported; only 0x08 (unsigned byte) is", type));
        }
        if (ndims == 0) {
            throw new InvalidDataException(file, "the magic number gives 0 dimensions");
        }
        byte[] header = in.readNBytes(4 * ndims);
        if (header.length < 4 * ndims) {
            throw new InvalidDataException(file, "truncated in the header: " + ndims + " dimensions need "
                    + 4 * ndims + " bytes after the magic number, found " + header.length);
        }
        int[] dims = new int[ndims];
        long total = 1;
        for (int d = 0; d < ndims; d++) {
            dims[d] = (header[4 * d] & 0xff) << 24 | (header[4 * d + 1] & 0xff) << 16
                    | (header[4 * d + 2] & 0xff) << 8 | (header[4 * d + 3] & 0xff);
            if (dims[d] <= 0) {
                throw new InvalidDataException(file, "dimension " + d + " is " + dims[d] + "; every dimension must be > 0");
            }
            total *= dims[d];
            if (total > Integer.MAX_VALUE - 8) {
                throw new InvalidDataException(file, "dimensions " + Idx.shape(dims) + " exceed 2^31 bytes of data");
            }
        }
        byte[] data = in.readNBytes((int) total);
        if (data.length < total) {
            throw new InvalidDataException(file, "truncated: the header promises " + Idx.shape(dims) + " = " + total
                    + " bytes of data, the file holds " + data.length + (gzip ? " (after gunzip)" : ""));
        }
        if (in.read() != -1) {
            throw new InvalidDataException(file, "extra bytes after the " + total + " bytes of data that the header ("
                    + Idx.shape(dims) + ") promises");
        }
        return new Idx(dims, data);
    }
}
