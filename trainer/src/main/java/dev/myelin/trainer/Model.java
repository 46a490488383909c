package dev.myelin.trainer;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.TextCorpus;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.StringJoiner;

/**
 * A model: layers applied to samples of an input {@link Shape}, in a chain or a graph, and the {@link Loss}
 * that says what its outputs mean. Build one with {@link #of(Kernels, Shape, Loss, long, Layer...)} (a chain:
 * each layer takes the previous one's output) or {@link #of(Kernels, Shape, Loss, long, Node)} (a graph: skip
 * connections, branches joined by {@link Add} or {@link Concat}), train it with a {@link Trainer}, use it with
 * {@link #predict} and {@link #evaluate}, keep it with {@link #save} and {@link #load}.
 *
 * <pre>{@code
 * try (Model model = Model.of(Backends.get(), Shape.image(28, 28, 1), Loss.SOFTMAX_CROSS_ENTROPY, 42,
 *         new Flatten(), new Dense(128, Init.HE), Activation.relu(), new Dense(10))) {
 *     ...
 *     float[] probabilities = model.predict(images).toArray();
 * }
 * }</pre>
 *
 * <p><b>Memory.</b> Every parameter value lives in one off-heap block, {@link #values()}, and every
 * gradient in a second block of the same layout, {@link #gradients()}; each {@link Parameter} is a view into
 * both, starting on a 64-byte boundary (the gaps between parameters are zero and stay zero). An optimizer
 * keeps its state in blocks of the same layout, so one kernel call updates the whole model, and a
 * synchronisation step (an all-reduce across machines) works on one buffer. Activations live in per-layer
 * buffers sized for the largest batch seen so far; they grow on demand, so no preparation call is needed. Each
 * layer owns its output and its input gradient (a layer read by several others also a buffer for the sum of their
 * gradients): nothing is shared between layers, since training keeps almost every layer's input for its backward
 * pass; {@link #summary} prints the bytes a sample takes.
 *
 * <p>A model is not thread-safe: one thread at a time may predict, evaluate or train it.
 */
public final class Model implements AutoCloseable {

    /** Every parameter starts at a multiple of this many floats (64 bytes: one cache line, one 512-bit vector). */
    static final int ALIGN = 16;
    /** Rows per forward pass when predicting or evaluating before any batch size was seen. */
    static final int DEFAULT_BATCH = 256;

    private final Kernels kernels;
    private final Shape input;
    private final Loss loss;
    private final long seed;
    private final Graph graph;
    private final Layer[] layers;              // the graph's layers, each after its inputs, the output last
    private final int[][] inputs;              // the inputs of each layer: earlier layers, or Graph.INPUT
    private final Shape[] shapes;              // output shape of each layer
    private final int positions;               // rows of classes per sample the loss scores separately (positions())
    private final ChannelView outView;         // (B, P V) outputs as (B P, V) for the loss; its own per use, as each caches
    private final ChannelView scratchView;
    private final List<Parameter> parameters;
    private final boolean[] needsGradient;     // whether the backward pass reaches a parameter through this layer
    private final int[] readers;               // the later layers' inputs that read each layer's output
    private final Matrix[] outputs;            // each layer's output of the running forward pass
    private final Matrix[] grads;              // dLoss/d(each layer's output) during a backward pass
    private final List<Matrix> mergeInputs = new ArrayList<>();
    private Buffer[] gradientSums;             // for a layer read more than once: the sum of its readers' gradients
    private final int[] gradientColour;        // the shared memory each layer's dX comes from (colourGradients)
    private final int colours;
    private long[][] gradientBytes;            // each layer's dX memory: {fixed, per row, allocations}; measured once
    private final Arena parameterArena = Arena.ofShared();
    private final Matrix values;
    private final Matrix gradients;
    private List<Parameter> stateTensors = List.of();
    private Matrix runningState;               // (1, S): every layer's model state (bindRunningState)
    private Arena batchArena;
    private int capacity;                      // rows the batch buffers hold
    private Batch batch;                       // gathered samples for evaluate
    private Buffer scratch;                    // outputs-shaped scratch (log-softmax in evaluate)
    private int[] predicted = new int[0];
    private long[] batchBytes;                 // the batch buffers' bytes: {fixed, per row}; measured once
    private long passKey;
    private List<String> classNames = List.of();
    private List<String> featureNames = List.of();
    private String tokens;                     // null, or the tokenization of a language model: "bytes"
    private float[] targetMean;                // null: the targets are used as given
    private float[] targetStd;
    private Matrix targetShift;                // (1, outputs): -mean
    private Matrix targetScale;                // (1, outputs): 1 / std
    private Matrix outputScale;                // (1, outputs): std
    private Matrix outputShift;                // (1, outputs): mean

    private Model(Kernels kernels, Shape input, Loss loss, long seed, Graph graph, boolean initialize) {
        if (kernels == null || input == null || loss == null) {
            throw new NullPointerException((kernels == null ? "kernels" : input == null ? "input" : "loss") + " is null");
        }
        this.kernels = kernels;
        this.input = input;
        this.loss = loss;
        this.seed = seed;
        this.graph = graph;
        this.layers = graph.layers();
        this.inputs = new int[layers.length][];
        this.needsGradient = new boolean[layers.length];
        this.readers = graph.readers();
        this.outputs = new Matrix[layers.length];
        this.grads = new Matrix[layers.length];
        try {
            this.shapes = graph.build(input, LayerContext::new);
            Shape out = shapes[shapes.length - 1];
            this.positions = loss == Loss.SOFTMAX_CROSS_ENTROPY && out.rank() >= 2 ? out.size() / out.dim(out.rank() - 1) : 1;
            this.outView = new ChannelView(out.size() / positions);
            this.scratchView = new ChannelView(out.size() / positions);
            List<Parameter> all = new ArrayList<>();
            for (int i = 0; i < layers.length; i++) {
                inputs[i] = graph.inputs(i);
                all.addAll(layers[i].parameters());
                needsGradient[i] = !layers[i].parameters().isEmpty();
                for (int j : inputs[i]) {
                    needsGradient[i] |= j != Graph.INPUT && needsGradient[j];
                }
            }
            this.parameters = List.copyOf(all);
            this.gradientColour = colourGradients(layers, inputs);
            this.colours = Arrays.stream(gradientColour).max().orElse(-1) + 1;
            long total = 0;
            for (Parameter p : parameters) {
                total += (p.size() + ALIGN - 1) / ALIGN * ALIGN;
            }
            if (total > Integer.MAX_VALUE - ALIGN) {
                throw new IllegalArgumentException("the model has " + total + " parameters; at most " + (Integer.MAX_VALUE - ALIGN)
                        + " fit in one slab");
            }
            int slab = (int) Math.max(total, 1);
            values = Matrix.allocate(parameterArena, 1, slab);
            gradients = Matrix.allocate(parameterArena, 1, slab);
            long offset = 0;
            for (int i = 0; i < layers.length; i++) {
                for (Parameter p : this.layers[i].parameters()) {
                    p.bind("layer" + i, offset, view(values, offset, p), view(gradients, offset, p));
                    offset += (p.size() + ALIGN - 1) / ALIGN * ALIGN;
                }
            }
            bindRunningState();
            if (initialize) {
                SplittableRandom rnd = new SplittableRandom(seed);
                for (Layer l : this.layers) {
                    l.initialize(rnd);
                }
            }
        } catch (RuntimeException e) {
            parameterArena.close();
            throw e;
        }
    }

