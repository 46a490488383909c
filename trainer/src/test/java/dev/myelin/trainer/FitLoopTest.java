package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.testing.ChildJvm;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The fit loop's options: accumulation, the synchronisation hook, sharding, the validation split, schedules. */
class FitLoopTest {

    /** The gradient slab as the synchronisation hook saw it at each step. */
    static final class Recorder implements GradientSync {
        final List<float[]> seen = new ArrayList<>();
        final List<Long> steps = new ArrayList<>();
        Matrix slab;

        @Override
        public void synchronize(Matrix gradients, long step) {
            slab = gradients;
            seen.add(gradients.toArray());
            steps.add(step);
        }
    }

    /**
     * Four micro-batches of 8 accumulated into one step against one batch of the same 32 samples, on the
     * reference backend (its summation order is specified), compared through the gradients the hook receives.
     *
     * <p>What is equal to the bit: each sample's forward pass (the reference computes each row on its own), and
     * each row of the loss gradient: one batch writes {@code fl((p - y) / 32)}, a micro-batch {@code fl((p - y) / 8)}
     * scaled by its share {@code 8 / 32 = 1/4}, and scaling by a power of two commutes with rounding (no value here
     * comes near the subnormals). So every product {@code x[r][i] dY[r][j]} of {@code dW = x^T dY} is the same float
     * in both runs; only the grouping of the 32-term sums differs: one run of 32 additions against four runs of 8
     * whose results are added in turn ({@code beta = 1}). Any grouping of the sum of n floats lies within
     * {@code gamma(n - 1) sum |term|} of the exact sum, so the two differ by at most
     * {@code 2 gamma(31) sum_r |x[r][i] dY[r][j]|}; the bias gradient likewise with the terms {@code |dY[r][j]|}.
     */
    @Test
    void accumulatingFourMicroBatchesGivesTheGradientOfTheirUnion() throws IOException {
        Kernels k = Backends.reference();
        int n = 32;
        int c = TrainerTest.CLASSES;
        try (Dataset data = TrainerTest.blobs(n, 7)) {
            int[] rows = IntStream.range(0, n).toArray();
            // The last layer's input h (32 x 16) and the loss gradient dY (32 x 3) at the initial weights: the terms
            // of its dW = h^T dY and db = column sums of dY, to size the bound.
            float[] h = new float[n * 16];
            float[] dY = new float[n * c];
            try (Model m = TrainerTest.model(k, 3); Matrix d = Matrix.allocate(n, c)) {
                m.forward(data.features(), true);
                Matrix hidden = m.layers().get(1).forward(m.layers().get(0).forward(data.features(), true), true);
                hidden.copyTo(h);
                m.loss().compute(k, d, m.layers().get(2).forward(hidden, true), null, data.labels());
                d.copyTo(dY);
            }
            Recorder big = new Recorder();
            Recorder small = new Recorder();
            float bigLoss;
            float smallLoss;
            int w;
            int b;
            try (Model m = TrainerTest.model(k, 3); Trainer t = new Trainer(m, new Sgd(0.1f, 0f)).batchSize(n).sync(big)) {
                bigLoss = t.step(data, rows, 0, n);
                w = (int) m.parameters().get(2).offset();
                b = (int) m.parameters().get(3).offset();
            }
            try (Model m = TrainerTest.model(k, 3);
                 Trainer t = new Trainer(m, new Sgd(0.1f, 0f)).batchSize(8).accumulate(4).sync(small)) {
                smallLoss = t.step(data, rows, 0, n);
            }
            assertEquals(1, small.seen.size(), "one synchronisation per optimizer step, not one per micro-batch");
            float[] one = big.seen.get(0);
            float[] four = small.seen.get(0);
            double worst = 0;
            for (int i = 0; i < 16; i++) {
                for (int j = 0; j < c; j++) {
                    double terms = 0;
                    for (int r = 0; r < n; r++) {
                        terms += Math.abs((double) h[r * 16 + i] * dY[r * c + j]);
                    }
                    double diff = Math.abs(one[w + i * c + j] - four[w + i * c + j]);
                    assertTrue(diff <= 2 * ErrorBounds.gamma(n - 1) * terms, "dW[" + i + "][" + j + "]: " + diff);
                    worst = Math.max(worst, diff / (2 * ErrorBounds.gamma(n - 1) * terms));
                }
            }
            for (int j = 0; j < c; j++) {
                double terms = 0;
                for (int r = 0; r < n; r++) {
                    terms += Math.abs(dY[r * c + j]);
                }
                double diff = Math.abs(one[b + j] - four[b + j]);
                assertTrue(diff <= 2 * ErrorBounds.gamma(n - 1) * terms, "db[" + j + "]: " + diff);
            }
            System.out.println("accumulated against one batch: worst difference " + worst + " of the bound");
            assertTrue(!Arrays.equals(one, new float[one.length]), "the gradients are not all zero");
            // The step's loss: the same 32 per-sample losses (positive), summed in double as one mean of 32, or as four
            // float means of 8 averaged in double and rounded. The four roundings of the means cost at most u of the
            // total, the two final roundings u each, and u |x| <= ulp(x): at most 3 ulps apart (double sums: far less).
            assertEquals(bigLoss, smallLoss, 4 * Math.ulp(bigLoss));
        }
    }

