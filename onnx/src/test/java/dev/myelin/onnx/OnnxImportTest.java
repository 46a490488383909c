package dev.myelin.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import dev.myelin.core.Backends;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.Activation;
import dev.myelin.trainer.Adam;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.Init;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.InvalidDataException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxImportTest {

    @TempDir
    Path dir;

    /** Every layer goes out and comes back as the same computation: the same bits, for every loss. */
    @Test
    void exportThenImportPredictsTheSameBits() throws Exception {
        for (Loss loss : Loss.values()) {
            try (Model m = Models.mlp(loss); Matrix x = Models.inputs(40, 20, 3)) {
                roundTrip(m, x);
            }
        }
        try (Model m = Models.cnn(); Matrix x = Models.inputs(24, 10 * 9 * 3, 4)) {
            roundTrip(m, x);
        }
        try (Model m = Model.of(Backends.get(), Shape.of(6, 5), Loss.SOFTMAX_CROSS_ENTROPY, 8, Activation.identity(),
                new dev.myelin.trainer.Flatten(), new Dense(12, Init.HE), Activation.gelu(), new Dense(9), Activation.tanh(),
                new Dense(8), Activation.sigmoid(), new Dense(4));
             Matrix x = Models.inputs(16, 30, 5)) {
            m.featureNames(java.util.stream.IntStream.range(0, 30).mapToObj(i -> "f" + i).toList());
            roundTrip(m, x);
        }
    }

    private void roundTrip(Model m, Matrix x) throws Exception {
        Path file = dir.resolve("m.onnx");
        OnnxExport.write(m, file);
        try (Model back = OnnxImport.read(file); Matrix p = m.predict(x); Matrix q = back.predict(x)) {
            assertEquals(m.loss(), back.loss());
            assertEquals(m.inputShape(), back.inputShape());
            assertEquals(m.classNames(), back.classNames());
            assertEquals(m.featureNames(), back.featureNames());
            assertArrayEquals(p.toArray(), q.toArray(), m + " came back as " + back);
        }
    }

    /**
     * Other spellings PyTorch and other exporters use import as the same layers, so the predictions keep every bit:
     * {@code MatMul} then {@code Add} for a Gemm, {@code Reshape(x, [0, -1])} for a Flatten, and opset 20's {@code Gelu}
     * operator for the spelled-out GELU.
     */
    @Test
    void otherSpellingsImportAsTheSameLayers() throws Exception {
        try (Model m = Models.mlp(Loss.SOFTMAX_CROSS_ENTROPY); Matrix x = Models.inputs(16, 20, 6)) {
            ModelProto.Builder p = OnnxExport.proto(m).toBuilder();
            int i = indexOf(p, "Gemm");
            NodeProto gemm = p.getGraph().getNode(i);
            p.getGraphBuilder().setNode(i, NodeProto.newBuilder().setName("mm").setOpType("MatMul").addInput(gemm.getInput(0))
                    .addInput(gemm.getInput(1)).addOutput("mm"));
            p.getGraphBuilder().addNode(i + 1, NodeProto.newBuilder().setName("bias").setOpType("Add").addInput("mm")
                    .addInput(gemm.getInput(2)).addOutput(gemm.getOutput(0)));
            samePredictions(m, p, x);
        }
        try (Model m = Models.cnn(); Matrix x = Models.inputs(8, 10 * 9 * 3, 7)) {
            ModelProto.Builder p = OnnxExport.proto(m).toBuilder();
            int i = indexOf(p, "Flatten");
            NodeProto flatten = p.getGraph().getNode(i);
            p.getGraphBuilder().addInitializer(TensorProto.newBuilder().setName("shape").setDataType(TensorProto.DataType.INT64_VALUE)
                    .addDims(2).addInt64Data(0).addInt64Data(-1));
            p.getGraphBuilder().setNode(i, NodeProto.newBuilder().setName("reshape").setOpType("Reshape")
                    .addInput(flatten.getInput(0)).addInput("shape").addOutput(flatten.getOutput(0)));
            samePredictions(m, p, x);
        }
        try (Model m = Model.of(Backends.get(), Shape.of(6), Loss.SOFTMAX_CROSS_ENTROPY, 8, new Dense(12), Activation.gelu(),
                new Dense(3)); Matrix x = Models.inputs(8, 6, 8)) {
            ModelProto.Builder p = OnnxExport.proto(m).toBuilder();
            List<NodeProto> kept = p.getGraph().getNodeList().stream().filter(n -> !n.getName().startsWith("layer1")).toList();
            p.getGraphBuilder().clearNode().addAllNode(kept);
            p.getGraphBuilder().addNode(1, NodeProto.newBuilder().setName("gelu").setOpType("Gelu").addInput("layer0")
                    .addOutput("layer1").addAttribute(AttributeProto.newBuilder().setName("approximate")
                            .setType(AttributeProto.AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8("tanh"))));
            p.setOpsetImport(0, p.getOpsetImport(0).toBuilder().setVersion(20));
            samePredictions(m, p, x);
        }
    }

    private void samePredictions(Model m, ModelProto.Builder p, Matrix x) throws Exception {
        Path file = dir.resolve("respelled.onnx");
        Files.write(file, p.build().toByteArray());
        try (Model back = OnnxImport.read(file); Matrix a = m.predict(x); Matrix b = back.predict(x)) {
            assertEquals(m.toString(), back.toString());
            assertArrayEquals(a.toArray(), b.toArray(), back.toString());
        }
    }

    /** Fine-tuning: an imported model trains like any other (a few epochs lower its loss on new labels). */
    @Test
    void anImportedModelTrains() throws Exception {
        Path file = dir.resolve("cnn.onnx");
        try (Model m = Models.cnn()) {
            OnnxExport.write(m, file);
        }
        SplittableRandom rnd = new SplittableRandom(17);
        int n = 64;
        int width = 10 * 9 * 3;
        float[] x = new float[n * width];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < width; j++) {
                x[i * width + j] = (float) rnd.nextDouble(-1, 1);
                s += j % 2 == 0 ? x[i * width + j] : 0;
            }
            y[i] = s > 0 ? 1 : 0;                 // labels the exported model never saw
        }
        try (Model model = OnnxImport.read(file);
             Dataset data = Dataset.classification("new labels", x, width, y, 7);
             Trainer trainer = new Trainer(model, Adam.adam(0.01f)).batchSize(16)) {
            double before = model.evaluate(data).loss();
            trainer.fit(data, 5);
            double after = model.evaluate(data).loss();
            assertTrue(after < before, "loss " + before + " -> " + after);
        }
    }

    // ---------------------------------------------------------------- bad input: one clear error

    @Test
    void aTruncatedFileIsOneError() throws Exception {
        byte[] whole;
        int beforeMetadata;
        try (Model m = Models.cnn()) {
            ModelProto p = OnnxExport.proto(m);
            whole = p.toByteArray();
            // metadata_props is serialized last; a cut exactly between two of its entries leaves a whole, smaller
            // message (ONNX has no length or checksum of its own), so the cuts stop where it starts
            beforeMetadata = p.toBuilder().clearMetadataProps().build().getSerializedSize();
        }
        for (int cut = 0; cut < beforeMetadata; cut += cut < beforeMetadata - 64 ? 53 : 1) {
            byte[] part = java.util.Arrays.copyOf(whole, cut);
            Path file = dir.resolve("cut.onnx");
            Files.write(file, part);
            InvalidDataException e = assertThrows(InvalidDataException.class, () -> OnnxImport.read(file), "cut at " + cut);
            assertTrue(e.getMessage().contains("cut.onnx"), e.getMessage());
        }
    }

    @Test
    void garbageIsOneError() throws Exception {
        byte[] noise = new byte[4096];
        new SplittableRandom(3).nextBytes(noise);
        Path file = dir.resolve("noise.onnx");
        Files.write(file, noise);
        assertThrows(InvalidDataException.class, () -> OnnxImport.read(file));
        Files.write(file, "not a model at all".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThrows(InvalidDataException.class, () -> OnnxImport.read(file));
        assertTrue(assertThrows(InvalidDataException.class, () -> OnnxImport.read(dir.resolve("absent.onnx"))).getMessage()
                .contains("no such ONNX file"));
    }

    @Test
    void anUnknownOpsetIsOneError() throws Exception {
        String message = importError(p -> p.setOpsetImport(0, p.getOpsetImport(0).toBuilder().setVersion(9)));
        assertTrue(message.contains("opset 9"), message);
        message = importError(p -> p.setOpsetImport(0, p.getOpsetImport(0).toBuilder().setVersion(99)));
        assertTrue(message.contains("opset 99"), message);
    }

    @Test
    void anUnsupportedOperatorIsNamed() throws Exception {
        // the first ReLU becomes an Elu
        String message = importError(p -> {
            int i = indexOf(p, "Relu");
            p.getGraphBuilder().getNodeBuilder(i).setOpType("Elu");
        });
        assertTrue(message.contains("node 'layer2' (Elu)") && message.contains("not supported"), message);
        // a branch: the ReLU's output is added to its input (a residual connection)
        message = importError(p -> {
            int i = indexOf(p, "Relu");
            NodeProto relu = p.getGraph().getNode(i);
            p.getGraphBuilder().addNode(i + 1, NodeProto.newBuilder().setName("residual").setOpType("Add")
                    .addInput(relu.getInput(0)).addInput(relu.getOutput(0)).addOutput("sum"));
            p.getGraphBuilder().getNodeBuilder(i + 2).setInput(0, "sum");
        });
        assertTrue(message.contains("residual") && message.contains("Add"), message);
        // the erf form of GELU is refused by name
        message = importError(p -> {
            int i = indexOf(p, "Relu");
            NodeProto relu = p.getGraph().getNode(i);
            p.getGraphBuilder().getNodeBuilder(i).setOpType("Gelu").addAttribute(AttributeProto.newBuilder().setName("approximate")
                    .setType(AttributeProto.AttributeType.STRING).setS(com.google.protobuf.ByteString.copyFromUtf8("none")));
            assertEquals("layer2", relu.getName());
        });
        assertTrue(message.contains("erf"), message);
    }

    @Test
    void shapesThatDoNotFitAreOneError() throws Exception {
        // the second Dense's weights lose a row: they no longer fit the 32 values before them
        String message = importError(p -> {
            TensorProto.Builder w = initializer(p, "layer4.W");
            w.setDims(0, 31).setRawData(w.getRawData().substring(0, 31 * 16 * 4));
        });
        assertTrue(message.contains("31 inputs") && message.contains("32"), message);
        // an initializer that declares more values than it holds
        message = importError(p -> initializer(p, "layer1.W").setDims(0, 1 << 20));
        assertTrue(message.contains("layer1.W") && message.contains("declares"), message);
        // an input dimension that is not fixed
        message = importError(p -> p.getGraphBuilder().getInputBuilder(0).getTypeBuilder().getTensorTypeBuilder().getShapeBuilder()
                .getDimBuilder(1).setDimParam("features"));
        assertTrue(message.contains("fixed"), message);
    }

    private static int indexOf(ModelProto.Builder p, String op) {
        for (int i = 0; i < p.getGraph().getNodeCount(); i++) {
            if (p.getGraph().getNode(i).getOpType().equals(op)) {
                return i;
            }
        }
        throw new AssertionError("no " + op);
    }

    private static TensorProto.Builder initializer(ModelProto.Builder p, String name) {
        for (TensorProto.Builder t : p.getGraphBuilder().getInitializerBuilderList()) {
            if (t.getName().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no " + name);
    }

    /** The message of importing the MLP's file changed by {@code change}. */
    private String importError(java.util.function.Consumer<ModelProto.Builder> change) throws Exception {
        ModelProto.Builder p;
        try (Model m = Models.mlp(Loss.SOFTMAX_CROSS_ENTROPY)) {
            p = OnnxExport.proto(m).toBuilder();
        }
        change.accept(p);
        Path file = dir.resolve("changed.onnx");
        Files.write(file, p.build().toByteArray());
        return assertThrows(InvalidDataException.class, () -> OnnxImport.read(file)).getMessage();
    }

}
