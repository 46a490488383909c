package dev.myelin.spark;

import dev.myelin.core.Backends;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.Layers;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Node;
import dev.myelin.trainer.Optimizer;
import dev.myelin.trainer.Replica;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Standardize;
import dev.myelin.trainer.Trainer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Function;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * Trains a Myelin classifier on a Spark DataFrame, data-parallel: an {@link Estimator} whose {@link #fit} returns
 * a {@link MyelinClassificationModel}, so it fits a Spark ML pipeline.
 *
 * <pre>{@code
 * MyelinClassificationModel model = new MyelinClassifier()
 *         .setLayers("128:relu").setEpochs(10).setBatchSize(128).setWorkers(2).setSyncEvery(20)
 *         .fit(train);                                  // columns "features" (array or vector) and "label"
 * Dataset<Row> predictions = model.transform(test);      // adds "prediction" and "probability"
 * }</pre>
 *
 * <p><b>How it trains.</b> Each partition of the DataFrame is a worker's share (coalesced without a shuffle to
 * {@code workers} partitions, or repartitioned when more are asked for), converted once and cached. Each worker
 * holds a replica of the model and, every epoch, visits its rows in an order shuffled by (seed, worker, epoch). Training runs in synchronous rounds, one Spark job each:
 * the driver broadcasts the parameters; with {@code syncEvery} k = 1 every worker computes the gradient of its
 * next batch and the driver applies the mean gradient with the optimizer (whose state lives on the driver only):
 * one step of a batch W times as large. With k > 1 every worker takes k optimizer steps of its own from the
 * broadcast parameters and optimizer state, and the driver averages the parameters and the optimizer state (for
 * Adam the moments m and v, element by element; all replicas are at the same step count, so the bias correction
 * agrees). Results come back with {@code collect()}, in partition order, and the driver sums them in that order:
 * the outcome does not depend on which task finishes first, and a retried task recomputes exactly what the
 * failed attempt would have. docs/spark.md has the design, its costs and how to run it on a cluster.
 *
 * <p>Like the model, the estimator saves and loads as a Spark ML stage ({@link #write()}, {@link #read()}): its
 * params, so a {@code Pipeline} holding it saves and loads.
 *
 * @serial exclude
 */
public final class MyelinClassifier extends Estimator<MyelinClassificationModel> implements DefaultParamsWritable {

    private static final long serialVersionUID = 1L;
    private static final System.Logger LOG = System.getLogger("dev.myelin.spark");

    private final String uid;
    private final Param<String> featuresCol;
    private final Param<String> labelCol;
    private final Param<String> predictionCol;
    private final Param<String> probabilityCol;
    private final Param<String> rawPredictionCol;
    private final Param<String> layers;
    private final Param<String> optimizer;
    private final DoubleParam learningRate;
    private final Param<String> schedule;
    private final IntParam batchSize;
    private final IntParam epochs;
    private final LongParam seed;
    private final IntParam workers;
    private final IntParam syncEvery;
    private final IntParam numClasses;
    private final Param<String> standardize;

    /** An estimator with a fresh uid and the default settings. */
    public MyelinClassifier() {
        this(Identifiable$.MODULE$.randomUID("myelin"));
    }

    /**
     * With a given uid (Spark's copy and load use this constructor).
     *
     * @param uid the estimator's unique id
     */
    public MyelinClassifier(String uid) {
        this.uid = uid;
        featuresCol = new Param<>(uid, "featuresCol", "features column: array<float>, array<double> or a vector");
        labelCol = new Param<>(uid, "labelCol", "label column: class indices 0, 1, ... (any numeric type)");
        predictionCol = new Param<>(uid, "predictionCol", "prediction column the model adds");
        probabilityCol = new Param<>(uid, "probabilityCol", "class probability column the model adds");
        rawPredictionCol = new Param<>(uid, "rawPredictionCol", "raw prediction column the model adds: the "
                + "log-probabilities (the logits less their log-sum-exp)");
        layers = new Param<>(uid, "layers", "the layers in Myelin's short syntax (as the CLI's --layers), e.g. 128:relu");
        optimizer = new Param<>(uid, "optimizer", "adam, adamw or sgd");
        learningRate = new DoubleParam(uid, "learningRate", "the optimizer's learning rate (used as a float)");
        schedule = new Param<>(uid, "schedule", "learning-rate schedule: constant or cosine");
        batchSize = new IntParam(uid, "batchSize", "samples per step on each worker");
        epochs = new IntParam(uid, "epochs", "passes over the data");
        seed = new LongParam(uid, "seed", "seed of the initialisation and the shuffling");
        workers = new IntParam(uid, "workers", "replicas (Spark tasks) training at once, one per partition; 0: the DataFrame's partitions");
        syncEvery = new IntParam(uid, "syncEvery", "local steps between synchronisations: 1 averages gradients every step, "
                + "k > 1 averages parameters and optimizer state every k steps");
        numClasses = new IntParam(uid, "numClasses", "number of classes; 0: the largest label plus one");
        standardize = new Param<>(uid, "standardize", "none; global: the model first subtracts the mean of all feature "
                + "values and divides by their standard deviation; feature: each feature's own (the training data's, kept in "
                + "the model)");
        setDefault(featuresCol, "features");
        setDefault(labelCol, "label");
        setDefault(predictionCol, "prediction");
        setDefault(probabilityCol, "probability");
        setDefault(rawPredictionCol, "rawPrediction");
        setDefault(layers, "128:relu");
        setDefault(optimizer, "adam");
        setDefault(learningRate, 1e-3);
        setDefault(schedule, "constant");
        setDefault(batchSize, 128);
        setDefault(epochs, 10);
        setDefault(seed, 42L);
        setDefault(workers, 0);
        setDefault(syncEvery, 1);
        setDefault(numClasses, 0);
        setDefault(standardize, "none");
    }

    // ---------------------------------------------------------------- params (public no-argument methods: Spark finds them)

    /**
     * {@return the param: the features column, {@code array<float>}, {@code array<double>} or a vector, all rows of one
     * width; default {@code "features"}}
     */
    public Param<String> featuresCol() {
        return featuresCol;
    }

    /** {@return the param: the label column, class indices 0, 1, ... of any numeric type; default {@code "label"}} */
    public Param<String> labelCol() {
        return labelCol;
    }

    /**
     * {@return the param: the column the model's {@code transform} adds, the predicted class as a double; default
     * {@code "prediction"}}
     */
    public Param<String> predictionCol() {
        return predictionCol;
    }

    /**
     * {@return the param: the column the model's {@code transform} adds, the vector of class probabilities; default
     * {@code "probability"}}
     */
    public Param<String> probabilityCol() {
        return probabilityCol;
    }

    /**
     * {@return the param: the column the model's {@code transform} adds, the vector of the classes' log-probabilities
     * (see {@link MyelinClassificationModel#rawPredictionCol()}); default {@code "rawPrediction"}}
     */
    public Param<String> rawPredictionCol() {
        return rawPredictionCol;
    }

    /**
     * Sets {@link #rawPredictionCol()}.
     *
     * @param v the column's name, not in the input DataFrame
     * @return this estimator
     */
    public MyelinClassifier setRawPredictionCol(String v) {
        set(rawPredictionCol, v);
        return this;
    }

    /**
     * {@return the param: the hidden layers in the short syntax of {@link dev.myelin.trainer.Layers#parse}, the output
     * layer appended; default {@code "128:relu"}}
     */
    public Param<String> layers() {
        return layers;
    }

    /**
     * {@return the param: {@code "adam"}, {@code "adamw"} (weight decay 0.01) or {@code "sgd"} (momentum 0.9); default
     * {@code "adam"}}
     */
    public Param<String> optimizer() {
        return optimizer;
    }

    /** {@return the param: the optimizer's base learning rate, positive, used as a float; default 1e-3} */
    public DoubleParam learningRate() {
        return learningRate;
    }

    /**
     * {@return the param: the learning-rate schedule, {@code "constant"} or {@code "cosine"} (to 0 over all epochs);
     * default {@code "constant"}}
     */
    public Param<String> schedule() {
        return schedule;
    }

    /** {@return the param: the samples of one step on each worker, positive; default 128} */
    public IntParam batchSize() {
        return batchSize;
    }

    /** {@return the param: the passes over the data, positive; default 10} */
    public IntParam epochs() {
        return epochs;
    }

    /** {@return the param: the seed of the initial weights and of every worker's shuffling; default 42} */
    public LongParam seed() {
        return seed;
    }

    /**
     * {@return the param: the replicas training at once, one Spark task and partition each; 0 (the default) takes one
     * per partition of the DataFrame}
     */
    public IntParam workers() {
        return workers;
    }

    /**
     * {@return the param: the local steps k between synchronisations; 1 (the default) averages the gradients every
     * step, k > 1 averages parameters and optimizer state every k steps}
     */
    public IntParam syncEvery() {
        return syncEvery;
    }

    /** {@return the param: the number of classes; 0 (the default) takes the largest label plus one} */
    public IntParam numClasses() {
        return numClasses;
    }

    /**
     * {@return the param: {@code "none"} (the default); {@code "global"}: the model first subtracts the mean of all
     * feature values and divides by their standard deviation; {@code "feature"}: each feature's own statistics; the
     * training data's, kept in the model}
     */
    public Param<String> standardize() {
        return standardize;
    }

    /**
     * Sets {@link #standardize()}.
     *
     * @param v {@code "none"}, {@code "global"} or {@code "feature"}
     * @return this estimator
     */
    public MyelinClassifier setStandardize(String v) {
        set(standardize, v);
        return this;
    }

    /**
     * Sets {@link #featuresCol()}.
     *
     * @param v the column's name
     * @return this estimator
     */
    public MyelinClassifier setFeaturesCol(String v) {
        set(featuresCol, v);
        return this;
    }

    /**
     * Sets {@link #labelCol()}.
     *
     * @param v the column's name
     * @return this estimator
     */
    public MyelinClassifier setLabelCol(String v) {
        set(labelCol, v);
        return this;
    }

    /**
     * Sets {@link #predictionCol()}.
     *
     * @param v the column's name, not in the input DataFrame
     * @return this estimator
     */
    public MyelinClassifier setPredictionCol(String v) {
        set(predictionCol, v);
        return this;
    }

    /**
     * Sets {@link #probabilityCol()}.
     *
     * @param v the column's name, not in the input DataFrame
     * @return this estimator
     */
    public MyelinClassifier setProbabilityCol(String v) {
        set(probabilityCol, v);
        return this;
    }

    /**
     * Sets {@link #layers()}.
     *
     * @param v the layers, e.g. {@code "256:relu,dropout:0.2,128:relu"}
     * @return this estimator
     */
    public MyelinClassifier setLayers(String v) {
        set(layers, v);
        return this;
    }

    /**
     * Sets {@link #optimizer()}.
     *
     * @param v {@code "adam"}, {@code "adamw"} or {@code "sgd"}
     * @return this estimator
     */
    public MyelinClassifier setOptimizer(String v) {
        set(optimizer, v);
        return this;
    }

    /**
     * Sets {@link #learningRate()}.
     *
     * @param v the base learning rate, positive
     * @return this estimator
     */
    public MyelinClassifier setLearningRate(double v) {
        set(learningRate, v);
        return this;
    }

    /**
     * Sets {@link #schedule()}.
     *
     * @param v {@code "constant"} or {@code "cosine"}
     * @return this estimator
     */
    public MyelinClassifier setSchedule(String v) {
        set(schedule, v);
        return this;
    }

    /**
     * Sets {@link #batchSize()}.
     *
     * @param v the samples per step on each worker, positive
     * @return this estimator
     */
    public MyelinClassifier setBatchSize(int v) {
        set(batchSize, v);
        return this;
    }

    /**
     * Sets {@link #epochs()}.
     *
     * @param v the passes over the data, positive
     * @return this estimator
     */
    public MyelinClassifier setEpochs(int v) {
        set(epochs, v);
        return this;
    }

    /**
     * Sets {@link #seed()}.
     *
     * @param v the seed
     * @return this estimator
     */
    public MyelinClassifier setSeed(long v) {
        set(seed, v);
        return this;
    }

    /**
     * Sets {@link #workers()}.
     *
     * @param v the replicas, {@code >= 0} (0: one per partition)
     * @return this estimator
     */
    public MyelinClassifier setWorkers(int v) {
        set(workers, v);
        return this;
    }

    /**
     * Sets {@link #syncEvery()}.
     *
     * @param v the local steps between synchronisations, positive
     * @return this estimator
     */
    public MyelinClassifier setSyncEvery(int v) {
        set(syncEvery, v);
        return this;
    }

    /**
     * Sets {@link #numClasses()}.
     *
     * @param v the number of classes, or 0 for the largest label plus one
     * @return this estimator
     */
    public MyelinClassifier setNumClasses(int v) {
        set(numClasses, v);
        return this;
    }

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public MyelinClassifier copy(ParamMap extra) {
        return (MyelinClassifier) defaultCopy(extra);
    }

    /** {@return a reader of estimators saved by {@link #write()} (Spark's params metadata)} */
    public static MLReader<MyelinClassifier> read() {
        return new DefaultParamsReader<>();
    }

    /**
     * Loads an estimator saved by {@link #write()} (or by a {@code Pipeline} holding it).
     *
     * @param path the folder it was saved to
     * @return the estimator, with its params
     */
    public static MyelinClassifier load(String path) {
        return read().load(path);
    }

    // ---------------------------------------------------------------- schema

    @Override
    public StructType transformSchema(StructType schema) {
        checkFeatures(schema, getOrDefault(featuresCol));
        String label = getOrDefault(labelCol);
        DataType t = field(schema, label).dataType();
        if (!(t instanceof NumericType)) {
            throw new IllegalArgumentException("column '" + label + "' is " + t.simpleString()
                    + "; the label column must be numeric (class indices 0, 1, ...)");
        }
        return MyelinClassificationModel.outputSchema(schema, getOrDefault(predictionCol), getOrDefault(probabilityCol),
                getOrDefault(rawPredictionCol));
    }

    /** The features column exists and is array<float>, array<double> or a vector. */
    static void checkFeatures(StructType schema, String name) {
        DataType t = field(schema, name).dataType();
        boolean ok = t.equals(SQLDataTypes.VectorType()) || (t instanceof ArrayType a
                && (a.elementType().equals(DataTypes.FloatType) || a.elementType().equals(DataTypes.DoubleType)));
        if (!ok) {
            throw new IllegalArgumentException("column '" + name + "' is " + t.simpleString()
                    + "; the features column must be array<float>, array<double> or a Spark ML vector");
        }
    }

    static StructField field(StructType schema, String name) {
        if (!Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new IllegalArgumentException("column '" + name + "' is missing; the DataFrame has the columns "
                    + Arrays.toString(schema.fieldNames()));
        }
        return schema.apply(name);
    }

    /** One row's features as floats (from an array of floats or doubles, or a vector). */
    static float[] features(Object value) {
        if (value instanceof Vector v) {
            double[] d = v.toArray();
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
        if (value instanceof scala.collection.Seq<?> seq) {
            float[] f = new float[seq.length()];
            Iterator<?> it = scala.jdk.javaapi.CollectionConverters.asJava(seq.iterator());
            for (int i = 0; it.hasNext(); i++) {
                Object o = it.next();
                if (o == null) {
                    return null;
                }
                f[i] = ((Number) o).floatValue();
            }
            return f;
        }
        throw new IllegalArgumentException("unexpected features value " + value);
    }

    // ---------------------------------------------------------------- fit

    @Override
    public MyelinClassificationModel fit(Dataset<?> dataset) {
        SparkVersion.check(Runtime.version());
        transformSchema(dataset.schema());
        int epochCount = positive(epochs, "epochs");
        int batch = positive(batchSize, "batchSize");
        int k = positive(syncEvery, "syncEvery");
        float lr = (float) doubleValue(learningRate);
        if (!(lr > 0) || Float.isInfinite(lr)) {
            throw new IllegalArgumentException("learningRate must be a positive number, got " + doubleValue(learningRate));
        }
        Optimizer.named(getOrDefault(optimizer), lr);
        String scaling = getOrDefault(standardize);
        if (!List.of("none", "global", "feature").contains(scaling)) {
            throw new IllegalArgumentException("standardize must be none, global or feature, got '" + scaling + "'");
        }
        Settings.newSchedule(getOrDefault(schedule), epochCount);
        SparkSession spark = dataset.sparkSession();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int w = intValue(workers) > 0 ? intValue(workers) : dataset.rdd().getNumPartitions();
        if (intValue(workers) < 0) {
            throw new IllegalArgumentException("workers must be >= 0 (0: one per partition of the DataFrame), got "
                    + intValue(workers));
        }
        String fc = getOrDefault(featuresCol);
        String lc = getOrDefault(labelCol);

        // The workers are the DataFrame's partitions (coalesced, without a shuffle, when fewer workers are asked for;
        // repartitioned when more: Spark sorts rows before a round-robin repartition, so that is deterministic too).
        // Each partition is converted once into a block and cached.
        org.apache.spark.sql.Dataset<Row> selected = dataset.select(fc, lc);
        int partitions = selected.rdd().getNumPartitions();
        if (w != partitions) {
            selected = w < partitions ? selected.coalesce(w) : selected.repartition(w);
        }
        JavaRDD<Block> blocks = selected.toJavaRDD()
                .mapPartitionsWithIndex((p, it) -> List.of(block(p, it)).iterator(), true)
                .persist(StorageLevel.MEMORY_ONLY());
        String fitId = UUID.randomUUID().toString();
        try {
            List<Block.Summary> summaries = blocks.map(Block::summary).collect();
            summaries.stream().filter(b -> b.problem() != null).findFirst().ifPresent(b -> {
                throw new IllegalArgumentException(b.problem().replace("%features%", fc).replace("%label%", lc));
            });
            Checked data = check(summaries, fc, lc, intValue(numClasses));
            int perWorker = data.rowsPerWorker();
            int steps = (perWorker + batch - 1) / batch;
            try (Model model = Model.of(Backends.get(), Shape.of(data.width()), Loss.SOFTMAX_CROSS_ENTROPY, longValue(seed),
                    layers(data, scaling));
                 Trainer driver = new Trainer(model, Optimizer.named(getOrDefault(optimizer), lr)).batchSize(batch)
                         .schedule(Settings.newSchedule(getOrDefault(schedule), epochCount))) {
                Settings settings = new Settings(fitId, model.toBytes(), getOrDefault(optimizer), lr, getOrDefault(schedule),
                        epochCount, batch, longValue(seed), w, perWorker, steps, k);
                Broadcast<Settings> shared = sc.broadcast(settings);
                List<MyelinClassificationModel.Epoch> history = train(sc, blocks, shared, model,
                        new Replica(driver, 0, 1), epochCount, steps, k, w);
                shared.destroy();
                MyelinClassificationModel result = new MyelinClassificationModel(uid + "_model", model.toBytes(), history);
                copyValues(result, ParamMap.empty());
                return result.setParent(this);
            }
        } finally {
            blocks.foreachPartition(it -> Worker.release(fitId));
            blocks.unpersist(false);
        }
    }

    /** The rounds of all epochs; returns one line of figures per epoch. */
    private List<MyelinClassificationModel.Epoch> train(JavaSparkContext sc, JavaRDD<Block> blocks, Broadcast<Settings> shared,
            Model model, Replica driver, int epochCount, int steps, int k, int w) {
        List<MyelinClassificationModel.Epoch> history = new ArrayList<>();
        int global = 0;
        int round = 0;
        List<Matrix> state = driver.optimizerState();
        for (int e = 0; e < epochCount; e++) {
            long start = System.nanoTime();
            double syncSeconds = 0;
            double loss = 0;
            long samples = 0;
            for (int from = 0; from < steps; from += k) {
                int to = Math.min(from + k, steps);
                float[][] st = null;
                if (k > 1) {
                    st = new float[state.size()][];
                    for (int i = 0; i < st.length; i++) {
                        st[i] = state.get(i).toArray();
                    }
                }
                Broadcast<Round.In> in = sc.broadcast(new Round.In(round, e, from, to, global, model.values().toArray(), st,
                        model.runningState().toArray()));
                List<Round.Out> outs = blocks.map(b -> {
                    TaskContext t = TaskContext.get();
                    return Worker.run(shared.value(), in.value(), b, t.cpus(), t.attemptNumber());
                }).collect();
                long combine = System.nanoTime();
                in.destroy();
                for (Round.Out o : outs) {
                    loss += o.lossSum();
                    samples += o.samples();
                }
                driver.progress(e, global, steps);
                if (k == 1) {
                    model.gradients().copyFrom(mean(outs, Round.Out::values, w));
                    driver.update();
                } else {
                    model.values().copyFrom(mean(outs, Round.Out::values, w));
                    for (int i = 0; i < state.size(); i++) {
                        int block = i;
                        state.get(i).copyFrom(mean(outs, o -> o.state()[block], w));
                    }
                }
                // the running statistics each worker's forward passes gathered, averaged as the parameters are
                model.runningState().copyFrom(mean(outs, Round.Out::running, w));
                global += to - from;
                round++;
                syncSeconds += (System.nanoTime() - combine) * 1e-9;
            }
            double seconds = (System.nanoTime() - start) * 1e-9;
            MyelinClassificationModel.Epoch ep = new MyelinClassificationModel.Epoch(e + 1, loss / samples, seconds,
                    (steps + k - 1) / k, syncSeconds);
            history.add(ep);
            LOG.log(System.Logger.Level.INFO, () -> String.format(Locale.ROOT, "epoch %d/%d: loss %.4f, %.1f s, %d rounds",
                    ep.epoch(), epochCount, ep.loss(), ep.seconds(), ep.rounds()));
        }
        return history;
    }

    /**
     * The mean over the workers of one part of their results ({@code part}: their values, a state block, their running
     * state): summed in partition order, starting from worker 0's own values (so one worker's values come back bit for
     * bit), then multiplied by 1 / W.
     */
    static float[] mean(List<Round.Out> outs, Function<Round.Out, float[]> part, int w) {
        float[] sum = part.apply(outs.get(0)).clone();
        for (int p = 1; p < outs.size(); p++) {
            float[] v = part.apply(outs.get(p));
            for (int i = 0; i < sum.length; i++) {
                sum[i] += v[i];
            }
        }
        if (w > 1) {
            float scale = 1f / w;
            for (int i = 0; i < sum.length; i++) {
                sum[i] *= scale;
            }
        }
        return sum;
    }

    private Node layers(Checked data, String scaling) {
        Node x = Node.input();
        if (scaling.equals("global")) {
            x = x.then(new Standardize((float) data.mean(), (float) data.std()));
        } else if (scaling.equals("feature")) {
            x = x.then(Standardize.perFeature(data.featureMean(), data.featureStd()));
        }
        try {
            return Layers.parse(getOrDefault(layers), x, Shape.of(data.width()), data.classes());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layers: " + e.getMessage(), e);
        }
    }

    private int intValue(IntParam p) {
        return (Integer) getOrDefault(p);
    }

    private long longValue(LongParam p) {
        return (Long) getOrDefault(p);
    }

    private double doubleValue(DoubleParam p) {
        return (Double) getOrDefault(p);
    }

    private int positive(IntParam p, String name) {
        int v = intValue(p);
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
        return v;
    }

    /**
     * The data's width, classes, the rows each worker takes per epoch, and the mean and (population) standard
     * deviation of all feature values, after checking every block.
     */
    record Checked(int width, int classes, int rowsPerWorker, double mean, double std, float[] featureMean,
                   float[] featureStd) {
    }

    static Checked check(List<Block.Summary> blocks, String fc, String lc, int numClasses) {
        long rows = 0;
        double sum = 0;
        double squares = 0;
        double[] featureSum = null;
        double[] featureSquares = null;
        int width = -1;
        int fewest = Integer.MAX_VALUE;
        double max = 0;
        for (Block.Summary b : blocks) {
            rows += b.rows();
            sum += b.sum();
            squares += b.sumOfSquares();
            fewest = Math.min(fewest, b.rows());
            if (b.rows() == 0) {
                continue;
            }
            if (width >= 0 && b.width() != width) {
                throw new IllegalArgumentException("column '" + fc + "' holds arrays of " + width + " values and of " + b.width()
                        + "; every row needs the same number of features");
            }
            width = b.width();
            max = Math.max(max, b.maxLabel());
            if (featureSum == null) {
                featureSum = new double[width];
                featureSquares = new double[width];
            }
            for (int j = 0; j < width; j++) {
                featureSum[j] += b.featureSums()[j];
                featureSquares[j] += b.featureSquares()[j];
            }
        }
        if (rows == 0) {
            throw new IllegalArgumentException("the DataFrame is empty: there is nothing to train on");
        }
        if (fewest == 0) {
            throw new IllegalArgumentException("the DataFrame has " + rows + " rows, fewer than the " + blocks.size()
                    + " workers: each worker needs at least one row");
        }
        int classes = numClasses > 0 ? numClasses : (int) max + 1;
        if (max >= classes) {
            throw new IllegalArgumentException("column '" + lc + "' holds the label " + (long) max + ", outside the "
                    + classes + " classes (numClasses)");
        }
        if (classes < 2) {
            throw new IllegalArgumentException("column '" + lc + "' holds one class only (" + (long) max
                    + "); a classifier needs at least two (set numClasses if the data lacks some)");
        }
        double n = (double) rows * width;
        double mean = sum / n;
        double std = Math.sqrt(Math.max(0, squares / n - mean * mean));
        float[] fm = new float[width];
        float[] fs = new float[width];
        for (int j = 0; j < width; j++) {
            double m = featureSum[j] / rows;
            fm[j] = (float) m;
            fs[j] = (float) Math.sqrt(Math.max(0, featureSquares[j] / rows - m * m));
        }
        return new Checked(width, classes, fewest, mean, std > 0 ? std : 1, fm, fs);
    }

    /**
     * Converts a worker's rows into a block, noting the first bad row (by its place in the partition) instead of
     * throwing, so the driver can name it; the column names are filled in by the driver.
     */
    static Block block(int partition, Iterator<Row> rows) {
        List<float[]> xs = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        int width = -1;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        String problem = null;
        for (long index = 0; rows.hasNext() && problem == null; index++) {
            Row r = rows.next();
            String where = " at row " + index + " of partition " + partition;
            float[] x = r.isNullAt(0) ? null : features(r.get(0));
            if (x == null) {
                problem = "column '%features%' holds a null value" + where;
            } else if (width >= 0 && x.length != width) {
                problem = "column '%features%' holds arrays of " + width + " values and, at row " + index + " of partition "
                        + partition + ", of " + x.length + "; every row needs the same number of features";
            } else if (r.isNullAt(1)) {
                problem = "column '%label%' is null" + where;
            } else {
                double y = ((Number) r.get(1)).doubleValue();
                if (!(y >= 0) || y != Math.rint(y) || y > 1 << 20) {
                    problem = "column '%label%' holds " + y + where + ": a label must be a class index, a whole number >= 0";
                } else {
                    width = x.length;
                    xs.add(x);
                    ys.add((int) y);
                    min = Math.min(min, y);
                    max = Math.max(max, y);
                }
            }
        }
        if (problem == null && width == 0) {
            problem = "column '%features%' holds empty arrays: a row needs at least one feature";
        }
        float[] features = new float[xs.size() * Math.max(width, 0)];
        int[] labels = new int[ys.size()];
        for (int i = 0; i < xs.size(); i++) {
            System.arraycopy(xs.get(i), 0, features, i * width, width);
            labels[i] = ys.get(i);
        }
        return new Block(partition, labels.length, width, features, labels, min, max, problem);
    }

}