    /** One optimizer step is one kernel call over the whole parameter slab, whatever the number of parameters. */
    @Test
    void anOptimizerStepIsOneKernelCall() throws IOException {
        for (Optimizer o : List.of(Adam.adam(0.01f), Adam.adamw(0.01f, 0.01f), new Sgd(0.01f, 0.9f))) {
            CountingKernels counting = new CountingKernels(Backends.reference());
            try (Dataset data = TrainerTest.blobs(100, 7);
                 Model m = Model.of(counting.kernels, Shape.of(TrainerTest.WIDTH), Loss.SOFTMAX_CROSS_ENTROPY, 3,
                         new Dense(8, Init.HE), Activation.relu(), new Dense(8, Init.HE), Activation.relu(),
                         new Dense(TrainerTest.CLASSES));
                 Trainer t = new Trainer(m, o).batchSize(16)) {
                assertEquals(6, m.parameters().size());
                t.fit(data, 2);
                String kernel = switch (o.name()) {
                    case "adam" -> "adamUpdate";
                    case "adamw" -> "adamwUpdate";
                    default -> "sgdUpdate";
                };
                assertEquals(14, t.steps());                                    // 2 x ceil(100 / 16)
                assertEquals(14, counting.count(kernel), o + ": " + counting.calls);
                assertEquals(14, counting.count("adamUpdate") + counting.count("adamwUpdate") + counting.count("sgdUpdate"),
                        counting.calls.toString());
            }
        }
    }

    @Test
    void theHookGetsTheGradientSlabOncePerStepBeforeTheUpdate() throws IOException {
        try (Dataset data = TrainerTest.blobs(100, 7); Model m = TrainerTest.model(Backends.reference(), 3)) {
            float[] before = m.values().toArray();
            // a hook that zeroes the gradients: plain SGD then changes nothing, so the hook ran before each update
            GradientSync zero = (g, step) -> m.kernels().fill(g, 0f);
            Recorder recorder = new Recorder();
            try (Trainer t = new Trainer(m, new Sgd(0.5f, 0f)).batchSize(16).sync((g, step) -> {
                recorder.synchronize(g, step);
                zero.synchronize(g, step);
            })) {
                t.fit(data, 2);
                assertEquals(14, t.steps());                          // 2 x ceil(100 / 16)
            }
            assertSame(m.gradients(), recorder.slab, "the whole slab, not a copy");
            assertEquals(java.util.stream.LongStream.range(0, 14).boxed().toList(), recorder.steps);
            assertArrayEquals(before, m.values().toArray());
        }
    }

    @Test
    void replicasTakeDisjointEqualSharesOfTheSameShuffledOrder() {
        try (Model m = TrainerTest.model(Backends.reference(), 3)) {
            int n = 103;
            int world = 3;
            int per = n / world;
            int[] all = IntStream.range(0, n).toArray();
            for (int epoch = 0; epoch < 3; epoch++) {
                Set<Integer> union = new HashSet<>();
                int[] order = new int[n];
                for (int rank = 0; rank < world; rank++) {
                    try (Trainer t = new Trainer(m, new Sgd(0.1f, 0f)).seed(11)) {
                        new Replica(t, rank, world);
                        int[] rows = new int[per];
                        t.epochRows(all, epoch, new int[n], rows);
                        for (int r : rows) {
                            assertTrue(union.add(r), "row " + r + " twice in epoch " + epoch);
                        }
                    }
                }
                assertEquals(world * per, union.size());
                Trainer.shuffle(order, 11, epoch);
                Set<Integer> first = new HashSet<>();
                for (int i = 0; i < world * per; i++) {
                    first.add(order[i]);
                }
                assertEquals(first, union, "the replicas share out the first " + world * per + " of the epoch's order");
            }
            try (Trainer t = new Trainer(m, new Sgd(0.1f, 0f))) {
                assertThrows(IllegalArgumentException.class, () -> new Replica(t, 3, 3));
            }
        }
    }

