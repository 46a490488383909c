package dev.myelin.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.Adam;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Layers;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Node;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.data.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The estimator on a local Spark in this JVM: exactness, reproducibility, retries, transform, bad input. */
class MyelinClassifierTest {

    static final int N = 240;
    static final int WIDTH = 5;
    static final int CLASSES = 3;
    static SparkSession spark;
    static float[][] x;
    static int[] labels = new int[N];

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkTraining.start();
        x = SparkTraining.blobs(N, WIDTH, CLASSES, 7, labels);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @AfterEach
    void noFaults() {
        Worker.faultForTests = null;
    }

    private static MyelinClassifier classifier() {
        return new MyelinClassifier().setLayers("16:relu").setLearningRate(0.01).setBatchSize(32).setEpochs(3).setSeed(11);
    }

    private static float[] parameters(MyelinClassificationModel m) throws IOException {
        try (Model model = m.model()) {
            return model.values().toArray();
        }
    }

    /**
     * One worker trains exactly as the single-machine trainer does on the same rows, batch size, seed and optimizer:
     * its epoch order is the trainer's (seed, epoch) shuffle of the rows in their DataFrame order; with k = 1 the
     * driver applies the one worker's gradient (the mean of one, copied, not added to zero: a -0.0 stays -0.0) with
     * the same Adam kernel; with k = 3 the worker takes the steps itself and the driver takes its parameters and
     * moments as they are. The same kernels on the same numbers: the weights and the epoch losses agree to the bit.
     * With batch normalization, the running statistics too: the worker's forward passes gather them, and the driver
     * takes the mean of one worker's (for k = 1 the driver's model runs no forward pass at all, so they reach it only
     * that way).
     */
    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {"1; 16:relu", "3; 16:relu", "1; 16,bn,relu", "3; 16,bn,relu"})
    void oneWorkerTrainsExactlyAsTheSingleMachineTrainer(int syncEvery, String layers) throws IOException {
        MyelinClassificationModel spark1 = classifier().setLayers(layers).setWorkers(1).setSyncEvery(syncEvery)
                .fit(SparkTraining.frame(spark, x, labels));
        float[] flat = new float[N * WIDTH];
        for (int i = 0; i < N; i++) {
            System.arraycopy(x[i], 0, flat, i * WIDTH, WIDTH);
        }
        try (Dataset data = Dataset.classification("blobs", flat, WIDTH, labels, CLASSES);
             Model model = Model.of(Backends.get(), Shape.of(WIDTH), Loss.SOFTMAX_CROSS_ENTROPY, 11,
                     Layers.parse(layers, Node.input(), Shape.of(WIDTH), CLASSES));
             Trainer t = new Trainer(model, Adam.adam(0.01f)).batchSize(32).seed(11)) {
            List<EpochResult> h = t.fit(data, 3);
            assertArrayEquals(model.values().toArray(), parameters(spark1), "weights, k = " + syncEvery);
            try (Model trained = spark1.model()) {
                assertArrayEquals(model.runningState().toArray(), trained.runningState().toArray(), "running state, k = "
                        + syncEvery);
                assertEquals(layers.contains("bn") ? 2 : 0, trained.runningStateTensors().size());
            }
            for (int e = 0; e < 3; e++) {
                assertEquals(h.get(e).trainLoss(), spark1.history().get(e).loss(), "epoch " + (e + 1) + " loss");
            }
        }
    }

    @Test
    void theSameSettingsGiveTheSameModelToTheBit() throws IOException {
        MyelinClassifier c = classifier().setWorkers(2).setSyncEvery(2);
        float[] a = parameters(c.fit(SparkTraining.frame(spark, x, labels)));
        float[] b = parameters(c.fit(SparkTraining.frame(spark, x, labels)));
        assertArrayEquals(a, b);
        float[] other = parameters(classifier().setWorkers(2).setSyncEvery(2).setSeed(12).fit(SparkTraining.frame(spark, x, labels)));
        assertTrue(!java.util.Arrays.equals(a, other), "the seed changes nothing");
    }

    /** The first attempt of worker 1's task in round 2 fails; Spark retries it; the model is the one without a failure. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aRetriedTaskGivesTheSameModelAsARunWithoutTheFailure(int syncEvery) throws IOException {
        MyelinClassifier c = classifier().setWorkers(2).setSyncEvery(syncEvery);
        float[] clean = parameters(c.fit(SparkTraining.frame(spark, x, labels)));
        AtomicInteger failures = new AtomicInteger();
        Worker.faultForTests = (partition, round, attempt) -> {
            if (partition == 1 && round == 2 && attempt == 0) {
                failures.incrementAndGet();
                throw new IllegalStateException("injected failure of partition 1, round 2, attempt 0");
            }
        };
        float[] retried = parameters(c.fit(SparkTraining.frame(spark, x, labels)));
        assertEquals(1, failures.get(), "the fault fired once");
        assertArrayEquals(clean, retried);
    }

    @Test
    void transformGivesTheSingleMachinePredictionsAndTheModelFileGoesBothWays() throws IOException {
        MyelinClassificationModel m = classifier().setWorkers(2).setSyncEvery(4).setEpochs(5).fit(SparkTraining.frame(spark, x, labels));
        List<Row> out = m.transform(SparkTraining.frame(spark, x, labels)).collectAsList();
        assertEquals(N, out.size());
        Path file = dir.resolve("spark.model");
        m.writeModelFile(file);
        try (Model local = Model.load(file); Matrix xs = Matrix.allocate(N, WIDTH); Matrix p = Matrix.allocate(N, CLASSES)) {
            for (int i = 0; i < N; i++) {
                xs.rows(i, 1).copyFrom(x[i]);
            }
            int[] classes = local.predictClasses(xs);
            local.predict(xs, p);
            int right = 0;
            for (int i = 0; i < N; i++) {
                Row r = out.get(i);
                assertEquals(classes[i], r.getDouble(2), "row " + i);
                double[] probabilities = ((Vector) r.get(3)).toArray();
                for (int j = 0; j < CLASSES; j++) {
                    assertEquals(p.get(i, j), (float) probabilities[j], "row " + i + ", class " + j);
                }
                right += classes[i] == labels[i] ? 1 : 0;
            }
            assertTrue(right > 2 * N / 3, "it learned (chance: 1 in 3): " + right + "/" + N);
            // and back: a model file from one machine serves a DataFrame
            local.save(dir.resolve("local.model"));
        }
        MyelinClassificationModel back = MyelinClassificationModel.readModelFile(dir.resolve("local.model"));
        List<Row> again = back.transform(SparkTraining.frame(spark, x, labels)).collectAsList();
        for (int i = 0; i < N; i++) {
            assertEquals(out.get(i).getDouble(2), again.get(i).getDouble(2), "row " + i);
        }
    }

    /** Per-feature standardisation: the model's first layer holds each feature's mean and deviation over all rows. */
    @Test
    void featureStandardisationKeepsEachFeaturesStatisticsInTheModel() throws IOException {
        MyelinClassificationModel m = classifier().setWorkers(2).setSyncEvery(2).setStandardize("feature")
                .fit(SparkTraining.frame(spark, x, labels));
        float[] flat = new float[N * WIDTH];
        for (int i = 0; i < N; i++) {
            System.arraycopy(x[i], 0, flat, i * WIDTH, WIDTH);
        }
        try (Model model = m.model(); Dataset d = Dataset.classification("blobs", flat, WIDTH, labels, CLASSES)) {
            float[][] stats = d.featureStatistics();
            // the same sums in double over the same values, in another grouping (per partition): equal once rounded to
            // float unless a sum lands on a rounding boundary, which it does not for these data
            assertEquals(dev.myelin.trainer.Standardize.perFeature(stats[0], stats[1]), model.layers().get(0));
        }
    }

    @Test
    void badInputIsNamedOnTheDriverBeforeTraining() {
        MyelinClassifier c = classifier().setWorkers(2);
        org.apache.spark.sql.Dataset<Row> good = SparkTraining.frame(spark, x, labels);
        assertEquals("column 'pixels' is missing; the DataFrame has the columns [features, label]",
                assertThrows(IllegalArgumentException.class, () -> c.setFeaturesCol("pixels").fit(good)).getMessage());
        c.setFeaturesCol("features");
        StructType text = new StructType().add("features", DataTypes.StringType).add("label", DataTypes.IntegerType);
        org.apache.spark.sql.Dataset<Row> mistyped = spark.createDataFrame(List.of(RowFactory.create("1,2", 0)), text);
        assertEquals("column 'features' is string; the features column must be array<float>, array<double> or a Spark ML vector",
                assertThrows(IllegalArgumentException.class, () -> c.fit(mistyped)).getMessage());
        List<Row> ragged = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ragged.add(RowFactory.create(i == 7 ? new float[] {1, 2, 3} : new float[] {1, 2}, i % 2));
        }
        String e = assertThrows(IllegalArgumentException.class, () -> c.fit(spark.createDataFrame(ragged, SparkTraining.schema())))
                .getMessage();
        assertTrue(e.startsWith("column 'features' holds arrays of ") && e.contains("every row needs the same number of features"), e);
        assertEquals("column 'label' holds the label 2, outside the 2 classes (numClasses)",
                assertThrows(IllegalArgumentException.class, () -> classifier().setWorkers(2).setNumClasses(2).fit(good)).getMessage());
        List<Row> half = List.of(RowFactory.create(new float[] {1}, 0.0), RowFactory.create(new float[] {2}, 1.5));
        StructType doubles = new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType)).add("label",
                DataTypes.DoubleType);
        String h = assertThrows(IllegalArgumentException.class, () -> classifier().setWorkers(1).fit(spark.createDataFrame(half,
                doubles))).getMessage();
        assertTrue(h.matches("column 'label' holds 1.5 at row \\d of partition \\d: a label must be a class index, a whole number >= 0"), h);
        assertEquals("the DataFrame is empty: there is nothing to train on", assertThrows(IllegalArgumentException.class,
                () -> c.fit(spark.createDataFrame(List.of(), SparkTraining.schema()))).getMessage());
        assertEquals("syncEvery must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> classifier().setSyncEvery(0).fit(good)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> classifier().setLayers("16:swish").fit(good)).getMessage()
                .startsWith("layers: layer '16:swish'"));
    }

    @Test
    void anOlderJdkIsRefusedWithTheReason() {
        String e = assertThrows(IllegalStateException.class, () -> SparkVersion.check(Runtime.Version.parse("25.0.2"))).getMessage();
        assertTrue(e.contains("needs JDK 25.0.3 or later, this is 25.0.2") && e.contains("JDK-8377811"), e);
        SparkVersion.check(Runtime.Version.parse("25.0.3"));
        SparkVersion.check(Runtime.Version.parse("26"));
    }
}
