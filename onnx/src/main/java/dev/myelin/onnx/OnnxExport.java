package dev.myelin.onnx;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import dev.myelin.trainer.Activation;
import dev.myelin.trainer.AtomicFile;
import dev.myelin.trainer.AvgPool2D;
import dev.myelin.trainer.Conv2D;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.Dropout;
import dev.myelin.trainer.Flatten;
import dev.myelin.trainer.Layer;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.MaxPool2D;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Parameter;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Standardize;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link Model} as an ONNX file that any ONNX runtime can run (ONNX Runtime, OpenVINO, TensorRT, ...).
 *
 * <p><b>The graph.</b> Default domain, opset {@value #OPSET} (fixed: every operator below has had its current meaning
 * since opset 13 or earlier), IR version {@value #IR_VERSION}, float32 throughout. One input, {@code "input"}, whose
 * first dimension is the symbolic batch {@code "batch"}; two outputs, {@code "probabilities"} (what
 * {@link Model#predict} gives: {@code Softmax} of the logits for softmax cross-entropy, {@code Sigmoid} for BCE, the
 * values themselves for MSE) and {@code "logits"} (what {@link Model#logits} gives), each {@code (batch, outputs)}.
 * Each layer becomes:
 * <ul>
 *   <li>Dense: {@code Gemm(x, W, b)} with W {@code (in, out)} as Myelin stores it ({@code transB = 0});</li>
 *   <li>the activations: {@code Relu}, {@code LeakyRelu(alpha)}, {@code Sigmoid}, {@code Tanh}, {@code Identity}, and
 *       GELU (tanh form) spelled out as {@code x Sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3))} in {@code Mul}, {@code Add}
 *       and {@code Sigmoid}, the form Myelin's kernels evaluate (opset 17 has no {@code Gelu}; it came in opset 20);</li>
 *   <li>Dropout: {@code Dropout(x, ratio)} without a training mode, which ONNX defines as the identity (the ratio is
 *       kept for {@link OnnxImport});</li>
 *   <li>Standardize: {@code Div(Sub(x, mean), std)}, the statistics a scalar or one per element;</li>
 *   <li>Conv2D: {@code Conv} with the filters converted to ONNX's {@code (K, C, R, S)} (and no B input for a layer without a
 *       bias); MaxPool2D: {@code MaxPool};
 *       AvgPool2D: {@code AveragePool} with {@code count_include_pad = 1} (Myelin divides by the whole window);</li>
 *   <li>Flatten: {@code Flatten(axis = 1)}, after a {@code Transpose} to channels-last when it flattens an image.</li>
 * </ul>
 *
 * <p><b>Image layout.</b> Myelin stores an image sample channels-last, {@code (H, W, C)}; ONNX's convolution and
 * pooling operators, and users of ONNX, take {@code NCHW}. So for a model whose input shape has rank 3 the graph's
 * input is {@code (batch, C, H, W)}, the convolutions run on {@code NCHW} with their filters converted, and the one
 * place where the order of the elements matters beyond a pixel, a Flatten of an image, is preceded by a
 * {@code Transpose(perm = [0, 2, 3, 1])} back to channels-last, so the Dense layers after it keep Myelin's weights
 * unchanged. Inputs of any other rank keep Myelin's memory order: {@code (batch, d0, d1, ...)}.
 *
 * <p><b>Metadata</b> ({@code metadata_props}): {@code myelin.input_shape}, Myelin's input shape in its memory order
 * (e.g. {@code 28,28,1}); {@code myelin.input_layout}, {@code NCHW} or {@code as-is}; {@code myelin.loss}, the loss's
 * id; and, when the model has them, {@code myelin.class_names} and {@code myelin.feature_names}, JSON arrays of
 * strings.
 */
public final class OnnxExport {

    /** The opset of the default domain every exported graph uses. */
    public static final int OPSET = 17;
    /** The ONNX IR version written: 8, the one that goes with opset 17. */
    public static final int IR_VERSION = 8;

    private OnnxExport() {
    }

    /**
     * Writes {@code model} to {@code file} as ONNX, whole or not at all: the bytes go to a temporary file beside it that
     * is then renamed over it ({@link AtomicFile}), so a failure leaves a previous file of that name as it was.
     *
     * @param model the model to write; it stays open and unchanged
     * @param file  the ONNX file to write; its folder must exist
     * @throws IOException if the file cannot be written
     * @throws IllegalArgumentException if the model has a layer this version cannot express in ONNX (named)
     */
    public static void write(Model model, Path file) throws IOException {
        if (model == null || file == null) {
            throw new NullPointerException((model == null ? "model" : "file") + " is null");
        }
        byte[] bytes = toBytes(model);
        AtomicFile.write(file, out -> out.write(bytes));
    }

    /**
     * The ONNX file's bytes for {@code model}: what {@link #write} writes.
     *
     * @param model the model; it stays open and unchanged
     * @return the serialized {@code ModelProto}
     * @throws IllegalArgumentException if the model is a graph (not a chain: {@link Model#isChain}), or has a layer this
     *                                  version cannot express in ONNX (named)
     */
    public static byte[] toBytes(Model model) {
        if (model == null) {
            throw new NullPointerException("model is null");
        }
        if (!model.isChain()) {
            throw new IllegalArgumentException("this version exports a chain of layers to ONNX; the model is a graph (" + model
                    + ")");
        }
        return proto(model).toByteArray();
    }

    /** The model as a {@code ModelProto}. */
    static ModelProto proto(Model model) {
        Graph g = new Graph();
        Shape in = model.inputShape();
        boolean image = in.rank() == 3;
        TensorShapeProto.Builder inShape = TensorShapeProto.newBuilder().addDim(symbolic("batch"));
        int[] onnxDims = image ? new int[] {in.dim(2), in.dim(0), in.dim(1)} : in.dims();
        for (int d : onnxDims) {
            inShape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        g.graph.addInput(valueInfo("input", inShape));
        Cursor x = new Cursor("input", in, image);
        List<Layer> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            x = layer(g, i, layers.get(i), x, model.outputShape(i));
        }
        if (x.shape.rank() != 1) {                              // an output with shape: the rows Myelin's loss sees
            x = flatten(g, "output", x);
        }
        g.node("Identity", "logits", List.of(x.name), List.of("logits"));
        String outputOp = switch (model.loss()) {
            case SOFTMAX_CROSS_ENTROPY -> "Softmax";
            case BCE_WITH_LOGITS -> "Sigmoid";
            case MSE -> "Identity";
        };
        NodeProto.Builder out = g.node(outputOp, "probabilities", List.of("logits"), List.of("probabilities"));
        if (model.loss() == Loss.SOFTMAX_CROSS_ENTROPY) {
            out.addAttribute(intAttr("axis", 1));
        }
        TensorShapeProto.Builder outShape = TensorShapeProto.newBuilder().addDim(symbolic("batch"))
                .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(model.outputs()));
        g.graph.addOutput(valueInfo("probabilities", outShape));
        g.graph.addOutput(valueInfo("logits", outShape));
        g.graph.setName("myelin");

        ModelProto.Builder m = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("myelin")
                .setProducerVersion("0.1.0")
                .setDocString("Exported by Myelin: " + model)
                .setGraph(g.graph);
        meta(m, Metadata.INPUT_SHAPE, join(in.dims()));
        meta(m, Metadata.INPUT_LAYOUT, image ? "NCHW" : "as-is");
        meta(m, Metadata.LOSS, model.loss().id());
        if (!model.classNames().isEmpty()) {
            meta(m, Metadata.CLASS_NAMES, Metadata.toJson(model.classNames()));
        }
        if (!model.featureNames().isEmpty()) {
            meta(m, Metadata.FEATURE_NAMES, Metadata.toJson(model.featureNames()));
        }
        return m.build();
    }

    /**
     * The tensor a layer reads: its name in the graph, its Myelin shape, and whether the graph holds it channels-first
     * ({@code (C, H, W)} for Myelin's {@code (H, W, C)}).
     */
    private record Cursor(String name, Shape shape, boolean channelsFirst) {
    }

    private static Cursor layer(Graph g, int i, Layer layer, Cursor x, Shape outShape) {
        String p = "layer" + i;
        return switch (layer) {
            case Dense d when d.isPerPosition() -> throw new IllegalArgumentException("layer " + i + " (" + layer
                    + ") acts on each position of its input; this version exports Dense layers on flat inputs only");
            case Dense d -> {
                List<Parameter> ps = d.parameters();
                Parameter w = ps.get(0);
                Parameter b = ps.get(1);
                g.initializer(w.name(), new long[] {w.rows(), w.cols()}, w.value().toArray());
                g.initializer(b.name(), new long[] {b.cols()}, b.value().toArray());
                g.node("Gemm", p, List.of(x.name, w.name(), b.name()), List.of(p));
                yield new Cursor(p, outShape, false);
            }
            case Activation a -> {
                switch (a.kind()) {
                    case IDENTITY -> g.node("Identity", p, List.of(x.name), List.of(p));
                    case RELU -> g.node("Relu", p, List.of(x.name), List.of(p));
                    case LEAKY_RELU -> g.node("LeakyRelu", p, List.of(x.name), List.of(p))
                            .addAttribute(floatAttr("alpha", Float.parseFloat(a.config().get("slope"))));
                    case SIGMOID -> g.node("Sigmoid", p, List.of(x.name), List.of(p));
                    case TANH -> g.node("Tanh", p, List.of(x.name), List.of(p));
                    case GELU -> gelu(g, p, x.name);
                }
                yield new Cursor(p, outShape, x.channelsFirst);
            }
            case Dropout d -> {
                g.initializer(p + ".ratio", new long[0], new float[] {d.rate()});
                g.node("Dropout", p, List.of(x.name, p + ".ratio"), List.of(p));
                yield new Cursor(p, outShape, x.channelsFirst);
            }
            case Standardize s -> {
                Map<String, String> c = s.config();
                float[] mean = floats(c.get("mean"));
                float[] std = floats(c.get("std"));
                boolean scalar = mean.length == 1;
                long[] dims = scalar ? new long[0] : graphDims(x);
                if (!scalar && x.channelsFirst) {
                    mean = Layouts.imageToOnnx(mean, x.shape.dim(0), x.shape.dim(1), x.shape.dim(2));
                    std = Layouts.imageToOnnx(std, x.shape.dim(0), x.shape.dim(1), x.shape.dim(2));
                }
                g.initializer(p + ".mean", dims, mean);
                g.initializer(p + ".std", dims, std);
                g.node("Sub", p + ".centre", List.of(x.name, p + ".mean"), List.of(p + ".centred"));
                g.node("Div", p, List.of(p + ".centred", p + ".std"), List.of(p));
                yield new Cursor(p, outShape, x.channelsFirst);
            }
            case Flatten f -> flatten(g, p, x);
            case Conv2D conv -> {
                Map<String, String> c = conv.config();
                int kh = Integer.parseInt(c.get("kernel_height"));
                int kw = Integer.parseInt(c.get("kernel_width"));
                int ph = Integer.parseInt(c.get("pad_height"));
                int pw = Integer.parseInt(c.get("pad_width"));
                int channels = x.shape.dim(2);
                Parameter w = conv.parameters().get(0);
                int filters = w.cols();
                g.initializer(w.name(), new long[] {filters, channels, kh, kw},
                        Layouts.filtersToOnnx(w.value().toArray(), filters, channels, kh, kw));
                List<String> inputs = List.of(x.name, w.name());
                if (conv.hasBias()) {               // ONNX's Conv takes B as an optional third input
                    Parameter b = conv.parameters().get(1);
                    g.initializer(b.name(), new long[] {filters}, b.value().toArray());
                    inputs = List.of(x.name, w.name(), b.name());
                }
                g.node("Conv", p, inputs, List.of(p))
                        .addAttribute(intsAttr("kernel_shape", kh, kw))
                        .addAttribute(intsAttr("strides", Integer.parseInt(c.get("stride_height")),
                                Integer.parseInt(c.get("stride_width"))))
                        .addAttribute(intsAttr("pads", ph, pw, ph, pw))
                        .addAttribute(intsAttr("dilations", 1, 1))
                        .addAttribute(intAttr("group", 1));
                yield new Cursor(p, outShape, true);
            }
            case MaxPool2D pool -> {
                Map<String, String> c = pool.config();
                int window = Integer.parseInt(c.get("window"));
                int stride = Integer.parseInt(c.get("stride"));
                g.node("MaxPool", p, List.of(x.name), List.of(p))
                        .addAttribute(intsAttr("kernel_shape", window, window))
                        .addAttribute(intsAttr("strides", stride, stride))
                        .addAttribute(intsAttr("pads", 0, 0, 0, 0));
                yield new Cursor(p, outShape, true);
            }
            case AvgPool2D pool -> {
                Map<String, String> c = pool.config();
                int window = Integer.parseInt(c.get("window"));
                int stride = Integer.parseInt(c.get("stride"));
                int pad = Integer.parseInt(c.get("padding"));
                g.node("AveragePool", p, List.of(x.name), List.of(p))
                        .addAttribute(intsAttr("kernel_shape", window, window))
                        .addAttribute(intsAttr("strides", stride, stride))
                        .addAttribute(intsAttr("pads", pad, pad, pad, pad))
                        .addAttribute(intAttr("count_include_pad", 1));
                yield new Cursor(p, outShape, true);
            }
            default -> throw new IllegalArgumentException("layer " + i + " (" + layer + ", type '" + layer.type()
                    + "') has no ONNX form in this version");
        };
    }

    /** Flatten to {@code (batch, size)} in Myelin's element order: channels-last first if the graph holds an image. */
    private static Cursor flatten(Graph g, String p, Cursor x) {
        String in = x.name;
        if (x.channelsFirst) {
            g.node("Transpose", p + ".to_nhwc", List.of(in), List.of(p + ".nhwc")).addAttribute(intsAttr("perm", 0, 2, 3, 1));
            in = p + ".nhwc";
        }
        g.node("Flatten", p, List.of(in), List.of(p)).addAttribute(intAttr("axis", 1));
        return new Cursor(p, Shape.of(x.shape.size()), false);
    }

    /**
     * GELU (tanh form) as opset 17 operators, through the identity {@code 0.5 (1 + tanh(v)) = sigmoid(2 v)} that Myelin's
     * kernels use too: {@code x Sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3))}. The tanh form as written cancels in
     * {@code 1 + tanh} and loses every digit in float below about x = -3; this one does not.
     */
    private static void gelu(Graph g, String p, String x) {
        g.initializer(p + ".kappa", new long[0], new float[] {Layouts.GELU_KAPPA});
        g.initializer(p + ".beta2", new long[0], new float[] {Layouts.GELU_BETA2});
        g.node("Mul", p + ".sq", List.of(x, x), List.of(p + ".x2"));
        g.node("Mul", p + ".cube", List.of(p + ".x2", x), List.of(p + ".x3"));
        g.node("Mul", p + ".kx3", List.of(p + ".x3", p + ".kappa"), List.of(p + ".k"));
        g.node("Add", p + ".inner", List.of(x, p + ".k"), List.of(p + ".s"));
        g.node("Mul", p + ".scaled", List.of(p + ".s", p + ".beta2"), List.of(p + ".z"));
        g.node("Sigmoid", p + ".sigmoid", List.of(p + ".z"), List.of(p + ".sz"));
        g.node("Mul", p, List.of(x, p + ".sz"), List.of(p));
    }

    /** The graph's dims of one sample of x (without the batch). */
    private static long[] graphDims(Cursor x) {
        int[] d = x.shape.dims();
        if (x.channelsFirst) {
            return new long[] {d[2], d[0], d[1]};
        }
        long[] r = new long[d.length];
        for (int i = 0; i < d.length; i++) {
            r[i] = d[i];
        }
        return r;
    }

    private static float[] floats(String csv) {
        String[] parts = csv.split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = Float.parseFloat(parts[i]);
        }
        return v;
    }

    private static String join(int[] dims) {
        StringBuilder sb = new StringBuilder();
        for (int d : dims) {
            sb.append(sb.isEmpty() ? "" : ",").append(d);
        }
        return sb.toString();
    }

    private static void meta(ModelProto.Builder m, String key, String value) {
        m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key).setValue(value));
    }

    private static TensorShapeProto.Dimension.Builder symbolic(String name) {
        return TensorShapeProto.Dimension.newBuilder().setDimParam(name);
    }

    private static ValueInfoProto valueInfo(String name, TensorShapeProto.Builder shape) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    private static AttributeProto intAttr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    private static AttributeProto floatAttr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    private static AttributeProto intsAttr(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    /** The graph being written. */
    private static final class Graph {
        final GraphProto.Builder graph = GraphProto.newBuilder();

        NodeProto.Builder node(String op, String name, List<String> inputs, List<String> outputs) {
            NodeProto.Builder n = graph.addNodeBuilder().setOpType(op).setName(name);
            n.addAllInput(inputs).addAllOutput(outputs);
            return n;
        }

        void initializer(String name, long[] dims, float[] values) {
            ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(values);
            TensorProto.Builder t = graph.addInitializerBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                    .setRawData(ByteString.copyFrom(bytes.array()));
            for (long d : dims) {
                t.addDims(d);
            }
        }
    }
}
