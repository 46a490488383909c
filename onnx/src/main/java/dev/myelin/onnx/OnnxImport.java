package dev.myelin.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.trainer.Activation;
import dev.myelin.trainer.AvgPool2D;
import dev.myelin.trainer.Conv2D;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.Dropout;
import dev.myelin.trainer.Flatten;
import dev.myelin.trainer.Init;
import dev.myelin.trainer.Layer;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.MaxPool2D;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Parameter;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Standardize;
import dev.myelin.trainer.data.InvalidDataException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads an ONNX file into a {@link Model} that predicts, evaluates, trains and saves like any other: a network trained
 * elsewhere (as PyTorch's {@code torch.onnx.export} writes it) or one {@link OnnxExport} wrote.
 *
 * <p><b>What it reads.</b> A graph in the default domain at opset {@value #MIN_OPSET} to {@value #MAX_OPSET}, float32,
 * with one input whose first dimension is the batch (any size or symbolic) and whose other dimensions are fixed: a
 * rank-4 input is an {@code NCHW} image (Myelin's input shape is then {@code (H, W, C)}), any other keeps its order. The
 * nodes must form a chain from the input to the logits, each node's other inputs being constants (initializers or
 * {@code Constant} nodes). Operators, and the layers they become:
 * <ul>
 *   <li>{@code Gemm} ({@code alpha = beta = 1}, {@code transA = 0}, either {@code transB}), and {@code MatMul} by a
 *       constant with or without a following {@code Add} of a constant bias: Dense;</li>
 *   <li>{@code Conv} (2-D, one group, no dilation, symmetric padding): Conv2D; {@code MaxPool} (square window, no
 *       padding), {@code AveragePool} (square window, symmetric padding counted in the divisor or none; or after a
 *       {@code Pad} of zeros, as PyTorch writes a padded average pooling),
 *       {@code GlobalAveragePool} (square images): MaxPool2D and AvgPool2D;</li>
 *   <li>{@code BatchNormalization} (inference) right after a Conv or a Dense: folded into its weights and bias (the
 *       imported model has no BatchNorm layer, and predicts within rounding of the original);</li>
 *   <li>{@code Relu}, {@code LeakyRelu}, {@code Sigmoid}, {@code Tanh}, {@code Gelu} with {@code approximate = "tanh"},
 *       and any expansion of the tanh-form GELU in {@code Mul}, {@code Add}, {@code Sub}, {@code Div}, {@code Pow},
 *       {@code Tanh}, {@code Sigmoid} with scalar constants (recognised by evaluating it): the activations (Myelin's GELU
 *       is the tanh form; the erf form is refused, by name);</li>
 *   <li>{@code Flatten} (axis 1) and {@code Reshape} to {@code (batch, -1)}: Flatten. A channels-first image flattened
 *       as is (PyTorch's order) has the rows of the next Dense layer's weights permuted to Myelin's channels-last order;
 *       one preceded by {@code Transpose(perm = [0, 2, 3, 1])} (as {@link OnnxExport} writes) needs nothing;</li>
 *   <li>{@code Sub} then {@code Div} by constants: Standardize; {@code Dropout}: Dropout of its ratio;
 *       {@code Identity}: nothing;</li>
 *   <li>at the end, {@code Softmax} or {@code Sigmoid} of the logits become the loss: softmax cross-entropy or BCE. A
 *       graph that ends at its logits gets the loss its {@code myelin.loss} metadata names, else softmax
 *       cross-entropy.</li>
 * </ul>
 * Anything else ({@code Add} or {@code Concat} of two branches, other operators, other attributes) is an error that
 * names the node and its operator.
 *
 * <p><b>Bad input.</b> A truncated or corrupt file, an unsupported opset, an operator or attribute outside the list,
 * or tensors whose shapes do not fit are one {@link InvalidDataException} naming the file and the problem, raised
 * before the model is built: every size the model allocates comes from a tensor whose values are in the file, checked
 * against its declared dimensions. Class and feature names come from {@link OnnxExport}'s metadata when present.
 */
public final class OnnxImport {

    /** The oldest opset of the default domain read (Softmax and the others have had their current meaning since). */
    public static final int MIN_OPSET = 13;
    /** The newest opset of the default domain read. */
    public static final int MAX_OPSET = 21;
    /** The largest dimension an input may declare. */
    private static final long MAX_DIM = 1 << 24;

    private OnnxImport() {
    }

    /**
     * Reads an ONNX file onto the default backend ({@link Backends#get()}).
     *
     * @param file the ONNX file
     * @return the model; close it to free its memory
     * @throws IOException if the file cannot be read, or is not an ONNX model this version can import
     *                     ({@link InvalidDataException}, naming the file and the problem)
     */
    public static Model read(Path file) throws IOException {
        return read(file, Backends.get());
    }

    /**
     * Reads an ONNX file onto {@code kernels}.
     *
     * @param file    the ONNX file
     * @param kernels the backend the model runs on
     * @return the model; close it to free its memory
     * @throws IOException if the file cannot be read, or is not an ONNX model this version can import
     *                     ({@link InvalidDataException}, naming the file and the problem)
     */
    public static Model read(Path file, Kernels kernels) throws IOException {
        if (file == null || kernels == null) {
            throw new NullPointerException((file == null ? "file" : "kernels") + " is null");
        }
        if (Files.isDirectory(file)) {
            throw new InvalidDataException(file, "is a folder, not an ONNX file");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidDataException(file, "no such ONNX file");
        }
        return fromBytes(Files.readAllBytes(file), file, kernels);
    }

    /** The model in an ONNX file's bytes; {@code file} names them in errors. */
    static Model fromBytes(byte[] bytes, Path file, Kernels kernels) throws InvalidDataException {
        ModelProto proto;
        try {
            proto = ModelProto.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new InvalidDataException(file, "is not an ONNX model (truncated or corrupt): " + e.getMessage(), e);
        }
        return new Reader(file, proto).model(kernels);
    }

    /** How the graph holds the current tensor, relative to Myelin's memory order. */
    private enum Layout {
        /** The same order. */
        PLAIN,
        /** An image the graph holds {@code (C, H, W)}, Myelin {@code (H, W, C)}. */
        CHANNELS_FIRST,
        /** An image transposed to {@code (H, W, C)} (rank 4 in the graph): Myelin's order, waiting for a flatten. */
        CHANNELS_LAST
    }

    /** A layer to build, with its parameters' values in Myelin's layout (null for layers without any). */
    private static final class Pending {
        final Supplier<Layer> layer;
        float[] w;
        float[] b;
        final int outputs;         // Dense units or Conv2D filters, for folding a BatchNormalization
        final String node;

        Pending(Supplier<Layer> layer, float[] w, float[] b, int outputs, String node) {
            this.layer = layer;
            this.w = w;
            this.b = b;
            this.outputs = outputs;
            this.node = node;
        }
    }

    /** A constant tensor: its dimensions and values (float32, or integers widened to double for shapes). */
    private record Constant(long[] dims, double[] values) {
        int size() {
            return values.length;
        }

        float[] floats() {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return f;
        }
    }

    /** One import: the graph, its constants and the walk along its chain. */
    private static final class Reader {
        private final Path file;
        private final ModelProto proto;
        private final GraphProto graph;
        private final Map<String, Constant> constants = new HashMap<>();
        private final Map<String, NodeProto> producers = new HashMap<>();
        private final Map<String, List<NodeProto>> consumers = new HashMap<>();
        private final Set<NodeProto> used = new HashSet<>();
        private final List<Pending> layers = new ArrayList<>();
        private Shape shape;
        private Layout layout;
        private int[] permutation;     // pending: the graph's flat index -> Myelin's, for the next Dense
        private String current;
        private Shape inputShape;
        private Pending previous;      // the layer the last step added (null if it added none): a BatchNormalization folds into it

        Reader(Path file, ModelProto proto) {
            this.file = file;
            this.proto = proto;
            this.graph = proto.getGraph();
        }

        private InvalidDataException bad(String problem) {
            return new InvalidDataException(file, problem);
        }

        private InvalidDataException bad(NodeProto n, String problem) {
            return new InvalidDataException(file, "node '" + n.getName() + "' (" + n.getOpType() + "): " + problem);
        }

        Model model(Kernels kernels) throws InvalidDataException {
            checkOpset();
            if (!proto.hasGraph() || graph.getNodeCount() == 0) {
                throw bad("holds no graph (truncated or not an ONNX model)");
            }
            for (TensorProto t : graph.getInitializerList()) {
                constants.put(t.getName(), tensor(t, "initializer '" + t.getName() + "'"));
            }
            for (NodeProto n : graph.getNodeList()) {
                if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                    throw bad(n, "the domain '" + n.getDomain() + "' is not supported (only ONNX's default domain)");
                }
                if (n.getOpType().equals("Constant")) {
                    constants.put(output(n), constantNode(n));
                    used.add(n);
                    continue;
                }
                for (String o : n.getOutputList()) {
                    if (!o.isEmpty() && producers.put(o, n) != null) {
                        throw bad(n, "its output '" + o + "' is produced by another node too");
                    }
                }
                for (String in : n.getInputList()) {
                    consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
                }
            }
            String input = input();
            Map<String, String> meta = new HashMap<>();
            for (StringStringEntryProto e : proto.getMetadataPropsList()) {
                meta.put(e.getKey(), e.getValue());
            }
            // the end: the logits, and what the graph does with them
            NodeProto terminal = null;
            for (ValueInfoProto o : graph.getOutputList()) {
                NodeProto p = producers.get(o.getName());
                if (p != null && (p.getOpType().equals("Softmax") || p.getOpType().equals("Sigmoid"))) {
                    if (terminal != null && terminal != p) {
                        throw bad(p, "a second Softmax or Sigmoid among the graph's outputs");
                    }
                    terminal = p;
                }
            }
            String logits = terminal != null ? base(terminal.getInput(0)) : null;
            if (terminal != null) {
                markIdentities(terminal.getInput(0));
            }
            for (ValueInfoProto o : graph.getOutputList()) {
                if (terminal != null && o.getName().equals(output(terminal))) {
                    continue;
                }
                String b = base(o.getName());
                markIdentities(o.getName());
                if (logits == null) {
                    logits = b;
                } else if (!logits.equals(b)) {
                    throw bad("has the outputs '" + logits + "' and '" + o.getName() + "'; it can have the logits and their "
                            + "softmax or sigmoid only");
                }
            }
            if (logits == null) {
                throw bad("has no output");
            }
            Loss loss;
            if (terminal != null) {
                used.add(terminal);
                loss = terminal.getOpType().equals("Softmax") ? Loss.SOFTMAX_CROSS_ENTROPY : Loss.BCE_WITH_LOGITS;
            } else if (meta.containsKey(Metadata.LOSS)) {
                try {
                    loss = Loss.of(meta.get(Metadata.LOSS));
                } catch (IllegalArgumentException e) {
                    throw bad("metadata " + Metadata.LOSS + ": " + e.getMessage());
                }
            } else {
                loss = Loss.SOFTMAX_CROSS_ENTROPY;
            }
            walk(input, logits);
            if (terminal != null && terminal.getOpType().equals("Softmax")) {
                long axis = intAttr(terminal, "axis", -1);
                if (axis != -1 && axis != 1) {
                    throw bad(terminal, "axis " + axis + "; the softmax of the logits is over axis 1 (or -1)");
                }
            }
            if (shape.rank() != 1 || permutation != null) {
                throw bad("the logits have shape " + shape + (permutation != null ? " in channels-first order" : "")
                        + "; flatten them to a vector (then a Gemm) first");
            }
            for (NodeProto n : graph.getNodeList()) {
                if (!used.contains(n)) {
                    throw bad(n, "is not on the chain from the input to the logits; only a chain of layers is supported");
                }
            }
            Model model = build(kernels, loss);
            try {
                names(model, meta);
                return model;
            } catch (InvalidDataException | RuntimeException e) {
                model.close();
                throw e;
            }
        }

        private void checkOpset() throws InvalidDataException {
            Long version = null;
            for (OperatorSetIdProto o : proto.getOpsetImportList()) {
                if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                    version = o.getVersion();
                }
            }
            if (version == null) {
                throw bad("declares no opset for ONNX's default domain (truncated or not an ONNX model)");
            }
            if (version < MIN_OPSET || version > MAX_OPSET) {
                throw bad("uses opset " + version + " of the default domain; this version reads " + MIN_OPSET + " to " + MAX_OPSET);
            }
        }

        /** The one graph input that is not an initializer: its Myelin shape and layout. */
        private String input() throws InvalidDataException {
            List<ValueInfoProto> inputs = new ArrayList<>();
            for (ValueInfoProto v : graph.getInputList()) {
                if (!constants.containsKey(v.getName())) {
                    inputs.add(v);
                }
            }
            if (inputs.size() != 1) {
                throw bad("has " + inputs.size() + " inputs " + inputs.stream().map(ValueInfoProto::getName).toList()
                        + "; a model has one");
            }
            ValueInfoProto in = inputs.get(0);
            if (!in.getType().hasTensorType() || in.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
                throw bad("the input '" + in.getName() + "' is not a float32 tensor");
            }
            TensorShapeProto s = in.getType().getTensorType().getShape();
            if (s.getDimCount() < 2) {
                throw bad("the input '" + in.getName() + "' has rank " + s.getDimCount() + "; it needs a batch dimension and "
                        + "at least one more");
            }
            int[] dims = new int[s.getDimCount() - 1];
            for (int i = 1; i < s.getDimCount(); i++) {
                TensorShapeProto.Dimension d = s.getDim(i);
                if (!d.hasDimValue() || d.getDimValue() < 1 || d.getDimValue() > MAX_DIM) {
                    throw bad("the input '" + in.getName() + "' has dimension " + i + " = "
                            + (d.hasDimValue() ? Long.toString(d.getDimValue()) : "'" + d.getDimParam() + "'")
                            + "; every dimension but the batch must be fixed, 1 to " + MAX_DIM);
                }
                dims[i - 1] = (int) d.getDimValue();
            }
            try {
                if (dims.length == 3) {
                    shape = Shape.image(dims[1], dims[2], dims[0]);
                    layout = Layout.CHANNELS_FIRST;
                } else {
                    shape = Shape.of(dims);
                    layout = Layout.PLAIN;
                }
            } catch (IllegalArgumentException e) {
                throw bad("the input '" + in.getName() + "': " + e.getMessage());
            }
            inputShape = shape;
            return in.getName();
        }

        /** The tensor {@code name} comes from, through Identity nodes. */
        private String base(String name) {
            NodeProto p = producers.get(name);
            while (p != null && p.getOpType().equals("Identity")) {
                name = p.getInput(0);
                p = producers.get(name);
            }
            return name;
        }

        /** Marks the Identity nodes between {@code name} and its {@link #base} as read. */
        private void markIdentities(String name) {
            NodeProto p = producers.get(name);
            while (p != null && p.getOpType().equals("Identity")) {
                used.add(p);
                p = producers.get(p.getInput(0));
            }
        }

        /** Follows the chain from {@code input} to {@code logits}, a layer (or a few nodes) at a time. */
        private void walk(String input, String logits) throws InvalidDataException {
            current = input;
            int guard = graph.getNodeCount() + 1;
            while (!current.equals(logits)) {
                if (guard-- == 0) {
                    throw bad("the chain from the input does not reach the logits '" + logits + "'");
                }
                List<NodeProto> next = consumers.getOrDefault(current, List.of()).stream().filter(n -> !used.contains(n)).toList();
                if (next.isEmpty()) {
                    throw bad("the tensor '" + current + "' leads nowhere: the chain from the input does not reach the logits '"
                            + logits + "'");
                }
                List<NodeProto> distinct = new ArrayList<>(new LinkedHashSet<>(next));
                if (distinct.size() > 1 && !distinct.stream().allMatch(c -> FUNCTIONS.contains(c.getOpType()))) {
                    throw bad(distinct.get(1), "the tensor '" + current + "' feeds " + distinct.stream().map(c -> "'" + c.getName()
                            + "' (" + c.getOpType() + ")").toList() + ": a branch; Myelin models are a chain of layers");
                }
                if (distinct.size() > 1 || isElementwise(next.get(0))) {
                    elementwise(new ArrayList<>(new LinkedHashSet<>(next)));
                    previous = null;
                    continue;
                }
                NodeProto n = next.get(0);
                int before = layers.size();
                step(n);
                if (layers.size() > before) {
                    previous = layers.get(layers.size() - 1);
                } else if (!n.getOpType().equals("Identity")) {
                    previous = null;
                }
            }
        }

        /** Operators that only ever start an element-wise function here (Add, Sub and Div may be a bias or a standardisation). */
        private static boolean isElementwise(NodeProto n) {
            return switch (n.getOpType()) {
                case "Mul", "Pow", "Erf", "Cast", "Sqrt", "Neg" -> true;
                default -> false;
            };
        }

        /** One node that is a layer on its own (or the first of a known pair). */
        private void step(NodeProto n) throws InvalidDataException {
            if (n.getInputCount() == 0 || !n.getInput(0).equals(current)) {
                throw bad(n, "takes '" + current + "' as an input other than its first; Myelin models are a chain of layers, "
                        + "each reading the one before it as its first input");
            }
            used.add(n);
            String op = n.getOpType();
            switch (op) {
                case "Identity" -> current = output(n);
                case "Gemm" -> gemm(n);
                case "MatMul" -> matmul(n);
                case "Conv" -> conv(n);
                case "MaxPool", "AveragePool" -> pool(n, 0);
                case "Pad" -> pad(n);
                case "GlobalAveragePool" -> globalPool(n);
                case "BatchNormalization" -> batchNorm(n);
                case "Relu" -> activation(n, Activation::relu);
                case "Sigmoid" -> activation(n, Activation::sigmoid);
                case "Tanh" -> activation(n, Activation::tanh);
                case "LeakyRelu" -> {
                    float alpha = floatAttr(n, "alpha", 0.01f);
                    if (!Float.isFinite(alpha)) {
                        throw bad(n, "alpha " + alpha + " is not finite");
                    }
                    activation(n, () -> Activation.leakyRelu(alpha));
                }
                case "Gelu" -> {
                    String approximate = stringAttr(n, "approximate", "none");
                    if (!approximate.equals("tanh")) {
                        throw bad(n, "GELU with approximate='" + approximate + "' (the erf form); Myelin's GELU is the tanh form"
                                + " (export with nn.GELU(approximate='tanh'))");
                    }
                    activation(n, Activation::gelu);
                }
                case "Dropout" -> dropout(n);
                case "Flatten" -> {
                    long axis = intAttr(n, "axis", 1);
                    if (axis != 1) {
                        throw bad(n, "axis " + axis + "; only a flatten after the batch dimension (axis 1) is supported");
                    }
                    flatten(n);
                }
                case "Reshape" -> {
                    Constant s = constant(n, 1, "shape");
                    if (s.size() != 2 || !(s.values()[1] == -1 || s.values()[1] == shape.size())
                            || !(s.values()[0] == -1 || s.values()[0] == 0 || s.values()[0] >= 1)
                            || s.values()[0] == -1 && s.values()[1] == -1) {
                        throw bad(n, "the shape " + Arrays.toString(s.values()) + "; only a reshape to (batch, -1) "
                                + "(a flatten) is supported");
                    }
                    if (intAttr(n, "allowzero", 0) != 0 && s.values()[0] == 0) {
                        throw bad(n, "allowzero with a 0 in the shape");
                    }
                    flatten(n);
                }
                case "Transpose" -> {
                    long[] perm = intsAttr(n, "perm", null);
                    if (layout != Layout.CHANNELS_FIRST || perm == null || !Arrays.equals(perm, new long[] {0, 2, 3, 1})) {
                        throw bad(n, "perm " + Arrays.toString(perm) + "; only a transpose of an NCHW image to NHWC "
                                + "(perm [0, 2, 3, 1]) before a flatten is supported");
                    }
                    layout = Layout.CHANNELS_LAST;
                    current = output(n);
                }
                case "Sub" -> standardize(n);
                case "Add", "Div" -> {
                    used.remove(n);
                    elementwise(List.of(n));
                }
                default -> throw bad(n, "the operator " + op + " is not supported (see OnnxImport's list)");
            }
        }

        private void requireVector(NodeProto n) throws InvalidDataException {
            if (shape.rank() != 1 || layout != Layout.PLAIN) {
                throw bad(n, "takes a vector per sample, got shape " + shape + "; flatten it first");
            }
        }

        private void requireImage(NodeProto n) throws InvalidDataException {
            if (layout != Layout.CHANNELS_FIRST) {
                throw bad(n, "takes an NCHW image, got a tensor of shape " + shape);
            }
        }

        private void gemm(NodeProto n) throws InvalidDataException {
            requireVector(n);
            if (floatAttr(n, "alpha", 1f) != 1f || floatAttr(n, "beta", 1f) != 1f || intAttr(n, "transA", 0) != 0) {
                throw bad(n, "alpha, beta or transA other than 1, 1, 0 (as torch.nn.Linear writes) is not supported");
            }
            boolean transB = intAttr(n, "transB", 0) != 0;
            Constant w = constant(n, 1, "B");
            if (w.dims().length != 2) {
                throw bad(n, "B has dims " + Arrays.toString(w.dims()) + "; a matrix is needed");
            }
            int in = (int) (transB ? w.dims()[1] : w.dims()[0]);
            int out = (int) (transB ? w.dims()[0] : w.dims()[1]);
            float[] weights = transB ? transpose(w.floats(), out, in) : w.floats();
            float[] bias = new float[out];
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                Constant c = constant(n, 2, "C");
                if (c.size() != out) {
                    throw bad(n, "C has " + c.size() + " values for " + out + " outputs");
                }
                bias = c.floats();
            }
            dense(n, weights, bias, in, out, output(n));
        }

        private void matmul(NodeProto n) throws InvalidDataException {
            requireVector(n);
            Constant w = constant(n, 1, "B");
            if (w.dims().length != 2) {
                throw bad(n, "B has dims " + Arrays.toString(w.dims()) + "; a matrix is needed");
            }
            int in = (int) w.dims()[0];
            int out = (int) w.dims()[1];
            float[] bias = new float[out];
            String end = output(n);
            List<NodeProto> next = consumers.getOrDefault(end, List.of());
            if (next.size() == 1 && next.get(0).getOpType().equals("Add")) {
                NodeProto add = next.get(0);
                int other = add.getInput(0).equals(end) ? 1 : 0;
                Constant b = constants.get(add.getInput(other));
                if (b != null && b.size() == out && (b.dims().length == 1 || b.dims().length == 2 && b.dims()[0] == 1)) {
                    bias = b.floats();
                    used.add(add);
                    end = output(add);
                }
            }
            dense(n, w.floats(), bias, in, out, end);
        }

        private void dense(NodeProto n, float[] w, float[] b, int in, int out, String end) throws InvalidDataException {
            if (in != shape.size()) {
                throw bad(n, "its weights take " + in + " inputs, the tensor before it has " + shape.size() + " (shape " + shape + ")");
            }
            if (permutation != null) {
                float[] p = new float[w.length];
                for (int g = 0; g < in; g++) {
                    System.arraycopy(w, g * out, p, permutation[g] * out, out);
                }
                w = p;
                permutation = null;
            }
            layers.add(new Pending(() -> new Dense(out, Init.XAVIER), w, b, out, n.getName()));
            shape = Shape.of(out);
            current = end;
        }

        private void conv(NodeProto n) throws InvalidDataException {
            requireImage(n);
            Constant w = constant(n, 1, "W");
            if (w.dims().length != 4) {
                throw bad(n, "W has dims " + Arrays.toString(w.dims()) + "; a 2-D convolution's are (K, C, R, S)");
            }
            int filters = (int) w.dims()[0];
            int channels = (int) w.dims()[1];
            int kh = (int) w.dims()[2];
            int kw = (int) w.dims()[3];
            if (channels != shape.dim(2)) {
                throw bad(n, "W takes " + channels + " channels, the image has " + shape.dim(2) + " (shape " + shape + ")");
            }
            if (intAttr(n, "group", 1) != 1) {
                throw bad(n, "group " + intAttr(n, "group", 1) + "; only group 1 is supported");
            }
            checkAutoPad(n);
            long[] ks = intsAttr(n, "kernel_shape", new long[] {kh, kw});
            if (ks.length != 2 || ks[0] != kh || ks[1] != kw) {
                throw bad(n, "kernel_shape " + Arrays.toString(ks) + " does not match W " + kh + "x" + kw);
            }
            long[] dil = intsAttr(n, "dilations", new long[] {1, 1});
            if (dil.length != 2 || dil[0] != 1 || dil[1] != 1) {
                throw bad(n, "dilations " + Arrays.toString(dil) + "; only 1 is supported");
            }
            long[] st = intsAttr(n, "strides", new long[] {1, 1});
            long[] pads = pads(n);
            checkPositive(n, "strides", st);
            float[] bias = new float[filters];
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                Constant c = constant(n, 2, "B");
                if (c.size() != filters) {
                    throw bad(n, "B has " + c.size() + " values for " + filters + " filters");
                }
                bias = c.floats();
            }
            int sh = (int) st[0];
            int sw = (int) st[1];
            int ph = (int) pads[0];
            int pw = (int) pads[1];
            int p = outSize(n, shape.dim(0), kh, sh, ph);
            int q = outSize(n, shape.dim(1), kw, sw, pw);
            layers.add(new Pending(() -> new Conv2D(filters, kh, kw, sh, sw, ph, pw, Init.HE),
                    Layouts.filtersFromOnnx(w.floats(), filters, channels, kh, kw), bias, filters, n.getName()));
            shape = Shape.image(p, q, filters);
            current = output(n);
        }

        /**
         * {@code Pad} with zeros, the same on every side of the image, then {@code AveragePool} without padding: how
         * PyTorch writes an average pooling with padding (which counts the padded zeros, as Myelin's does).
         */
        private void pad(NodeProto n) throws InvalidDataException {
            requireImage(n);
            String mode = stringAttr(n, "mode", "constant");
            Constant pads = constant(n, 1, "pads");
            double[] p = pads.values();
            boolean zero = n.getInputCount() < 3 || n.getInput(2).isEmpty() || constant(n, 2, "constant_value").size() == 1
                    && constant(n, 2, "constant_value").values()[0] == 0;
            String end = output(n);
            List<NodeProto> next = consumers.getOrDefault(end, List.of());
            if (!mode.equals("constant") || !zero || n.getInputCount() > 3 || p.length != 8 || p[0] != 0 || p[1] != 0 || p[4] != 0
                    || p[5] != 0 || p[2] != p[3] || p[2] != p[6] || p[2] != p[7] || p[2] < 0 || p[2] > MAX_DIM
                    || next.size() != 1 || !next.get(0).getOpType().equals("AveragePool")) {
                throw bad(n, "mode " + mode + ", pads " + Arrays.toString(p) + "; only zeros, the same on every side of "
                        + "the image, before an AveragePool, are supported");
            }
            NodeProto pool = next.get(0);
            long[] own = pads(pool);
            if (own[0] != 0 || own[1] != 0) {
                throw bad(pool, "padding after a Pad node is not supported");
            }
            used.add(pool);
            pool(pool, (int) p[2]);
        }

        private void pool(NodeProto n, int padded) throws InvalidDataException {
            requireImage(n);
            checkAutoPad(n);
            long[] ks = intsAttr(n, "kernel_shape", null);
            if (ks == null || ks.length != 2 || ks[0] != ks[1]) {
                throw bad(n, "kernel_shape " + Arrays.toString(ks) + "; only a square 2-D window is supported");
            }
            long[] st = intsAttr(n, "strides", new long[] {1, 1});
            if (st.length != 2 || st[0] != st[1]) {
                throw bad(n, "strides " + Arrays.toString(st) + "; only the same stride on both axes is supported");
            }
            checkPositive(n, "kernel_shape", ks);
            checkPositive(n, "strides", st);
            if (intAttr(n, "ceil_mode", 0) != 0) {
                throw bad(n, "ceil_mode 1; only floor (0) is supported");
            }
            long[] dil = intsAttr(n, "dilations", new long[] {1, 1});
            if (dil.length != 2 || dil[0] != 1 || dil[1] != 1) {
                throw bad(n, "dilations " + Arrays.toString(dil) + "; only 1 is supported");
            }
            long[] pads = pads(n);
            if (pads[0] != pads[1]) {
                throw bad(n, "pads " + Arrays.toString(intsAttr(n, "pads", null)) + "; only the same padding on every "
                        + "side is supported");
            }
            int window = (int) ks[0];
            int stride = (int) st[0];
            int pad = (int) pads[0] + padded;
            boolean max = n.getOpType().equals("MaxPool");
            if (max && pad != 0) {
                throw bad(n, "padding " + pad + "; max pooling is supported without padding");
            }
            if (!max && pads[0] != 0 && intAttr(n, "count_include_pad", 0) != 1) {
                throw bad(n, "count_include_pad 0 with padding; Myelin's average pooling counts the padded cells");
            }
            if (pad >= window || pad > shape.dim(0) || pad > shape.dim(1)) {
                throw bad(n, "padding " + pad + " for a window of " + window + " on a " + shape.dim(0) + "x" + shape.dim(1)
                        + " image; it must be smaller than both");
            }
            if (max && n.getOutputCount() > 1 && !n.getOutput(1).isEmpty()) {
                throw bad(n, "the Indices output is not supported");
            }
            int p = outSize(n, shape.dim(0), window, stride, pad);
            int q = outSize(n, shape.dim(1), window, stride, pad);
            layers.add(new Pending(max ? () -> new MaxPool2D(window, stride) : () -> new AvgPool2D(window, stride, pad), null, null,
                    0, n.getName()));
            shape = Shape.image(p, q, shape.dim(2));
            current = output(n);
        }

        private void globalPool(NodeProto n) throws InvalidDataException {
            requireImage(n);
            int h = shape.dim(0);
            if (shape.dim(1) != h) {
                throw bad(n, "an image of " + h + "x" + shape.dim(1) + "; only square images are supported (Myelin's pooling "
                        + "window is square)");
            }
            layers.add(new Pending(() -> new AvgPool2D(h, h, 0), null, null, 0, n.getName()));
            shape = Shape.image(1, 1, shape.dim(2));
            current = output(n);
        }

        /** Folds {@code y = gamma (x - mean) / sqrt(var + eps) + beta} into the Conv or Dense just read. */
        private void batchNorm(NodeProto n) throws InvalidDataException {
            Pending last = previous;
            if (last == null || last.w == null) {
                throw bad(n, "only a BatchNormalization right after a Conv or a Gemm can be imported (folded into it)");
            }
            if (intAttr(n, "training_mode", 0) != 0) {
                throw bad(n, "training_mode 1; only inference BatchNormalization is supported");
            }
            int k = last.outputs;
            float eps = floatAttr(n, "epsilon", 1e-5f);
            float[] gamma = vector(n, 1, "scale", k);
            float[] beta = vector(n, 2, "B", k);
            float[] mean = vector(n, 3, "input_mean", k);
            float[] var = vector(n, 4, "input_var", k);
            float[] w = last.w.clone();
            float[] b = last.b.clone();
            int rows = w.length / k;
            for (int j = 0; j < k; j++) {
                double s = gamma[j] / Math.sqrt((double) var[j] + eps);
                if (!Double.isFinite(s)) {
                    throw bad(n, "channel " + j + " has scale " + gamma[j] + " and variance " + var[j]);
                }
                for (int r = 0; r < rows; r++) {
                    w[r * k + j] = (float) (w[r * k + j] * s);
                }
                b[j] = (float) ((b[j] - (double) mean[j]) * s + beta[j]);
            }
            last.w = w;
            last.b = b;
            current = output(n);
        }

        private float[] vector(NodeProto n, int index, String name, int k) throws InvalidDataException {
            Constant c = constant(n, index, name);
            if (c.size() != k) {
                throw bad(n, name + " has " + c.size() + " values for " + k + " channels");
            }
            return c.floats();
        }

        private void activation(NodeProto n, Supplier<Layer> layer) {
            layers.add(new Pending(layer, null, null, 0, n.getName()));
            current = output(n);
        }

        private void dropout(NodeProto n) throws InvalidDataException {
            float ratio = 0.5f;
            if (n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
                Constant r = constant(n, 1, "ratio");
                if (r.size() != 1) {
                    throw bad(n, "ratio has " + r.size() + " values");
                }
                ratio = (float) r.values()[0];
            }
            if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
                Constant t = constant(n, 2, "training_mode");
                if (t.size() != 1 || t.values()[0] != 0) {
                    throw bad(n, "training_mode true; only inference Dropout (the identity) is supported");
                }
            }
            if (!(ratio >= 0 && ratio < 1)) {
                throw bad(n, "ratio " + ratio + " is not in [0, 1)");
            }
            float rate = ratio;
            layers.add(new Pending(() -> new Dropout(rate), null, null, 0, n.getName()));
            current = output(n);
        }

        private void flatten(NodeProto n) {
            if (layout == Layout.CHANNELS_FIRST) {
                int h = shape.dim(0);
                int w = shape.dim(1);
                int c = shape.dim(2);
                permutation = new int[shape.size()];
                for (int ch = 0; ch < c; ch++) {
                    for (int y = 0; y < h; y++) {
                        for (int x = 0; x < w; x++) {
                            permutation[(ch * h + y) * w + x] = (y * w + x) * c + ch;
                        }
                    }
                }
            }
            if (shape.rank() > 1) {
                layers.add(new Pending(Flatten::new, null, null, 0, n.getName()));
            }
            shape = Shape.of(shape.size());
            layout = Layout.PLAIN;
            current = output(n);
        }

        /** {@code Div(Sub(x, mean), std)}: Standardize. */
        private void standardize(NodeProto sub) throws InvalidDataException {
            String centred = output(sub);
            List<NodeProto> next = consumers.getOrDefault(centred, List.of());
            if (!sub.getInput(0).equals(current) || next.size() != 1 || !next.get(0).getOpType().equals("Div")
                    || !next.get(0).getInput(0).equals(centred)) {
                used.remove(sub);
                elementwise(List.of(sub));
                return;
            }
            NodeProto div = next.get(0);
            float[] mean = statistics(sub, constant(sub, 1, "B (the mean)"));
            float[] std = statistics(div, constant(div, 1, "B (the standard deviation)"));
            if (mean.length != std.length && mean.length != 1 && std.length != 1) {
                throw bad(div, "the mean has " + mean.length + " values, the standard deviation " + std.length);
            }
            for (int i = 0; i < std.length; i++) {
                if (!(std[i] > 0) || !Float.isFinite(std[i])) {
                    throw bad(div, "divides by " + std[i] + "; a standardisation divides by positive standard deviations");
                }
            }
            for (float m : mean) {
                if (!Float.isFinite(m)) {
                    throw bad(sub, "subtracts " + m + "; a standardisation subtracts finite means");
                }
            }
            int width = Math.max(mean.length, std.length);
            float[] m = mean.length == width ? mean : filled(mean[0], width);
            float[] s = std.length == width ? std : filled(std[0], width);
            used.add(div);
            layers.add(new Pending(() -> width == 1 ? new Standardize(m[0], s[0]) : Standardize.perFeature(m, s), null, null, 0,
                    sub.getName()));
            current = output(div);
        }

        private static float[] filled(float v, int n) {
            float[] r = new float[n];
            Arrays.fill(r, v);
            return r;
        }

        /** A standardisation's statistic: one value, or one per element in Myelin's order. */
        private float[] statistics(NodeProto n, Constant c) throws InvalidDataException {
            if (c.size() == 1) {
                return c.floats();
            }
            if (c.size() != shape.size() || permutation != null) {
                throw bad(n, "a constant of dims " + Arrays.toString(c.dims()) + " against a tensor of shape " + shape
                        + "; a standardisation needs one value or one per element");
            }
            return layout == Layout.CHANNELS_FIRST ? Layouts.imageFromOnnx(c.floats(), shape.dim(0), shape.dim(1), shape.dim(2))
                    : c.floats();
        }

        /**
         * Nodes computing one element-wise function of the current tensor with scalar constants (a spelled-out GELU):
         * the nodes reachable from it whose inputs are all available, until they end in one tensor; the function is
         * then evaluated and recognised, or refused.
         */
        private void elementwise(List<NodeProto> start) throws InvalidDataException {
            Set<String> available = new HashSet<>(Set.of(current));
            Set<NodeProto> region = new LinkedHashSet<>();
            boolean grew = true;
            while (grew) {
                grew = false;
                for (String t : new ArrayList<>(available)) {
                    for (NodeProto n : consumers.getOrDefault(t, List.of())) {
                        if (region.contains(n) || used.contains(n) || !FUNCTIONS.contains(n.getOpType())) {
                            continue;
                        }
                        boolean ready = true;
                        for (String in : n.getInputList()) {
                            Constant c = constants.get(in);
                            ready &= available.contains(in) || c != null && c.size() == 1;
                        }
                        if (ready) {
                            region.add(n);
                            available.add(output(n));
                            grew = true;
                        }
                    }
                }
            }
            NodeProto first = start.get(0);
            if (region.isEmpty() || !region.containsAll(start)) {
                throw bad(first, "the operator " + first.getOpType() + " here is not supported (its other input is not a scalar "
                        + "constant, or it joins two branches: Myelin models are a chain of layers)");
            }
            // the one tensor the region ends in: used outside it, or a graph output
            Set<String> outputs = new HashSet<>();
            for (ValueInfoProto o : graph.getOutputList()) {
                outputs.add(o.getName());
            }
            String end = null;
            for (NodeProto n : region) {
                String o = output(n);
                boolean leaves = outputs.contains(o) || consumers.getOrDefault(o, List.of()).stream().anyMatch(c -> !region.contains(c));
                if (leaves) {
                    if (end != null) {
                        throw bad(n, "the element-wise nodes from '" + current + "' end in two tensors, '" + end + "' and '" + o
                                + "'; Myelin models are a chain of layers");
                    }
                    end = o;
                }
            }
            if (end == null) {
                throw bad(first, "the element-wise nodes from '" + current + "' lead nowhere");
            }
            String names = region.stream().map(n -> n.getName() + " (" + n.getOpType() + ")").toList().toString();
            double gelu = 0;
            double erf = 0;
            for (double x : new double[] {-4, -2.5, -1.2, -0.3, 0.2, 0.9, 1.7, 3.1, 5}) {
                double y = evaluate(region, end, x);
                double scale = Math.max(1, Math.abs(x));
                gelu = Math.max(gelu, Math.abs(y - geluTanh(x)) / scale);
                erf = Math.max(erf, Math.abs(y - 0.5 * x * (1 + erf(x / Math.sqrt(2)))) / scale);
            }
            // the rounded float constants of a tanh-form GELU move it by about 1e-8; the erf form is 1e-4 away
            if (gelu <= 1e-6) {
                region.forEach(used::add);
                layers.add(new Pending(Activation::gelu, null, null, 0, first.getName()));
                current = end;
            } else if (erf <= 1e-6) {
                throw bad(first, "the nodes " + names + " compute GELU's erf form; Myelin's GELU is the tanh form (export with "
                        + "nn.GELU(approximate='tanh'))");
            } else {
                throw bad(first, "the nodes " + names + " compute an element-wise function that is none of Myelin's layers");
            }
        }

        private static final Set<String> FUNCTIONS = Set.of("Mul", "Add", "Sub", "Div", "Pow", "Tanh", "Sigmoid", "Erf", "Cast",
                "Sqrt", "Neg");

        /** The region's function at x, in double. */
        private double evaluate(Set<NodeProto> region, String end, double x) throws InvalidDataException {
            Map<String, Double> v = new HashMap<>();
            v.put(current, x);
            for (NodeProto n : region) {       // in insertion order: every input was available before its node
                double[] a = new double[n.getInputCount()];
                for (int i = 0; i < a.length; i++) {
                    Double known = v.get(n.getInput(i));
                    a[i] = known != null ? known : constants.get(n.getInput(i)).values()[0];
                }
                double y = switch (n.getOpType()) {
                    case "Mul" -> a[0] * a[1];
                    case "Add" -> a[0] + a[1];
                    case "Sub" -> a[0] - a[1];
                    case "Div" -> a[0] / a[1];
                    case "Pow" -> Math.pow(a[0], a[1]);
                    case "Tanh" -> Math.tanh(a[0]);
                    case "Sigmoid" -> 1 / (1 + Math.exp(-a[0]));
                    case "Erf" -> erf(a[0]);
                    case "Sqrt" -> Math.sqrt(a[0]);
                    case "Neg" -> -a[0];
                    case "Cast" -> {
                        long to = intAttr(n, "to", 0);
                        if (to != TensorProto.DataType.FLOAT_VALUE && to != TensorProto.DataType.DOUBLE_VALUE) {
                            throw bad(n, "a cast to type " + to + "; only float is supported");
                        }
                        yield a[0];
                    }
                    default -> throw new IllegalStateException(n.getOpType());
                };
                v.put(output(n), y);
            }
            return v.get(end);
        }

        private static double geluTanh(double x) {
            return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        }

        /** erf within 1.2e-7 (Numerical Recipes' erfc by Chebyshev fit), enough to tell the two GELU forms apart. */
        private static double erf(double x) {
            double z = Math.abs(x);
            double t = 1 / (1 + 0.5 * z);
            double r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
                    + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587
                    + t * (-0.82215223 + t * 0.17087277)))))))));
            return x >= 0 ? 1 - r : r - 1;
        }

        private void checkAutoPad(NodeProto n) throws InvalidDataException {
            String autoPad = stringAttr(n, "auto_pad", "NOTSET");
            if (!autoPad.equals("NOTSET") && !autoPad.equals("VALID")) {
                throw bad(n, "auto_pad " + autoPad + "; only explicit pads are supported");
            }
        }

        /** The pads {@code [top, left, bottom, right]} as {@code (height, width)}, symmetric. */
        private long[] pads(NodeProto n) throws InvalidDataException {
            long[] p = intsAttr(n, "pads", new long[] {0, 0, 0, 0});
            if (p.length != 4 || p[0] != p[2] || p[1] != p[3] || p[0] < 0 || p[1] < 0 || p[0] > MAX_DIM || p[1] > MAX_DIM) {
                throw bad(n, "pads " + Arrays.toString(p) + "; only the same padding before and after, per axis, "
                        + "is supported");
            }
            return new long[] {p[0], p[1]};
        }

        private void checkPositive(NodeProto n, String name, long[] v) throws InvalidDataException {
            if (v.length != 2 || v[0] < 1 || v[1] < 1 || v[0] > MAX_DIM || v[1] > MAX_DIM) {
                throw bad(n, name + " " + Arrays.toString(v) + "; two values from 1 to " + MAX_DIM + " are needed");
            }
        }

        private int outSize(NodeProto n, int size, int window, int stride, int pad) throws InvalidDataException {
            long span = (long) size + 2L * pad - window;
            if (span < 0) {
                throw bad(n, "a window of " + window + " on " + size + " pixels with padding " + pad + " does not fit");
            }
            return (int) (span / stride + 1);
        }

        private static float[] transpose(float[] w, int rows, int cols) {
            float[] t = new float[w.length];
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    t[j * rows + i] = w[i * cols + j];
                }
            }
            return t;
        }

        /** The layers, the model, then the weights: a shape that does not fit is named, and nothing stays allocated. */
        private Model build(Kernels kernels, Loss loss) throws InvalidDataException {
            if (layers.isEmpty()) {
                throw bad("has no layer between its input and its logits");
            }
            Layer[] ls = new Layer[layers.size()];
            for (int i = 0; i < ls.length; i++) {
                try {
                    ls[i] = layers.get(i).layer.get();
                } catch (IllegalArgumentException e) {
                    throw bad("node '" + layers.get(i).node + "': " + e.getMessage());
                }
            }
            Model model;
            try {
                model = Model.of(kernels, inputShape, loss, 0, ls);
            } catch (IllegalArgumentException e) {
                throw new InvalidDataException(file, "holds a model Myelin cannot build: " + e.getMessage(), e);
            }
            try {
                for (int i = 0; i < ls.length; i++) {
                    Pending p = layers.get(i);
                    if (p.w == null) {
                        continue;
                    }
                    List<Parameter> ps = model.layers().get(i).parameters();
                    if (ps.get(0).size() != p.w.length || ps.get(1).size() != p.b.length) {
                        throw bad("node '" + p.node + "': weights of " + p.w.length + " and " + p.b.length + " values for "
                                + ps.get(0) + " and " + ps.get(1));
                    }
                    ps.get(0).value().copyFrom(p.w);
                    ps.get(1).value().copyFrom(p.b);
                }
                return model;
            } catch (InvalidDataException | RuntimeException e) {
                model.close();
                throw e;
            }
        }

        private void names(Model model, Map<String, String> meta) throws InvalidDataException {
            try {
                if (meta.containsKey(Metadata.CLASS_NAMES)) {
                    model.classNames(Metadata.fromJson(meta.get(Metadata.CLASS_NAMES)));
                }
                if (meta.containsKey(Metadata.FEATURE_NAMES)) {
                    model.featureNames(Metadata.fromJson(meta.get(Metadata.FEATURE_NAMES)));
                }
            } catch (IllegalArgumentException e) {
                throw bad("malformed class or feature names in its metadata: " + e.getMessage());
            }
        }

        // ------------------------------------------------------------ tensors and attributes

        private static String output(NodeProto n) {
            return n.getOutputCount() == 0 ? "" : n.getOutput(0);
        }

        /** Input {@code index} of {@code n}, which must be a constant. */
        private Constant constant(NodeProto n, int index, String name) throws InvalidDataException {
            if (n.getInputCount() <= index || n.getInput(index).isEmpty()) {
                throw bad(n, "has no input " + name);
            }
            Constant c = constants.get(n.getInput(index));
            if (c == null) {
                throw bad(n, "its input " + name + " ('" + n.getInput(index) + "') is not a constant; Myelin models are a chain "
                        + "of layers with constant weights");
            }
            return c;
        }

        private Constant constantNode(NodeProto n) throws InvalidDataException {
            for (AttributeProto a : n.getAttributeList()) {
                switch (a.getName()) {
                    case "value" -> {
                        return tensor(a.getT(), "node '" + n.getName() + "' (Constant)");
                    }
                    case "value_float" -> {
                        return new Constant(new long[0], new double[] {a.getF()});
                    }
                    case "value_int" -> {
                        return new Constant(new long[0], new double[] {a.getI()});
                    }
                    case "value_floats" -> {
                        double[] v = new double[a.getFloatsCount()];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = a.getFloats(i);
                        }
                        return new Constant(new long[] {v.length}, v);
                    }
                    case "value_ints" -> {
                        double[] v = new double[a.getIntsCount()];
                        for (int i = 0; i < v.length; i++) {
                            v[i] = a.getInts(i);
                        }
                        return new Constant(new long[] {v.length}, v);
                    }
                    default -> {
                    }
                }
            }
            throw bad(n, "a Constant without a supported value attribute");
        }

        /**
         * A tensor's values, checked: a supported type, no external data, and exactly as many values as its dimensions
         * declare (counted before anything is allocated for them).
         */
        private Constant tensor(TensorProto t, String what) throws InvalidDataException {
            if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
                throw bad(what + " keeps its data in an external file, which is not supported");
            }
            long[] dims = new long[t.getDimsCount()];
            long count = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = t.getDims(i);
                if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                    throw bad(what + " has dimension " + dims[i]);
                }
                count = dims[i] == 0 ? 0 : count > Integer.MAX_VALUE / dims[i] ? Long.MAX_VALUE : count * dims[i];
            }
            int type = t.getDataType();
            int width = switch (type) {
                case TensorProto.DataType.FLOAT_VALUE, TensorProto.DataType.INT32_VALUE -> 4;
                case TensorProto.DataType.INT64_VALUE, TensorProto.DataType.DOUBLE_VALUE -> 8;
                default -> throw bad(what + " has data type " + type + "; float, double, int32 and int64 are supported");
            };
            long held = t.hasRawData() ? t.getRawData().size() / width : switch (type) {
                case TensorProto.DataType.FLOAT_VALUE -> t.getFloatDataCount();
                case TensorProto.DataType.DOUBLE_VALUE -> t.getDoubleDataCount();
                case TensorProto.DataType.INT32_VALUE -> t.getInt32DataCount();
                default -> t.getInt64DataCount();
            };
            if (count != held || t.hasRawData() && t.getRawData().size() % width != 0) {
                throw bad(what + " declares dims " + Arrays.toString(dims) + " (" + (count == Long.MAX_VALUE ? "too many"
                        : Long.toString(count)) + " values) but holds " + (t.hasRawData() ? t.getRawData().size() + " bytes" : held
                        + " values") + " (truncated or corrupt)");
            }
            double[] v = new double[(int) count];
            if (t.hasRawData()) {
                ByteBuffer b = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < v.length; i++) {
                    v[i] = switch (type) {
                        case TensorProto.DataType.FLOAT_VALUE -> b.getFloat();
                        case TensorProto.DataType.INT32_VALUE -> b.getInt();
                        case TensorProto.DataType.DOUBLE_VALUE -> b.getDouble();
                        default -> b.getLong();
                    };
                }
            } else {
                for (int i = 0; i < v.length; i++) {
                    v[i] = switch (type) {
                        case TensorProto.DataType.FLOAT_VALUE -> t.getFloatData(i);
                        case TensorProto.DataType.DOUBLE_VALUE -> t.getDoubleData(i);
                        case TensorProto.DataType.INT32_VALUE -> t.getInt32Data(i);
                        default -> t.getInt64Data(i);
                    };
                }
            }
            return new Constant(dims, v);
        }

        private AttributeProto attr(NodeProto n, String name) {
            for (AttributeProto a : n.getAttributeList()) {
                if (a.getName().equals(name)) {
                    return a;
                }
            }
            return null;
        }

        private long intAttr(NodeProto n, String name, long otherwise) throws InvalidDataException {
            AttributeProto a = attr(n, name);
            if (a == null) {
                return otherwise;
            }
            if (a.getType() != AttributeProto.AttributeType.INT) {
                throw bad(n, "the attribute " + name + " is a " + a.getType() + ", not an INT");
            }
            return a.getI();
        }

        private float floatAttr(NodeProto n, String name, float otherwise) throws InvalidDataException {
            AttributeProto a = attr(n, name);
            if (a == null) {
                return otherwise;
            }
            if (a.getType() != AttributeProto.AttributeType.FLOAT) {
                throw bad(n, "the attribute " + name + " is a " + a.getType() + ", not a FLOAT");
            }
            return a.getF();
        }

        private String stringAttr(NodeProto n, String name, String otherwise) throws InvalidDataException {
            AttributeProto a = attr(n, name);
            if (a == null) {
                return otherwise;
            }
            if (a.getType() != AttributeProto.AttributeType.STRING) {
                throw bad(n, "the attribute " + name + " is a " + a.getType() + ", not a STRING");
            }
            return a.getS().toStringUtf8();
        }

        private long[] intsAttr(NodeProto n, String name, long[] otherwise) throws InvalidDataException {
            AttributeProto a = attr(n, name);
            if (a == null) {
                return otherwise;
            }
            if (a.getType() != AttributeProto.AttributeType.INTS) {
                throw bad(n, "the attribute " + name + " is a " + a.getType() + ", not INTS");
            }
            long[] v = new long[a.getIntsCount()];
            for (int i = 0; i < v.length; i++) {
                v[i] = a.getInts(i);
            }
            return v;
        }
    }
}
