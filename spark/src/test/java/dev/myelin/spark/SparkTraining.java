package dev.myelin.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The tests' Spark: one local session per test class, two task slots, up to four attempts per task. */
final class SparkTraining {

    private SparkTraining() {
    }

    static SparkSession start() {
        return SparkSession.builder().appName("myelin-test").master("local[2,4]")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
    }

    /** The schema of the tests' DataFrames: array<float> features, int label. */
    static StructType schema() {
        return new StructType().add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add("label", DataTypes.IntegerType, false);
    }

    /** {@code n} points of {@code width} features around {@code classes} random centres (as the trainer tests' blobs). */
    static float[][] blobs(int n, int width, int classes, long seed, int[] labels) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] centres = new float[classes][width];
        for (float[] c : centres) {
            for (int j = 0; j < width; j++) {
                c[j] = (float) rnd.nextDouble(-2, 2);
            }
        }
        float[][] x = new float[n][width];
        for (int i = 0; i < n; i++) {
            labels[i] = rnd.nextInt(classes);
            for (int j = 0; j < width; j++) {
                x[i][j] = centres[labels[i]][j] + (float) rnd.nextGaussian();
            }
        }
        return x;
    }

    /** A trainer dataset as a DataFrame of its rows in order: features array<float>, label int. */
    static Dataset<Row> frame(SparkSession spark, dev.myelin.trainer.data.Dataset d) {
        float[] x = d.features().toArray();
        int w = d.width();
        List<Row> rows = new ArrayList<>(d.size());
        for (int i = 0; i < d.size(); i++) {
            float[] r = new float[w];
            System.arraycopy(x, i * w, r, 0, w);
            rows.add(RowFactory.create(r, d.labels()[i]));
        }
        return spark.createDataFrame(rows, schema());
    }

    /** A DataFrame of the rows in order (a local collection: its partitions and their order are fixed). */
    static Dataset<Row> frame(SparkSession spark, float[][] x, int[] labels) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            rows.add(RowFactory.create(x[i], labels[i]));
        }
        return spark.createDataFrame(rows, schema());
    }
}
