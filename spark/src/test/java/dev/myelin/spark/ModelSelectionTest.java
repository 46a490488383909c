package dev.myelin.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Matrix;
import dev.myelin.trainer.Model;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spark ML's conventions: every model scores with its own weights, evaluators, tuning, and persistence. */
class ModelSelectionTest {

    static final int N = 240;
    static final int WIDTH = 5;
    static SparkSession spark;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkTraining.start();
    }

    @AfterAll
    static void stop() {
        MyelinClassificationModel.Predictor.clear();
        spark.stop();
    }

    private static Dataset<Row> data(int classes, int[] labels) {
        return SparkTraining.frame(spark, SparkTraining.blobs(N, WIDTH, classes, 7, labels), labels);
    }

    private static MyelinClassifier classifier() {
        return new MyelinClassifier().setLayers("16:relu").setLearningRate(0.01).setBatchSize(32).setEpochs(3).setSeed(11)
                .setWorkers(2);
    }

    /** The probabilities {@code transform} gives, row by row. */
    private static float[] probabilities(MyelinClassificationModel m, Dataset<Row> d) {
        List<Row> rows = m.transform(d).collectAsList();
        int k = ((Vector) rows.get(0).getAs("probability")).size();
        float[] p = new float[rows.size() * k];
        for (int i = 0; i < rows.size(); i++) {
            double[] v = ((Vector) rows.get(i).getAs("probability")).toArray();
            for (int j = 0; j < k; j++) {
                p[i * k + j] = (float) v[j];
            }
        }
        return p;
    }

    /** The probabilities of the model's own weights on one machine, for the rows of {@code d} in order. */
    private static float[] local(MyelinClassificationModel m, Dataset<Row> d) throws IOException {
        List<Row> rows = d.collectAsList();
        try (Model model = m.model(); Matrix x = Matrix.allocate(rows.size(), WIDTH); Matrix p = Matrix.allocate(rows.size(),
                model.outputs())) {
            for (int i = 0; i < rows.size(); i++) {
                x.rows(i, 1).copyFrom(MyelinClassifier.features(rows.get(i).get(0)));
            }
            model.predict(x, p);
            return p.toArray();
        }
    }

    /**
     * Two models fitted by one estimator (so with one uid) with different settings: each {@code transform} gives its own
     * model's predictions, to the bit (the same kernels on the same weights), so they differ from each other.
     */
    @Test
    void twoModelsOfOneEstimatorEachScoreWithTheirOwnWeights() throws IOException {
        MyelinClassifier c = classifier();
        Dataset<Row> d = data(3, new int[N]);
        MyelinClassificationModel slow = c.fit(d, new ParamMap().put(c.learningRate().w(0.001)));
        MyelinClassificationModel fast = c.fit(d, new ParamMap().put(c.learningRate().w(0.05)));
        assertEquals(slow.uid(), fast.uid(), "Spark ML's convention: a fitted model takes its estimator's uid");
        float[] a = probabilities(slow, d);
        float[] b = probabilities(fast, d);
        assertArrayEquals(local(slow, d), a);
        assertArrayEquals(local(fast, d), b);
        assertFalse(Arrays.equals(a, b), "two settings, one set of predictions");
    }

    /** The executors' cache keeps at most {@code CAPACITY} models, dropping the least recently used. */
    @Test
    void theExecutorsCacheIsBoundedAndDropsTheLeastRecentlyUsedModel() {
        MyelinClassificationModel.Predictor.clear();
        MyelinClassifier c = classifier().setEpochs(1);
        Dataset<Row> d = data(3, new int[N]);
        List<String> digests = new ArrayList<>();
        for (int i = 0; i <= MyelinClassificationModel.Predictor.CAPACITY; i++) {
            MyelinClassificationModel m = c.fit(d, new ParamMap().put(c.seed().w((long) i)));
            m.transform(d).count();
            digests.add(MyelinClassificationModel.digest(m.modelFile()));
        }
        assertEquals(MyelinClassificationModel.Predictor.CAPACITY, digests.stream().distinct().count() - 1);
        assertEquals(digests.subList(1, digests.size()), MyelinClassificationModel.Predictor.cached());
        MyelinClassificationModel.Predictor.clear();
        assertEquals(List.of(), MyelinClassificationModel.Predictor.cached());
    }

    /**
     * A CrossValidator over two learning rates: the folds' metrics are the models' own, so the two settings score
     * differently and the better one is chosen.
     */
    @Test
    void crossValidationChoosesBetweenTwoSettingsByTheirOwnMetrics() {
        MyelinClassifier c = classifier();
        Dataset<Row> d = data(3, new int[N]);
        ParamMap[] grid = new ParamGridBuilder().addGrid(c.learningRate(), new double[] {1e-4, 1e-2}).build();
        MulticlassClassificationEvaluator accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy");
        CrossValidatorModel cv = new CrossValidator().setEstimator(c).setEstimatorParamMaps(grid).setEvaluator(accuracy)
                .setNumFolds(2).setSeed(3).fit(d);
        double[] metrics = cv.avgMetrics();
        for (int i = 0; i < grid.length; i++) {
            System.out.printf(Locale.ROOT, "learningRate %s: mean accuracy %.4f%n", grid[i].apply(c.learningRate()), metrics[i]);
        }
        MyelinClassificationModel best = (MyelinClassificationModel) cv.bestModel();
        System.out.printf(Locale.ROOT, "chosen: learningRate %s, accuracy on all rows %.4f%n",
                best.parent().extractParamMap().apply(c.learningRate()), accuracy.evaluate(best.transform(d)));
        assertNotEquals(metrics[0], metrics[1], "the two settings' metrics");
        assertTrue(metrics[1] > metrics[0], "a rate 100 times larger learns more in 3 epochs: " + Arrays.toString(metrics));
        assertEquals(1e-2, best.parent().extractParamMap().apply(c.learningRate()));
    }

    /**
     * Spark's evaluators with their default columns: the binary one reads rawPrediction (log-probabilities, whose
     * element 1 orders rows as the probability of class 1 does, so its area under the ROC curve is that of the
     * probability column), the multiclass one reads prediction (its accuracy is the share of rows whose prediction is
     * their label) and probability (its log-loss is the mean of -log p[label]).
     */
    @Test
    void bothEvaluatorsWorkOnTheDefaultColumns() {
        int[] labels = new int[N];
        Dataset<Row> d = data(2, labels);
        Dataset<Row> scored = classifier().setLearningRate(0.05).setEpochs(10).fit(d).transform(d).cache();
        double auc = new BinaryClassificationEvaluator().evaluate(scored);
        double aucOfP = new BinaryClassificationEvaluator().setRawPredictionCol("probability").evaluate(scored);
        // the same ROC points, their trapezoids summed in another grouping: at most N roundings of numbers <= 1
        assertEquals(aucOfP, auc, N * Math.ulp(1.0), "the same order of rows, the same area");
        assertTrue(auc > 0.9, "separable blobs: " + auc);
        List<Row> rows = scored.collectAsList();
        int right = 0;
        double logLoss = 0;
        for (int i = 0; i < N; i++) {
            Row r = rows.get(i);
            right += r.<Double>getAs("prediction") == labels[i] ? 1 : 0;
            double[] p = ((Vector) r.getAs("probability")).toArray();
            double[] raw = ((Vector) r.getAs("rawPrediction")).toArray();
            // log-softmax and softmax of the same logits in float: raw's rounding error, a few ulps of |raw|, is a
            // relative error of exp(raw) = p times |raw|, and p |log p| <= 1/e; with softmax's own few ulps of p,
            // |exp(raw) - p| stays a few times 2^-24, far within 1e-6
            assertEquals(p[labels[i]], Math.exp(raw[labels[i]]), 1e-6, "row " + i);
            logLoss -= Math.log(Math.max(p[labels[i]], 1e-15));       // the evaluator's own clipping, eps = 1e-15
        }
        MulticlassClassificationEvaluator multi = new MulticlassClassificationEvaluator();
        assertEquals((double) right / N, multi.setMetricName("accuracy").evaluate(scored));
        // the evaluator sums the same N double terms (each below -log(1e-15) < 35) in its own order: each sum is off by
        // at most (N - 1) * 2^-53 * (N * 35), about 2.2e-10, so the means differ by under 2e-12; 1e-9 leaves room
        assertEquals(logLoss / N, multi.setMetricName("logLoss").evaluate(scored), 1e-9);
        scored.unpersist();
    }

    /** A Pipeline with the estimator saves and loads, and so does the fitted PipelineModel, predicting the same. */
    @Test
    void aPipelineAndItsFittedModelSaveAndLoad() throws IOException {
        Dataset<Row> d = data(3, new int[N]);
        Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {classifier().setLayers("8:tanh")});
        String unfitted = dir.resolve("pipeline").toString();
        pipeline.write().overwrite().save(unfitted);
        MyelinClassifier back = (MyelinClassifier) Pipeline.load(unfitted).getStages()[0];
        assertEquals("8:tanh", back.getOrDefault(back.layers()));
        assertEquals(0.01, back.getOrDefault(back.learningRate()));
        assertEquals(pipeline.getStages()[0].uid(), back.uid());

        PipelineModel fitted = pipeline.fit(d);
        String saved = dir.resolve("fitted").toString();
        fitted.write().save(saved);
        PipelineModel loaded = PipelineModel.load(saved);
        MyelinClassificationModel original = (MyelinClassificationModel) fitted.stages()[0];
        MyelinClassificationModel copy = (MyelinClassificationModel) loaded.stages()[0];
        assertArrayEquals(original.modelFile(), copy.modelFile());
        assertEquals(original.uid(), copy.uid());
        List<Row> a = fitted.transform(d).collectAsList();
        List<Row> b = loaded.transform(d).collectAsList();
        assertEquals(a, b);
        MyelinClassificationModel alone = MyelinClassificationModel.load(saved + "/stages/0_" + original.uid());
        assertArrayEquals(original.modelFile(), alone.modelFile());
    }
}
