/**
 * ONNX export and import of Myelin models: {@link dev.myelin.onnx.OnnxExport} writes a trained model for any ONNX
 * runtime, {@link dev.myelin.onnx.OnnxImport} reads a network trained elsewhere (PyTorch's {@code torch.onnx.export})
 * into a model that predicts and trains like any other. The ONNX protocol classes come from Tribuo's
 * {@code tribuo-util-onnx} ({@code ai.onnx.proto.OnnxMl}), on {@code protobuf-java}; neither appears in this API.
 */
module dev.myelin.onnx {
    requires transitive dev.myelin.trainer;
    requires org.tribuo.util.onnx;
    requires com.google.protobuf;

    exports dev.myelin.onnx;
}
