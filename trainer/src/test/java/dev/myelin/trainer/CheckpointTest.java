package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.trainer.data.InvalidDataException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint format round-trips exactly and rejects every kind of bad file before touching the model. */
class CheckpointTest {

    @TempDir
    Path dir;

    private static Sequential model(long seed, int hidden) {
        return new Sequential(Backends.reference(), 6, seed, new Dense(hidden, Init.HE), Activation.relu(),
                new Dense(3, Init.XAVIER));
    }

    /** Fills every parameter and optimizer state tensor with distinct values and sets the progress counters. */
    private static void scramble(Trainer t, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (Parameter p : all(t)) {
            float[] v = new float[(int) p.value().size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
            p.value().copyFrom(v);
        }
        t.optimizer().steps(1234);
        t.restore(7, 99);
    }

    private static List<Parameter> all(Trainer t) {
        return Stream.concat(t.model().parameters().stream(), t.optimizer().state().stream()).toList();
    }

    @Test
    void roundTripRestoresEveryTensorAndCounterExactly() throws IOException {
        Path file = dir.resolve("run.ckpt");
        try (var m1 = model(1, 5); var o1 = Adam.adam(m1, 1e-3f); var t1 = new Trainer(m1, Loss.MSE, o1, 4, 1);
             var m2 = model(2, 5); var o2 = Adam.adam(m2, 1e-3f); var t2 = new Trainer(m2, Loss.MSE, o2, 4, 2)) {
            scramble(t1, 5);
            Checkpoint.save(file, t1);
            Checkpoint.Contents c = Checkpoint.load(file, t2);
            assertEquals("adam", c.optimizer());
            assertEquals("reference", c.backend());
            assertEquals(1234, t2.optimizer().steps());
            assertEquals(7, t2.epochs());
            assertEquals(99, t2.seed());
            List<Parameter> a = all(t1);
            List<Parameter> b = all(t2);
            assertEquals(4 + 8, a.size());        // W, b of two layers; m and v of each
            for (int i = 0; i < a.size(); i++) {
                assertEquals(a.get(i).name(), b.get(i).name());
                assertArrayEquals(a.get(i).value().toArray(), b.get(i).value().toArray(), a.get(i).name());
            }
        }
    }

    @Test
    void corruptTruncatedAndMismatchedFilesAreClearErrorsAndChangeNothing() throws IOException {
        Path file = dir.resolve("run.ckpt");
        try (var m1 = model(1, 5); var o1 = new Sgd(m1, 0.1f, 0.9f); var t1 = new Trainer(m1, Loss.MSE, o1, 4, 1);
             var m2 = model(2, 5); var o2 = new Sgd(m2, 0.1f, 0.9f); var t2 = new Trainer(m2, Loss.MSE, o2, 4, 2)) {
            scramble(t1, 5);
            Checkpoint.save(file, t1);
            byte[] good = Files.readAllBytes(file);
            float[] before = m2.parameters().get(0).value().toArray();

            byte[] flipped = good.clone();
            flipped[good.length / 2] ^= 0x10;
            assertError(t2, flipped, "corrupt: its CRC-32 is");
            assertError(t2, Arrays.copyOf(good, good.length - 1), "truncated: the file ends (at " + (good.length - 1)
                    + " bytes) inside the CRC-32");
            assertError(t2, Arrays.copyOf(good, good.length / 2), "truncated:");
            assertError(t2, Arrays.copyOf(good, 5), "truncated: the file ends (at 5 bytes) inside the magic number");
            byte[] magic = good.clone();
            magic[0] = 'X';
            assertError(t2, magic, "not a Myelin checkpoint");
            byte[] version = good.clone();
            version[11] = 2;
            assertError(t2, version, "checkpoint format version 2 is not supported");
            byte[] longer = Arrays.copyOf(good, good.length + 3);
            assertError(t2, longer, "3 unexpected bytes after the checksum");
            assertArrayEquals(before, m2.parameters().get(0).value().toArray(), "a rejected file changed the model");
            assertEquals(0, t2.epochs());
        }
        try (var m3 = model(3, 4); var o3 = new Sgd(m3, 0.1f, 0.9f); var t3 = new Trainer(m3, Loss.MSE, o3, 4, 1)) {
            String e = assertThrows(InvalidDataException.class, () -> Checkpoint.load(file, t3)).getMessage();
            assertTrue(e.contains("holds the model Dense(6->5) -> ReLU -> Dense(5->3), not Dense(6->4)"), e);
        }
        try (var m4 = model(3, 5); var o4 = Adam.adamw(m4, 0.1f, 0.01f); var t4 = new Trainer(m4, Loss.MSE, o4, 4, 1)) {
            String e = assertThrows(InvalidDataException.class, () -> Checkpoint.load(file, t4)).getMessage();
            assertTrue(e.contains("holds the state of optimizer sgd, not adamw"), e);
        }
    }

    private void assertError(Trainer t, byte[] bytes, String expected) throws IOException {
        Path f = Files.write(dir.resolve("bad.ckpt"), bytes);
        String m = assertThrows(InvalidDataException.class, () -> Checkpoint.load(f, t)).getMessage();
        assertTrue(m.startsWith(f.toString()) && m.contains(expected), m);
    }

    @Test
    void aFailedWriteLeavesThePreviousFileAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("report.json");
        AtomicFile.write(file, out -> out.write("old".getBytes()));
        IOException boom = assertThrows(IOException.class, () -> AtomicFile.write(file, out -> {
            out.write("half of the new".getBytes());
            throw new IOException("disk on fire");
        }));
        assertEquals("disk on fire", boom.getMessage());
        assertEquals("old", Files.readString(file));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList());
        }
        AtomicFile.write(file, out -> out.write("new".getBytes()));
        assertEquals("new", Files.readString(file));
    }

    @Test
    void shuffleDependsOnSeedAndEpochOnly() {
        int[] a = new int[50];
        int[] b = new int[50];
        Trainer.shuffle(a, 3, 2);
        Trainer.shuffle(b, 3, 1);
        Trainer.shuffle(b, 3, 2);
        assertArrayEquals(a, b);
        int[] sorted = a.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);      // a permutation
        }
        Trainer.shuffle(b, 3, 3);
        assertTrue(!Arrays.equals(a, b), "two epochs got the same order");
    }
}
