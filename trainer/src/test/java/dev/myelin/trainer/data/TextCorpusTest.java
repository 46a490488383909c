package dev.myelin.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.trainer.Shape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A text read as bytes: which files a folder gives, the windows (inputs the first T bytes, labels the next byte at each
 * position), the held-out tail, the seeded draw, and the errors for bad input. Token ids and labels are byte values:
 * compared exactly.
 */
class TextCorpusTest {

    @TempDir
    Path dir;

    /** Byte i of the text is {@code i % 251}: every window's contents follow from its first input. */
    private static TextCorpus counting(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i % 251);
        }
        return TextCorpus.of("counting", b);
    }

    @Test
    void aFolderGivesItsTextFilesInNameOrderEachOnceAndSkipsBinaryFiles() throws IOException {
        Files.writeString(dir.resolve("b"), "bee\n");
        Files.writeString(dir.resolve("a"), "ä\n");                          // 2 bytes for ä: bytes, not characters
        Files.write(dir.resolve("a.dat"), new byte[] {0, 0, 0, 2, 0, 0, 0, 1});   // strfile's index: version 2
        Files.createSymbolicLink(dir.resolve("a.u8"), dir.resolve("a"));    // the same file again, as Debian's .u8
        Files.writeString(dir.resolve(".hidden"), "no");
        Files.createDirectory(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub").resolve("c"), "not read");
        TextCorpus t = TextCorpus.read(dir);
        assertEquals(List.of(dir.resolve("a"), dir.resolve("b")), t.files());
        assertEquals(List.of(dir.resolve(".hidden"), dir.resolve("a.dat"), dir.resolve("a.u8"), dir.resolve("sub")),
                t.skipped());
        byte[] expected = "ä\nbee\n".getBytes(StandardCharsets.UTF_8);
        assertEquals(expected.length, t.length());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i] & 0xFF, t.token(i), "byte " + i);
        }
        TextCorpus one = TextCorpus.read(dir.resolve("a.dat"));             // a file named directly is read as it is
        assertEquals(8, one.length());
    }

    @Test
    void windowsAreTheInputsAndTheNextByteAtEachPosition() {
        TextCorpus t = counting(1000);
        int context = 7;
        try (Dataset train = t.training(context, 0.1, 50, 42, 0)) {
            assertEquals(50, train.size());
            assertEquals(Shape.of(context), train.shape());
            assertEquals(context, train.labelsPerSample());
            assertEquals(TextCorpus.VOCABULARY, train.classes());
            float[] x = train.features().toArray();
            int[] y = train.labels();
            for (int i = 0; i < 50; i++) {
                int o = (int) x[i * context];
                assertTrue(o + context + 1 <= 900, "window " + i + " at " + o + " stays before the held-out tail at 900");
                for (int j = 0; j < context; j++) {
                    assertEquals((o + j) % 251, x[i * context + j], 0f);
                    assertEquals((o + j + 1) % 251, y[i * context + j]);
                }
            }
        }
    }

    @Test
    void theDrawIsAFunctionOfTheSeedAndTheEpochAndReachesEveryOffset() {
        TextCorpus t = counting(20);                                        // training part 18 bytes: offsets 0..14
        try (Dataset a = t.training(3, 0.1, 400, 42, 0); Dataset b = t.training(3, 0.1, 400, 42, 0);
             Dataset c = t.training(3, 0.1, 400, 42, 1); Dataset d = t.training(3, 0.1, 400, 43, 0)) {
            assertArrayEquals(a.features().toArray(), b.features().toArray());
            assertArrayEquals(a.labels(), b.labels());
            assertTrue(!java.util.Arrays.equals(a.labels(), c.labels()), "another epoch, other windows");
            assertTrue(!java.util.Arrays.equals(a.labels(), d.labels()), "another seed, other windows");
            boolean[] seen = new boolean[15];
            float[] x = a.features().toArray();
            for (int i = 0; i < 400; i++) {
                seen[(int) x[3 * i]] = true;
            }
            for (int o = 0; o < 15; o++) {
                assertTrue(seen[o], "offset " + o + " drawn in 400 draws of 15 (missed with probability 15 (14/15)^400)");
            }
        }
    }

    @Test
    void theValidationWindowsCutTheTailInOrder() {
        TextCorpus t = counting(1000);                                      // tail: bytes 900..999
        try (Dataset v = t.validation(8, 0.1)) {
            assertEquals(12, v.size(), "(100 - 1) / 8 windows");
            float[] x = v.features().toArray();
            int[] y = v.labels();
            for (int k = 0; k < 12; k++) {
                for (int j = 0; j < 8; j++) {
                    assertEquals((900 + 8 * k + j) % 251, x[8 * k + j], 0f);
                    assertEquals((900 + 8 * k + j + 1) % 251, y[8 * k + j]);
                }
            }
        }
        assertEquals(900, t.validationStart(TextCorpus.VALIDATION));
        assertEquals(1000, t.validationStart(0));
    }

    @Test
    void badInputIsNamed() throws IOException {
        TextCorpus t = counting(100);
        assertEquals("context must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> t.training(0, 0.1, 5, 1, 0)).getMessage());
        assertEquals("context must be >= 1, got -3", assertThrows(IllegalArgumentException.class,
                () -> t.validation(-3, 0.1)).getMessage());
        assertEquals("windows must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> t.training(4, 0.1, 0, 1, 0)).getMessage());
        assertEquals("validation must be a fraction in [0, 1), got 1.0", assertThrows(IllegalArgumentException.class,
                () -> t.training(4, 1, 5, 1, 0)).getMessage());
        assertEquals("counting has 100 bytes; its training part (the first 90) is shorter than a window of context + 1 = 91 "
                + "bytes", assertThrows(IllegalArgumentException.class, () -> t.training(90, 0.1, 5, 1, 0)).getMessage());
        assertEquals("counting has 100 bytes; its held-out tail (the last 10, 0.1 of it) is shorter than a window of context "
                + "+ 1 = 11 bytes", assertThrows(IllegalArgumentException.class, () -> t.validation(10, 0.1)).getMessage());
        String huge = assertThrows(IllegalArgumentException.class, () -> t.training(8, 0.1, Integer.MAX_VALUE, 1, 0))
                .getMessage();
        assertTrue(huge.startsWith("counting training windows: 2,147,483,647 windows of 8 tokens need"), huge);
        assertEquals("empty: the text is empty", assertThrows(IllegalArgumentException.class,
                () -> TextCorpus.of("empty", new byte[0])).getMessage());
        Path missing = dir.resolve("missing.txt");
        assertTrue(assertThrows(NoSuchFileException.class, () -> TextCorpus.read(missing)).getMessage()
                .contains("missing.txt"));
        Path empty = Files.write(dir.resolve("empty.txt"), new byte[0]);
        assertEquals(empty + ": the text is empty", assertThrows(InvalidDataException.class, () -> TextCorpus.read(empty))
                .getMessage());
        Path folder = Files.createDirectory(dir.resolve("binary"));
        Files.write(folder.resolve("x.dat"), new byte[] {0, 1});
        assertEquals(folder + ": no text file in the folder (skipped: [" + folder.resolve("x.dat") + "])",
                assertThrows(InvalidDataException.class, () -> TextCorpus.read(folder)).getMessage());
    }
}
