package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.trainer.data.InvalidDataException;
import dev.myelin.trainer.data.TextCorpus;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The model file: a model's architecture, loss and weights in one file, enough to rebuild it with no
 * layer named in code ({@link Model#load}). Written atomically ({@link AtomicFile}): a crash during a save
 * leaves the previous file whole.
 *
 * <p>Format version 1, inside the {@link Framing} frame (magic {@code MYELINMD}, version, length, body,
 * CRC-32C), big-endian, strings as {@link java.io.DataOutput#writeUTF} (2-byte length, modified UTF-8):
 * <pre>
 *   2+n   loss: "mse", "bce_with_logits" or "softmax_cross_entropy"
 *   8     seed the model was initialised from, int64
 *   2+n   backend that wrote it (information only: the weights load on any backend)
 *   4     input rank R, int32; then R dimensions, int32 each (memory order, e.g. 28, 28, 1)
 *   4     layer count L, int32; per layer:
 *     2+n   type, e.g. "dense"
 *     4     setting count S, int32; then S pairs of strings key, value, keys in ascending order
 *   4     class name count C, int32 (0: unnamed); then C strings, the name of class 0, 1, ...
 *   4     tensor count T, int32; per tensor, in the model's parameter order:
 *     2+n   name, e.g. "layer1.W"
 *     4, 4  rows, cols, int32
 *     4 rows cols  values, IEEE 754 float32, row-major
 *   then, to the end, optional sections, each a name (2+n) and its content; a file without them (any file
 *   written before they existed) loads as a model without what they hold:
 *     "feature names"  4 count F, int32 (the input's size); then F strings, the name of input element 0, 1, ...
 *                      (written only for a model with {@link Model#featureNames()})
 *     "target scaling" 4 count K, int32 (the outputs); then K means, then K standard deviations, float32 each
 *                      (written only for a model with {@link Model#standardizeTargets}; each mean finite, each
 *                      deviation finite and > 0)
 *     "graph"          4 count L, int32 (the layers); per layer: 4 input count k, int32, then k int32 indices of
 *                      earlier layers, -1 for the model's input (written only for a model that is not a chain,
 *                      {@link Model#isChain}; without it, layer i takes layer i - 1's output)
 *     "running state"  the model's state tensors ({@link Model#runningStateTensors()}: batch normalization's running
 *                      means and variances), as the tensors above: 4 count, then per tensor name, rows, cols, values;
 *                      written only for a model with state, required for one (each value finite and at least its
 *                      tensor's {@link Parameter#minimum()}: a variance is >= 0)
 *     "tokens"         2+n the tokenization of a language model's input and classes ("bytes": each token a byte value,
 *                      {@link dev.myelin.trainer.data.TextCorpus}), then 4 the vocabulary, int32, equal to the model's
 *                      classes (written only for a model with {@link Model#tokens()}, one trained on a text)
 * </pre>
 */
public final class ModelFile {

    /** The first 8 bytes of every model file. */
    public static final byte[] MAGIC = "MYELINMD".getBytes(StandardCharsets.US_ASCII);
    /** The format version this class writes, and the only one it reads. */
    public static final int VERSION = 1;

    /**
     * A layer as stored: its type and settings.
     *
     * @param type   the layer's type name, e.g. {@code "dense"} ({@link Layer#type()})
     * @param config its settings ({@link Layer#config()}), keys in ascending order
     */
    public record LayerSpec(String type, Map<String, String> config) {
        @Override
        public String toString() {
            return config.isEmpty() ? type : type + config;
        }
    }

    /**
     * A tensor as stored.
     *
     * @param name   the parameter's model-wide name, e.g. {@code "layer1.W"}
     * @param rows   its rows
     * @param cols   its columns
     * @param values its {@code rows * cols} values, row-major
     */
    public record Tensor(String name, int rows, int cols, float[] values) {
    }

    /**
     * A regression model's target standardisation as stored ({@link Model#standardizeTargets}), checked: as many
     * means as deviations, each mean finite, each deviation finite and {@code > 0}.
     *
     * @param mean one mean per output
     * @param std  one standard deviation per output
     */
    public record TargetScaling(float[] mean, float[] std) {
    }

    /**
     * A model file's contents, read and checked; {@link #build} makes the model.
     *
     * @param file       the file they were read from, for messages
     * @param input      the shape of one input sample
     * @param loss       the loss
     * @param seed       the seed the model was initialised from
     * @param backend    the backend that wrote the file (information only)
     * @param layers     the layers, in order
     * @param classNames the class names, or an empty list
     * @param tensors    the parameters, in the model's order
     * @param featureNames the input's feature names, or an empty list (the optional section "feature names")
     * @param targetScaling the target standardisation, or null (the optional section "target scaling")
     * @param graph      the inputs of each layer ({@link Model#inputsOf}), or null for a chain (the optional section
     *                   "graph")
     * @param runningState the model state tensors, in the model's order, or an empty list (the optional section
     *                     "running state")
     * @param tokens     the tokenization of a language model trained on a text, e.g. {@code "bytes"}
     *                   ({@link dev.myelin.trainer.data.TextCorpus#TOKENS}: a byte-level model, vocabulary 256), or empty
     *                   for any other model and for files written before the section existed (the optional section
     *                   "tokens"); what {@link Model#tokens()} gives once built. A generator refuses a model without it.
     */
    public record Contents(Path file, Shape input, Loss loss, long seed, String backend, List<LayerSpec> layers,
                           List<String> classNames, List<Tensor> tensors, List<String> featureNames,
                           TargetScaling targetScaling, List<int[]> graph, List<Tensor> runningState,
                           Optional<String> tokens) {

        /**
         * The model on {@code kernels}, with the stored weights. A tensor that does not fit is named.
         *
         * @param kernels the backend to run on
         * @return the model with the stored weights; close it to free its memory
         * @throws InvalidDataException if this version cannot build the layers, or a tensor does not fit its parameter
         */
        public Model build(Kernels kernels) throws InvalidDataException {
            // The layers' declared parameters are checked against the stored tensors, whose sizes the reader checked
            // against the bytes present, before the model allocates: a header that declares more than the file holds
            // costs nothing.
            List<Parameter> declaredState = new ArrayList<>();
            checkFits(file, tensors, declared(kernels, declaredState), "in the layers it declares");
            checkRunningState(file, runningState, declaredState, "in the layers it declares");
            Model model;
            try {
                model = Model.empty(kernels, input, loss, seed, newGraph());
            } catch (IllegalArgumentException e) {
                throw new InvalidDataException(file, "holds a model this version cannot build: " + printable(e.getMessage()), e);
            }
            try {
                if (!classNames.isEmpty()) {
                    try {
                        model.classNames(classNames);
                    } catch (IllegalArgumentException e) {
                        throw new InvalidDataException(file, "malformed class names: " + printable(e.getMessage()), e);
                    }
                }
                if (!featureNames.isEmpty()) {
                    try {
                        model.featureNames(featureNames);
                    } catch (IllegalArgumentException e) {
                        throw new InvalidDataException(file, "malformed feature names: " + e.getMessage(), e);
                    }
                }
                applyTargetScaling(file, targetScaling, model);
                if (tokens.isPresent()) {
                    try {
                        model.tokens(tokens.get());
                    } catch (IllegalArgumentException e) {
                        throw new InvalidDataException(file, "malformed section '" + TOKENS + "': " + printable(e.getMessage()),
                                e);
                    }
                }
                copyInto(file, tensors, model.parameters());
                copyInto(file, runningState, model.runningStateTensors());
                return model;
            } catch (InvalidDataException | RuntimeException e) {
                model.close();
                throw e;
            }
        }

        /**
         * New layers from the specs, in the stored graph (a chain without one), checked ({@link Graph}); a spec this
         * version cannot build, or a graph that breaks a rule, is named.
         */
        private Graph newGraph() {
            Layer[] ls = new Layer[layers.size()];
            for (int i = 0; i < ls.length; i++) {
                LayerSpec s = layers.get(i);
                try {
                    ls[i] = Layers.create(s.type(), s.config());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("layer " + i + " (" + s + "): " + e.getMessage(), e);
                }
            }
            return graph == null ? Graph.chain(ls) : Graph.of(ls, graph.toArray(int[][]::new));
        }

        /**
         * The parameters the stored layers declare, with their model-wide names and shapes, from layers built on the
         * input shape and then dropped: building a layer creates its parameters without memory ({@link Layer#build}).
         * Their model state tensors ({@link Layer#runningState()}) are added to {@code state}, named likewise.
         */
        private List<Parameter> declared(Kernels kernels, List<Parameter> state) throws InvalidDataException {
            try {
                Graph g = newGraph();
                g.build(input, i -> new DeclaringContext(kernels, i));
                List<Parameter> all = new ArrayList<>();
                for (int i = 0; i < g.size(); i++) {
                    for (Parameter p : g.layer(i).parameters()) {
                        all.add(new Parameter("layer" + i + "." + p.name(), p.rows(), p.cols()));
                    }
                    for (Parameter p : g.layer(i).runningState()) {
                        state.add(Parameter.state("layer" + i + "." + p.name(), p.rows(), p.cols(), p.minimum()));
                    }
                }
                return all;
            } catch (IllegalArgumentException e) {
                throw new InvalidDataException(file, "holds a model this version cannot build: " + printable(e.getMessage()), e);
            }
        }

        /** The context of a layer built only to learn its parameters' shapes (no pass runs). */
        private record DeclaringContext(Kernels kernels, int index) implements Layer.Context {
            @Override
            public long passKey() {
                return 0;
            }
        }

        /** Null if {@code model} has this architecture (input shape, loss, layer types and settings, graph), else how
         * it differs. */
        String difference(Model model) {
            if (!input.equals(model.inputShape())) {
                return "the input shape is " + input + " in the file, " + model.inputShape() + " in this model";
            }
            if (loss != model.loss()) {
                return "the loss is " + loss.id() + " in the file, " + model.loss().id() + " in this model";
            }
            List<Layer> mine = model.layers();
            for (int i = 0; i < Math.max(layers.size(), mine.size()); i++) {
                LayerSpec theirs = i < layers.size() ? layers.get(i) : null;
                LayerSpec ours = i < mine.size() ? spec(mine.get(i)) : null;
                if (theirs == null || !theirs.equals(ours)) {
                    return "layer " + i + " is " + (theirs == null ? "missing" : theirs) + " in the file, "
                            + (ours == null ? "missing" : ours) + " in this model";
                }
                int[] stored = graph == null ? new int[] {i - 1} : graph.get(i);
                if (!java.util.Arrays.equals(stored, model.inputsOf(i))) {
                    return "layer " + i + " takes " + java.util.Arrays.toString(stored) + " in the file, "
                            + java.util.Arrays.toString(model.inputsOf(i)) + " in this model";
                }
            }
            return null;
        }
    }

    private ModelFile() {
    }

    /** Writes {@code model} to {@code file} atomically. */
    static void write(Path file, Model model) throws IOException {
        byte[] bytes = encode(model);
        AtomicFile.write(file, out -> out.write(bytes));
    }

    /**
     * Reads and checks a model file without building the model.
     *
     * @param file the model file
     * @return its contents, checked
     * @throws IOException if the file cannot be read, or is not a whole, valid model file
     *                     ({@link InvalidDataException}, naming the file and the problem)
     */
    public static Contents read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new InvalidDataException(file, "is a folder, not a model file");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidDataException(file, "no such model file");
        }
        return decode(Files.readAllBytes(file), file);
    }

    /** The bytes of a model file for {@code model}. */
    static byte[] encode(Model model) throws IOException {
        return Framing.frame(MAGIC, VERSION, out -> {
            out.writeUTF(model.loss().id());
            out.writeLong(model.seed());
            out.writeUTF(model.kernels().name());
            Shape in = model.inputShape();
            out.writeInt(in.rank());
            for (int d : in.dims()) {
                out.writeInt(d);
            }
            out.writeInt(model.layers().size());
            for (Layer l : model.layers()) {
                LayerSpec s = spec(l);
                out.writeUTF(s.type());
                out.writeInt(s.config().size());
                for (Map.Entry<String, String> e : s.config().entrySet()) {
                    out.writeUTF(e.getKey());
                    out.writeUTF(e.getValue());
                }
            }
            out.writeInt(model.classNames().size());
            for (String c : model.classNames()) {
                out.writeUTF(c);
            }
            writeTensors(out, model.parameters(), "");
            writeFeatureNames(out, model.featureNames());
            writeTargetScaling(out, model.targetMean(), model.targetStd());
            writeGraph(out, model);
            writeRunningState(out, model.runningStateTensors());
            writeTokens(out, model);
        });
    }

    /** Decodes and checks a model file's bytes (frame first, then the body). */
    static Contents decode(byte[] bytes, Path file) throws InvalidDataException {
        Framing.check(bytes, file, MAGIC, "model file", VERSION);
        DataInputStream in = body(bytes);
        String field = "the loss";
        try {
            Loss loss = Loss.of(in.readUTF());
            field = "the header";
            long seed = in.readLong();
            String backend = in.readUTF();
            int rank = in.readInt();
            if (rank < 1 || rank > 8) {
                throw new InvalidDataException(file, "malformed: an input of rank " + rank);
            }
            int[] dims = new int[rank];
            for (int i = 0; i < rank; i++) {
                dims[i] = in.readInt();
            }
            Shape input = Shape.of(dims);
            int count = in.readInt();
            if (count < 1) {
                throw new InvalidDataException(file, "malformed: " + count + " layers");
            }
            List<LayerSpec> layers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                field = "layer " + i;
                String type = in.readUTF();
                int settings = in.readInt();
                if (settings < 0 || settings > 64) {
                    throw new InvalidDataException(file, "malformed: layer " + i + " (" + printable(type) + ") has " + settings
                            + " settings");
                }
                Map<String, String> config = new LinkedHashMap<>();
                for (int j = 0; j < settings; j++) {
                    config.put(in.readUTF(), in.readUTF());
                }
                layers.add(new LayerSpec(type, new TreeMap<>(config)));
            }
            field = "the class names";
            int classes = in.readInt();
            if (classes < 0 || classes > 1 << 20) {
                throw new InvalidDataException(file, "malformed: " + classes + " class names");
            }
            List<String> classNames = new ArrayList<>();
            for (int i = 0; i < classes; i++) {
                classNames.add(in.readUTF());
            }
            field = "the tensors";
            List<Tensor> tensors = readTensors(in, in.readInt(), file);
            field = "the optional sections";
            List<String> featureNames = List.of();
            TargetScaling targetScaling = null;
            List<int[]> graph = null;
            List<Tensor> runningState = null;
            String tokens = null;
            while (in.available() > 0) {
                String section = in.readUTF();
                field = "the section '" + section + "'";
                if (section.equals(FEATURE_NAMES) && featureNames.isEmpty()) {
                    featureNames = readFeatureNames(in, file);
                } else if (section.equals(TARGET_SCALING) && targetScaling == null) {
                    targetScaling = readTargetScaling(in, file);
                } else if (section.equals(GRAPH) && graph == null) {
                    graph = readGraph(in, file, layers.size());
                } else if (section.equals(RUNNING_STATE) && runningState == null) {
                    runningState = readRunningState(in, file);
                } else if (section.equals(TOKENS) && tokens == null) {
                    tokens = readTokens(in, file);
                } else {
                    throw new InvalidDataException(file, "malformed: an unknown or repeated section '" + section
                            + "' after the last tensor");
                }
            }
            return new Contents(file, input, loss, seed, backend, List.copyOf(layers), List.copyOf(classNames), tensors,
                    featureNames, targetScaling, graph, runningState == null ? List.of() : runningState,
                    Optional.ofNullable(tokens));
        } catch (EOFException | UTFDataFormatException | IllegalArgumentException e) {
            // the checksum matched, so these bytes are as written: by another program, or a bug
            throw malformed(file, field, e);
        } catch (InvalidDataException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading from memory failed", e);
        }
    }

    /**
     * The error for a field that cannot be decoded: the reason, never {@code null} (a stream that ends early says
     * nothing), with the file's strings made printable.
     */
    static InvalidDataException malformed(Path file, String field, Exception e) {
        String reason = e instanceof EOFException ? "the file's body ends inside it"
                : e.getMessage() == null ? e.getClass().getSimpleName() : printable(e.getMessage());
        return new InvalidDataException(file, "malformed " + field + " (" + reason + ")", e);
    }

    /**
     * {@code s} with every control character (a corrupted string's bytes among them) written as a Java escape,
     * {@code \u005Cu0001}, so a message shows what the file holds without sending it to the terminal raw.
     */
    static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (Character.isISOControl(c) || Character.isSurrogate(c)) {
                b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The name of the optional section of a language model's tokenization. */
    private static final String TOKENS = "tokens";

    /** The optional section "tokens", if the model has a tokenization: its name and the vocabulary (its classes). */
    private static void writeTokens(DataOutputStream out, Model model) throws IOException {
        if (model.tokens().isPresent()) {
            out.writeUTF(TOKENS);
            out.writeUTF(model.tokens().get());
            out.writeInt(model.classes());
        }
    }

    /**
     * The content of the section "tokens" (after its name): the tokenization's name and its vocabulary, 256 for bytes;
     * the model's own check, that its classes are the vocabulary ({@link Model#tokens(String)}), follows when it is
     * built.
     */
    private static String readTokens(DataInputStream in, Path file) throws IOException {
        String name = in.readUTF();
        int vocabulary = in.readInt();
        if (name.isEmpty() || vocabulary < 1) {
            throw new InvalidDataException(file, "malformed section '" + TOKENS + "': tokenization '" + printable(name)
                    + "' of vocabulary " + vocabulary);
        }
        if (name.equals(TextCorpus.TOKENS) && vocabulary != TextCorpus.VOCABULARY) {
            throw new InvalidDataException(file, "malformed section '" + TOKENS + "': byte tokens have a vocabulary of "
                    + TextCorpus.VOCABULARY + ", the file says " + vocabulary);
        }
        return name;
    }

    /** The name of the optional section of the feature names. */
    private static final String FEATURE_NAMES = "feature names";

    /** The optional section "feature names", if there are names. */
    private static void writeFeatureNames(DataOutputStream out, List<String> names) throws IOException {
        if (names.isEmpty()) {
            return;
        }
        out.writeUTF(FEATURE_NAMES);
        out.writeInt(names.size());
        for (String n : names) {
            out.writeUTF(n);
        }
    }

    /** The content of the section "feature names" (after its name). */
    private static List<String> readFeatureNames(DataInputStream in, Path file) throws IOException {
        int count = in.readInt();
        if (count < 1 || count > in.available() / 2) {          // each name takes at least its 2-byte length
            throw new InvalidDataException(file, "malformed: " + count + " feature names in " + in.available() + " bytes");
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            names.add(in.readUTF());
        }
        return List.copyOf(names);
    }

    /** The name of the optional section of the target standardisation. */
    private static final String TARGET_SCALING = "target scaling";

    /** The optional section "target scaling", if the model standardises its targets ({@code mean} not null). */
    private static void writeTargetScaling(DataOutputStream out, float[] mean, float[] std) throws IOException {
        if (mean == null) {
            return;
        }
        out.writeUTF(TARGET_SCALING);
        out.writeInt(mean.length);
        Framing.writeFloats(out, mean);
        Framing.writeFloats(out, std);
    }

    /**
     * The content of the section "target scaling" (after its name), checked before anything uses it: a count the
     * bytes present hold, finite means, finite deviations {@code > 0} ({@link Model#standardizeTargets} stores a
     * deviation of 0 as 1, so a 0 was not written by it). The count is checked against the model's outputs when it
     * is built.
     */
    private static TargetScaling readTargetScaling(DataInputStream in, Path file) throws IOException {
        int count = in.readInt();
        if (count < 1 || count > in.available() / (2 * Float.BYTES)) {
            throw new InvalidDataException(file, "malformed: a target scaling of " + count + " outputs in " + in.available()
                    + " bytes");
        }
        float[] mean = Framing.readFloats(in, count);
        float[] std = Framing.readFloats(in, count);
        for (int j = 0; j < count; j++) {
            if (!Float.isFinite(mean[j])) {
                throw new InvalidDataException(file, "malformed: the target scaling's mean of output " + j + " is " + mean[j]
                        + "; it must be finite");
            }
            if (!(std[j] > 0) || !Float.isFinite(std[j])) {
                throw new InvalidDataException(file, "malformed: the target scaling's standard deviation of output " + j
                        + " is " + std[j] + "; it must be finite and > 0");
            }
        }
        return new TargetScaling(mean, std);
    }

    /**
     * Gives {@code model} the stored target standardisation, if any; the model refusing it (another loss, another
     * number of outputs) is a malformed file. Every check comes before the model changes.
     */
    static void applyTargetScaling(Path file, TargetScaling scaling, Model model) throws InvalidDataException {
        if (scaling == null) {
            return;
        }
        try {
            model.standardizeTargets(scaling.mean(), scaling.std());
        } catch (IllegalArgumentException e) {
            throw new InvalidDataException(file, "malformed target scaling: " + e.getMessage(), e);
        }
    }

    /** The name of the optional section of a graph's inputs. */
    private static final String GRAPH = "graph";

    /** The optional section "graph", if the model is not a chain. */
    private static void writeGraph(DataOutputStream out, Model model) throws IOException {
        if (model.isChain()) {
            return;
        }
        out.writeUTF(GRAPH);
        int n = model.layers().size();
        out.writeInt(n);
        for (int i = 0; i < n; i++) {
            int[] in = model.inputsOf(i);
            out.writeInt(in.length);
            for (int j : in) {
                out.writeInt(j);
            }
        }
    }

    /**
     * The content of the section "graph" (after its name): one input list per layer, each index of an earlier
     * layer or -1, checked here (so a crafted file cannot describe a cycle or a forward reference); the rest of
     * {@link Graph}'s rules (a merge's two or more inputs, every layer reaching the output) when it is built.
     */
    private static List<int[]> readGraph(DataInputStream in, Path file, int layers) throws IOException {
        int count = in.readInt();
        if (count != layers) {
            throw new InvalidDataException(file, "malformed: a graph of " + count + " layers for " + layers);
        }
        List<int[]> graph = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int k = in.readInt();
            if (k < 1 || k > in.available() / Integer.BYTES) {
                throw new InvalidDataException(file, "malformed: layer " + i + " has " + k + " inputs in the graph, with "
                        + in.available() + " bytes left");
            }
            int[] inputs = new int[k];
            for (int j = 0; j < k; j++) {
                inputs[j] = in.readInt();
                if (inputs[j] < Graph.INPUT || inputs[j] >= i) {
                    throw new InvalidDataException(file, "malformed: layer " + i + " takes the output of layer " + inputs[j]
                            + "; a layer takes the model's input (-1) or an earlier layer's output");
                }
            }
            graph.add(inputs);
        }
        return List.copyOf(graph);
    }

    /** The name of the optional section of the model state. */
    private static final String RUNNING_STATE = "running state";

    /** The optional section "running state", if the model has state tensors. */
    private static void writeRunningState(DataOutputStream out, List<Parameter> state) throws IOException {
        if (state.isEmpty()) {
            return;
        }
        out.writeUTF(RUNNING_STATE);
        writeTensors(out, state, "");
    }

    /**
     * The content of the section "running state" (after its name): at least one tensor, each within the bytes present
     * and every value finite. Names, shapes and each tensor's minimum are checked against the layers' declared state
     * ({@link #checkRunningState}) before a model is built.
     */
    private static List<Tensor> readRunningState(DataInputStream in, Path file) throws IOException {
        int count = in.readInt();
        if (count < 1) {
            throw new InvalidDataException(file, "malformed: a running state of " + count + " tensors");
        }
        List<Tensor> state = readTensors(in, count, file);
        for (Tensor t : state) {
            for (int i = 0; i < t.values().length; i++) {
                if (!Float.isFinite(t.values()[i])) {
                    throw new InvalidDataException(file, "malformed: element " + i + " of the running state "
                            + printable(t.name()) + " is " + t.values()[i] + "; it must be finite");
                }
            }
        }
        return state;
    }

    /**
     * Checks that the stored running state is exactly {@code targets} (count, names, shapes, as {@link #checkFits}),
     * and every stored value at least its tensor's {@link Parameter#minimum()} (a variance is {@code >= 0}), naming
     * the first that is not. A model with state needs the section: a file without it has no values to give.
     */
    static void checkRunningState(Path file, List<Tensor> stored, List<Parameter> targets, String where)
            throws InvalidDataException {
        if (stored.isEmpty() && !targets.isEmpty()) {
            throw new InvalidDataException(file, "has no section '" + RUNNING_STATE + "', but the model has " + targets.size()
                    + " state tensors " + where + ", " + targets.get(0) + " first");
        }
        checkFits(file, stored, targets, where);
        for (int t = 0; t < stored.size(); t++) {
            float[] v = stored.get(t).values();
            float minimum = targets.get(t).minimum();
            for (int i = 0; i < v.length; i++) {
                if (!(v[i] >= minimum)) {
                    throw new InvalidDataException(file, "malformed: element " + i + " of the running state "
                            + targets.get(t).name() + " is " + v[i] + "; it must be at least " + minimum);
                }
            }
        }
    }

    /** A stream over the body of a checked frame. */
    static DataInputStream body(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes, Framing.HEADER,
                bytes.length - Framing.HEADER - Framing.TRAILER));
    }

    static LayerSpec spec(Layer l) {
        return new LayerSpec(l.type(), new TreeMap<>(l.config()));
    }

    /** Count, then per parameter: name + suffix, rows, cols, values. */
    static void writeTensors(DataOutputStream out, List<Parameter> params, String suffix) throws IOException {
        out.writeInt(params.size());
        for (Parameter p : params) {
            out.writeUTF(p.name() + suffix);
            out.writeInt(p.rows());
            out.writeInt(p.cols());
            Framing.writeFloats(out, p.value().toArray());
        }
    }

    /** {@code count} tensors as {@link #writeTensors} wrote them (after its count). */
    static List<Tensor> readTensors(DataInputStream in, int count, Path file) throws IOException {
        if (count < 0) {
            throw new InvalidDataException(file, "malformed: " + count + " tensors");
        }
        List<Tensor> tensors = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = in.readUTF();
            int rows = in.readInt();
            int cols = in.readInt();
            if (rows < 1 || cols < 1 || (long) rows * cols * Float.BYTES > in.available()) {
                throw new InvalidDataException(file, "malformed: tensor " + i + " (" + printable(name) + ") is " + rows + "x" + cols
                        + " with " + in.available() + " bytes left");
            }
            tensors.add(new Tensor(name, rows, cols, Framing.readFloats(in, rows * cols)));
        }
        return List.copyOf(tensors);
    }

    /**
     * Checks that the stored tensors are exactly {@code targets} (count, names, shapes), naming the first that
     * does not fit, then copies the values. Nothing is copied if any does not fit.
     */
    static void copyInto(Path file, List<Tensor> stored, List<Parameter> targets) throws InvalidDataException {
        checkFits(file, stored, targets, "in this model");
        for (int i = 0; i < stored.size(); i++) {
            targets.get(i).value().copyFrom(stored.get(i).values());
        }
    }

    /**
     * Checks that the stored tensors are exactly {@code targets} (count, names, shapes), naming the first that does
     * not fit; {@code where} says where the targets come from in the message ("in this model").
     */
    static void checkFits(Path file, List<Tensor> stored, List<Parameter> targets, String where) throws InvalidDataException {
        for (int i = 0; i < Math.max(stored.size(), targets.size()); i++) {
            if (i >= stored.size()) {
                throw new InvalidDataException(file, "holds " + stored.size() + " tensors, without " + targets.get(i) + " "
                        + where);
            }
            Tensor s = stored.get(i);
            if (i >= targets.size()) {
                throw new InvalidDataException(file, "holds the tensor " + printable(s.name()) + " " + s.rows() + "x" + s.cols()
                        + ", which is not " + where);
            }
            Parameter p = targets.get(i);
            if (!s.name().equals(p.name()) || s.rows() != p.rows() || s.cols() != p.cols()) {
                throw new InvalidDataException(file, "tensor " + i + " is " + printable(s.name()) + " " + s.rows() + "x"
                        + s.cols() + " in the file, " + p + " " + where);
            }
        }
    }
}
