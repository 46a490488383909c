package dev.myelin.trainer.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
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

    /** An IDX file's dimensions and its data as unsigned bytes (read them with {@code b & 0xff}). */
    public record Idx(int[] dims, byte[] data) {

        /** Number of items: the first dimension. */
        public int count() {
            return dims[0];
        }

        /** The dimensions as {@code 60000x28x28}. */
        public String shape() {
            return shape(dims);
        }

        static String shape(int[] dims) {
            return String.join("x", Arrays.stream(dims).mapToObj(Integer::toString).toList());
        }
    }

    /** Reads the whole file. */
    public static Idx read(Path file) throws IOException {
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
            throw new InvalidDataException(file, "truncated gzip stream (" + e.getMessage() + ")", e);
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
