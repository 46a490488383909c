package dev.myelin.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {

    @TempDir
    Path dir;

    /** An IDX file of unsigned bytes with the given dimensions and data. */
    static byte[] idx(int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.write(new byte[] {0, 0, IdxReader.UNSIGNED_BYTE, (byte) dims.length});
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(data);
        return b.toByteArray();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(b)) {
            out.write(raw);
        }
        return b.toByteArray();
    }

    static byte[] counting(int n) {
        byte[] data = new byte[n];
        for (int i = 0; i < n; i++) {
            data[i] = (byte) (i * 37);
        }
        return data;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private String error(Path file) {
        return assertThrows(InvalidDataException.class, () -> IdxReader.read(file)).getMessage();
    }

    @Test
    void readsPlainAndGzipAlike() throws IOException {
        byte[] data = counting(3 * 4 * 5);
        byte[] raw = idx(new int[] {3, 4, 5}, data);
        for (Path f : new Path[] {write("a.idx", raw), write("a.idx.gz", gzip(raw)), write("gz-without-suffix", gzip(raw))}) {
            IdxReader.Idx idx = IdxReader.read(f);
            assertArrayEquals(new int[] {3, 4, 5}, idx.dims(), f.toString());
            assertArrayEquals(data, idx.data(), f.toString());
            assertEquals("3x4x5", idx.shape());
        }
    }

    @Test
    void badMagicNamesTheFileAndTheMagic() throws IOException {
        byte[] raw = idx(new int[] {2}, counting(2));
        raw[0] = 0x1e;
        Path f = write("bad-magic", raw);
        String m = error(f);
        assertTrue(m.startsWith(f.toString()), m);
        assertTrue(m.contains("bad magic number 0x1e000801"), m);
    }

    @Test
    void unsupportedTypeIsNamed() throws IOException {
        byte[] raw = idx(new int[] {2}, counting(8));
        raw[2] = 0x0d;                       // float32 in IDX
        assertTrue(error(write("floats", raw)).contains("data type 0x0d is not supported"));
    }

    @Test
    void truncatedDataSaysHowMuchIsMissing() throws IOException {
        byte[] raw = idx(new int[] {10, 28, 28}, counting(10 * 28 * 28));
        byte[] cut = Arrays.copyOf(raw, raw.length - 100);
        String m = error(write("cut", cut));
        assertTrue(m.contains("truncated: the header promises 10x28x28 = 7840 bytes of data, the file holds 7740"), m);
        String g = error(write("cut.gz", gzip(cut)));
        assertTrue(g.contains("the file holds 7740 (after gunzip)"), g);
    }

    @Test
    void truncatedGzipStreamIsAnError() throws IOException {
        byte[] gz = gzip(idx(new int[] {1000}, counting(1000)));
        String m = error(write("cut-stream.gz", Arrays.copyOf(gz, gz.length / 2)));
        assertTrue(m.contains("truncated gzip stream"), m);
    }

    @Test
    void truncatedHeaderAndTinyFiles() throws IOException {
        byte[] raw = idx(new int[] {10, 28, 28}, new byte[0]);
        assertTrue(error(write("header", Arrays.copyOf(raw, 9))).contains("truncated in the header: 3 dimensions need 12 bytes"));
        assertTrue(error(write("tiny", new byte[] {0, 0})).contains("too short for the 4-byte IDX magic number"));
        assertTrue(error(write("empty", new byte[0])).contains("too short"));
    }

    @Test
    void extraBytesAndBadDimensionsAreErrors() throws IOException {
        byte[] raw = idx(new int[] {4}, counting(5));
        assertTrue(error(write("long", raw)).contains("extra bytes after the 4 bytes of data"));
        assertTrue(error(write("zero", idx(new int[] {3, 0}, new byte[0]))).contains("dimension 1 is 0"));
        assertTrue(error(write("negative", idx(new int[] {-5}, new byte[0]))).contains("dimension 0 is -5"));
        assertTrue(error(dir.resolve("missing")).contains("no such file"));
    }

    @Test
    void fashionMnistChecksShapesAndCounts() throws IOException {
        Path images = write("img.gz", gzip(idx(new int[] {3, 28, 28}, counting(3 * 784))));
        Path labels = write("lab.gz", gzip(idx(new int[] {3}, new byte[] {0, 9, 4})));
        try (Dataset d = FashionMnist.load("tiny", images, labels)) {
            assertEquals(3, d.size());
            assertEquals(784, d.width());
            assertArrayEquals(new int[] {0, 9, 4}, d.labels());
            assertEquals((counting(3 * 784)[784 + 5] & 0xff) / 255f, d.features().get(1, 5));   // row 1, column 5, scaled to [0, 1]
        }
        Path fewLabels = write("lab2", idx(new int[] {2}, new byte[] {0, 1}));
        assertTrue(assertThrows(InvalidDataException.class, () -> FashionMnist.load("x", images, fewLabels)).getMessage()
                .contains("holds 2 labels but img.gz holds 3 images"));
        Path badLabel = write("lab3", idx(new int[] {3}, new byte[] {0, 10, 1}));
        assertTrue(assertThrows(InvalidDataException.class, () -> FashionMnist.load("x", images, badLabel)).getMessage()
                .contains("label 10 at index 1 is outside [0, 10)"));
        Path wrongShape = write("img2", idx(new int[] {2, 28, 27}, counting(2 * 28 * 27)));
        assertTrue(assertThrows(InvalidDataException.class, () -> FashionMnist.load("x", wrongShape, labels)).getMessage()
                .contains("holds 2x28x27; images must be n x 28x28"));
    }

    @Test
    void locateChecksTheGivenFolder() throws IOException {
        assertTrue(assertThrows(InvalidDataException.class, () -> FashionMnist.requireFiles(dir.resolve("nope")))
                .getMessage().contains("no such folder"));
        Files.write(dir.resolve("train-images-idx3-ubyte.gz"), new byte[0]);
        assertTrue(assertThrows(InvalidDataException.class, () -> FashionMnist.requireFiles(dir))
                .getMessage().contains("has no train-labels-idx1-ubyte.gz"));
    }
}