    /**
     * A model of {@code layers} on samples of shape {@code input}, whose outputs {@code loss} scores; parameters
     * are laid out in the slabs and initialised from {@code seed}. Each layer instance can belong to one
     * model only. A layer that does not fit its input shape is an error naming the layer and the shape.
     *
     * @param kernels the backend every pass runs on, e.g. {@link Backends#get()}
     * @param input   the shape of one input sample
     * @param loss    what the outputs mean and how they are scored
     * @param seed    the seed of the initial parameter values
     * @param layers  the layers in order, at least one, each new (not part of another model)
     * @return the model, initialised; close it to free its memory
     * @throws IllegalArgumentException if a layer does not fit the shape before it, or the model has more parameters
     *                                  than one slab holds
     */
    public static Model of(Kernels kernels, Shape input, Loss loss, long seed, Layer... layers) {
        return new Model(kernels, input, loss, seed, Graph.chain(layers), true);
    }

    /**
     * A model of the graph that ends in {@code output} ({@link Node}): every node it depends on, back to one
     * {@link Node#input()}, laid out in an order where each layer comes after its inputs (depth first, inputs in
     * order); layer {@code i} of that order names its parameters {@code layer<i>.<name>}. The graph is checked as
     * it is built: each layer on the shapes of its inputs, with an error naming the layer, its inputs and their
     * shapes. A node read by several others gets the sum of their gradients in the backward pass.
     *
     * <pre>{@code
     * Node x = Node.input();
     * Node h = x.then(new Dense(64, Init.HE), Activation.relu());
     * Node y = Node.add(h, h.then(new Dense(64, Init.HE), Activation.relu())).then(new Dense(10));
     * Model model = Model.of(Backends.get(), Shape.of(20), Loss.SOFTMAX_CROSS_ENTROPY, 42, y);
     * }</pre>
     *
     * @param kernels the backend every pass runs on
     * @param input   the shape of one input sample
     * @param loss    what the outputs mean and how they are scored
     * @param seed    the seed of the initial parameter values (layers draw in the order above)
     * @param output  the output node
     * @return the model, initialised; close it to free its memory
     * @throws IllegalArgumentException if the nodes come from more than one input node, the output is the input, or a
     *                                  layer does not fit its inputs' shapes
     */
    public static Model of(Kernels kernels, Shape input, Loss loss, long seed, Node output) {
        if (output == null) {
            throw new NullPointerException("output is null");
        }
        return new Model(kernels, input, loss, seed, Graph.of(output), true);
    }

    /** A model with uninitialised (zero) parameters, for a file's values to be copied in. */
    static Model empty(Kernels kernels, Shape input, Loss loss, long seed, Graph graph) {
        return new Model(kernels, input, loss, seed, graph, false);
    }

    /**
     * Loads a model file written by {@link #save} onto the default backend ({@link Backends#get()}).
     *
     * @param file the model file
     * @return the model with the stored weights; close it to free its memory
     * @throws IOException if the file cannot be read, or is not a whole, valid model file
     *                     ({@link dev.myelin.trainer.data.InvalidDataException}, naming the file and the problem)
     */
    public static Model load(Path file) throws IOException {
        return load(file, Backends.get());
    }

    /**
     * Loads a model file written by {@link #save}: architecture, loss and weights, with no layer named in
     * code. The file is checked in full (length, then checksum, then contents) before anything is built.
     *
     * @param file    the model file
     * @param kernels the backend to run on; any backend loads any file
     * @return the model with the stored weights; close it to free its memory
     * @throws IOException if the file cannot be read, or is not a whole, valid model file
     *                     ({@link dev.myelin.trainer.data.InvalidDataException}, naming the file and the problem)
     */
    public static Model load(Path file, Kernels kernels) throws IOException {
        return ModelFile.read(file).build(kernels);
    }

    /**
     * The model file's bytes for this model: architecture, loss, class names and weights (see {@link ModelFile}).
     *
     * @return the bytes {@link #save} would write
     */
    public byte[] toBytes() {
        checkOpen();
        try {
            return ModelFile.encode(this);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("writing to memory failed", e);
        }
    }

    /**
     * A model from a model file's bytes ({@link #toBytes}), checked in full first; {@code source} names them in
     * errors (a file name, or a description such as "the broadcast model").
     *
     * @param bytes   a model file's bytes
     * @param source  what to call them in errors
     * @param kernels the backend to run on
     * @return the model with the stored weights; close it to free its memory
     * @throws IOException if the bytes are not a whole, valid model file
     *                     ({@link dev.myelin.trainer.data.InvalidDataException})
     */
    public static Model fromBytes(byte[] bytes, String source, Kernels kernels) throws IOException {
        return ModelFile.decode(bytes, Path.of(source)).build(kernels);
    }

    /**
     * Writes the architecture, loss, seed and weights to {@code file}, atomically (see {@link ModelFile}).
     *
     * @param file the file to write; its folder must exist
     * @throws IOException if the file cannot be written; a previous file of that name is then left whole
     */
    public void save(Path file) throws IOException {
        checkOpen();
        ModelFile.write(file, this);
    }

