package dev.myelin.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.Shape;
import java.nio.FloatBuffer;
import java.util.Map;

/** Runs an ONNX file in ONNX Runtime (one thread) on a batch in Myelin's layout. */
final class Ort {

    private Ort() {
    }

    /**
     * The named output for {@code x} (n, input size, Myelin's memory order), converted to the graph's layout
     * ({@code NCHW} for images) first.
     */
    static float[] run(byte[] onnx, Shape input, Matrix x, String output) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        int n = x.rows();
        float[] flat = x.toArray();
        long[] shape;
        if (input.rank() == 3) {
            int h = input.dim(0);
            int w = input.dim(1);
            int c = input.dim(2);
            int size = input.size();
            float[] nchw = new float[flat.length];
            for (int i = 0; i < n; i++) {
                float[] row = new float[size];
                System.arraycopy(flat, i * size, row, 0, size);
                System.arraycopy(Layouts.imageToOnnx(row, h, w, c), 0, nchw, i * size, size);
            }
            flat = nchw;
            shape = new long[] {n, c, h, w};
        } else {
            int[] d = input.dims();
            shape = new long[d.length + 1];
            shape[0] = n;
            for (int i = 0; i < d.length; i++) {
                shape[i + 1] = d[i];
            }
        }
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            options.setInterOpNumThreads(1);
            try (OrtSession session = env.createSession(onnx, options);
                 OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(flat), shape);
                 OrtSession.Result result = session.run(Map.of("input", in))) {
                OnnxTensor out = (OnnxTensor) result.get(output).orElseThrow();
                FloatBuffer b = out.getFloatBuffer();
                float[] r = new float[b.remaining()];
                b.get(r);
                return r;
            }
        }
    }
}
