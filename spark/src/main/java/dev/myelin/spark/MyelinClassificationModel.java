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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A classifier trained by {@link MyelinClassifier}: a Spark ML {@code Model} whose {@link #transform} adds a
 * prediction column (the class index, as a double), a probability column (a vector of the class probabilities) and
 * a raw prediction column (a vector of the log-probabilities: see {@link #rawPredictionCol()}) to a DataFrame with the
 * same features column, so Spark's {@code BinaryClassificationEvaluator} and {@code MulticlassClassificationEvaluator}
 * read it with their default columns. It holds a Myelin model file, so {@link #writeModelFile} and
 * {@link #readModelFile} exchange models with the trainer and the command line ({@code myelin predict --model}),
 * in both directions; {@link #write()} and {@link #read()} save and load it as a Spark ML stage (in a
 * {@code Pipeline} too).
 *
 * <p>The executors load a model once per JVM and keep it in a small cache keyed by the SHA-256 digest of its model
 * file, so every model, whatever its uid (all models fitted by one estimator share one), scores with its own weights.
 *
 * @serial exclude
 */
public final class MyelinClassificationModel extends org.apache.spark.ml.Model<MyelinClassificationModel>
        implements MLWritable {

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

    /** The model file's name inside a saved stage's folder ({@link #write()}). */
    static final String DATA_FILE = "data/model.myelin";

    private final String uid;
    private final byte[] modelFile;
    private final String digest;
    private final List<Epoch> history;
    private final Param<String> featuresCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;

    MyelinClassificationModel(String uid, byte[] modelFile, List<Epoch> history) {
        this.uid = uid;
        this.modelFile = modelFile;
        this.digest = digest(modelFile);
        this.history = List.copyOf(history);
        featuresCol = new Param<>(uid, "featuresCol", "features column: array<float>, array<double> or a vector");
        predictionCol = new Param<>(uid, "predictionCol", "prediction column the model adds");
        probabilityCol = new Param<>(uid, "probabilityCol", "class probability column the model adds");
        rawPredictionCol = new Param<>(uid, "rawPredictionCol", "raw prediction column the model adds: the "
                + "log-probabilities (the logits less their log-sum-exp)");
        setDefault(featuresCol, "features");
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
        setDefault(rawPredictionCol, "rawPrediction");
    }

    /** The SHA-256 digest of a model file, in hex: the executors' cache key. */
    static String digest(byte[] modelFile) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(modelFile));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
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
     * {@return the param: the column {@link #transform} adds, the vector of the log-probabilities of the classes
     * (the logits less their log-sum-exp: softmax of it is the probability column, and its element 1 orders rows as
     * the probability of class 1 does, which {@code BinaryClassificationEvaluator} relies on); default
     * {@code "rawPrediction"}}
     */
    public Param<String> rawPredictionCol() {
        return rawPredictionCol;
    }

    /**
     * Sets {@link #rawPredictionCol()}.
     *
     * @param v the column's name, not in the input DataFrame
     * @return this model
     */
    public MyelinClassificationModel setRawPredictionCol(String v) {
        set(rawPredictionCol, v);
        return this;
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
        return outputSchema(schema, getOrDefault(predictionCol), getOrDefault(probabilityCol), getOrDefault(rawPredictionCol));
    }

    /** The input schema with the prediction (double), probability (vector) and raw prediction (vector) columns added. */
    static StructType outputSchema(StructType schema, String prediction, String probability, String rawPrediction) {
        List<String> added = List.of(prediction, probability, rawPrediction);
        for (String c : added) {
            if (java.util.Arrays.asList(schema.fieldNames()).contains(c)) {
                throw new IllegalArgumentException("the DataFrame has a column '" + c + "' already; set another output column name");
            }
        }
        if (added.stream().distinct().count() < added.size()) {
            throw new IllegalArgumentException("the prediction, probability and raw prediction columns need three names, got "
                    + added);
        }
        return schema.add(prediction, DataTypes.DoubleType, false).add(probability, SQLDataTypes.VectorType(), false)
                .add(rawPrediction, SQLDataTypes.VectorType(), false);
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int column = dataset.schema().fieldIndex(getOrDefault(featuresCol));
        byte[] bytes = modelFile;
        String key = digest;
        String name = "the model of " + uid;
        JavaRDD<Row> rows = dataset.toDF().javaRDD().mapPartitions(it -> Predictor.predict(key, name, bytes, column, it));
        return dataset.sparkSession().createDataFrame(rows, out);
    }

    // ---------------------------------------------------------------- Spark ML persistence

    /**
     * {@return a writer that saves this model as a Spark ML stage: Spark's metadata (class, uid, params) and the model
     * file, {@value #DATA_FILE}, in a folder of any file system Hadoop reaches}
     */
    @Override
    public MLWriter write() {
        return new Writer(this);
    }

    /** {@return a reader of models saved by {@link #write()}: the history of a loaded model is empty} */
    public static MLReader<MyelinClassificationModel> read() {
        return new Reader();
    }

    /**
     * Loads a model saved by {@link #write()} (or by a {@code Pipeline} holding it).
     *
     * @param path the folder it was saved to
     * @return the model, with its params; its history is empty
     */
    public static MyelinClassificationModel load(String path) {
        return read().load(path);
    }

    private static final class Writer extends MLWriter {
        private final MyelinClassificationModel model;

        Writer(MyelinClassificationModel model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            DefaultParamsWriter.saveMetadata(model, path, sparkSession());
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(path, DATA_FILE);
            try (FSDataOutputStream out = file.getFileSystem(sc().hadoopConfiguration()).create(file, true)) {
                out.write(model.modelFile);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + file, e);
            }
        }
    }

    private static final class Reader extends MLReader<MyelinClassificationModel> {
        @Override
        public MyelinClassificationModel load(String path) {
            DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, sparkSession(),
                    MyelinClassificationModel.class.getName());
            org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(path, DATA_FILE);
            byte[] bytes;
            try (FSDataInputStream in = file.getFileSystem(sc().hadoopConfiguration()).open(file)) {
                bytes = in.readAllBytes();
                // checked in full now (frame, checksum, shapes), with the file named, rather than on the executors
                try (Model check = Model.fromBytes(bytes, file.toString(), Backends.reference())) {
                    if (check.loss() != dev.myelin.trainer.Loss.SOFTMAX_CROSS_ENTROPY) {
                        throw new dev.myelin.trainer.data.InvalidDataException(Path.of(file.toString()), "holds a model "
                                + "trained with " + check.loss().id() + "; a classifier needs softmax_cross_entropy");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read the model file " + file + ": " + e.getMessage(), e);
            }
            MyelinClassificationModel model = new MyelinClassificationModel(metadata.uid(), bytes, List.of());
            metadata.getAndSetParams(model, scala.Option.empty());
            return model;
        }
    }

    /**
     * The executor's side of {@link #transform}: each model loaded once per JVM into a cache keyed by its model file's
     * digest and bounded to {@link #CAPACITY} models (the least recently used one is closed once no partition uses
     * it), rows predicted in chunks.
     */
    static final class Predictor {

        private static final int CHUNK = 512;
        /** Models kept per executor JVM: a grid search's models, a few at a time, without holding them all. */
        static final int CAPACITY = 4;
        /** Access order: the first entry is the least recently used. Guarded by itself. */
        private static final LinkedHashMap<String, Loaded> MODELS = new LinkedHashMap<>(16, 0.75f, true);

        /** A cached model and the partitions predicting with it now; closed when evicted and unused. */
        static final class Loaded {
            final Model model;
            int users;
            boolean evicted;

            Loaded(Model model) {
                this.model = model;
            }
        }

        private Predictor() {
        }

        /** The cached model of {@code key}, loaded on first use, marked as in use until {@link #release}. */
        static Loaded acquire(String key, String name, byte[] bytes) {
            synchronized (MODELS) {
                Loaded l = MODELS.get(key);
                if (l == null) {
                    try {
                        l = new Loaded(Model.fromBytes(bytes, name, Backends.choice().backend().kernels(1)));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    MODELS.put(key, l);
                    Iterator<Loaded> eldest = MODELS.values().iterator();
                    while (MODELS.size() > CAPACITY) {
                        Loaded e = eldest.next();
                        eldest.remove();
                        e.evicted = true;
                        if (e.users == 0) {
                            e.model.close();
                        }
                    }
                }
                l.users++;
                return l;
            }
        }

        static void release(Loaded l) {
            synchronized (MODELS) {
                l.users--;
                if (l.evicted && l.users == 0) {
                    l.model.close();
                }
            }
        }

        /** {@return the digests of the models cached in this JVM, least recently used first} */
        static List<String> cached() {
            synchronized (MODELS) {
                return List.copyOf(MODELS.keySet());
            }
        }

        /** Closes and forgets every cached model no partition is using (the others close when released). */
        static void clear() {
            synchronized (MODELS) {
                for (Loaded l : MODELS.values()) {
                    l.evicted = true;
                    if (l.users == 0) {
                        l.model.close();
                    }
                }
                MODELS.clear();
            }
        }

        static Iterator<Row> predict(String key, String name, byte[] bytes, int column, Iterator<Row> rows) {
            Loaded loaded = acquire(key, name, bytes);
            try {
                Model model = loaded.model;
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
            } finally {
                release(loaded);
            }
        }

        /**
         * One pass for all three columns: the logits, then the loss's own output (the probabilities, as
         * {@link Model#predict} computes them) and classes (as {@link Model#predictClasses}), and the log-softmax.
         */
        private static void predictChunk(Model model, int column, List<Row> chunk, List<Row> result) {
            int width = model.inputShape().size();
            int k = model.outputs();
            Kernels kernels = model.kernels();
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
                Matrix logits = Matrix.allocate(arena, chunk.size(), k);
                model.logits(x, logits);
                Matrix p = Matrix.allocate(arena, chunk.size(), k);
                model.loss().output(kernels, p, logits);
                int[] classes = new int[chunk.size()];
                model.loss().classify(kernels, logits, classes);
                Matrix logP = Matrix.allocate(arena, chunk.size(), k);
                kernels.logSoftmaxForward(logP, logits);
                float[] row = new float[k];
                for (int i = 0; i < chunk.size(); i++) {
                    Row in = chunk.get(i);
                    Object[] values = new Object[in.size() + 3];
                    for (int j = 0; j < in.size(); j++) {
                        values[j] = in.get(j);
                    }
                    values[in.size()] = (double) classes[i];
                    values[in.size() + 1] = Vectors.dense(doubles(p.rows(i, 1).copyTo(row)));
                    values[in.size() + 2] = Vectors.dense(doubles(logP.rows(i, 1).copyTo(row)));
                    result.add(RowFactory.create(values));
                }
            }
        }

        private static double[] doubles(float[] f) {
            double[] d = new double[f.length];
            for (int j = 0; j < f.length; j++) {
                d[j] = f[j];
            }
            return d;
        }
    }
}
