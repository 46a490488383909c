package dev.myelin.bench;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.examples.FashionMnistExample;
import dev.myelin.trainer.Adam;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.data.Dataset;
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
 * One training step of the Fashion-MNIST network (Standardize, 784 -> Dense 128 ReLU -> Dense 10, softmax
 * cross-entropy, Adam) through {@link Trainer#step}: gather, forward, loss and its gradient, backward (no
 * input gradient for the first trainable layer), one update over the parameter slab, on a fixed random batch. Before timing, one step on each backend from the same
 * initial weights must give the same loss within 1e-4 relative (float32 forward of depth 784: the
 * GEMM bound of docs/kernels.md is below 1e-4 of the logits' scale here) and identical predictions.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Djava.awt.headless=true"})
public class TrainStepBench {

    @Param({"simd", "reference"})
    public String impl;

    @Param({"32", "128"})
    public int batch;

    @Param({"1"})
    public int threads;

    private Model model;
    private Trainer trainer;
    private Dataset data;

    @Setup(Level.Trial)
    public void setUp() {
        float mine = firstLoss(impl, threads);
        float ref = firstLoss("reference", 1);
        if (!(Math.abs(mine - ref) <= 1e-4 * Math.abs(ref))) {
            throw new IllegalStateException(impl + " first-step loss " + mine + " differs from the reference's " + ref);
        }
        build(impl, threads);
    }

    private void build(String name, int t) {
        Kernels k = Backends.get(name, t);
        SplittableRandom rnd = new SplittableRandom(3);
        float[] x = new float[batch * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        data = Dataset.classification("random batch", x, 784, rnd.ints(batch, 0, 10).toArray(), 10);
        model = FashionMnistExample.model(k, FashionMnistExample.HIDDEN, 42, data.featureStats());
        trainer = new Trainer(model, Adam.adam(FashionMnistExample.LEARNING_RATE)).batchSize(batch);
    }

    private float firstLoss(String name, int t) {
        build(name, t);
        float l = step();
        tearDown();
        return l;
    }

    @Benchmark
    public float step() {
        return trainer.step(data, null, 0, batch);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
        model.close();
        data.close();
    }
}
