package dev.myelin.spark;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.AtomicFile;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.ModelFile;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A classifier trained by {@link MyelinClassifier}: a Spark ML {@code Model} whose {@link #transform} adds a
 * prediction column (the class index, as a double) and a probability column (a vector of the class probabilities)
 * to a DataFrame with the same features column. It holds a Myelin model file, so {@link #writeModelFile} and
 * {@link #readModelFile} exchange models with the trainer and the command line ({@code myelin predict --model}),
 * in both directions.
 *
 * @serial exclude
 */
public final class MyelinClassificationModel extends org.apache.spark.ml.Model<MyelinClassificationModel> {

    private static final long serialVersionUID = 1L;

    /**
     * One epoch of the fit: mean training loss, seconds, synchronisation rounds and the seconds spent combining them.
     *
     * @param epoch       the epoch, from 1
     * @param loss        the mean training loss over the epoch's samples (before each update)
     * @param seconds     the wall-clock seconds of the epoch
     * @param rounds      the synchronisation rounds of the epoch
     * @param syncSeconds the seconds the driver spent combining the workers' results
     */
    public record Epoch(int epoch, double loss, double seconds, int rounds, double syncSeconds) implements Serializable {
    }

    private final String uid;
    private final byte[] modelFile;
    private final List<Epoch> history;
    private final Param<String> featuresCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;

    MyelinClassificationModel(String uid, byte[] modelFile, List<Epoch> history) {
        this.uid = uid;
        this.modelFile = modelFile;
        this.history = List.copyOf(history);
        featuresCol = new Param<>(uid, "featuresCol", "features column: array<float>, array<double> or a vector");
        predictionCol = new Param<>(uid, "predictionCol", "prediction column the model adds");
        probabilityCol = new Param<>(uid, "probabilityCol", "class probability column the model adds");
        setDefault(featuresCol, "features");
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
    }

    /**
     * A model from a Myelin model file (written by {@link #writeModelFile}, {@code Model.save} or
     * {@code myelin train --save}).
     *
     * @param file the model file
     * @return the Spark model; its history is empty
     * @throws IOException if the file cannot be read, is not a whole, valid model file, or holds a model that is not
     *                     trained with softmax cross-entropy ({@link dev.myelin.trainer.data.InvalidDataException},
     *                     naming the file)
     */
    public static MyelinClassificationModel readModelFile(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ModelFile.Contents c = ModelFile.read(file);         // checks it in full, with the file's name in errors
        if (c.loss() != dev.myelin.trainer.Loss.SOFTMAX_CROSS_ENTROPY) {
            throw new dev.myelin.trainer.data.InvalidDataException(file, "holds a model trained with " + c.loss().id()
                    + "; a classifier needs softmax_cross_entropy");
        }
        return new MyelinClassificationModel(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("myelin_model"), bytes,
                List.of());
    }

    /**
     * Writes the model file, atomically.
     *
     * @param file the file to write; its folder must exist
     * @throws IOException if the file cannot be written; a previous file of that name is then left whole
     */
    public void writeModelFile(Path file) throws IOException {
        AtomicFile.write(file, out -> out.write(modelFile));
    }

    /**
     * The trained model on the default backend, for prediction on one machine; the caller closes it.
     *
     * @return the model; close it to free its memory
     * @throws IOException if the model file cannot be decoded (not expected: it was checked when made)
     */
    public Model model() throws IOException {
        return Model.fromBytes(modelFile, "the model of " + uid, Backends.get());
    }

    /** {@return the model file's bytes (a copy)} */
    public byte[] modelFile() {
        return modelFile.clone();
    }

    /** {@return the fit's epochs, in order (empty for a model read from a file)} */
    public List<Epoch> history() {
        return history;
    }

    /**
     * {@return the param: the column of the features to predict from, {@code array<float>}, {@code array<double>} or a
     * vector of the model's input width; default {@code "features"}}
     */
    public Param<String> featuresCol() {
        return featuresCol;
    }

    /**
     * {@return the param: the column {@link #transform} adds, the predicted class as a double; default
     * {@code "prediction"}}
     */
    public Param<String> predictionCol() {
        return predictionCol;
    }

    /**
     * {@return the param: the column {@link #transform} adds, the vector of class probabilities; default
     * {@code "probability"}}
     */
    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    /**
     * Sets {@link #featuresCol()}.
     *
     * @param v the column's name
     * @return this model
     */
    public MyelinClassificationModel setFeaturesCol(String v) {
        set(featuresCol, v);
        return this;
    }

    /**
     * Sets {@link #predictionCol()}.
     *
     * @param v the column's name, not in the input DataFrame
     * @return this model
     */
    public MyelinClassificationModel setPredictionCol(String v) {
        set(predictionCol, v);
        return this;
    }

    /**
     * Sets {@link #probabilityCol()}.
     *
     * @param v the column's name, not in the input DataFrame
     * @return this model
     */
    public MyelinClassificationModel setProbabilityCol(String v) {
        set(probabilityCol, v);
        return this;
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public MyelinClassificationModel copy(ParamMap extra) {
        MyelinClassificationModel m = new MyelinClassificationModel(uid, modelFile, history);
        copyValues(m, extra);
        return m.setParent(parent());
    }

    @Override
    public StructType transformSchema(StructType schema) {
        MyelinClassifier.checkFeatures(schema, getOrDefault(featuresCol));
        return outputSchema(schema, getOrDefault(predictionCol), getOrDefault(probabilityCol));
    }

    /** The input schema with the prediction (double) and probability (vector) columns added. */
    static StructType outputSchema(StructType schema, String prediction, String probability) {
        for (String c : new String[] {prediction, probability}) {
            if (java.util.Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException("the DataFrame has a column '" + c + "' already; set another output column name");
            }
        }
        return schema.add(prediction, DataTypes.DoubleType, false).add(probability, SQLDataTypes.VectorType(), false);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int column = dataset.schema().fieldIndex(getOrDefault(featuresCol));
        byte[] bytes = modelFile;
        String key = uid;
        JavaRDD<Row> rows = dataset.toDF().javaRDD().mapPartitions(it -> Predictor.predict(key, bytes, column, it));
        return dataset.sparkSession().createDataFrame(rows, out);
    }

    /** The executor's side of {@link #transform}: the model loaded once per JVM, rows predicted in chunks. */
    static final class Predictor {

        private static final int CHUNK = 512;
        private static final Map<String, Model> MODELS = new ConcurrentHashMap<>();

        private Predictor() {
        }

        static Iterator<Row> predict(String key, byte[] bytes, int column, Iterator<Row> rows) {
            Model model = MODELS.computeIfAbsent(key, k -> {
                try {
                    return Model.fromBytes(bytes, "the model of " + k, Backends.choice().backend().kernels(1));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            List<Row> result = new ArrayList<>();
            List<Row> chunk = new ArrayList<>(CHUNK);
            while (rows.hasNext()) {
                chunk.add(rows.next());
                if (chunk.size() == CHUNK || !rows.hasNext()) {
                    synchronized (model) {
                        predictChunk(model, column, chunk, result);
                    }
                    chunk.clear();
                }
            }
            return result.iterator();
        }

        private static void predictChunk(Model model, int column, List<Row> chunk, List<Row> result) {
            int width = model.inputShape().size();
            int k = model.outputs();
            try (Arena arena = Arena.ofConfined()) {
                Matrix x = Matrix.allocate(arena, chunk.size(), width);
                for (int i = 0; i < chunk.size(); i++) {
                    float[] f = MyelinClassifier.features(chunk.get(i).get(column));
                    if (f == null || f.length != width) {
                        throw new IllegalArgumentException("a row of the features column holds " + (f == null ? "a null value"
                                : f.length + " values") + "; the model takes " + width);
                    }
                    x.rows(i, 1).copyFrom(f);
                }
                Matrix p = Matrix.allocate(arena, chunk.size(), k);
                model.predict(x, p);
                int[] classes = new int[chunk.size()];
                model.predictClasses(x, classes);
                float[] row = new float[k];
                for (int i = 0; i < chunk.size(); i++) {
                    p.rows(i, 1).copyTo(row);
                    double[] probabilities = new double[k];
                    for (int j = 0; j < k; j++) {
                        probabilities[j] = row[j];
                    }
                    Row in = chunk.get(i);
                    Object[] values = new Object[in.size() + 2];
                    for (int j = 0; j < in.size(); j++) {
                        values[j] = in.get(j);
                    }
                    values[in.size()] = (double) classes[i];
                    values[in.size() + 1] = Vectors.dense(probabilities);
                    result.add(RowFactory.create(values));
                }
            }
        }
    }
}