    @Test
    void theValidationSplitIsHeldOutSeededAndScoresEachEpoch() throws IOException {
        try (Dataset data = TrainerTest.blobs(200, 7); Model m = TrainerTest.model(Backends.reference(), 3);
             Trainer t = new Trainer(m, Adam.adam(0.01f)).batchSize(32).seed(5).validationSplit(0.25)) {
            int[][] split = t.split(200);
            assertEquals(150, split[0].length);
            assertEquals(50, split[1].length);
            Set<Integer> seen = new HashSet<>();
            for (int[] part : split) {
                for (int r : part) {
                    assertTrue(seen.add(r), "row " + r + " on both sides");
                }
            }
            assertEquals(200, seen.size());
            try (Trainer other = new Trainer(m, Adam.adam(0.01f)).seed(6).validationSplit(0.25)) {
                assertNotEquals(Arrays.toString(split[1]), Arrays.toString(other.split(200)[1]), "the seed picks the rows");
            }
            List<EpochResult> h = t.fit(data, 2);
            assertEquals(150, h.get(0).samples(), "training sees the other 150 rows");
            // the epoch's validation scores are the model's on exactly the held-out rows
            float[] x = data.features().toArray();
            float[] rows = new float[50 * TrainerTest.WIDTH];
            int[] labels = new int[50];
            for (int i = 0; i < 50; i++) {
                System.arraycopy(x, split[1][i] * TrainerTest.WIDTH, rows, i * TrainerTest.WIDTH, TrainerTest.WIDTH);
                labels[i] = data.labels()[split[1][i]];
            }
            try (Dataset held = Dataset.classification("held out", rows, TrainerTest.WIDTH, labels, TrainerTest.CLASSES)) {
                Evaluation e = m.evaluate(held);
                assertEquals(e.accuracy(), h.get(1).validationAccuracy());
                assertEquals(e.loss(), h.get(1).validationLoss(), 1e-12 * e.loss());   // the same sums in other chunks
            }
            String fixed = assertThrows(IllegalStateException.class, () -> t.batchSize(8)).getMessage();
            assertEquals("batchSize cannot change once training has started (or a checkpoint was loaded)", fixed);
        }
    }

    @Test
    void badFitArgumentsNameThemselves() {
        try (Dataset data = TrainerTest.blobs(10, 7); Model m = TrainerTest.model(Backends.reference(), 3);
             Trainer t = new Trainer(m, Adam.adam(0.01f))) {
            assertEquals("epochs must be > 0, got -3",
                    assertThrows(IllegalArgumentException.class, () -> t.fit(data, -3)).getMessage());
            assertEquals("epochs must be > 0, got 0", assertThrows(IllegalArgumentException.class, () -> t.fit(data, 0)).getMessage());
            assertEquals("validationSplit must be in [0, 1), got 1.0",
                    assertThrows(IllegalArgumentException.class, () -> t.validationSplit(1)).getMessage());
            assertEquals("batchSize must be > 0, got 0", assertThrows(IllegalArgumentException.class, () -> t.batchSize(0)).getMessage());
            assertEquals("microBatches must be > 0, got 0",
                    assertThrows(IllegalArgumentException.class, () -> t.accumulate(0)).getMessage());
        }
        Dataset closed = TrainerTest.blobs(10, 7);
        closed.close();
        try (Model m = TrainerTest.model(Backends.reference(), 3); Trainer t = new Trainer(m, Adam.adam(0.01f))) {
            assertEquals("the dataset blobs has been closed; its memory is gone",
                    assertThrows(IllegalStateException.class, () -> t.fit(closed, 1)).getMessage());
        }
        try (Dataset wide = Dataset.classification("wide", new float[12], 6, new int[] {0, 1}, 2);
             Model m = TrainerTest.model(Backends.reference(), 3); Trainer t = new Trainer(m, Adam.adam(0.01f))) {
            assertEquals("wide has samples of shape (6) (6 values), the model takes (5) (5)",
                    assertThrows(IllegalArgumentException.class, () -> t.fit(wide, 1)).getMessage());
        }
    }

