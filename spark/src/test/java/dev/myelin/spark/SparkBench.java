package dev.myelin.spark;

import dev.myelin.core.Backends;
import dev.myelin.examples.FashionMnistDownload;
import dev.myelin.examples.FashionMnistExample;
import dev.myelin.trainer.Adam;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Evaluation;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.data.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StandardScalerModel;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The Spark side-by-side, run by bench/spark-scaling (one JVM, the runs one after another; the machine's figures
 * are its own, see docs/benchmarks.md): the Fashion-MNIST MLP trained by the single-machine trainer (1 and 2
 * threads), by the estimator on local[1] and local[2] (each for several k), and by Spark ML's
 * MultilayerPerceptronClassifier (L-BFGS, 50 and 100 iterations, standardised features) in the same local[2]
 * session. Prints one line per run: samples per second, seconds, the synchronisation share, test accuracy.
 * Arguments: epochs (default 10), then the k values (default 16 64).
 */
public final class SparkBench {

    private SparkBench() {
    }

    public static void main(String[] args) throws IOException {
        int epochs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        List<Integer> ks = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            ks.add(Integer.parseInt(args[i]));
        }
        if (ks.isEmpty()) {
            ks = List.of(16, 64);
        }
        System.out.printf(Locale.ROOT, "cpu: %s; %s; jdk %s%n", cpu(), Backends.choice().backend().description(),
                Runtime.version());
        Path folder = FashionMnistDownload.locate(null, System.err::println);
        try (FashionMnistExample.Data data = FashionMnistExample.load(folder)) {
            for (int threads : new int[] {1, 2}) {
                single(data, epochs, threads);
            }
            for (String master : new String[] {"local[1]", "local[2]"}) {
                SparkSession spark = SparkSession.builder().appName("myelin-bench").master(master)
                        .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
                try {
                    int workers = master.equals("local[1]") ? 1 : 2;
                    org.apache.spark.sql.Dataset<Row> train = SparkTraining.frame(spark, data.train()).repartition(workers).cache();
                    train.count();
                    for (int k : ks) {
                        myelin(train, data.test(), master, workers, k, epochs);
                    }
                    if (workers == 2) {
                        for (int iterations : new int[] {50, 100}) {
                            mllib(spark, data, iterations);
                        }
                    }
                    train.unpersist();
                } finally {
                    spark.stop();
                }
            }
        }
    }

    private static void single(FashionMnistExample.Data data, int epochs, int threads) throws IOException {
        try (Model model = FashionMnistExample.model(Backends.choice().backend().kernels(threads), FashionMnistExample.HIDDEN, 42,
                data.stats());
             Trainer t = new Trainer(model, Adam.adam(1e-3f)).batchSize(128).seed(42)) {
            long start = System.nanoTime();
            List<EpochResult> h = t.fit(data.train(), epochs);
            double seconds = (System.nanoTime() - start) * 1e-9;
            Evaluation e = model.evaluate(data.test());
            double later = h.stream().skip(1).mapToDouble(EpochResult::seconds).average().orElse(Double.NaN);
            System.out.printf(Locale.ROOT, "single machine, %d thread(s): %d epochs in %.1f s (%,.0f samples/s; a later epoch "
                    + "%.2f s), test accuracy %.2f%%%n", threads, epochs, seconds, epochs * 60000 / seconds, later,
                    100 * e.accuracy());
        }
    }

    private static void myelin(org.apache.spark.sql.Dataset<Row> train, Dataset test, String master, int workers, int k,
                               int epochs) throws IOException {
        long start = System.nanoTime();
        MyelinClassificationModel m = new MyelinClassifier().setLayers("128:relu").setStandardize("global").setEpochs(epochs)
                .setBatchSize(128).setWorkers(workers).setSyncEvery(k).setSeed(42).fit(train);
        double seconds = (System.nanoTime() - start) * 1e-9;
        double training = m.history().stream().mapToDouble(MyelinClassificationModel.Epoch::seconds).sum();
        double sync = m.history().stream().mapToDouble(MyelinClassificationModel.Epoch::syncSeconds).sum();
        int rounds = m.history().stream().mapToInt(MyelinClassificationModel.Epoch::rounds).sum();
        try (Model model = m.model()) {
            Evaluation e = model.evaluate(test);
            System.out.printf(Locale.ROOT, "myelin on %s, %d worker(s), k %d: %d epochs in %.1f s (%.1f s in %d rounds, %,.0f "
                    + "samples/s; %.1f s on the driver combining results, %.1f ms a round in all), test accuracy %.2f%%%n",
                    master, workers, k, epochs, seconds, training, rounds, epochs * 60000 / training, sync,
                    1000 * training / rounds, 100 * e.accuracy());
        }
    }

    private static void mllib(SparkSession spark, FashionMnistExample.Data data, int iterations) {
        org.apache.spark.sql.Dataset<Row> train = vectors(spark, data.train()).repartition(2).cache();
        org.apache.spark.sql.Dataset<Row> test = vectors(spark, data.test()).cache();
        train.count();
        test.count();
        long start = System.nanoTime();
        StandardScalerModel scaler = new StandardScaler().setInputCol("raw").setOutputCol("features").setWithMean(true)
                .setWithStd(true).fit(train);
        org.apache.spark.sql.Dataset<Row> scaledTrain = scaler.transform(train).cache();
        MultilayerPerceptronClassificationModel model = new MultilayerPerceptronClassifier().setLayers(new int[] {784, 128, 10})
                .setMaxIter(iterations).setSeed(42).setSolver("l-bfgs").fit(scaledTrain);
        double seconds = (System.nanoTime() - start) * 1e-9;
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy")
                .evaluate(model.transform(scaler.transform(test)));
        System.out.printf(Locale.ROOT, "spark ml MultilayerPerceptronClassifier on local[2], l-bfgs, %d iterations: %.1f s, "
                + "test accuracy %.2f%%%n", iterations, seconds, 100 * accuracy);
        scaledTrain.unpersist();
        train.unpersist();
        test.unpersist();
    }

    private static org.apache.spark.sql.Dataset<Row> vectors(SparkSession spark, Dataset d) {
        float[] x = d.features().toArray();
        int w = d.width();
        List<Row> rows = new ArrayList<>(d.size());
        for (int i = 0; i < d.size(); i++) {
            double[] r = new double[w];
            for (int j = 0; j < w; j++) {
                r[j] = x[i * w + j];
            }
            rows.add(RowFactory.create(Vectors.dense(r), (double) d.labels()[i]));
        }
        StructType schema = new StructType().add("raw", org.apache.spark.ml.linalg.SQLDataTypes.VectorType(), false)
                .add("label", DataTypes.DoubleType, false);
        return spark.createDataFrame(rows, schema);
    }

    private static String cpu() {
        try {
            return java.nio.file.Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown") + ", "
                    + Runtime.getRuntime().availableProcessors() + " cores";
        } catch (IOException e) {
            return "unknown";
        }
    }
}