    /**
     * Lays every layer's model state ({@link Layer#runningState()}) out in one more slab, {@code (1, S)}, as the
     * parameters are laid out in theirs: in layer order, each tensor on a 64-byte boundary, the gaps zero; binds
     * the views (no gradient). Called by the constructor once the layers are built, before they are initialised.
     */
    private void bindRunningState() {
        List<Parameter> all = new ArrayList<>();
        long total = 0;
        for (Layer l : layers) {
            for (Parameter p : l.runningState()) {
                if (p.trainable()) {
                    throw new IllegalArgumentException(l + " declares the trainable parameter " + p.name()
                            + " as running state; state tensors are made with Parameter.state");
                }
                all.add(p);
                total += (p.size() + ALIGN - 1) / ALIGN * ALIGN;
            }
        }
        if (total > Integer.MAX_VALUE - ALIGN) {
            throw new IllegalArgumentException("the model has " + total + " values of running state; at most "
                    + (Integer.MAX_VALUE - ALIGN) + " fit in one slab");
        }
        runningState = Matrix.allocate(parameterArena, 1, (int) Math.max(total, 1));
        long offset = 0;
        for (int i = 0; i < layers.length; i++) {
            for (Parameter p : layers[i].runningState()) {
                p.bind("layer" + i, offset, view(runningState, offset, p), null);
                offset += (p.size() + ALIGN - 1) / ALIGN * ALIGN;
            }
        }
        stateTensors = List.copyOf(all);
    }

    private static Matrix view(Matrix slab, long offset, Parameter p) {
        return Matrix.wrap(slab.segment(), slab.offset() + offset, p.rows(), p.cols(), p.cols());
    }

    // ---------------------------------------------------------------- inference

