package dev.myelin.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.examples.FashionMnistDownload;
import dev.myelin.trainer.Evaluation;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.FashionMnist;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Fashion-MNIST MLP trained through the estimator on two workers (local[2]), data as a DataFrame. */
class FashionMnistOnSparkTest {

    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTraining.start();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void theMlpReaches87Point5PercentOnTwoWorkersIn10Epochs() throws IOException {
        Path folder = FashionMnistDownload.locate(null, System.err::println);
        try (Dataset train = FashionMnist.train(folder); Dataset test = FashionMnist.test(folder)) {
            org.apache.spark.sql.Dataset<Row> df = SparkTraining.frame(spark, train);
            long start = System.nanoTime();
            MyelinClassificationModel m = new MyelinClassifier().setLayers("128:relu").setStandardize("global").setEpochs(10)
                    .setBatchSize(128).setWorkers(2).setSyncEvery(SYNC).setSeed(42).fit(df);
            double seconds = (System.nanoTime() - start) * 1e-9;
            assertEquals(10, m.history().size());
            try (Model model = m.model()) {
                Evaluation e = model.evaluate(test);
                System.out.printf(Locale.ROOT, "Spark local[2], 2 workers, sync every %d steps: test accuracy %.4f in %.1f s; "
                        + "epochs %s%n", SYNC, e.accuracy(), seconds, m.history());
                // The bar for this test (measured: docs/spark.md).
                assertTrue(e.accuracy() >= 0.875, "test accuracy " + e.accuracy());
            }
        }
    }

    static final int SYNC = Integer.getInteger("myelin.spark.sync", 64);
}
