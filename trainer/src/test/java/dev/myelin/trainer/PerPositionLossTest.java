package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.Dataset;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Softmax cross-entropy over every position: a model whose output is {@code (T, V)} per sample, trained against T
 * labels per sample, is the same computation as B T independent rows of V logits (exactly: the same kernel calls on
 * the same memory), has a known answer at zero logits, and its gradients match finite differences.
 */
class PerPositionLossTest {

    static final double U = ErrorBounds.U;

    /** {@code rows * width} seeded values in [-1, 1). */
    private static float[] random(int rows, int width, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[rows * width];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(-1, 1);
        }
        return v;
    }

    private static int[] labels(int n, int classes, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = rnd.nextInt(classes);
        }
        return y;
    }

    /** Sequences of T positions of C values each, with T labels per sample. */
    private static Dataset sequences(float[] x, int t, int c, int[] y, int classes) {
        Arena arena = Arena.ofShared();
        Matrix features = Matrix.of(arena, x.length / (t * c), t * c, x);
        return Dataset.sequences("bad", arena, Shape.of(t, c), features, y, t, classes);
    }

    /**
     * B = 3 samples of T = 4 positions, Dense.perPosition(V = 6) on C = 5 values a position, against one Dense(6) on the
     * same 12 rows as 12 samples with one label each, from the same parameters: the loss of a training step, the
     * parameters after it, the evaluation's loss, accuracy and confusion matrix, the predicted classes and the
     * probabilities are equal, bit for bit (both are the same kernels on the same (12, 5) and (12, 6) matrices).
     */
    @Test
    void aTByVModelWithTLabelsIsTheSameAsBTIndependentRows() {
        int b = 3;
        int t = 4;
        int c = 5;
        int v = 6;
        float[] x = random(b * t, c, 5);
        int[] y = labels(b * t, v, 9);
        for (Kernels k : List.of(Backends.reference(), Backends.get())) {
            try (Arena arena = Arena.ofConfined();
                 Model seq = Model.of(k, Shape.of(t, c), Loss.SOFTMAX_CROSS_ENTROPY, 3, Dense.perPosition(v, Init.XAVIER));
                 Model rows = Model.of(k, Shape.of(c), Loss.SOFTMAX_CROSS_ENTROPY, 4, new Dense(v, Init.XAVIER));
                 Dataset seqData = sequences(x, t, c, y, v);
                 Dataset rowData = Dataset.classification("rows", x, c, y, v);
                 Trainer seqTrainer = new Trainer(seq, new Sgd(0.5f, 0.9f)).batchSize(b);
                 Trainer rowTrainer = new Trainer(rows, new Sgd(0.5f, 0.9f)).batchSize(b * t)) {
                assertEquals(t, seq.positions());
                assertEquals(v, seq.classes());
                assertEquals(1, rows.positions());
                rows.values().copyFrom(seq.values().toArray());
                for (int step = 0; step < 3; step++) {
                    assertEquals(rowTrainer.step(rowData, null, 0, b * t), seqTrainer.step(seqData, null, 0, b), k + " step " + step);
                    assertArrayEquals(rows.values().toArray(), seq.values().toArray(), k + " step " + step);
                }
                Evaluation es = seq.evaluate(seqData);
                Evaluation er = rows.evaluate(rowData);
                assertEquals(er.loss(), es.loss());
                assertEquals(er.accuracy(), es.accuracy());
                assertEquals(b * t, es.samples(), "positions scored");
                assertArrayEquals(er.confusionMatrix(), es.confusionMatrix());
                Matrix xs = Matrix.of(arena, b, t * c, x);
                Matrix xr = Matrix.of(arena, b * t, c, x);
                assertArrayEquals(rows.predictClasses(xr), seq.predictClasses(xs));
                try (Matrix ps = seq.predict(xs); Matrix pr = rows.predict(xr)) {
                    assertArrayEquals(pr.toArray(), ps.toArray(), "each position's own softmax");
                }
            }
        }
    }

    /**
     * All-zero parameters give zero logits: each of the N = 8 positions has softmax 1/4 over V = 4 classes, so the bias
     * gradient is {@code db[j] = (N / 4 - count_j) / N}, exact (multiples of 1/32), and the loss is ln 4 per position.
     * The step's float loss is the mean of 8 equal float log-sum-exps, each within 2 u of ln 4 (the log and the
     * subtraction of the maximum 0), summed with at most 7 roundings of u each: within 9 u ln 4 of ln 4 and of the
     * evaluation's, which adds the same per-position floats in double.
     */
    @Test
    void zeroLogitsGiveLnVPerPositionAndAnExactBiasGradient() {
        int b = 2;
        int t = 4;
        int v = 4;
        Kernels k = Backends.reference();
        float[] x = random(b * t, 3, 1);
        int[] y = {0, 1, 1, 3, 3, 3, 2, 1};
        try (Model m = Model.of(k, Shape.of(t, 3), Loss.SOFTMAX_CROSS_ENTROPY, 3, Dense.perPosition(v, Init.XAVIER));
             Dataset data = sequences(x, t, 3, y, v);
             Trainer trainer = new Trainer(m, new Sgd(0f, 0f)).batchSize(b)) {
            m.values().copyFrom(new float[m.values().cols()]);
            float loss = trainer.step(data, null, 0, b);
            double ln4 = Math.log(4);
            assertEquals(ln4, loss, 9 * U * ln4);
            assertEquals(ln4, m.evaluate(data).loss(), 9 * U * ln4);
            int[] count = new int[v];
            for (int label : y) {
                count[label]++;
            }
            float[] db = new float[v];
            for (int j = 0; j < v; j++) {
                db[j] = (y.length / 4f - count[j]) / y.length;
            }
            assertArrayEquals(db, m.parameters().get(1).grad().toArray());
        }
    }

    /**
     * Embedding(5, 4) then Dense.perPosition(5) on samples of 3 token ids with 3 labels each: every parameter's gradient
     * from a training step (the per-position loss's mean over the 6 positions of the batch) matches the central
     * difference of the evaluation's loss (the same mean, summed in double). The tolerance is
     * {@link FiniteDifferences#checkParameters}'s; each float term of the loss passes through the exact embedding copy,
     * a GEMM of depth 4 and the bias (5 roundings), and the log-sum-exp over 5 logits (the subtraction, 5 exps, 4
     * additions, the log: 11); 32 u |L| bounds the 16 with a margin of 2.
     */
    @Test
    void perPositionGradientsMatchFiniteDifferences() {
        Kernels k = Backends.reference();
        int t = 3;
        int v = 5;
        float[] ids = {4, 1, 0, 2, 2, 3};
        int[] y = {1, 0, 2, 2, 3, 4};
        try (Model m = Model.of(k, Shape.of(t), Loss.SOFTMAX_CROSS_ENTROPY, 7, new Embedding(v, 4),
                Dense.perPosition(v, Init.XAVIER));
             Dataset data = sequences(ids, t, 1, y, v);
             Trainer trainer = new Trainer(m, new Sgd(0f, 0f)).batchSize(2)) {
            SplittableRandom rnd = new SplittableRandom(11);
            for (Parameter p : m.parameters()) {
                for (int i = 0; i < p.rows(); i++) {
                    for (int j = 0; j < p.cols(); j++) {
                        p.value().set(i, j, (float) rnd.nextDouble(-1, 1));
                    }
                }
            }
            trainer.step(data, null, 0, 2);         // learning rate 0: the gradients, the parameters unchanged
            int checked = FiniteDifferences.checkParameters(m.toString(), m.parameters(),
                    () -> (float) m.evaluate(data).loss(), 1e-2f, 32, FiniteDifferences.NONE);
            assertEquals(5 * 4 + 4 * 5 + 5, checked);
        }
    }

    /** Data whose labels per sample differ from the positions the model scores is refused, naming both. */
    @Test
    void labelsPerSampleMustMatchThePositions() {
        Kernels k = Backends.reference();
        float[] x = random(4, 3, 2);
        try (Model m = Model.of(k, Shape.of(2, 3), Loss.SOFTMAX_CROSS_ENTROPY, 3, Dense.perPosition(4, Init.XAVIER));
             Dataset one = Dataset.classification("one label", x, 6, new int[] {0, 1}, 4);
             Dataset two = sequences(x, 2, 3, new int[] {0, 1, 2, 3}, 4)) {
            assertEquals("one label has 1 label per sample, the model scores 2 positions of its output (2, 4) per sample",
                    assertThrows(IllegalArgumentException.class, () -> m.evaluate(one)).getMessage());
            assertTrue(Double.isFinite(m.evaluate(two).loss()));
        }
        assertEquals("bad: 3 labels for 2 samples of 2 positions", assertThrows(IllegalArgumentException.class,
                () -> sequences(x, 2, 3, new int[] {0, 1, 2}, 4)).getMessage());
    }
}