    /**
     * The predictions for {@code x} (n, inputSize) into a new (n, outputs) matrix that the caller closes.
     *
     * @param x the inputs, one sample per row: {@code (n, inputShape().size())}
     * @return the predictions, {@code (n, outputs())}, as {@link #predict(Matrix, Matrix)} writes them
     */
    public Matrix predict(Matrix x) {
        Matrix out = Matrix.allocate(rowsOf(x, "x"), outputs());
        try {
            predict(x, out);
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /**
     * Writes the predictions for {@code x} (n, inputSize) into {@code out} (n, outputs): probabilities for
     * softmax cross-entropy (each row sums to 1) and BCE (each output in [0, 1]), the outputs themselves for
     * MSE ({@link Loss#output}), in the targets' own units when the model standardises them
     * ({@link #standardizeTargets}). No gradient work; batch buffers grow as needed.
     *
     * @param x   the inputs, one sample per row: {@code (n, inputShape().size())}
     * @param out the predictions, {@code (n, outputs())}: written
     */
    public void predict(Matrix x, Matrix out) {
        infer(x, out, true);
    }

    /**
     * Writes the last layer's outputs for {@code x} (n, inputSize) into {@code out} (n, outputs), before the loss's
     * output function: the logits for softmax cross-entropy and BCE; for MSE the same as {@link #predict}, or, for a
     * model that standardises its targets ({@link #standardizeTargets}), the standardised outputs that predict
     * undoes. With {@link Loss#output} and {@link Loss#classify} on them, one pass gives what {@link #predict} and
     * {@link #predictClasses} give, bit for bit (for a model that standardises its targets, after that undoing).
     *
     * @param x   the inputs, one sample per row: {@code (n, inputShape().size())}
     * @param out the logits, {@code (n, outputs())}: written
     */
    public void logits(Matrix x, Matrix out) {
        infer(x, out, false);
    }

    /** The inference pass in chunks: the loss's output function applied ({@code output}) or not. */
    private void infer(Matrix x, Matrix out, boolean output) {
        checkOpen();
        checkInput(x, "x");
        if (out == null) {
            throw new NullPointerException("out is null");
        }
        if (out.rows() != x.rows() || out.cols() != outputs()) {
            throw new IllegalArgumentException("out is " + out.rows() + "x" + out.cols() + ", the predictions for x are "
                    + x.rows() + "x" + outputs());
        }
        int chunk = chunk();
        for (int from = 0; from < x.rows(); from += chunk) {
            int count = Math.min(chunk, x.rows() - from);
            Matrix y = forward(x.rows(from, count), false);
            if (output) {
                loss.output(kernels, scratchView.of(out.rows(from, count), "out"), outView.of(y, "the outputs"));
                unscale(out.rows(from, count));
            } else {
                kernels.copy(out.rows(from, count), y);
            }
        }
    }

    /**
     * The predicted class of each row of {@code x} (see {@link Loss#classify}), or of each of its
     * {@link #positions()}.
     *
     * @param x the inputs, one sample per row: {@code (n, inputShape().size())}
     * @return the class of each row, length n, or of each position, length {@code n * positions()}, sample after sample
     */
    public int[] predictClasses(Matrix x) {
        int[] classes = new int[Math.multiplyExact(rowsOf(x, "x"), positions)];
        predictClasses(x, classes);
        return classes;
    }

    /**
     * Writes the predicted class of each row of {@code x} into {@code classes[0..n)}, or of each of its
     * {@link #positions()} into {@code classes[0..n positions)}, sample after sample.
     *
     * @param x       the inputs, one sample per row: {@code (n, inputShape().size())}
     * @param classes receives the classes; length at least {@code n * positions()}
     */
    public void predictClasses(Matrix x, int[] classes) {
        checkOpen();
        checkInput(x, "x");
        if (classes == null) {
            throw new NullPointerException("classes is null");
        }
        if (classes.length < (long) x.rows() * positions) {
            throw new IllegalArgumentException("classes has length " + classes.length + ", x has " + x.rows() + " rows"
                    + (positions == 1 ? "" : " of " + positions + " positions"));
        }
        int chunk = chunk();
        growScratch(chunk);
        for (int from = 0; from < x.rows(); from += chunk) {
            int count = Math.min(chunk, x.rows() - from);
            classify(forward(x.rows(from, count), false), predicted);
            System.arraycopy(predicted, 0, classes, from * positions, count * positions);
        }
    }

    /**
     * Mean loss, and with labels accuracy, confusion matrix, precision and recall, on all of {@code data}; for an MSE
     * model RMSE, MAE and R² of its predictions (in the targets' units, as {@link #predict} returns them). The loss of
     * a model that standardises its targets is on the standardised targets, as in training.
     *
     * @param data the data; it needs targets or labels as the loss does
     * @return the scores
     * @throws IllegalArgumentException if the data does not fit the model (shape, targets, labels, classes)
     */
    public Evaluation evaluate(Dataset data) {
        return evaluate(data, null, chunk());
    }

    /**
     * Scores the rows {@code rows} of {@code data} (all rows, in order, when null), {@code batchSize} at a time,
     * with no gradient work; the buffers hold {@code min(batchSize, rows)} rows.
     */
    Evaluation evaluate(Dataset data, int[] rows, int batchSize) {
        checkOpen();
        check(data);
        int n = rows == null ? data.size() : rows.length;
        reserve(Math.min(batchSize, n));
        int classes = classes();
        long[][] confusion = data.labels() == null ? null : new long[classes][classes];
        Evaluation.Errors errors = loss == Loss.MSE ? new Evaluation.Errors(data.targets(), rows) : null;
        double sum = 0;
        for (int from = 0, count; from < n; from += count) {
            count = Math.min(batchSize, n - from);
            batch.gather(data, rows, from, count);
            int[] y = batch.labels();
            Matrix out = forward(batch.inputs(), false);
            Matrix values = unscaled(out);
            if (errors != null) {
                errors.add(values, batch.targets());
            }
            if (y != null) {
                loss.classify(kernels, outView.of(values, "the outputs"), predicted);
                for (int i = 0; i < count * positions; i++) {
                    confusion[y[i]][predicted[i]]++;
                }
            }
            scaleTargets(batch.targets());
            sum += loss.total(kernels, scratchView.of(scratch.rows(count), "scratch"), outView.of(out, "the outputs"),
                    batch.targets(), y);
        }
        long scored = (long) n * positions;
        return new Evaluation(sum / scored, scored, confusion, classNames, errors);
    }

    /**
     * The predicted class of each row of {@code out} (model outputs, at most the batch capacity), or of each of its
     * {@link #positions()}, into {@code classes}, thresholding MSE outputs in the targets' units (see
     * {@link Loss#classify}).
     */
    void classify(Matrix out, int[] classes) {
        loss.classify(kernels, outView.of(unscaled(out), "the outputs"), classes);
    }

    /**
     * {@code out} (a batch of outputs, {@code (B, outputs())}) as the loss scores it: {@code (B positions, classes)},
     * one row per position ({@link #positions()}); the same matrix when there is one position. The memory is shared;
     * the rows of {@code out} must follow each other.
     */
    Matrix perPosition(Matrix out) {
        return outView.of(out, "the outputs");
    }

    /** The outputs in the targets' units: {@code out} itself, or (standardised targets) a copy in scratch, unscaled. */
    private Matrix unscaled(Matrix out) {
        if (targetMean == null) {
            return out;
        }
        Matrix values = scratch.rows(out.rows());
        kernels.copy(values, out);
        unscale(values);
        return values;
    }

    /** {@code y = y * std + mean} in place, two roundings per element, when the model standardises its targets. */
    private void unscale(Matrix y) {
        if (targetMean != null) {
            kernels.mulRowVector(y, outputScale);
            kernels.addRowVector(y, outputShift);
        }
    }

    /**
     * Standardises a batch's targets in place, {@code t = (t - mean) * (1 / std)} (two roundings per element, the
     * reciprocal rounded once to float, as {@link Standardize} does), when the model standardises its targets;
     * the training and evaluation losses are computed on these.
     */
    void scaleTargets(Matrix targets) {
        if (targetMean != null && targets != null) {
            kernels.addRowVector(targets, targetShift);
            kernels.mulRowVector(targets, targetScale);
        }
    }

    /** The data fits this model: sample size, target width, labels per sample, label range, open memory. */
    void check(Dataset data) {
        if (data == null) {
            throw new NullPointerException("data is null");
        }
        data.checkOpen();
        if (data.width() != input.size()) {
            throw new IllegalArgumentException(data.name() + " has samples of shape " + data.shape() + " (" + data.width()
                    + " values), the model takes " + input + " (" + input.size() + ")");
        }
        if (loss != Loss.SOFTMAX_CROSS_ENTROPY) {
            if (data.targets() == null) {
                throw new IllegalArgumentException(data.name() + " has no float targets; " + loss.id() + " needs them");
            }
            if (data.targets().cols() != outputs()) {
                throw new IllegalArgumentException(data.name() + " has targets of width " + data.targets().cols()
                        + ", the model has " + outputs() + " outputs");
            }
        } else if (data.labels() == null) {
            throw new IllegalArgumentException(data.name() + " has no class labels; softmax cross-entropy needs them");
        }
        if (data.labels() != null && data.labelsPerSample() != positions) {
            throw new IllegalArgumentException(data.name() + " has " + data.labelsPerSample() + " label"
                    + (data.labelsPerSample() == 1 ? "" : "s") + " per sample, the model scores " + positions + " position"
                    + (positions == 1 ? "" : "s") + " of its output " + outputShape() + " per sample");
        }
        if (data.labels() != null && data.classes() > classes()) {
            throw new IllegalArgumentException(data.name() + " has " + data.classes() + " classes, the model predicts "
                    + classes());
        }
    }

    // ---------------------------------------------------------------- the passes (package: for the trainer)

    /** Sets the key of the next training pass (see {@link Layer.Context#passKey()}). */
    void passKey(long key) {
        this.passKey = key;
    }

    /** The output (B, outputs) for x (B, inputSize): a view into the last layer's buffer. */
    Matrix forward(Matrix x, boolean training) {
        checkOpen();
        reserve(x.rows());
        for (int i = 0; i < layers.length; i++) {
            int[] in = inputs[i];
            if (layers[i] instanceof Merge m) {
                mergeInputs.clear();
                for (int j : in) {
                    mergeInputs.add(j == Graph.INPUT ? x : outputs[j]);
                }
                outputs[i] = m.forward(mergeInputs, training);
            } else {
                outputs[i] = layers[i].forward(in[0] == Graph.INPUT ? x : outputs[in[0]], training);
            }
        }
        return outputs[layers.length - 1];
    }

    /**
     * Backpropagates {@code dOut = dLoss/dOutput} of the last training pass: writes every parameter gradient,
     * or adds to it when {@code accumulate}. Layers run last to first; a layer through which no parameter is
     * reached gets no call, and one whose inputs lead to no parameter is not asked for dX. A layer read by
     * several later ones gets the sum of their gradients, added in the order they arrive (last reader first).
     */
    void backward(Matrix dOut, boolean accumulate) {
        grads[layers.length - 1] = dOut;
        for (int i = layers.length - 1; i >= 0; i--) {
            Matrix d = grads[i];
            grads[i] = null;
            if (!needsGradient[i]) {
                continue;
            }
            int[] in = inputs[i];
            if (layers[i] instanceof Merge m) {
                for (int k = 0; k < in.length; k++) {
                    if (in[k] != Graph.INPUT && needsGradient[in[k]]) {
                        receive(in[k], checkOwn(i, m.backward(d, k), d));
                    }
                }
            } else {
                boolean needInput = in[0] != Graph.INPUT && needsGradient[in[0]];
                Matrix dx = layers[i].backward(d, needInput, accumulate);
                if (needInput) {
                    receive(in[0], checkOwn(i, dx, d));
                }
            }
        }
    }

    /**
     * {@code dx}, after checking that layer {@code i} returned memory of its own or said it may not
     * ({@link Layer#passesGradient}): the gradient memory is shared on that word.
     */
    private Matrix checkOwn(int i, Matrix dx, Matrix dY) {
        if (!layers[i].passesGradient()) {
            MemorySegment a = dx.segment();
            MemorySegment b = dY.segment();
            if (a.address() < b.address() + b.byteSize() && b.address() < a.address() + a.byteSize()) {
                throw new IllegalStateException("layer " + i + " (" + layers[i] + ") returned its dY's memory as dX but"
                        + " does not say so (Layer.passesGradient)");
            }
        }
        return dx;
    }

    /**
     * Colours the layers' dX memory: two layers share memory only if their dX are never needed at the same time.
     * The backward pass runs layers n-1 down to 0; layer i writes its dX at step i, and it is read as dY at the step
     * of each layer i reads from, and on down through layers that hand their dY on as dX ({@link
     * Layer#passesGradient}), which also covers a second reader's sum ({@link #receive} reads the first gradient
     * between the two). So layer i's memory is busy from step i down to the lowest of those steps, both included.
     * Colouring greedily in the order the memory is first written takes the fewest colours intervals can take.
     */
    static int[] colourGradients(Layer[] layers, int[][] inputs) {
        int n = layers.length;
        int[] lowest = new int[n];                 // the last step (lowest index) that reads layer i's dX
        for (int i = 0; i < n; i++) {
            lowest[i] = i;
            for (int j : inputs[i]) {
                if (j != Graph.INPUT) {
                    lowest[i] = Math.min(lowest[i], layers[j].passesGradient() ? lowest[j] : j);
                }
            }
        }
        int[] colour = new int[n];
        int[] busyDownTo = new int[n];             // per colour: the lowest step its current memory is read at
        int used = 0;
        for (int i = n - 1; i >= 0; i--) {
            int c = 0;
            while (c < used && busyDownTo[c] <= i) {
                c++;
            }
            if (c == used) {
                used++;
            }
            colour[i] = c;
            busyDownTo[c] = lowest[i];
        }
        return colour;
    }

    /**
     * Adds {@code dx}, one reader's gradient with respect to layer {@code j}'s output, to what {@code j} has
     * received. The first is kept as given (the reader's memory, which nothing writes before {@code j}'s backward
     * runs); the second and later are summed into {@code j}'s own buffer, so no reader's memory is written.
     */
    private void receive(int j, Matrix dx) {
        Matrix g = grads[j];
        if (g == null) {
            grads[j] = dx;
            return;
        }
        Matrix sum = gradientSums[j].rows(dx.rows());
        if (g != sum) {
            kernels.copy(sum, g);
        }
        kernels.axpy(sum, 1f, dx);
        grads[j] = sum;
    }

    /**
     * Makes every batch buffer hold at least {@code rows} rows (allocating only when it grows), after
     * {@link #checkBatch checking} that they fit.
     *
     * @throws IllegalArgumentException if the buffers for {@code rows} rows would take more than this JVM may use
     */
    void reserve(int rows) {
        if (rows <= capacity) {
            return;
        }
        checkBatch(rows, 0);
        Arena arena = Arena.ofShared();
        try {
            reserveLayers(arena, rows);
            batch = new Batch(arena, rows, input.size(), outputs(), positions);
            scratch = new Buffer(arena, rows, outputs());
        } catch (RuntimeException | Error e) {
            arena.close();
            releaseBatch();     // layers may have kept views of the closed arena
            throw e;
        }
        if (batchArena != null) {
            batchArena.close();
        }
        batchArena = arena;
        capacity = rows;
        growScratch(rows);
    }

    /**
     * Checks, before anything is allocated, that the batch buffers for {@code rows} rows (this model's, and
     * {@code extraPerRow} bytes a row of a trainer's) fit in what this JVM may use. The buffers live off the heap,
     * which no JVM flag caps for them; they are held to the heap's limit ({@link Runtime#maxMemory()}, {@code -Xmx}),
     * the JDK's own default limit for memory off the heap, so a process never takes much more than it was given.
     *
     * @throws IllegalArgumentException naming the rows, the bytes and the limit, if they do not fit
     */
    void checkBatch(int rows, long extraPerRow) {
        if (batchBytes == null) {
            batchBytes = measureBatchBytes();
        }
        long perRow = batchBytes[1] + extraPerRow;
        long need = perRow > (Long.MAX_VALUE - batchBytes[0]) / Math.max(1, rows) ? Long.MAX_VALUE
                : batchBytes[0] + perRow * rows;
        long limit = Runtime.getRuntime().maxMemory();
        if (need > limit) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "the buffers for a batch of %,d samples need %,d bytes"
                    + " (%,d a sample), more than the %,d this JVM may use (its heap limit, -Xmx, which also bounds memory off"
                    + " the heap); use a smaller batch size or give the JVM more memory", rows, need, perRow, limit));
        }
    }

    /**
     * The bytes of this model's batch buffers as {@code {fixed, per row}}: every layer's buffer is a fixed block or
     * a block of rows, so reserving 1 and 2 rows in an arena that counts what it is asked for gives both exactly.
     * Frees the current buffers (the layers are left holding the counting arena's, now closed): the next pass
     * reserves afresh.
     */
    private long[] measureBatchBytes() {
        return measure(true);
    }

    /**
     * The bytes a row of every layer's batch buffers takes; frees the current buffers, as {@link #measureBatchBytes}
     * does.
     */
    private long activationBytesPerSample() {
        return measure(false)[1];
    }

    /**
     * {@code {fixed, per row}} bytes of every layer's batch buffers, and with {@code batch} of the gathered batch and
     * the scratch too, from reserving 1 and 2 rows in an arena that counts them; frees the current buffers.
     */
    private long[] measure(boolean batch) {
        long[] bytes = new long[2];
        for (int rows = 1; rows <= 2; rows++) {
            try (CountingArena a = new CountingArena()) {
                reserveLayers(a, rows);
                if (batch) {
                    new Batch(a, rows, input.size(), outputs(), positions);
                    new Buffer(a, rows, outputs());
                }
                bytes[rows - 1] = a.bytes;
            }
        }
        releaseBatch();
        return new long[] {2 * bytes[0] - bytes[1], bytes[1] - bytes[0]};
    }

    /**
     * Every layer's buffers, and the gradient sums of the layers read more than once. The layers' dX come from one
     * region per colour ({@link #colourGradients}), as large as its largest member needs.
     */
    private void reserveLayers(Arena arena, int rows) {
        if (gradientBytes == null) {
            gradientBytes = measureGradients();
        }
        long[] size = new long[colours];
        for (int i = 0; i < layers.length; i++) {
            long[] g = gradientBytes[i];
            long need = Math.addExact(Math.addExact(g[0], Math.multiplyExact(g[1], rows)), g[2] * Slices.ALIGN);
            size[gradientColour[i]] = Math.max(size[gradientColour[i]], need);
        }
        MemorySegment[] regions = new MemorySegment[colours];
        for (int c = 0; c < colours; c++) {
            regions[c] = arena.allocate(Math.max(1, size[c]), Slices.ALIGN);
        }
        Buffer[] sums = new Buffer[layers.length];
        for (int i = 0; i < layers.length; i++) {
            layers[i].reserve(arena, new Slices(regions[gradientColour[i]]), rows);
            if (readers[i] > 1 && needsGradient[i]) {
                sums[i] = new Buffer(arena, rows, shapes[i].size());
            }
        }
        gradientSums = sums;
    }

    /**
     * Each layer's dX memory as {@code {fixed bytes, bytes per row, allocations}}, from reserving 1 and 2 rows in
     * arenas that count (and are freed at once: the layers are left holding closed buffers, and the caller reserves
     * afresh). An allocation's alignment padding is bounded by {@link Slices#ALIGN} a piece.
     */
    private long[][] measureGradients() {
        long[][] bytes = new long[layers.length][];
        for (int i = 0; i < layers.length; i++) {
            long[] b = new long[2];
            long pieces = 0;
            for (int rows = 1; rows <= 2; rows++) {
                try (CountingArena own = new CountingArena(); CountingArena g = new CountingArena()) {
                    layers[i].reserve(own, g, rows);
                    b[rows - 1] = g.bytes;
                    pieces = Math.max(pieces, g.pieces);
                }
            }
            bytes[i] = new long[] {2 * b[0] - b[1], b[1] - b[0], pieces};
        }
        return bytes;
    }

    /**
     * An arena that hands out consecutive pieces of one region (a colour's shared gradient memory), zeroed as an
     * arena's are; the model frees the region.
     */
    private static final class Slices implements Arena {
        static final long ALIGN = Matrix.ALIGNMENT;
        private final MemorySegment region;
        private long offset;

        Slices(MemorySegment region) {
            this.region = region;
        }

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            if (byteAlignment > ALIGN || Long.bitCount(byteAlignment) != 1) {
                throw new IllegalArgumentException("byteAlignment " + byteAlignment + ": shared gradient memory is"
                        + " aligned to powers of two up to " + ALIGN);
            }
            long at = (offset + byteAlignment - 1) & -byteAlignment;
            if (byteSize < 0 || at + byteSize > region.byteSize()) {
                throw new IllegalStateException("a layer asked for " + byteSize + " bytes of gradient memory at offset " + at
                        + " of " + region.byteSize() + ": more than it took when measured");
            }
            offset = at + byteSize;
            return region.asSlice(at, byteSize).fill((byte) 0);
        }

        @Override
        public MemorySegment.Scope scope() {
            return region.scope();
        }

        @Override
        public void close() {
            throw new UnsupportedOperationException("the model frees its shared gradient memory");
        }
    }

    /** An arena that adds up the bytes asked of it. */
    private static final class CountingArena implements Arena {
        private final Arena arena = Arena.ofConfined();
        long bytes;
        long pieces;

        @Override
        public MemorySegment allocate(long byteSize, long byteAlignment) {
            bytes += byteSize;
            pieces++;
            return arena.allocate(byteSize, byteAlignment);
        }

        @Override
        public MemorySegment.Scope scope() {
            return arena.scope();
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    private void growScratch(int rows) {
        if (predicted.length < (long) rows * positions) {
            predicted = new int[Math.multiplyExact(rows, positions)];
        }
    }

    private int chunk() {
        return capacity > 0 ? capacity : DEFAULT_BATCH;
    }

    private void checkInput(Matrix x, String name) {
        rowsOf(x, name);
        if (x.cols() != input.size()) {
            throw new IllegalArgumentException(name + " has " + x.cols() + " columns, the model takes samples of shape " + input
                    + " (" + input.size() + " values)");
        }
        x.checkAlive(name);
    }

    private static int rowsOf(Matrix x, String name) {
        if (x == null) {
            throw new NullPointerException(name + " is null");
        }
        return x.rows();
    }

    // ---------------------------------------------------------------- what it is

    /**
     * The names of the classes the model predicts ({@code classNames().get(c)} for class c), or an empty list.
     * The fit loop takes them from the training data ({@link Dataset#classNames()}); the model file keeps them.
     *
     * @return the class names, unmodifiable
     */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * Names the classes: one distinct name per class ({@link #classes()}).
     *
     * @param names the name of class 0, 1, ...
     * @throws IllegalArgumentException if the number of names differs from the classes or two are equal
     */
    public void classNames(List<String> names) {
        int k = classes();
        if (names.size() != k || names.stream().distinct().count() != k) {
            throw new IllegalArgumentException("the model predicts " + k + " classes, which need as many distinct names; got "
                    + names);
        }
        classNames = List.copyOf(names);
    }

    /**
     * The names of the input's features ({@code featureNames().get(j)} for element j of a sample: the columns of
     * the CSV file it was trained on, as the command line sets them; the fit loop leaves them alone), or an empty
     * list. The model file keeps them, so that data with its columns in another order can be matched by name.
     *
     * @return the feature names, unmodifiable
     */
    public List<String> featureNames() {
        return featureNames;
    }

    /**
     * Names the input's features: one distinct name per element of a sample ({@code inputShape().size()}).
     *
     * @param names the name of feature 0, 1, ...
     * @throws IllegalArgumentException if the number of names differs from the sample's size or two are equal
     */
    public void featureNames(List<String> names) {
        int n = input.size();
        if (names.size() != n || names.stream().distinct().count() != n) {
            throw new IllegalArgumentException("the model takes " + n + " features, which need as many distinct names; got "
                    + names);
        }
        featureNames = List.copyOf(names);
    }

    /**
     * The tokenization of a language model trained on a text, e.g. {@code "bytes"}
     * ({@link TextCorpus#TOKENS}: each token a byte value, the vocabulary the 256 values; the
     * command line's {@code train --text} sets it), or empty. The model file keeps it (its optional section "tokens",
     * {@link ModelFile.Contents#tokens()}), so a text generator can refuse a model that is not a text model.
     *
     * @return the tokenization, or empty
     */
    public Optional<String> tokens() {
        return Optional.ofNullable(tokens);
    }

    /**
     * Records the model's tokenization: only {@code "bytes"} is known, for a model that takes token ids
     * ({@code (T)} samples) and predicts, with softmax cross-entropy, one of the 256 byte values.
     *
     * @param name the tokenization, {@code "bytes"}
     * @throws IllegalArgumentException if the name is not {@code "bytes"} or the model does not fit it
     */
    public void tokens(String name) {
        if (!TextCorpus.TOKENS.equals(name)) {
            throw new IllegalArgumentException("unknown tokenization '" + name + "'; known: "
                    + TextCorpus.TOKENS);
        }
        if (loss != Loss.SOFTMAX_CROSS_ENTROPY || input.rank() != 1 || classes() != TextCorpus.VOCABULARY) {
            throw new IllegalArgumentException("byte tokens need a model from token ids (T) to softmax cross-entropy over "
                    + TextCorpus.VOCABULARY + " classes; this one takes " + input + " to " + classes()
                    + " classes by " + loss.id());
        }
        tokens = name;
    }

    /**
     * Standardises the targets inside the model, for MSE: training and evaluation compute the loss on
     * {@code (t - mean) / std}, and {@link #predict} undoes it ({@code y = out * std + mean}), so predictions come
     * back in the targets' own units; the model file keeps the statistics. Targets far from 0 or of a large spread
     * (150 +- 50, say) need this: a network initialised for outputs of unit scale learns them slowly, if at all.
     * Give the training targets' statistics ({@link Dataset#targetStatistics()}) before training; a standard
     * deviation of 0 (a constant target) is taken as 1.
     *
     * @param mean one mean per output, each finite
     * @param std  one standard deviation per output, each finite and {@code >= 0}
     * @throws IllegalArgumentException if the loss is not MSE, or the counts or values are not as above
     */
    public void standardizeTargets(float[] mean, float[] std) {
        if (loss != Loss.MSE) {
            throw new IllegalArgumentException("only mse targets are standardised; this model's loss is " + loss.id());
        }
        if (mean == null || std == null) {
            throw new NullPointerException((mean == null ? "mean" : "std") + " is null");
        }
        if (mean.length != outputs() || std.length != outputs()) {
            throw new IllegalArgumentException("the model has " + outputs() + " outputs, which need as many means and standard "
                    + "deviations; got " + mean.length + " and " + std.length);
        }
        float[] s = std.clone();
        float[] shift = new float[s.length];
        float[] scale = new float[s.length];
        for (int j = 0; j < s.length; j++) {
            if (!Float.isFinite(mean[j])) {
                throw new IllegalArgumentException("target mean " + j + " must be finite, got " + mean[j]);
            }
            if (!(s[j] >= 0) || !Float.isFinite(s[j])) {
                throw new IllegalArgumentException("target standard deviation " + j + " must be finite and >= 0, got " + s[j]);
            }
            s[j] = s[j] == 0f ? 1f : s[j];
            shift[j] = -mean[j];
            scale[j] = 1f / s[j];
        }
        if (targetShift == null) {
            targetShift = Matrix.allocate(parameterArena, 1, outputs());
            targetScale = Matrix.allocate(parameterArena, 1, outputs());
            outputScale = Matrix.allocate(parameterArena, 1, outputs());
            outputShift = Matrix.allocate(parameterArena, 1, outputs());
        }
        targetShift.copyFrom(shift);
        targetScale.copyFrom(scale);
        outputScale.copyFrom(s);
        outputShift.copyFrom(mean);
        targetMean = mean.clone();
        targetStd = s;
    }

    /** {@return the means the targets are standardised with, one per output (a copy), or null if they are not} */
    public float[] targetMean() {
        return targetMean == null ? null : targetMean.clone();
    }

    /** {@return the standard deviations the targets are standardised with (a copy; none is 0), or null if they are not} */
    public float[] targetStd() {
        return targetStd == null ? null : targetStd.clone();
    }

    /** {@return every trainable parameter, named {@code layer<i>.<name>}, in layer order (their slab order)} */
    public List<Parameter> parameters() {
        return parameters;
    }

    /**
     * The value slab, {@code (1, S)}: every parameter's values, in {@link #parameters()} order, each starting on
     * a 64-byte boundary (S is the sum of the parameters' sizes, each rounded up to 16 floats).
     *
     * @return the value slab
     */
    public Matrix values() {
        checkOpen();
        return values;
    }

    /**
     * The running-state slab, {@code (1, S)}: every layer's model state ({@link Layer#runningState()}, such as batch
     * normalization's running mean and variance), in {@link #runningStateTensors()} order, each tensor starting on a
     * 64-byte boundary; {@code (1, 1)} holding 0 for a model without state. Training passes update it; the optimizer
     * never sees it; the model file keeps it; data-parallel training averages it across replicas.
     *
     * @return the running-state slab
     */
    public Matrix runningState() {
        checkOpen();
        return runningState;
    }

    /** {@return every layer's model state tensor, named {@code layer<i>.<name>}, in layer order (their slab order)} */
    public List<Parameter> runningStateTensors() {
        return stateTensors;
    }

    /** {@return the gradient slab: the same layout as {@link #values()}, written by each backward pass} */
    public Matrix gradients() {
        checkOpen();
        return gradients;
    }

    /**
     * {@return the layers, in order: for a graph, each after its inputs ({@link #inputsOf}), the output last}
     */
    public List<Layer> layers() {
        return List.of(layers);
    }

    /**
     * The layers whose outputs layer {@code i} takes, in order; -1 stands for the model's input. A chain's layer
     * {@code i} takes {@code {i - 1}}.
     *
     * @param i the layer's index, from 0
     * @return the inputs' indices (a copy): one for a layer, two or more for a {@link Merge}
     */
    public int[] inputsOf(int i) {
        return inputs[i].clone();
    }

    /** {@return whether every layer takes the previous one's output (the model a list of layers builds)} */
    public boolean isChain() {
        return graph.isChain();
    }

    /**
     * The output shape of layer {@code i}.
     *
     * @param i the layer's index, from 0
     * @return the shape of one sample after that layer
     */
    public Shape outputShape(int i) {
        return shapes[i];
    }

    /** {@return the kernels every pass runs on} */
    public Kernels kernels() {
        return kernels;
    }

    /** {@return the loss: what the outputs mean and how they are scored} */
    public Loss loss() {
        return loss;
    }

    /** {@return the seed the parameters were initialised from} */
    public long seed() {
        return seed;
    }

    /** {@return the shape of one input sample} */
    public Shape inputShape() {
        return input;
    }

    /** {@return the shape of one output sample} */
    public Shape outputShape() {
        return shapes[shapes.length - 1];
    }

    /** {@return the values per output row: the size of {@link #outputShape()}} */
    public int outputs() {
        return outputShape().size();
    }

    /**
     * The positions of a sample the loss scores separately: for softmax cross-entropy on an output of shape
     * {@code (..., V)} of rank 2 or more (a language model's {@code (T, V)}), the product of the leading dimensions,
     * each position's row of V logits a softmax of its own with a label of its own (the next token); else 1, the
     * sample's outputs scored as one row. Data for it has this many labels per sample
     * ({@link Dataset#labelsPerSample()}); the loss is the mean over every position of the batch (PyTorch's
     * {@code cross_entropy(logits.view(-1, V), labels.view(-1))}), accuracy and the confusion matrix count positions,
     * and {@link #predict} gives each position's probabilities.
     *
     * @return the positions per sample, {@code >= 1}
     */
    public int positions() {
        return positions;
    }

    /**
     * {@return the number of classes the model predicts: {@link Loss#classes} of the outputs of one position}
     */
    public int classes() {
        return Loss.classes(outputs() / positions);
    }

    /** {@return the total number of trainable values} */
    public long size() {
        long n = 0;
        for (Parameter p : parameters) {
            n += p.size();
        }
        return n;
    }

    /**
     * A table of the layers, each with its output shape and parameter count, then the totals and the activation
     * memory of one sample (every layer's batch buffers per row: outputs, input gradients, what backward keeps):
     * <pre>
     * layer            output shape      parameters
     * Flatten          (784)                      0
     * Dense(784->128)  (128)                100,480
     * ...
     * </pre>
     * For a graph, each layer is numbered and followed by the numbers of its inputs ({@code <- 3, 7}; the input is
     * {@code in}). Measuring the activation memory frees the batch buffers: the next pass reserves them again.
     *
     * @return the table, one line per layer
     */
    public String summary() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"input", input.toString(), ""});
        boolean chain = graph.isChain();
        for (int i = 0; i < layers.length; i++) {
            long n = 0;
            for (Parameter p : layers[i].parameters()) {
                n += p.size();
            }
            String name = chain ? layers[i].toString() : i + " " + layers[i] + " <- " + String.join(", ",
                    java.util.Arrays.stream(inputs[i]).mapToObj(j -> j == Graph.INPUT ? "in" : Integer.toString(j)).toList());
            rows.add(new String[] {name, shapes[i].toString(), String.format(Locale.ROOT, "%,d", n)});
        }
        rows.add(new String[] {"total", "", String.format(Locale.ROOT, "%,d", size())});
        int a = "layer".length();
        int b = "output shape".length();
        int c = "parameters".length();
        for (String[] r : rows) {
            a = Math.max(a, r[0].length());
            b = Math.max(b, r[1].length());
            c = Math.max(c, r[2].length());
        }
        String format = "%-" + a + "s  %-" + b + "s  %" + c + "s%n";
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, format, "layer", "output shape", "parameters"));
        for (String[] r : rows) {
            sb.append(String.format(Locale.ROOT, format, (Object[]) r));
        }
        sb.append(String.format(Locale.ROOT, "loss %s; outputs %s; activation memory %,d bytes a sample", loss.id(),
                outputShape(), activationBytesPerSample()));
        return sb.toString();
    }

    /**
     * Fails with the model's name once it is closed, so a use after {@link #close} names the model rather than one
     * of its buffers.
     *
     * @throws IllegalStateException if this model has been closed
     */
    void checkOpen() {
        if (!parameterArena.scope().isAlive()) {
            throw new IllegalStateException("this Model (" + this + ") has been closed");
        }
    }

    /** Frees the batch buffers; the next pass reserves them again. */
    private void releaseBatch() {
        if (batchArena != null) {
            batchArena.close();
            batchArena = null;
        }
        capacity = 0;
    }

    /** Frees the parameters, gradients and batch buffers; using the model afterwards is an error that says so. */
    @Override
    public void close() {
        releaseBatch();
        if (parameterArena.scope().isAlive()) {
            parameterArena.close();
        }
    }

    /**
     * The layers, e.g. {@code Flatten(28, 28, 1) -> Dense(784->128) -> ReLU -> Dense(128->10)}; for a graph, each
     * layer that does not take the previous one's output is followed by its inputs' numbers, e.g. {@code Add<-3,1}.
     */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(" -> ");
        for (int i = 0; i < layers.length; i++) {
            boolean previous = inputs[i].length == 1 && inputs[i][0] == i - 1;
            j.add(previous ? layers[i].toString() : layers[i] + "<-" + String.join(",",
                    java.util.Arrays.stream(inputs[i]).mapToObj(k -> k == Graph.INPUT ? "in" : Integer.toString(k)).toList()));
        }
        return j.toString();
    }

    private final class LayerContext implements Layer.Context {
        private final int index;

        LayerContext(int index) {
            this.index = index;
        }

        @Override
        public Kernels kernels() {
            return kernels;
        }

        @Override
        public int index() {
            return index;
        }

        @Override
        public long passKey() {
            return passKey;
        }
    }
}
