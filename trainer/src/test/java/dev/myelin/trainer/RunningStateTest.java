package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.InvalidDataException;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model state (batch normalization's running statistics): its slab, kept apart from the parameters and the optimizer;
 * the model file's section "running state" (round trip, crafted and damaged sections); checkpoints resuming bit for bit.
 */
class RunningStateTest {

    @TempDir
    Path dir;

    /** Dense(8) without a bias's use, BatchNorm, ReLU, Dense(3): 2 state tensors of 8 in layer 1. */
    static Model model(Kernels k, long seed) {
        return Model.of(k, Shape.of(TrainerTest.WIDTH), Loss.SOFTMAX_CROSS_ENTROPY, seed, new Dense(8, Init.HE),
                new BatchNorm(), Activation.relu(), new Dense(TrainerTest.CLASSES, Init.XAVIER));
    }

    @Test
    void theStateLivesInASlabOfItsOwnUnseenByTheOptimizer() throws IOException {
        try (Model m = model(Backends.reference(), 1)) {
            assertEquals(List.of("layer0.W", "layer0.b", "layer1.gamma", "layer1.beta", "layer3.W", "layer3.b"),
                    m.parameters().stream().map(Parameter::name).toList());
            assertEquals(List.of("layer1.running_mean", "layer1.running_var"),
                    m.runningStateTensors().stream().map(Parameter::name).toList());
            // each tensor on a 64-byte boundary: 8 values rounded up to 16
            assertEquals(0, m.runningStateTensors().get(0).offset());
            assertEquals(16, m.runningStateTensors().get(1).offset());
            assertEquals(32, m.runningState().cols());
            float[] initial = new float[32];
            Arrays.fill(initial, 16, 24, 1f);             // mean 0, variance 1; the gaps 0
            assertArrayEquals(initial, m.runningState().toArray());
            assertEquals(5 * 8 + 8 + 8 + 8 + 8 * 3 + 3, m.size(), "gamma and beta are parameters, the statistics are not");
            assertEquals("layer1.running_var is model state, not trained: it has no gradient",
                    assertThrows(IllegalStateException.class, () -> m.runningStateTensors().get(1).grad()).getMessage());
            // an optimizer with weight decay: the statistics move by the running update alone
            try (Dataset data = TrainerTest.blobs(64, 7); Trainer t = new Trainer(m, Adam.adamw(0.1f, 0.5f)).batchSize(64)) {
                assertEquals(m.values().cols(), t.state().get(0).cols(), "the optimizer's state is laid out as the parameters");
                float[] before = m.runningState().toArray();
                t.fit(data, 1);
                float[] after = m.runningState().toArray();
                assertTrue(!Arrays.equals(before, after), "one training step updates the running statistics");
                for (int j = 8; j < 16; j++) {
                    assertEquals(0f, after[j], "the slab's gaps stay zero");
                }
            }
        }
        try (Model plain = TrainerTest.model(Backends.reference(), 1)) {
            assertEquals(List.of(), plain.runningStateTensors());
            assertArrayEquals(new float[1], plain.runningState().toArray(), "a model without state has a slab of one zero");
        }
    }

    /** Trains {@link #model} for {@code epochs} on the blobs, so that its parameters and statistics are its own. */
    private static void train(Model m, int epochs) throws IOException {
        try (Dataset data = TrainerTest.blobs(200, 7); Trainer t = new Trainer(m, Adam.adam(0.01f)).batchSize(32).seed(5)) {
            t.fit(data, epochs);
        }
    }

    @Test
    void aModelFileKeepsParametersAndRunningStatisticsBitForBit() throws IOException {
        Kernels k = Backends.reference();
        Path file = dir.resolve("bn.model");
        try (Model m = model(k, 1); Dataset data = TrainerTest.blobs(50, 8)) {
            train(m, 2);
            m.save(file);
            try (Model back = Model.load(file, k)) {
                assertArrayEquals(m.values().toArray(), back.values().toArray());
                assertArrayEquals(m.runningState().toArray(), back.runningState().toArray());
                assertEquals(m.summary(), back.summary());
                assertArrayEquals(m.predict(data.features()).toArray(), back.predict(data.features()).toArray());
            }
        }
    }

    /** The bytes of {@link #model}'s file without its section "running state" (the last one), framed again. */
    private static byte[] withoutState(Model m) throws IOException {
        byte[] file = m.toBytes();
        long section = 2 + "running state".length() + 4;
        for (Parameter p : m.runningStateTensors()) {
            section += 2 + p.name().length() + 8 + 4 * p.size();
        }
        int end = (int) (file.length - Framing.TRAILER - section);
        return Framing.frame(ModelFile.MAGIC, ModelFile.VERSION, out -> out.write(file, Framing.HEADER, end - Framing.HEADER));
    }

    /** {@code plain} (a framed file without sections) with {@code sections} after its tensors, framed again. */
    private static byte[] withSections(byte[] plain, Framing.Body sections) throws IOException {
        return Framing.frame(ModelFile.MAGIC, ModelFile.VERSION, out -> {
            out.write(plain, Framing.HEADER, plain.length - Framing.HEADER - Framing.TRAILER);
            sections.write(out);
        });
    }

    /** A section "running state" of the given tensors: name, rows (1), cols, values. */
    private static void state(DataOutputStream out, int count, Object... nameAndValues) throws IOException {
        out.writeUTF("running state");
        out.writeInt(count);
        for (int i = 0; i < nameAndValues.length; i += 2) {
            float[] v = (float[]) nameAndValues[i + 1];
            out.writeUTF((String) nameAndValues[i]);
            out.writeInt(1);
            out.writeInt(v.length);
            for (float f : v) {
                out.writeFloat(f);
            }
        }
    }

    private static float[] filled(float v) {
        float[] a = new float[8];
        Arrays.fill(a, v);
        return a;
    }

    private static void assertRefused(Kernels k, byte[] bytes, String expected) {
        String message = assertThrows(InvalidDataException.class, () -> Model.fromBytes(bytes, "bad.model", k)).getMessage();
        assertEquals(expected, message);
    }

    /**
     * A file whose section is missing, repeated, truncated or crafted (another count, names or shapes, a value not
     * finite, a negative variance) is refused with the file named, before the model is built; the same section rebuilt
     * from good values loads (so the helpers write what the format says).
     */
    @Test
    void aBadStateSectionIsRefusedWithTheFileNamed() throws IOException {
        Kernels k = Backends.reference();
        try (Model m = model(k, 1)) {
            byte[] plain = withoutState(m);
            float[] var = filled(2f);
            var[3] = 0f;                      // a variance of 0 is allowed: a constant channel
            try (Model good = Model.fromBytes(withSections(plain, out -> state(out, 2, "layer1.running_mean", filled(-0.5f),
                    "layer1.running_var", var)), "good.model", k)) {
                assertArrayEquals(filled(-0.5f), good.runningStateTensors().get(0).value().toArray());
                assertArrayEquals(var, good.runningStateTensors().get(1).value().toArray());
            }
            assertRefused(k, plain, "bad.model: has no section 'running state', but the model has 2 state tensors in the layers "
                    + "it declares, layer1.running_mean 1x8 first");
            float[] negative = filled(1f);
            negative[5] = -1e-30f;
            assertRefused(k, withSections(plain, out -> state(out, 2, "layer1.running_mean", filled(0f), "layer1.running_var",
                    negative)), "bad.model: malformed: element 5 of the running state layer1.running_var is -1.0E-30; it must be "
                    + "at least 0.0");
            float[] nan = filled(0f);
            nan[2] = Float.NaN;
            assertRefused(k, withSections(plain, out -> state(out, 2, "layer1.running_mean", nan, "layer1.running_var",
                    filled(1f))), "bad.model: malformed: element 2 of the running state layer1.running_mean is NaN; it must be "
                    + "finite");
            assertRefused(k, withSections(plain, out -> state(out, 2, "layer1.running_mean", filled(0f), "layer1.running_var",
                    filled(Float.POSITIVE_INFINITY))), "bad.model: malformed: element 0 of the running state layer1.running_var "
                    + "is Infinity; it must be finite");
            assertRefused(k, withSections(plain, out -> state(out, 1, "layer1.running_mean", filled(0f))),
                    "bad.model: holds 1 tensors, without layer1.running_var 1x8 in the layers it declares");
            assertRefused(k, withSections(plain, out -> state(out, 2, "layer1.running_var", filled(1f), "layer1.running_mean",
                    filled(0f))), "bad.model: tensor 0 is layer1.running_var 1x8 in the file, layer1.running_mean 1x8 in the "
                    + "layers it declares");
            assertRefused(k, withSections(plain, out -> state(out, 2, "layer1.running_mean", new float[7], "layer1.running_var",
                    filled(1f))), "bad.model: tensor 0 is layer1.running_mean 1x7 in the file, layer1.running_mean 1x8 in the "
                    + "layers it declares");
            assertRefused(k, withSections(plain, out -> state(out, 0)), "bad.model: malformed: a running state of 0 tensors");
            assertRefused(k, withSections(plain, out -> {
                out.writeUTF("running state");
                out.writeInt(1);
                out.writeUTF("layer1.running_mean");
                out.writeInt(1000);
                out.writeInt(1000);
            }), "bad.model: malformed: tensor 0 (layer1.running_mean) is 1000x1000 with 0 bytes left");
            assertRefused(k, withSections(plain, out -> out.writeUTF("running state")),
                    "bad.model: malformed the section 'running state' (the file's body ends inside it)");
            assertRefused(k, withSections(plain, out -> {
                state(out, 2, "layer1.running_mean", filled(0f), "layer1.running_var", filled(1f));
                state(out, 2, "layer1.running_mean", filled(0f), "layer1.running_var", filled(1f));
            }), "bad.model: malformed: an unknown or repeated section 'running state' after the last tensor");
        }
        try (Model plain = TrainerTest.model(k, 1)) {
            assertRefused(k, withSections(plain.toBytes(), out -> state(out, 1, "layer1.running_mean", filled(0f))),
                    "bad.model: holds the tensor layer1.running_mean 1x8, which is not in the layers it declares");
        }
    }

    /**
     * A model without state writes no section: its file is byte for byte what it was before the section existed, and
     * such a file loads (the other model file tests load files of models without state throughout).
     */
    @Test
    void aModelWithoutStateWritesNoSection() throws IOException {
        try (Model m = TrainerTest.model(Backends.reference(), 1)) {
            byte[] bytes = m.toBytes();
            assertArrayEquals(bytes, withSections(bytes, out -> { }));
            assertTrue(ModelFile.decode(bytes, Path.of("plain.model")).runningState().isEmpty());
        }
    }

    /**
     * A run with batch normalization stopped after epoch 2 and resumed from its checkpoint in a fresh model (other
     * initial weights, initial statistics) ends as the uninterrupted run, parameters and running statistics bit for bit.
     */
    @Test
    void aCheckpointResumesBitForBitWithBatchNorm() throws IOException {
        Kernels k = Backends.reference();
        Path file = dir.resolve("after2.ckpt");
        float[] values;
        float[] state;
        try (Dataset train = TrainerTest.blobs(200, 7); Model m = model(k, 21);
             Trainer t = new Trainer(m, Adam.adam(0.01f)).batchSize(32).seed(21)) {
            t.fit(train, 4, new TrainingListener() {
                @Override
                public void onEpochEnd(EpochResult r, Trainer trainer) throws IOException {
                    if (r.epoch() == 2) {
                        Checkpoint.save(file, trainer);
                    }
                }
            });
            values = m.values().toArray();
            state = m.runningState().toArray();
        }
        try (Dataset train = TrainerTest.blobs(200, 7); Model m = model(k, 99);
             Trainer t = new Trainer(m, Adam.adam(0.01f)).batchSize(32).seed(99)) {
            Checkpoint.load(file, t);
            assertEquals(2, t.epochs());
            t.fit(train, 4);
            assertArrayEquals(values, m.values().toArray(), "the parameters");
            assertArrayEquals(state, m.runningState().toArray(), "the running statistics");
        }
    }

    /** Early stopping puts back the best epoch's running statistics with its parameters: they belong together. */
    @Test
    void earlyStoppingRestoresTheStatisticsWithTheParameters() throws IOException {
        Kernels k = Backends.reference();
        try (Dataset train = TrainerTest.blobs(200, 7); Dataset validation = TrainerTest.blobs(50, 8); Model m = model(k, 3);
             Trainer t = new Trainer(m, Adam.adam(0.01f)).batchSize(32).seed(3)) {
            float[][] snapshots = new float[40][];
            float[][] values = new float[40][];
            EarlyStopping stop = new EarlyStopping(1, 1e9);   // nothing improves by 1e9 after the first epoch: stop at 2
            t.fit(train, validation, 40, new TrainingListener() {
                @Override
                public void onEpochEnd(EpochResult r, Trainer trainer) {
                    snapshots[r.epoch()] = m.runningState().toArray();
                    values[r.epoch()] = m.values().toArray();
                }
            }, stop);
            assertTrue(stop.restored());
            assertEquals(1, stop.bestEpoch());
            assertArrayEquals(values[1], m.values().toArray());
            assertArrayEquals(snapshots[1], m.runningState().toArray());
            assertTrue(!Arrays.equals(snapshots[1], snapshots[2]), "epoch 2 moved the statistics");
        }
    }

    /**
     * Statistics that overflow stop the fit, as diverged parameters do, rather than leaving a model whose predictions
     * are NaN and whose file would be refused: a feature of +-3e38 has a variance of 9e76, finite in the kernel's
     * double sums and infinite once rounded to float; its rstd is then 0, so the outputs, the loss and the parameters
     * stay finite, and only the running variance shows it.
     */
    @Test
    void runningStatisticsThatOverflowStopTheFit() {
        int n = 64;
        float[] x = new float[2 * n];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i % 2 == 0 ? 3e38f : -3e38f;
            x[2 * i + 1] = i % 3;
            labels[i] = i % 2;
        }
        try (Dataset data = Dataset.classification("huge", x, 2, labels, 2);
             Model m = Model.of(Backends.reference(), Shape.of(2), Loss.SOFTMAX_CROSS_ENTROPY, 1, new BatchNorm(), new Dense(2));
             Trainer t = new Trainer(m, Adam.adam(0.01f)).batchSize(n)) {
            String message = assertThrows(DivergenceException.class, () -> t.fit(data, 1)).getMessage();
            assertTrue(message.contains("the running statistics (model state) are NaN or infinite after it"), message);
            assertTrue(Float.isInfinite(m.runningStateTensors().get(1).value().get(0, 0)));
        }
    }
}
