package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.InvalidDataException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The model: shapes, the slabs, inference with no preparation, evaluation, and the model file. */
class ModelTest {

    @TempDir
    Path dir;

    static Model images(Kernels k, long seed) {
        return Model.of(k, Shape.image(4, 3, 2), Loss.SOFTMAX_CROSS_ENTROPY, seed, new Standardize(0.5f, 2f), new Flatten(),
                new Dense(7, Init.HE), Activation.relu(), new Dropout(0.5f), new Dense(3));
    }

    static Matrix random(Arena arena, int rows, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(-2, 2);
        }
        return Matrix.of(arena, rows, cols, v);
    }

    @Test
    void layersReportTheirShapesAndParametersLieInOneSlabOnCacheLineBoundaries() {
        try (Model m = images(Backends.reference(), 1)) {
            assertEquals(Shape.of(4, 3, 2), m.inputShape());
            assertEquals(List.of(Shape.of(4, 3, 2), Shape.of(24), Shape.of(7), Shape.of(7), Shape.of(7), Shape.of(3)),
                    java.util.stream.IntStream.range(0, 6).mapToObj(m::outputShape).toList());
            assertEquals(Shape.of(3), m.outputShape());
            assertEquals(24 * 7 + 7 + 7 * 3 + 3, m.size());
            List<String> names = m.parameters().stream().map(Parameter::name).toList();
            assertEquals(List.of("layer2.W", "layer2.b", "layer5.W", "layer5.b"), names);
            // 168, 7, 21, 3 values, each padded to a multiple of 16 floats (64 bytes)
            assertEquals(List.of(0L, 176L, 192L, 224L), m.parameters().stream().map(Parameter::offset).toList());
            assertEquals(1, m.values().rows());
            assertEquals(240, m.values().cols());
            assertEquals(240, m.gradients().cols());
            long base = m.values().segment().address();
            for (Parameter p : m.parameters()) {
                long at = p.value().segment().address() + p.value().offset() * Float.BYTES;
                assertEquals(base + p.offset() * Float.BYTES, at, p.name());
                assertEquals(0, at % 64, p.name() + " starts on a cache line");
                assertTrue(p.grad().segment().address() == m.gradients().segment().address(), "gradient in the gradient slab");
            }
            float[] slab = m.values().toArray();
            for (int i = 168; i < 176; i++) {
                assertEquals(0f, slab[i], "padding stays zero");
            }
            String summary = m.summary();
            assertTrue(summary.lines().anyMatch(l -> l.matches("Flatten\\(4, 3, 2\\) +\\(24\\) +0")), summary);
            assertTrue(summary.lines().anyMatch(l -> l.matches("Dense\\(24->7\\) +\\(7\\) +175")), summary);
            assertTrue(summary.lines().anyMatch(l -> l.matches("total +199")), summary);
        }
    }

    @Test
    void aLayerThatDoesNotFitItsInputShapeIsNamed() {
        String e = assertThrows(IllegalArgumentException.class, () -> Model.of(Backends.reference(), Shape.image(4, 3, 2),
                Loss.MSE, 1, new Dense(3))).getMessage();
        assertEquals("layer 0 (Dense(3)): Dense(3) takes a flat input, got shape (4, 3, 2); put a Flatten layer before it", e);
        Dense shared = new Dense(2);
        try (Model first = Model.of(Backends.reference(), Shape.of(3), Loss.MSE, 1, shared)) {
            String again = assertThrows(IllegalStateException.class, () -> Model.of(Backends.reference(), Shape.of(3), Loss.MSE,
                    1, shared)).getMessage();
            assertEquals("Dense(3->2) already belongs to a model; each model needs layer instances of its own", again);
        }
        assertThrows(IllegalArgumentException.class, () -> Shape.of(3, 0));
    }

    @Test
    void flattenIsAReshapeThatCopiesNothing() {
        try (Arena arena = Arena.ofConfined(); Model m = Model.of(Backends.reference(), Shape.image(2, 2, 1), Loss.MSE, 1,
                new Flatten(), new Dense(1))) {
            Flatten f = (Flatten) m.layers().get(0);
            Matrix x = random(arena, 3, 4, 1);
            assertSame(x, f.forward(x, true));
            assertSame(x, f.backward(x, true, false));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void predictNeedsNoPreparationAndGivesTheLossesOutputs(String backend) {
        Kernels k = Backends.get(backend);
        try (Arena arena = Arena.ofConfined(); Model m = images(k, 3)) {
            Matrix x = random(arena, 700, 24, 2);          // more rows than one internal pass (256)
            Matrix p = m.predict(x);
            Matrix logits = Matrix.allocate(arena, 700, 3);
            Matrix expected = Matrix.allocate(arena, 700, 3);
            for (int from = 0; from < 700; from += 100) {
                k.copy(logits.rows(from, 100), m.forward(x.rows(from, 100), false));
            }
            k.softmaxForward(expected, logits);
            // the same kernels on the same rows: equal to the bit (dropout is off outside training)
            assertArrayEquals(expected.toArray(), p.toArray());
            int[] classes = m.predictClasses(x);
            int[] argmax = new int[700];
            k.rowArgmax(argmax, logits);
            assertArrayEquals(argmax, classes);
            Matrix into = Matrix.allocate(arena, 700, 3);
            m.predict(x, into);
            assertArrayEquals(p.toArray(), into.toArray());
            p.close();
            String wrong = assertThrows(IllegalArgumentException.class, () -> m.predict(random(arena, 2, 5, 1))).getMessage();
            assertEquals("x has 5 columns, the model takes samples of shape (4, 3, 2) (24 values)", wrong);
            String out = assertThrows(IllegalArgumentException.class, () -> m.predict(x, Matrix.allocate(arena, 700, 2)))
                    .getMessage();
            assertEquals("out is 700x2, the predictions for x are 700x3", out);
        }
    }

    /**
     * A hand-made model whose output is its input (Dense with W = I, b = 0): the confusion matrix, accuracy,
     * precision and recall of known logits, and the loss, computed without gradients.
     */
    @Test
    void evaluateCountsTheConfusionMatrixOfKnownPredictions() {
        float[] x = {3, 1, 0,      // predicted 0, label 0
                     0, 2, 1,      // predicted 1, label 0
                     0, 0, 5,      // predicted 2, label 2
                     1, 4, 0};     // predicted 1, label 1
        int[] y = {0, 0, 2, 1};
        try (Dataset data = Dataset.classification("four", x, 3, y, 3);
             Model m = Model.of(Backends.reference(), Shape.of(3), Loss.SOFTMAX_CROSS_ENTROPY, 1, new Dense(3))) {
            m.parameters().get(0).value().copyFrom(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1});
            m.parameters().get(1).value().fill(0f);
            Evaluation e = m.evaluate(data);
            assertEquals(0.75, e.accuracy());
            assertArrayEquals(new long[][] {{1, 1, 0}, {0, 1, 0}, {0, 0, 1}}, e.confusionMatrix());
            assertEquals(1.0, e.precision(0));
            assertEquals(0.5, e.precision(1));
            assertEquals(0.5, e.recall(0));
            assertEquals(1.0, e.recall(1));
            // mean of logsumexp(x) - x[label], in double: the log-softmax kernel's float values differ from it by a
            // few ulps of numbers below 5, so 1e-5 covers it with a wide margin
            double expected = 0;
            for (int i = 0; i < 4; i++) {
                double s = 0;
                for (int j = 0; j < 3; j++) {
                    s += Math.exp(x[i * 3 + j]);
                }
                expected += Math.log(s) - x[i * 3 + y[i]];
            }
            assertEquals(expected / 4, e.loss(), 1e-5);
            assertTrue(e.toString().contains("accuracy 75.00% on 4 samples"), e.toString());
            assertEquals(0.0, m.gradients().toArray()[0], "evaluate computed no gradient");
        }
    }

    /** The logits, through the loss's output and classify, are predict's and predictClasses' results to the bit. */
    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void logitsThroughTheLossGiveThePredictionsExactly(String backend) {
        Kernels k = Backends.get(backend);
        try (Arena arena = Arena.ofConfined(); Model m = images(k, 5)) {
            Matrix x = random(arena, 300, 24, 9);                   // more rows than one chunk of 256
            Matrix logits = Matrix.allocate(arena, 300, 3);
            Matrix p = Matrix.allocate(arena, 300, 3);
            m.logits(x, logits);
            Loss.SOFTMAX_CROSS_ENTROPY.output(k, p, logits);
            int[] classes = new int[300];
            Loss.SOFTMAX_CROSS_ENTROPY.classify(k, logits, classes);
            try (Matrix expected = m.predict(x)) {
                assertArrayEquals(expected.toArray(), p.toArray());
            }
            assertArrayEquals(m.predictClasses(x), classes);
            assertFalse(Arrays.equals(logits.toArray(), p.toArray()), "the logits are not the probabilities");
        }
    }

    /** A class never predicted has no precision: the table shows {@code -} there, not {@code NaN%}. */
    @Test
    void anUnpredictedClassShowsADashForItsPrecision() {
        float[] x = {3, 1, 0,      // predicted 0, label 0
                     1, 4, 0,      // predicted 1, label 1
                     0, 5, 1};     // predicted 1, label 2: class 2 is never predicted
        try (Dataset data = Dataset.classification("three", x, 3, new int[] {0, 1, 2}, 3);
             Model m = Model.of(Backends.reference(), Shape.of(3), Loss.SOFTMAX_CROSS_ENTROPY, 1, new Dense(3))) {
            m.parameters().get(0).value().copyFrom(new float[] {1, 0, 0, 0, 1, 0, 0, 0, 1});
            m.parameters().get(1).value().fill(0f);
            Evaluation e = m.evaluate(data);
            assertTrue(Double.isNaN(e.precision(2)));
            String table = e.toString();
            assertFalse(table.contains("NaN"), table);
            List<String> lines = table.lines().toList();
            assertEquals("                 2      0      1      0           -     0.00%", lines.get(lines.size() - 1), table);
            assertEquals("                 1      0      1      0      50.00%   100.00%", lines.get(lines.size() - 2), table);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void aSavedModelLoadsWithoutItsLayersInCodeAndPredictsTheSameBits(String backend) throws IOException {
        Kernels k = Backends.get(backend);
        Path file = dir.resolve("m.model");
        try (Arena arena = Arena.ofConfined(); Model m = images(k, 5)) {
            Matrix x = random(arena, 50, 24, 9);
            m.save(file);
            try (Model back = Model.load(file, k); Matrix a = m.predict(x); Matrix b = back.predict(x)) {
                assertEquals(m.toString(), back.toString());
                assertEquals(m.summary(), back.summary());
                assertArrayEquals(m.values().toArray(), back.values().toArray());
                assertArrayEquals(a.toArray(), b.toArray());
            }
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList(), "no temporary file left");
        }
    }

    @Test
    void featureNamesAreAnOptionalSectionAfterTheTensorsAndFilesWithoutItStillLoad() throws IOException {
        try (Model m = Model.of(Backends.reference(), Shape.of(2), Loss.MSE, 1, new Dense(1))) {
            byte[] plain = m.toBytes();                   // no names: the file as written before the section existed
            try (Model back = Model.fromBytes(plain, "plain", Backends.reference())) {
                assertEquals(List.of(), back.featureNames(), "no names: columns are matched by position");
            }
            m.featureNames(List.of("width", "höhe"));
            byte[] named = m.toBytes();
            // the section's name, the count, then each name as a 2-byte length and its modified UTF-8 bytes (ö takes 2)
            assertEquals(plain.length + (2 + "feature names".length()) + 4 + (2 + 5) + (2 + 5), named.length);
            int body = plain.length - Framing.TRAILER;
            assertArrayEquals(Arrays.copyOfRange(plain, Framing.HEADER, body), Arrays.copyOfRange(named, Framing.HEADER, body),
                    "the section is appended; every byte of the body before it is as before");
            try (Model back = Model.fromBytes(named, "named", Backends.reference())) {
                assertEquals(List.of("width", "höhe"), back.featureNames());
                assertArrayEquals(m.values().toArray(), back.values().toArray());
            }
            byte[] unknown = Framing.frame(ModelFile.MAGIC, ModelFile.VERSION, out -> {
                out.write(plain, Framing.HEADER, body - Framing.HEADER);
                out.writeUTF("target scale");
            });
            String e = assertThrows(InvalidDataException.class, () -> Model.fromBytes(unknown, "u.model", Backends.reference()))
                    .getMessage();
            assertTrue(e.startsWith("u.model: malformed: an unknown or repeated section 'target scale' after the last tensor"), e);
            assertEquals("the model takes 2 features, which need as many distinct names; got [a, a]",
                    assertThrows(IllegalArgumentException.class, () -> m.featureNames(List.of("a", "a"))).getMessage());
        }
    }

    @Test
    void aDamagedModelFileIsNamedForWhatIsWrongBeforeAnythingIsBuilt() throws IOException {
        Path file = dir.resolve("m.model");
        try (Model m = images(Backends.reference(), 5)) {
            m.save(file);
        }
        byte[] good = Files.readAllBytes(file);
        byte[] flipped = good.clone();
        flipped[good.length - 40] ^= 1;                      // inside a weight
        assertLoadError(flipped, "corrupt (checksum): its CRC-32C is");
        byte[] text = good.clone();
        text[Framing.HEADER + 2] ^= 0x40;                    // inside the loss name
        assertLoadError(text, "corrupt (checksum)");
        assertLoadError(Arrays.copyOf(good, good.length - 7), "truncated: the file has " + (good.length - 7) + " of its "
                + good.length + " bytes");
        assertLoadError(Arrays.copyOf(good, 10), "truncated: the file ends (at 10 bytes) inside the 20-byte header");
        assertLoadError(Arrays.copyOf(good, good.length + 1), "1 unexpected bytes after its end");
        byte[] magic = good.clone();
        magic[7] = 'K';
        assertLoadError(magic, "not a Myelin model file (it does not start with \"MYELINMD\")");
        byte[] version = good.clone();
        version[11] = 9;
        assertLoadError(version, "model file format version 9 is not supported (this reads [1])");
        assertLoadError(new byte[0], "truncated: the file ends (at 0 bytes) inside the 20-byte header");
        String missing = assertThrows(InvalidDataException.class, () -> Model.load(dir.resolve("none.model"))).getMessage();
        assertTrue(missing.endsWith("none.model: no such model file"), missing);
        String folder = assertThrows(InvalidDataException.class, () -> Model.load(dir)).getMessage();
        assertTrue(folder.endsWith("is a folder, not a model file"), folder);
    }

    private void assertLoadError(byte[] bytes, String expected) throws IOException {
        Path f = Files.write(dir.resolve("bad.model"), bytes);
        String m = assertThrows(InvalidDataException.class, () -> Model.load(f, Backends.reference())).getMessage();
        assertTrue(m.startsWith(f.toString()) && m.contains(expected), m);
    }

    /**
     * A model file of one Dense layer of {@code units} outputs on 2 inputs, loss {@code loss}, with a valid frame;
     * {@code tail} writes what follows the layers (class names, tensors).
     */
    private static byte[] crafted(String loss, int units, Framing.Body tail) throws IOException {
        return Framing.frame(ModelFile.MAGIC, ModelFile.VERSION, out -> {
            out.writeUTF(loss);
            out.writeLong(1);
            out.writeUTF("reference");
            out.writeInt(1);
            out.writeInt(2);
            out.writeInt(1);
            out.writeUTF("dense");
            out.writeInt(2);
            out.writeUTF("init");
            out.writeUTF("xavier");
            out.writeUTF("units");
            out.writeUTF(Integer.toString(units));
            tail.write(out);
        });
    }

    /** No class names, then the tensors W 2x3 and b 1x3. */
    private static final Framing.Body TENSORS_2X3 = out -> {
        out.writeInt(0);
        out.writeInt(2);
        out.writeUTF("layer0.W");
        out.writeInt(2);
        out.writeInt(3);
        Framing.writeFloats(out, new float[] {1, 2, 3, 4, 5, 6});
        out.writeUTF("layer0.b");
        out.writeInt(1);
        out.writeInt(3);
        Framing.writeFloats(out, new float[3]);
    };

    /** The process's peak resident memory in KiB (Linux), from /proc/self/status. */
    private static long peakResidentKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmHWM in /proc/self/status");
    }

    /**
     * A file with a valid checksum whose header declares Dense(20,000,000) on 2 inputs while its tensors are 2x3: the
     * model would take 2 x 4 x (2 + 1) x 20,000,000 bytes = 480 MB (values and gradients, zeroed, so resident) before
     * its tensors were compared. The load must fail on the comparison without allocating: the process's peak resident
     * memory (reset to the current size just before, Linux's /proc/self/clear_refs) grows by far less than that.
     * -XX:MaxDirectMemorySize cannot show this: arena allocations are not counted against it.
     */
    @Test
    void aHeaderDeclaringMoreThanItsTensorsIsRejectedBeforeAnyMemoryIsTaken() throws IOException {
        Path good = Files.write(dir.resolve("good.model"), crafted("mse", 3, TENSORS_2X3));
        try (Model m = Model.load(good, Backends.reference())) {        // the crafting itself is a valid model file
            assertEquals(6f, m.parameters().get(0).value().get(1, 2));
        }
        Path f = Files.write(dir.resolve("crafted.model"), crafted("mse", 20_000_000, TENSORS_2X3));
        Path clear = Path.of("/proc/self/clear_refs");
        assumeTrue(Files.isWritable(clear), "needs Linux's /proc/self/clear_refs");
        Files.writeString(clear, "5");
        long before = peakResidentKib();
        String m = assertThrows(InvalidDataException.class, () -> Model.load(f, Backends.reference())).getMessage();
        long grown = peakResidentKib() - before;
        // a quarter of the 480 MB: room for the JVM's own growth, nowhere near the model's allocation
        assertTrue(grown < 120 * 1024, "the peak resident memory grew by " + grown + " KiB");
        assertEquals(f + ": tensor 0 is layer0.W 2x3 in the file, layer0.W 2x20000000 in the layers it declares", m);
    }

    @Test
    void malformedStringsAreNamedWithoutNullOrRawControlCharacters() throws IOException {
        Path cut = Files.write(dir.resolve("cut.model"), crafted("mse", 3, out -> out.writeInt(1)));  // one name, absent
        String e = assertThrows(InvalidDataException.class, () -> Model.load(cut, Backends.reference())).getMessage();
        assertEquals(cut + ": malformed the class names (the file's body ends inside it)", e);
        Path control = Files.write(dir.resolve("control.model"), crafted("mse\u0001\u001b[2J", 3, TENSORS_2X3));
        String c = assertThrows(InvalidDataException.class, () -> Model.load(control, Backends.reference())).getMessage();
        assertEquals(control + ": malformed the loss (unknown loss 'mse\\u0001\\u001b[2J'; known: mse, bce_with_logits, "
                + "softmax_cross_entropy)", c);
        assertEquals("a\\u0000b\\ud800 \ud83d\ude00", ModelFile.printable("a\u0000b\ud800 \ud83d\ude00"),
                "a lone surrogate is escaped, a pair is kept");
    }

    @Test
    void aClosedModelOrTrainerSaysSoByName() throws IOException {
        Model m = Model.of(Backends.reference(), Shape.of(2), Loss.MSE, 1, new Dense(3));
        Trainer t = new Trainer(m, Adam.adam(0.5f));
        t.close();
        assertEquals("this Trainer (" + Adam.adam(0.5f) + ", batch 32) has been closed",
                assertThrows(IllegalStateException.class, t::update).getMessage());
        m.close();
        String closed = "this Model (Dense(2->3)) has been closed";
        try (Matrix x = Matrix.allocate(4, 2); Dataset d = Dataset.regression("d", new float[8], 2, new float[12], 3)) {
            assertEquals(closed, assertThrows(IllegalStateException.class, () -> m.predict(x)).getMessage());
            assertEquals(closed, assertThrows(IllegalStateException.class, () -> m.predictClasses(x)).getMessage());
            assertEquals(closed, assertThrows(IllegalStateException.class, () -> m.evaluate(d)).getMessage());
            assertEquals(closed, assertThrows(IllegalStateException.class, () -> m.save(dir.resolve("x.model"))).getMessage());
        }
        try (Trainer open = new Trainer(Model.of(Backends.reference(), Shape.of(2), Loss.MSE, 1, new Dense(3)), Adam.adam(0.5f))) {
            open.model().close();
            assertEquals(closed, assertThrows(IllegalStateException.class, open::update).getMessage());
        }
    }

    @Test
    void aSaveOverALeftoverOfACrashedSaveCleansItUpAndKeepsTheFileWhole() throws IOException {
        Path file = dir.resolve("m.model");
        try (Model m = images(Backends.reference(), 5)) {
            m.save(file);
            byte[] before = Files.readAllBytes(file);
            // a save killed half-way leaves its temporary file; the model file itself is the previous one
            Files.write(AtomicFile.temporary(file), Arrays.copyOf(before, 100));
            assertArrayEquals(before, Files.readAllBytes(file));
            m.parameters().get(0).value().set(0, 0, 42f);
            m.save(file);
            try (Stream<Path> s = Files.list(dir)) {
                assertEquals(List.of(file), s.toList(), "the leftover is gone");
            }
            try (Model back = Model.load(file, Backends.reference())) {
                assertEquals(42f, back.parameters().get(0).value().get(0, 0));
            }
            // a failed save (here: a folder that is not empty stands where the temporary file must go) keeps the
            // previous file
            Files.createDirectory(AtomicFile.temporary(file));
            Files.writeString(AtomicFile.temporary(file).resolve("x"), "x");
            assertThrows(IOException.class, () -> m.save(file));
            Files.delete(AtomicFile.temporary(file).resolve("x"));
            Files.delete(AtomicFile.temporary(file));
            try (Model back = Model.load(file, Backends.reference())) {
                assertEquals(42f, back.parameters().get(0).value().get(0, 0));
            }
        }
    }

    @Test
    void weightsOfAnotherArchitectureNameTheFirstTensorThatDoesNotFit() throws IOException {
        Path file = dir.resolve("m.model");
        try (Model m = Model.of(Backends.reference(), Shape.of(3), Loss.MSE, 1, new Dense(4), Activation.tanh(), new Dense(2))) {
            m.save(file);
        }
        ModelFile.Contents c = ModelFile.read(file);
        try (Model other = Model.of(Backends.reference(), Shape.of(3), Loss.MSE, 1, new Dense(5), Activation.tanh(),
                new Dense(2))) {
            String e = assertThrows(InvalidDataException.class, () -> ModelFile.copyInto(file, c.tensors(), other.parameters()))
                    .getMessage();
            assertTrue(e.endsWith("tensor 0 is layer0.W 3x4 in the file, layer0.W 3x5 in this model"), e);
            assertFalse(c.difference(other) == null);
        }
        assertEquals(List.of("dense{init=xavier, units=4}", "tanh", "dense{init=xavier, units=2}"),
                c.layers().stream().map(ModelFile.LayerSpec::toString).toList());
    }

    @Test
    void perFeatureStandardisationUsesEachFeaturesStatisticsAndKeepsThemInTheFile() throws IOException {
        Path file = dir.resolve("s.model");
        try (Arena arena = Arena.ofConfined();
             Model m = Model.of(Backends.reference(), Shape.of(2), Loss.MSE, 1,
                     Standardize.perFeature(new float[] {1, 1}, new float[] {2, 0}), new Dense(1))) {
            Matrix x = Matrix.of(arena, 2, 2, 1, 2, 3, 4);
            // (x - mean) / std with std 0 taken as 1: all exact in float
            m.forward(x, false);                                   // lays out the batch buffers
            assertArrayEquals(new float[] {0, 1, 1, 3}, m.layers().get(0).forward(x, false).toArray());
            m.save(file);
            try (Model back = Model.load(file, Backends.reference())) {
                assertEquals(m.layers().get(0), back.layers().get(0), "the statistics come back exactly");
                assertEquals("Standardize(per feature, 2 features)", back.layers().get(0).toString());
            }
        }
        assertEquals("std must be positive and finite, got -1.0 at feature 1",
                assertThrows(IllegalArgumentException.class, () -> Standardize.perFeature(new float[] {0, 0}, new float[] {1, -1}))
                        .getMessage());
    }

    @Test
    void everyBuiltInLayerRoundTripsThroughItsTypeAndSettings() {
        List<Layer> layers = List.of(new Dense(3, Init.HE), new Flatten(), new Dropout(0.3f), new Standardize(0.25f, 3f),
                Activation.identity(), Activation.relu(), Activation.leakyRelu(0.01f), Activation.sigmoid(), Activation.tanh(),
                Activation.gelu());
        for (Layer l : layers) {
            Layer back = Layers.create(l.type(), l.config());
            assertEquals(l.type(), back.type());
            assertEquals(l.config(), back.config());
        }
        String unknown = assertThrows(IllegalArgumentException.class, () -> Layers.create("conv9d", java.util.Map.of()))
                .getMessage();
        assertEquals("unknown layer type 'conv9d'", unknown);
        String bad = assertThrows(IllegalArgumentException.class, () -> Layers.create("dense", java.util.Map.of("units", "x",
                "init", "he"))).getMessage();
        assertEquals("the layer setting units=x is not an integer", bad);
    }
}
