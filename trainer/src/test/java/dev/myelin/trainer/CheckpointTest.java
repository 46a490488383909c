package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.InvalidDataException;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checkpoint format round-trips exactly and rejects every kind of bad file before touching the trainer. */
class CheckpointTest {

    @TempDir
    Path dir;

    private static Model model(long seed, int hidden) {
        return Model.of(Backends.reference(), Shape.of(6), Loss.MSE, seed, new Dense(hidden, Init.HE), Activation.relu(),
                new Dense(3, Init.XAVIER));
    }

    /** Fills the parameter slab and every optimizer state block with distinct values and sets the counters. */
    private static void scramble(Trainer t, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (Parameter p : t.model().parameters()) {
            fill(p.value(), rnd);
        }
        for (Matrix m : t.state()) {
            fill(m, rnd);
        }
        t.restore(7, 1234, 99);
    }

    private static void fill(Matrix m, SplittableRandom rnd) {
        float[] v = new float[(int) m.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        m.copyFrom(v);
    }

    @Test
    void roundTripRestoresEveryTensorAndCounterExactly() throws IOException {
        Path file = dir.resolve("run.ckpt");
        try (var m1 = model(1, 5); var t1 = new Trainer(m1, Adam.adam(1e-3f)).batchSize(4).seed(1);
             var m2 = model(2, 5); var t2 = new Trainer(m2, Adam.adam(1e-3f)).batchSize(4).seed(2)) {
            scramble(t1, 5);
            Checkpoint.save(file, t1);
            Checkpoint.Contents c = Checkpoint.load(file, t2);
            assertEquals(Adam.adam(1e-3f).toString(), c.optimizer());
            assertEquals("reference", c.model().backend());
            assertEquals(1234, t2.steps());
            assertEquals(7, t2.epochs());
            assertEquals(99, t2.seed());
            assertArrayEquals(m1.values().toArray(), m2.values().toArray(), "the parameter slab");
            assertEquals(2, t1.state().size());
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(t1.state().get(i).toArray(), t2.state().get(i).toArray(), "state block " + i);
            }
        }
    }

    @Test
    void corruptTruncatedAndMismatchedFilesAreClearErrorsAndChangeNothing() throws IOException {
        Path file = dir.resolve("run.ckpt");
        try (var m1 = model(1, 5); var t1 = new Trainer(m1, new Sgd(0.1f, 0.9f)).batchSize(4).seed(1);
             var m2 = model(2, 5); var t2 = new Trainer(m2, new Sgd(0.1f, 0.9f)).batchSize(4).seed(2)) {
            scramble(t1, 5);
            Checkpoint.save(file, t1);
            byte[] good = Files.readAllBytes(file);
            float[] before = m2.values().toArray();

            byte[] flipped = good.clone();
            flipped[good.length / 2] ^= 0x10;
            assertError(t2, flipped, "corrupt (checksum): its CRC-32C is");
            assertError(t2, Arrays.copyOf(good, good.length - 1), "truncated: the file has " + (good.length - 1) + " of its "
                    + good.length + " bytes");
            assertError(t2, Arrays.copyOf(good, good.length / 2), "truncated:");
            assertError(t2, Arrays.copyOf(good, 5), "truncated: the file ends (at 5 bytes) inside the 20-byte header");
            byte[] magic = good.clone();
            magic[0] = 'X';
            assertError(t2, magic, "not a Myelin checkpoint");
            byte[] version = good.clone();
            version[11] = 3;
            assertError(t2, version, "checkpoint format version 3 is not supported");
            assertError(t2, Arrays.copyOf(good, good.length + 3), "3 unexpected bytes after its end");
            assertError(t2, versionOne(), "a checkpoint of format version 1, written before Myelin had model files");
            assertArrayEquals(before, m2.values().toArray(), "a rejected file changed the model");
            assertEquals(0, t2.epochs());
            assertEquals(0, t2.steps());
        }
        try (var m3 = model(3, 4); var t3 = new Trainer(m3, new Sgd(0.1f, 0.9f)).batchSize(4)) {
            String e = assertThrows(InvalidDataException.class, () -> Checkpoint.load(file, t3)).getMessage();
            assertTrue(e.contains("holds another model: layer 0 is dense{init=he, units=5} in the file, "
                    + "dense{init=he, units=4} in this model"), e);
        }
        try (var m4 = model(3, 5); var t4 = new Trainer(m4, Adam.adamw(0.1f, 0.01f)).batchSize(4)) {
            String e = assertThrows(InvalidDataException.class, () -> Checkpoint.load(file, t4)).getMessage();
            assertTrue(e.contains("was written with optimizer sgd(lr=0.1, momentum=0.9, weightDecay=0.0), this trainer has "
                    + "adamw(lr=0.1"), e);
        }
        try (var m5 = model(3, 5); var t5 = new Trainer(m5, new Sgd(0.1f, 0.9f)).batchSize(8)) {
            String e = assertThrows(InvalidDataException.class, () -> Checkpoint.load(file, t5)).getMessage();
            assertTrue(e.contains("was written with batch size 4, this trainer has 8"), e);
        }
        try (var m6 = model(3, 5); var t6 = new Trainer(m6, new Sgd(0.1f, 0.9f)).batchSize(4).schedule(Schedule.cosine(5))) {
            String e = assertThrows(InvalidDataException.class, () -> Checkpoint.load(file, t6)).getMessage();
            assertTrue(e.contains("was written with schedule Constant[], this trainer has Cosine[epochs=5, floor=0.0]"), e);
        }
    }

    /** The start of a version-1 checkpoint, as the previous format wrote it. */
    private static byte[] versionOne() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.write(Checkpoint.MAGIC);
        out.writeInt(1);
        out.writeUTF("Dense(6->5) -> ReLU -> Dense(5->3)");
        out.writeUTF("sgd");
        return b.toByteArray();
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
