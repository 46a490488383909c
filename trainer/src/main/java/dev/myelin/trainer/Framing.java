package dev.myelin.trainer;

import dev.myelin.trainer.data.InvalidDataException;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.zip.CRC32C;

/**
 * The frame shared by model files and checkpoints, big-endian:
 * <pre>
 *   8   magic (ASCII)
 *   4   format version, int32
 *   8   length of the whole file in bytes, int64
 *   ... body
 *   4   CRC-32C (java.util.zip.CRC32C) of every byte before it, int32
 * </pre>
 * Reading checks, in this order and before the body is parsed: the magic, the version, the length
 * (a shorter file is "truncated", a longer one has "unexpected bytes") and the checksum (a mismatch is
 * "corrupt (checksum)"). So a damaged file is never parsed, and a file cut short is told from a corrupt one.
 */
final class Framing {

    /** Bytes before the body: magic, version, length. */
    static final int HEADER = 8 + 4 + 8;
    /** Bytes after the body: the checksum. */
    static final int TRAILER = 4;

    private Framing() {
    }

    /** A body writer: the {@link DataOutputStream} writes big-endian. */
    @FunctionalInterface
    interface Body {
        void write(DataOutputStream out) throws IOException;
    }

    /** The framed bytes of a body. */
    static byte[] frame(byte[] magic, int version, Body body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(magic);
        out.writeInt(version);
        out.writeLong(0);                       // the length, patched below
        body.write(out);
        out.flush();
        byte[] all = Arrays.copyOf(bytes.toByteArray(), bytes.size() + TRAILER);
        ByteBuffer b = ByteBuffer.wrap(all).order(ByteOrder.BIG_ENDIAN);
        b.putLong(8 + 4, all.length);
        CRC32C crc = new CRC32C();
        crc.update(all, 0, all.length - TRAILER);
        b.putInt(all.length - TRAILER, (int) crc.getValue());
        return all;
    }

    /**
     * Checks a framed file and returns its version; {@code what} names the kind of file in messages
     * ("model file"). {@code versions} are the versions this code reads.
     */
    static int check(byte[] bytes, Path file, byte[] magic, String what, int... versions) throws InvalidDataException {
        int prefix = Math.min(bytes.length, magic.length);
        if (!Arrays.equals(bytes, 0, prefix, magic, 0, prefix)) {
            throw new InvalidDataException(file, "not a Myelin " + what + " (it does not start with \""
                    + new String(magic, StandardCharsets.US_ASCII) + "\")");
        }
        if (bytes.length < HEADER) {
            throw new InvalidDataException(file, "truncated: the file ends (at " + bytes.length + " bytes) inside the "
                    + HEADER + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        int version = b.getInt(magic.length);
        if (Arrays.stream(versions).noneMatch(v -> v == version)) {
            throw new InvalidDataException(file, what + " format version " + version + " is not supported (this reads "
                    + Arrays.toString(versions) + ")");
        }
        long length = b.getLong(magic.length + 4);
        if (length < HEADER + TRAILER) {
            throw new InvalidDataException(file, "corrupt (header): it gives its length as " + length + " bytes");
        }
        if (bytes.length < length) {
            throw new InvalidDataException(file, "truncated: the file has " + bytes.length + " of its " + length + " bytes");
        }
        if (bytes.length > length) {
            throw new InvalidDataException(file, (bytes.length - length) + " unexpected bytes after its end (it has "
                    + bytes.length + " bytes, its header says " + length + ")");
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, bytes.length - TRAILER);
        int stored = b.getInt(bytes.length - TRAILER);
        if ((int) crc.getValue() != stored) {
            throw new InvalidDataException(file, String.format(Locale.ROOT,
                    "corrupt (checksum): its CRC-32C is %08x, the file says %08x", (int) crc.getValue(), stored));
        }
        return version;
    }

    /** Writes {@code n} floats, big-endian. */
    static void writeFloats(DataOutputStream out, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.BIG_ENDIAN);
        b.asFloatBuffer().put(values);
        out.write(b.array());
    }

    /** Reads {@code n} floats, big-endian. */
    static float[] readFloats(DataInputStream in, int n) throws IOException {
        byte[] raw = new byte[Math.multiplyExact(n, Float.BYTES)];
        in.readFully(raw);
        float[] v = new float[n];
        ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().get(v);
        return v;
    }
}