    @Test
    void theScheduleSetsEachStepsRate() throws IOException {
        try (Dataset data = TrainerTest.blobs(64, 7); Model m = TrainerTest.model(Backends.reference(), 3);
             Trainer t = new Trainer(m, new Sgd(0.1f, 0f)).batchSize(16).schedule(Schedule.cosine(2))) {
            List<Float> rates = new ArrayList<>();
            List<EpochResult> h = t.fit(data, 3, new TrainingListener() {
                @Override
                public void onBatchEnd(int epoch, int batch, int batches, int samples, float loss) {
                    rates.add(t.learningRate());
                }
            });
            assertEquals(12, rates.size());
            for (int s = 0; s < 12; s++) {
                assertEquals(Schedule.cosine(2).rate(0.1f, s, 4), rates.get(s), "step " + s);
            }
            assertEquals(0.1f, rates.get(0));
            assertEquals(0f, rates.get(8), "after 2 epochs of 4 steps the cosine has reached 0");
            assertEquals(rates.get(3), h.get(0).learningRate());
        }
    }

    /**
     * A batch size larger than the data (120 samples) allocates for the data: under a 256 MB heap (which bounds the
     * batch buffers too, see {@link Model#checkBatch}) batch sizes 10^9 and {@code Integer.MAX_VALUE} train, and exactly as a batch of all 120
     * samples does (the same single step per epoch, to the bit). Buffers that would not fit are one clear error before
     * the first step (and before any is allocated), naming the batch, the bytes and the limit.
     */
    @Test
    void aBatchLargerThanTheDataIsSizedByTheDataAndBuffersThatCannotFitAreOneError() throws Exception {
        String out = ChildJvm.output(ChildJvm.start(BatchSizeProbe.class, List.of("-Xmx256m")), "batch-size probe");
        List<String> lines = out.lines().filter(l -> !l.startsWith("WARNING: Using incubator modules")).toList();
        assertEquals(4, lines.size(), out);
        String losses = lines.get(0).substring("batch 120:".length());
        assertTrue(losses.endsWith(" steps 3"), "one step per epoch: " + out);
        assertEquals("batch 1000000000:" + losses, lines.get(1));
        assertEquals("batch 2147483647:" + losses, lines.get(2));
        // Floats a sample: Dense(5->100000) y 100,000; ReLU y 100,000; Dense(100000->3) y 3; the input gradients (dX)
        // in two shared regions: ReLU's 100,000 (busy at backward steps 1 and 0) and Dense(100000->3)'s 100,000 (steps
        // 2 and 1), which Dense(5->100000)'s 5 (step 0) shares; the model's evaluation batch (inputs 5, targets 3) and
        // scratch 3; the trainer's batch (5, 3) and output gradient 3: 400,025 floats, 1,600,100 bytes; fixed: each
        // region's alignment allowance, 64 bytes for each of its largest member's 1 piece, 128 bytes; 2,000 samples:
        // 3,200,200,128 bytes.
        assertTrue(lines.get(3).matches("error: the buffers for a batch of 2,000 samples need 3,200,200,128 bytes \\(1,600,100 a"
                + " sample\\), more than the [0-9,]+ this JVM may use \\(its heap limit, -Xmx, which also bounds memory off the"
                + " heap\\); use a smaller batch size or give the JVM more memory"), out);
    }

    /**
     * With a learning rate of 10^30 the first step (at the initial weights) has a finite loss and moves the weights to
     * about 10^30; the second step's logits overflow and its loss is not finite: the fit stops there with a
     * {@link DivergenceException} naming the epoch, the step and the rate, before any epoch end is heard.
     */
    @Test
    void aLossThatIsNotFiniteStopsTheFitNamingEpochBatchAndRate() {
        try (Dataset data = TrainerTest.blobs(200, 7); Model m = TrainerTest.model(Backends.reference(), 3);
             Trainer t = new Trainer(m, new Sgd(1e30f, 0f)).batchSize(32).seed(3)) {
            List<Float> losses = new ArrayList<>();
            List<Integer> ends = new ArrayList<>();
            DivergenceException e = assertThrows(DivergenceException.class, () -> t.fit(data, 3, new TrainingListener() {
                @Override
                public void onBatchEnd(int epoch, int batch, int batches, int samples, float loss) {
                    losses.add(loss);
                }

                @Override
                public void onEpochEnd(EpochResult r, Trainer trainer) {
                    ends.add(r.epoch());
                }
            }));
            assertEquals(1, losses.size(), "the diverged step is not reported as a batch: " + losses);
            assertTrue(Float.isFinite(losses.get(0)), losses.toString());
            assertEquals(List.of(), ends);
            assertEquals(1, e.epoch());
            assertEquals(2, e.batch());
            assertEquals(1e30f, e.learningRate());
            assertTrue(e.getMessage().startsWith("training diverged at epoch 1, batch 2 of 7 (learning rate 1.0E30): the loss is "),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith("; try a lower learning rate"), e.getMessage());
            assertEquals(0, t.epochs());
        }
    }
}
