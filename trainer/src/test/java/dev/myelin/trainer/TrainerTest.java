package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.testing.ChildJvm;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The fit loop: reproducible to the bit, resumable to the bit, and allocation-free once warm. */
class TrainerTest {

    static final int WIDTH = 5;
    static final int CLASSES = 3;
    static final int BATCH = 32;

    @TempDir
    Path dir;

    /** 200 samples around 3 random centres (so the last batch of 32 is partial: 8 rows). */
    static Dataset blobs(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] centres = new float[CLASSES][WIDTH];
        for (float[] c : centres) {
            for (int j = 0; j < WIDTH; j++) {
                c[j] = (float) rnd.nextDouble(-2, 2);
            }
        }
        float[] x = new float[n * WIDTH];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rnd.nextInt(CLASSES);
            for (int j = 0; j < WIDTH; j++) {
                x[i * WIDTH + j] = centres[y[i]][j] + (float) rnd.nextGaussian();
            }
        }
        return Dataset.classification("blobs", x, WIDTH, y, CLASSES);
    }

    static Model model(Kernels k, long seed) {
        return Model.of(k, Shape.of(WIDTH), Loss.SOFTMAX_CROSS_ENTROPY, seed, new Dense(16, Init.HE), Activation.relu(),
                new Dense(CLASSES, Init.XAVIER));
    }

    /** Per-epoch losses and accuracies, then every parameter, as raw bits. */
    record Run(List<EpochResult> epochs, List<float[]> parameters) {
    }

    /** {@link #model} with dropout between the layers: training draws random masks. */
    static Model dropoutModel(Kernels k, long seed) {
        return Model.of(k, Shape.of(WIDTH), Loss.SOFTMAX_CROSS_ENTROPY, seed, new Dense(16, Init.HE), Activation.relu(),
                new Dropout(0.2f), new Dense(CLASSES, Init.XAVIER));
    }

    /**
     * A graph with fan-out, a residual sum and a concatenation: h = relu(Dense(16) x); s = h + relu(Dense(16) h);
     * y = Dense(CLASSES) dropout(concat(s, h)).
     */
    static Model graphModel(Kernels k, long seed) {
        Node h = Node.input().then(new Dense(16, Init.HE), Activation.relu());
        Node s = Node.add(h, h.then(new Dense(16, Init.HE), Activation.relu()));
        return Model.of(k, Shape.of(WIDTH), Loss.SOFTMAX_CROSS_ENTROPY, seed,
                Node.concat(s, h).then(new Dropout(0.2f), new Dense(CLASSES, Init.XAVIER)));
    }

    private static Run train(Kernels k, long seed, int epochs, TrainingListener... listeners) throws IOException {
        return train(TrainerTest::model, k, seed, epochs, listeners);
    }

    private static Run train(BiFunction<Kernels, Long, Model> build, Kernels k, long seed, int epochs,
                             TrainingListener... listeners) throws IOException {
        try (Dataset train = blobs(200, 7); Dataset validation = blobs(50, 8); Model m = build.apply(k, seed);
             Trainer t = new Trainer(m, Adam.adam(0.01f)).batchSize(BATCH).seed(seed)) {
            List<EpochResult> h = t.fit(train, validation, epochs, listeners);
            return new Run(h, m.parameters().stream().map(p -> p.value().toArray()).toList());
        }
    }

    private static void assertBitIdentical(EpochResult a, EpochResult b) {
        assertEquals(a.epoch(), b.epoch());
        assertEquals(Double.doubleToRawLongBits(a.trainLoss()), Double.doubleToRawLongBits(b.trainLoss()), "epoch " + a.epoch());
        assertEquals(Double.doubleToRawLongBits(a.validationLoss()), Double.doubleToRawLongBits(b.validationLoss()),
                "epoch " + a.epoch());
        assertEquals(a.trainAccuracy(), b.trainAccuracy());
        assertEquals(a.validationAccuracy(), b.validationAccuracy());
    }

    private static void assertSameParameters(List<float[]> a, List<float[]> b) {
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertArrayEquals(a.get(i), b.get(i), "parameter " + i);   // assertArrayEquals on float[] compares bits
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void sameSeedSameBackendGivesBitIdenticalLosses(String backend) throws IOException {
        Kernels k = Backends.get(backend);
        Run a = train(k, 11, 6);
        Run b = train(k, 11, 6);
        for (int e = 0; e < 6; e++) {
            assertBitIdentical(a.epochs().get(e), b.epochs().get(e));
        }
        assertSameParameters(a.parameters(), b.parameters());
        // The run did learn (so the comparison above compares something that moves): 3 separable-ish blobs.
        assertTrue(a.epochs().getLast().trainLoss() < a.epochs().getFirst().trainLoss(), a.epochs().toString());
        Run c = train(k, 12, 6);
        assertTrue(c.epochs().getLast().trainLoss() != a.epochs().getLast().trainLoss(), "the seed changes nothing");
    }

    /**
     * Across launches too, however far the JIT has got: the same run in a JVM that interprets everything
     * ({@code -Xint}, where the Vector API runs its Java fallback) and in one where the JIT compiled the
     * kernels during earlier runs ({@code -Xbatch}, after 20 unprinted runs), and in this JVM, gives the
     * same losses and parameters, bit for bit. Before the SIMD kernels avoided the Vector API's EXP/TANH
     * and its reduceLanes(ADD), whose results differ between the fallback and C2, this failed.
     */
    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void sameRunInAnotherLaunchGivesBitIdenticalLosses(String backend) throws Exception {
        Process interpreted = probe(backend, List.of("-Xint"), 0);
        Process compiled = probe(backend, List.of("-Xbatch"), 20);
        List<String> here = ReproducibilityProbe.train(Backends.get(backend, 1));
        List<String> a = probeLines(interpreted, "-Xint");
        List<String> b = probeLines(compiled, "-Xbatch");
        assertEquals(ReproducibilityProbe.EPOCHS + 1, here.size(), here.toString());
        assertEquals(here, a, "an interpreted launch differs from this JVM");
        assertEquals(here, b, "a compiled launch differs from this JVM");
        // the losses move from epoch to epoch (so the comparisons above compare something that changes)
        assertEquals(here.size(), here.stream().map(l -> l.substring(l.indexOf(':'))).distinct().count(), here.toString());
    }

    private static Process probe(String backend, List<String> jvmArgs, int warmups) throws IOException {
        return ChildJvm.start(ReproducibilityProbe.class, jvmArgs, backend, Integer.toString(warmups));
    }

    /** The probe's lines (the JDK's incubator warning dropped). */
    private static List<String> probeLines(Process p, String name) throws Exception {
        return ChildJvm.output(p, name + " probe").lines()
                .filter(l -> l.startsWith("epoch ") || l.startsWith("parameters: ")).toList();
    }

    @ParameterizedTest
    @CsvSource({"reference, chain", "simd, chain", "reference, graph", "simd, graph"})
    void resumingFromACheckpointContinuesBitForBit(String backend, String kind) throws IOException {
        Kernels k = Backends.get(backend);
        Path file = dir.resolve("after3.ckpt");
        BiFunction<Kernels, Long, Model> build = kind.equals("graph") ? TrainerTest::graphModel : TrainerTest::dropoutModel;
        Run whole = train(build, k, 21, 6, new TrainingListener() {
            @Override
            public void onEpochEnd(EpochResult r, Trainer t) throws IOException {
                if (r.epoch() == 3) {
                    Checkpoint.save(file, t);
                }
            }
        });
        // A fresh process: other initial weights (seed 99) and fresh optimizer state, all replaced by the checkpoint;
        // the dropout masks of epochs 4 to 6 come from the restored seed.
        try (Dataset train = blobs(200, 7); Dataset validation = blobs(50, 8); Model m = build.apply(k, 99L);
             Trainer t = new Trainer(m, Adam.adam(0.01f)).batchSize(BATCH).seed(99)) {
            Checkpoint.load(file, t);
            assertEquals(3, t.epochs());
            List<EpochResult> rest = t.fit(train, validation, 6);
            assertEquals(3, rest.size());
            for (int e = 0; e < 3; e++) {
                assertBitIdentical(whole.epochs().get(3 + e), rest.get(e));
            }
            assertSameParameters(whole.parameters(), m.parameters().stream().map(p -> p.value().toArray()).toList());
        }
    }

    /**
     * The trainer's own part of a step (gathering the batch, dispatching to every layer, the loss and the
     * optimizer, the metrics) and the kernels' argument checks allocate nothing: measured with kernels that
     * compute nothing, so that only the trainer's code and the checking front run.
     */
    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam", "adamw"})
    void aWarmStepOfTheTrainerAloneAllocatesNothing(String optimizer) throws IOException {
        assertEquals(0, warmStepAllocation(Kernels.of(new NoOpKernels()), optimizer, TrainerTest::model));
    }

    /** The same for a graph model: the walk over the graph, the gradient sums, Add and Concat's views. */
    @Test
    void aWarmStepOfAGraphModelAllocatesNothingInTheTrainer() throws IOException {
        assertEquals(0, warmStepAllocation(Kernels.of(new NoOpKernels()), "adam", TrainerTest::graphModel));
    }

    /**
     * The same with the normalization layers, a convolution without a bias and global pooling, whose channel views
     * and scratch rows are made once per batch size: a full batch and the epoch's last, partial one.
     */
    @Test
    void aWarmStepThroughTheNormalizationLayersAllocatesNothing() throws IOException {
        assertEquals(0, warmStepAllocation(Kernels.of(new NoOpKernels()), "adam", (k, seed) -> Model.of(k,
                Shape.image(1, WIDTH, 1), Loss.SOFTMAX_CROSS_ENTROPY, seed, new Conv2D(4, 1, 1, 0, Init.HE, false), new BatchNorm(), new LayerNorm(),
                Activation.relu(), new GlobalAvgPool(), new Dense(CLASSES, Init.XAVIER))));
    }

    /**
     * The same through the sequence layers (token embedding, position embedding, causal self-attention, per-position
     * Dense layers, in pre-normalization residual blocks), whose views of their buffers are made once per batch size.
     */
    @Test
    void aWarmStepThroughTheSequenceLayersAllocatesNothing() throws IOException {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] ids = new float[200 * WIDTH];
        int[] labels = new int[200];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rnd.nextInt(7);
        }
        for (int i = 0; i < labels.length; i++) {
            labels[i] = rnd.nextInt(CLASSES);
        }
        assertEquals(0, warmStepAllocation(Kernels.of(new NoOpKernels()), "adam", (k, seed) -> Model.of(k,
                Shape.of(WIDTH), Loss.SOFTMAX_CROSS_ENTROPY, seed, SequenceLayersTest.transformer(7, WIDTH, 8, 2, 16)
                        .then(new Flatten(), new Dense(CLASSES, Init.XAVIER))),
                Dataset.classification("token ids", ids, WIDTH, labels, CLASSES)));
    }

    /**
     * A whole warm step, kernels included, allocates nothing (the kernels one by one:
     * {@code KernelAllocationTest} in the simd module).
     */
    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void aWarmTrainingStepAllocatesNothing(String backend) throws IOException {
        assertEquals(0, warmStepAllocation(Backends.get(backend), "adam", TrainerTest::model));
    }

    /** The least heap bytes that 1000 warm steps (full and partial batches) allocate, over up to five windows. */
    private static long warmStepAllocation(Kernels k, String optimizer, BiFunction<Kernels, Long, Model> build)
            throws IOException {
        return warmStepAllocation(k, optimizer, build, blobs(200, 7));
    }

    /** The same on {@code data} (200 samples of {@link #WIDTH} values, {@link #CLASSES} classes), which it closes. */
    private static long warmStepAllocation(Kernels k, String optimizer, BiFunction<Kernels, Long, Model> build,
                                           Dataset samples) throws IOException {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Optimizer opt = switch (optimizer) {
            case "sgd" -> new Sgd(1e-3f, 0.9f);
            case "adamw" -> Adam.adamw(1e-3f, 0.01f);
            default -> Adam.adam(1e-3f);
        };
        try (Dataset data = samples; Model m = build.apply(k, 3L);
             Trainer t = new Trainer(m, opt).batchSize(BATCH).seed(3)) {
            int[] order = new int[data.size()];
            Trainer.shuffle(order, 3, 0);
            int full = BATCH;
            int partial = data.size() % BATCH;   // 8: the last batch of an epoch
            // Warm up until the JIT has compiled the step (C2 removes the Vector API's boxes only then).
            for (int i = 0; i < 20_000; i++) {
                t.step(data, order, 0, full);
                t.step(data, order, data.size() - partial, partial);
            }
            // A window may still see a late compilation or deoptimisation. Seen: on a machine busy with other builds,
            // after other test classes in the same JVM, five windows in a row of 192,000 bytes (96 a step), then clean
            // in the next runs; C1 code, which a hot method runs until its C2 compile, allocates what C2 keeps in
            // registers. A step that allocates every time allocates in every window, so the test keeps measuring until
            // a clean window, for at most 30 s (as KernelAllocationTest does), and prints what allocates if none comes.
            long best = Long.MAX_VALUE;
            List<Long> windows = new ArrayList<>();
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (best > 0 && (windows.size() < 5 || System.nanoTime() < deadline)) {
                long before = threads.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 500; i++) {
                    t.step(data, order, 0, full);
                    t.step(data, order, data.size() - partial, partial);
                }
                long bytes = threads.getCurrentThreadAllocatedBytes() - before;
                windows.add(bytes);
                best = Math.min(best, bytes);
            }
            System.out.println(k.name() + " " + optimizer + ": bytes allocated by 1000 warm steps, per window: " + windows);
            if (best > 0) {
                diagnose(threads, t, m, data, order, k);
            }
            return best;
        }
    }

    /** Prints the heap bytes each part of a warm step allocates over 500 calls, three times: where to look. */
    static void diagnose(com.sun.management.ThreadMXBean threads, Trainer t, Model m, Dataset data, int[] order, Kernels k) {
        try (Matrix d = Matrix.allocate(BATCH, CLASSES); Matrix xb = Matrix.allocate(BATCH, WIDTH)) {
            int[] labels = new int[BATCH];
            String[] names = {"gradient", "update", "forward", "loss", "backward", "check", "classify", "sync"};
            for (int rep = 0; rep < 3; rep++) {
                StringBuilder sb = new StringBuilder("bytes per 500 calls:");
                for (int which = 0; which < names.length; which++) {
                    long before = threads.getCurrentThreadAllocatedBytes();
                    for (int i = 0; i < 500; i++) {
                        switch (which) {
                            case 0 -> {
                                t.prepare(data, order, 0, BATCH);
                                t.gradients(data, order, 0, BATCH);
                            }
                            case 1 -> t.update();
                            case 2 -> m.forward(xb, true);
                            case 3 -> m.loss().compute(k, d, m.forward(xb, true), null, labels);
                            case 4 -> m.backward(d, false);
                            case 5 -> m.check(data);
                            case 6 -> m.loss().classify(k, d, labels);
                            default -> GradientSync.LOCAL.synchronize(m.gradients(), i);
                        }
                    }
                    sb.append(' ').append(names[which]).append(' ').append(threads.getCurrentThreadAllocatedBytes() - before);
                }
                System.out.println(sb);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference"})
    void earlyStoppingStopsAfterPatienceEpochsWithoutProgress(String backend) throws IOException {
        // lr 0 and one full batch: every epoch has exactly the same loss, so epoch 1 is the best and
        // epochs 2 and 3 fail to improve: patience 2 stops after epoch 3.
        Kernels k = Backends.get(backend);
        try (Dataset data = blobs(64, 7); Model m = model(k, 3);
             Trainer t = new Trainer(m, new Sgd(0f, 0f)).batchSize(64).seed(3)) {
            EarlyStopping stop = new EarlyStopping(2, 0);
            List<EpochResult> h = t.fit(data, 10, stop);
            assertEquals(3, h.size());
            assertEquals(1, stop.bestEpoch());
            assertEquals(h.get(0).trainLoss(), h.get(2).trainLoss());
        }
    }

    /**
     * Validation labels rotated against the training labels ({@code (y + 1) mod 3}, same features): the better the
     * model fits the training data, the worse its validation loss, so the validation loss rises after an early best
     * epoch and early stopping stops {@code patience} epochs later. The parameters are copied at the end of every
     * epoch (by a listener that runs before the early stopping's); after the fit they are bit for bit the best
     * epoch's, or with {@link EarlyStopping#keepLastWeights()} the last epoch's.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void earlyStoppingRestoresTheBestEpochsWeightsUnlessToldToKeepTheLast(boolean keepLast) throws IOException {
        try (Dataset train = blobs(64, 7); Dataset validation = rotated(train); Model m = model(Backends.reference(), 3);
             Trainer t = new Trainer(m, Adam.adam(0.01f)).batchSize(16).seed(3)) {
            List<float[]> after = new ArrayList<>();
            TrainingListener copier = new TrainingListener() {
                @Override
                public void onEpochEnd(EpochResult r, Trainer trainer) {
                    after.add(m.values().toArray());
                }
            };
            EarlyStopping stop = new EarlyStopping(3, 0);
            if (keepLast) {
                stop.keepLastWeights();
            }
            List<EpochResult> h = t.fit(train, validation, 50, copier, stop);
            int last = h.size();
            assertTrue(last < 50, "stopped early");
            assertEquals(last - 3, stop.bestEpoch(), "the validation loss did not improve in the last 3 epochs");
            assertEquals(h.get(stop.bestEpoch() - 1).validationLoss(), stop.bestLoss());
            assertTrue(!Arrays.equals(after.get(stop.bestEpoch() - 1), after.get(last - 1)), "the weights moved after the best");
            assertArrayEquals(after.get(keepLast ? last - 1 : stop.bestEpoch() - 1), m.values().toArray());
            assertEquals(!keepLast, stop.restored());
        }
    }

    /** {@code data} with each label {@code y} replaced by {@code (y + 1) mod CLASSES}. */
    private static Dataset rotated(Dataset data) {
        int[] y = data.labels().clone();
        for (int i = 0; i < y.length; i++) {
            y[i] = (y[i] + 1) % CLASSES;
        }
        return Dataset.classification("rotated", data.features().toArray(), WIDTH, y, CLASSES);
    }
}
