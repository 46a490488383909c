package dev.myelin.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.examples.FashionCnnExample;
import dev.myelin.examples.FashionMnistExample;
import dev.myelin.onnx.OnnxExport;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.data.Dataset;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Inference latency of the seeds' Fashion-MNIST MLP and CNN (untrained weights: the work does not depend on them):
 * Myelin's {@link Model#predict(Matrix, Matrix)} on the SIMD backend against ONNX Runtime's Java API running the same
 * model exported with {@link OnnxExport}, one thread each ({@code -Dmyelin.threads} is not read: the kernels are made
 * with 1; ONNX Runtime's intra- and inter-op pools are set to 1), same JVM, on a batch of 1 or 64 random images
 * (issue 23's table in docs/benchmarks.md). Both calls produce the class probabilities into memory they own (ONNX
 * Runtime's input tensor is made once, over a direct buffer, as a server would reuse it; its result tensor is made per
 * call, as its API requires). Before timing, both must predict the same class for every row (the agreement of the
 * values is tested, with its bound, in the onnx module's tests). Not run in CI; the lead runs it on a quiet machine:
 * {@code java -jar bench/target/benchmarks.jar OnnxLatencyBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "-Djava.awt.headless=true"})
public class OnnxLatencyBench {

    @Param({"mlp", "cnn"})
    public String net;

    @Param({"1", "64"})
    public int batch;

    @Param({"myelin", "onnxruntime"})
    public String runtime;

    private Model model;
    private Matrix x;
    private Matrix out;
    private OrtEnvironment env;
    private OrtSession session;
    private OnnxTensor input;

    @Setup(Level.Trial)
    public void setUp() throws OrtException {
        Kernels k = Backends.get("simd", 1);
        SplittableRandom rnd = new SplittableRandom(5);
        float[] pixels = new float[batch * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) rnd.nextDouble();
        }
        Dataset.Stats stats = new Dataset.Stats(0.286, 0.353);     // Fashion-MNIST's pixel mean and deviation
        model = net.equals("mlp") ? FashionMnistExample.model(k, FashionMnistExample.HIDDEN, 42, stats)
                : FashionCnnExample.model(k, 42, stats);
        x = Matrix.allocate(batch, 784).copyFrom(pixels);
        out = Matrix.allocate(batch, 10);
        env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(1);
        options.setInterOpNumThreads(1);
        session = env.createSession(OnnxExport.toBytes(model), options);
        long[] shape = model.inputShape().rank() == 3 ? new long[] {batch, 1, 28, 28} : new long[] {batch, 784};
        FloatBuffer direct = java.nio.ByteBuffer.allocateDirect(pixels.length * 4).order(java.nio.ByteOrder.nativeOrder())
                .asFloatBuffer().put(pixels);
        direct.rewind();
        input = OnnxTensor.createTensor(env, direct, shape);     // one channel: NCHW and NHWC are the same bytes
        int[] mine = model.predictClasses(x);
        float[][] theirs = probabilities();
        for (int i = 0; i < batch; i++) {
            int best = 0;
            for (int j = 1; j < 10; j++) {
                best = theirs[i][j] > theirs[i][best] ? j : best;
            }
            if (best != mine[i]) {
                throw new IllegalStateException("row " + i + ": Myelin predicts class " + mine[i] + ", ONNX Runtime " + best);
            }
        }
    }

    private float[][] probabilities() throws OrtException {
        try (OrtSession.Result r = session.run(Map.of("input", input), java.util.Set.of("probabilities"))) {
            return (float[][]) r.get(0).getValue();
        }
    }

    @Benchmark
    public Object predict() throws OrtException {
        if (runtime.equals("myelin")) {
            model.predict(x, out);
            return out;
        }
        try (OrtSession.Result r = session.run(Map.of("input", input), java.util.Set.of("probabilities"))) {
            return ((OnnxTensor) r.get(0)).getFloatBuffer();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws OrtException {
        input.close();
        session.close();
        x.close();
        out.close();
        model.close();
    }
}
