package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.Dataset;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * BatchNorm, LayerNorm and GlobalAvgPool as layers, and Conv2D without a bias: known answers, the channels-last
 * view, backpropagation against finite differences (reference backend), training, and inference row by row. The
 * kernels themselves are checked in core, reference and simd; here, the layers' wiring.
 */
class NormalizationLayersTest {

    static final double U = ErrorBounds.U;

    /** The rows of a (4, 2) batch: channel 0 is 1, 2, 3, 4 (mean 2.5, biased variance 1.25), channel 1 is -1, 1, -1, 1. */
    static final float[] X = {1, -1, 2, 1, 3, -1, 4, 1};

    /**
     * Training forward on a known batch, the running statistics it leaves, and inference from them. Every input, the
     * means (2.5, 0) and the variances (1.25, 1) are small dyadic rationals, so the double sums and their rounding to
     * float are exact and so is {@code x - mean}; what rounds is rstd (computed in double, rounded once to float:
     * relative error at most u plus a few 2^-53) and the product {@code (x - mean) rstd} (u); {@code fma(1, t, 0)}
     * is exact. So {@code |y - exact| <= (2u + 3 2^-53 + u^2) |exact| < 2.01 u |exact|}. The running statistics are
     * one double expression rounded once: within {@code 1.01 u} of it. In inference {@code x - runningMean} rounds
     * too (the running mean 0.25 is not exact in float through momentum 0.1f): {@code 3.01 u}.
     */
    @Test
    void batchNormKnownAnswer() {
        Kernels k = Backends.reference();
        try (Arena arena = Arena.ofConfined(); Model m = Model.of(k, Shape.of(2), Loss.MSE, 1, new BatchNorm())) {
            Matrix x = Matrix.of(arena, 4, 2, X);
            double eps = BatchNorm.EPS;
            double[] mean = {2.5, 0};
            double[] var = {1.25, 1};
            float[] y = m.forward(x, true).toArray();
            for (int i = 0; i < 8; i++) {
                int c = i % 2;
                double exact = (X[i] - mean[c]) / Math.sqrt(var[c] + eps);
                assertTrue(Math.abs(y[i] - exact) <= 2.01 * U * Math.abs(exact), "y[" + i + "] = " + y[i] + ", exact " + exact);
            }
            double momentum = BatchNorm.MOMENTUM;
            float[] running = m.runningState().toArray();
            Parameter runningMean = m.runningStateTensors().get(0);
            Parameter runningVar = m.runningStateTensors().get(1);
            float[] rm = runningMean.value().toArray();
            float[] rv = runningVar.value().toArray();
            for (int c = 0; c < 2; c++) {
                double em = momentum * mean[c];                                   // (1 - momentum) * 0 + momentum * mean
                double ev = (1 - momentum) * 1 + momentum * var[c] * 4 / 3;       // the batch's variance made unbiased: 4 / 3
                assertTrue(Math.abs(rm[c] - em) <= 1.01 * U * Math.abs(em), "running mean " + c + ": " + rm[c] + ", exact " + em);
                assertTrue(Math.abs(rv[c] - ev) <= 1.01 * U * ev, "running var " + c + ": " + rv[c] + ", exact " + ev);
                assertEquals(rm[c], running[(int) runningMean.offset() + c], "the slab holds the views");
                assertEquals(rv[c], running[(int) runningVar.offset() + c]);
            }
            float[] inference = m.forward(x, false).toArray();
            for (int i = 0; i < 8; i++) {
                int c = i % 2;
                double exact = (X[i] - (double) rm[c]) / Math.sqrt(rv[c] + eps);
                assertTrue(Math.abs(inference[i] - exact) <= 3.01 * U * Math.abs(exact), "inference y[" + i + "] = "
                        + inference[i] + ", exact " + exact);
            }
            assertArrayEquals(rm, runningMean.value().toArray(), "inference leaves the running statistics alone");
        }
    }

    /**
     * A channels-last image batch is normalized per channel over every position of every sample: BatchNorm on two
     * (1, 2, 2) images is BatchNorm on the same memory as four (2) samples, bit for bit (the same kernel calls on the
     * same (4, 2) matrix), in training, in inference and in the running statistics; LayerNorm on one (1, 2, 2) image
     * normalizes each pixel's two channels, as on two (2) samples.
     */
    @Test
    void anImageIsNormalizedOverItsPositions() {
        Kernels k = Backends.reference();
        try (Arena arena = Arena.ofConfined();
             Model image = Model.of(k, Shape.image(1, 2, 2), Loss.MSE, 1, new BatchNorm(), new LayerNorm());
             Model vector = Model.of(k, Shape.of(2), Loss.MSE, 1, new BatchNorm(), new LayerNorm())) {
            Matrix xi = Matrix.of(arena, 2, 4, X);
            Matrix xv = Matrix.of(arena, 4, 2, X);
            assertArrayEquals(vector.forward(xv, true).toArray(), image.forward(xi, true).toArray());
            assertArrayEquals(vector.runningState().toArray(), image.runningState().toArray());
            assertArrayEquals(vector.forward(xv, false).toArray(), image.forward(xi, false).toArray());
        }
    }

    /**
     * LayerNorm on rows (1, 2, 3, 4) and (-1, 1, -1, 1): means 2.5 and 0, variances 1.25 and 1, as in
     * {@link #batchNormKnownAnswer} but per row; the same error analysis gives {@code 2.01 u |exact|}.
     */
    @Test
    void layerNormKnownAnswer() {
        Kernels k = Backends.reference();
        float[] x = {1, 2, 3, 4, -1, 1, -1, 1};
        try (Arena arena = Arena.ofConfined(); Model m = Model.of(k, Shape.of(4), Loss.MSE, 1, new LayerNorm())) {
            float[] y = m.forward(Matrix.of(arena, 2, 4, x), true).toArray();
            double[] mean = {2.5, 0};
            double[] var = {1.25, 1};
            for (int i = 0; i < 8; i++) {
                double exact = (x[i] - mean[i / 4]) / Math.sqrt(var[i / 4] + LayerNorm.EPS);
                assertTrue(Math.abs(y[i] - exact) <= 2.01 * U * Math.abs(exact), "y[" + i + "] = " + y[i] + ", exact " + exact);
            }
            assertArrayEquals(y, m.forward(Matrix.of(arena, 2, 4, x), false).toArray(), "training and inference agree");
            assertTrue(m.runningStateTensors().isEmpty());
        }
    }

    /**
     * GlobalAvgPool of a (2, 2, 2) image: channel 0 holds 1, 2, 3, 4 (mean 2.5), channel 1 holds 1, 1, 1, 2 (mean 1.25);
     * backward gives each pixel dY / 4: 4 -> 1 and 8 -> 2. Every value is exact in float: compared exactly.
     */
    @Test
    void globalAvgPoolKnownAnswer() {
        Kernels k = Backends.reference();
        try (Arena arena = Arena.ofConfined(); GlobalAvgPoolHarness h = new GlobalAvgPoolHarness(k)) {
            Matrix x = Matrix.of(arena, 1, 8, 1, 1, 2, 1, 3, 1, 4, 2);
            assertArrayEquals(new float[] {2.5f, 1.25f}, h.layer.forward(x, true).toArray());
            Matrix dY = Matrix.of(arena, 1, 2, 4, 8);
            assertArrayEquals(new float[] {1, 2, 1, 2, 1, 2, 1, 2}, h.layer.backward(dY, true, false).toArray());
            assertEquals(Shape.of(2), h.model.outputShape(0));
            assertEquals("layer 0 (GlobalAvgPool): GlobalAvgPool takes images of shape (height, width, channels), got shape (4)",
                    assertThrows(IllegalArgumentException.class, () -> Model.of(k, Shape.of(4), Loss.MSE, 1,
                            new GlobalAvgPool())).getMessage());
        }
    }

    /** A one-layer model around a GlobalAvgPool on (2, 2, 2) images, for its forward and backward alone. */
    private static final class GlobalAvgPoolHarness implements AutoCloseable {
        final GlobalAvgPool layer = new GlobalAvgPool();
        final Model model;

        GlobalAvgPoolHarness(Kernels k) {
            model = Model.of(k, Shape.image(2, 2, 2), Loss.MSE, 1, layer);
            model.reserve(1);
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /**
     * Backpropagation through each new layer against central differences of the loss, on the reference backend: the
     * parameters of the layers before a normalization check its dX, its own gamma and beta check dGamma and dBeta, and
     * the convolution before a GlobalAvgPool checks the pooling's backward. The tolerance is derived as in
     * GradientCheckTest: {@code |d1 - d2|} bounds the truncation error of the smaller step with a margin of 3, and each
     * float loss is within {@code 256 u |L|} of the exact one (a few hundred roundings through the convolution or dense
     * layer, the normalization, tanh, the last dense layer and the loss; the normalization divides by its rows' or
     * channels' deviations, which for these inputs drawn in [-2, 2] through Xavier weights are not far below 1, so it
     * does not amplify them by more than a small factor), giving {@code 2 * 256 u max(|L|, 1) / (2 (h / 2))}.
     */
    @Test
    void backwardMatchesFiniteDifferences() {
        Kernels k = Backends.reference();
        check(Model.of(k, Shape.of(3), Loss.MSE, 5, new Dense(4, Init.XAVIER), new BatchNorm(), Activation.tanh(),
                new Dense(2, Init.XAVIER)), 5, 11);
        check(Model.of(k, Shape.image(3, 3, 2), Loss.SOFTMAX_CROSS_ENTROPY, 6, new Conv2D(3, 2, 1, 0, Init.XAVIER, false),
                new BatchNorm(0.3f, 1e-3f), Activation.tanh(), new GlobalAvgPool(), new Dense(3, Init.XAVIER)), 2, 12);
        check(Model.of(k, Shape.of(3), Loss.MSE, 7, new Dense(4, Init.XAVIER), new LayerNorm(), Activation.tanh(),
                new Dense(2, Init.XAVIER)), 3, 13);
        check(Model.of(k, Shape.image(3, 3, 2), Loss.SOFTMAX_CROSS_ENTROPY, 8, new Conv2D(3, 2, 1, 0, Init.XAVIER),
                new LayerNorm(), Activation.tanh(), new GlobalAvgPool(), new Dense(3, Init.XAVIER)), 2, 14);
    }

    /** Every parameter's gradient of {@code model} (closed after) on a random batch against central differences. */
    private static void check(Model model, int batch, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Kernels k = model.kernels();
        try (Arena arena = Arena.ofConfined(); model) {
            Matrix x = ModelTest.random(arena, batch, model.inputShape().size(), seed);
            Matrix t = model.loss() == Loss.MSE ? ModelTest.random(arena, batch, model.outputs(), seed + 1) : null;
            int[] labels = new int[batch];
            for (int i = 0; i < batch; i++) {
                labels[i] = rnd.nextInt(model.outputs());
            }
            // a BatchNorm's gamma and beta away from 1 and 0, so that dX depends on both
            for (Parameter p : model.parameters()) {
                if (p.name().endsWith("gamma") || p.name().endsWith("beta")) {
                    for (int j = 0; j < p.cols(); j++) {
                        p.value().set(0, j, (float) rnd.nextDouble(0.5, 1.5) - (p.name().endsWith("beta") ? 1 : 0));
                    }
                }
            }
            Matrix dOut = Matrix.allocate(arena, batch, model.outputs());
            Supplier<Float> lossAt = () -> model.loss().compute(k, dOut, model.forward(x, true), t, labels);
            lossAt.get();
            model.backward(dOut, false);
            // the rounding bound, 256 u |L|, is derived in the comment of backwardMatchesFiniteDifferences
            int checked = FiniteDifferences.checkParameters(model.toString(), model.parameters(), lossAt, 1e-2f, 256,
                    FiniteDifferences.NONE);
            assertEquals(model.size(), checked);
        }
    }

    /**
     * With {@code accumulate} the parameter gradients add up: two backward passes of the same batch give twice one
     * (exactly: doubling is exact), for BatchNorm, LayerNorm and a convolution without a bias.
     */
    @Test
    void accumulatedGradientsAddUp() {
        Kernels k = Backends.reference();
        try (Arena arena = Arena.ofConfined();
             Model m = Model.of(k, Shape.image(3, 3, 2), Loss.SOFTMAX_CROSS_ENTROPY, 6, new Conv2D(3, 2, 1, 0, Init.XAVIER, false),
                     new BatchNorm(), new LayerNorm(), Activation.tanh(), new GlobalAvgPool(), new Dense(3, Init.XAVIER))) {
            Matrix x = ModelTest.random(arena, 3, 18, 4);
            Matrix dOut = Matrix.allocate(arena, 3, 3);
            int[] labels = {0, 2, 1};
            m.loss().compute(k, dOut, m.forward(x, true), null, labels);
            m.backward(dOut, false);
            float[] once = m.gradients().toArray();
            m.backward(dOut, true);
            float[] twice = m.gradients().toArray();
            for (int i = 0; i < once.length; i++) {
                assertEquals(2 * once[i], twice[i], "gradient slab element " + i);
            }
        }
    }

    /**
     * A convolution without a bias is the convolution with a zero bias, bit for bit (adding +0 changes no sum), with
     * the same filter gradient; it has W alone, says so in the model file (an older file, without the setting, has a
     * bias) and in its name.
     */
    @Test
    void aConvolutionWithoutBias() {
        Kernels k = Backends.reference();
        Conv2D without = new Conv2D(3, 2, 1, 0, Init.XAVIER, false);
        try (Arena arena = Arena.ofConfined();
             Model a = Model.of(k, Shape.image(3, 3, 2), Loss.MSE, 4, without, new Flatten());
             Model b = Model.of(k, Shape.image(3, 3, 2), Loss.MSE, 4, new Conv2D(3, 2, 1, 0, Init.XAVIER), new Flatten())) {
            assertEquals(List.of("layer0.W"), a.parameters().stream().map(Parameter::name).toList());
            assertEquals(b.parameters().get(0).value().toArray().length, a.parameters().get(0).value().toArray().length);
            a.parameters().get(0).value().copyFrom(b.parameters().get(0).value().toArray());
            Matrix x = ModelTest.random(arena, 2, 18, 5);
            assertArrayEquals(b.forward(x, true).toArray(), a.forward(x, true).toArray());
            Matrix dOut = ModelTest.random(arena, 2, 12, 6);
            a.backward(dOut, false);
            b.backward(dOut, false);
            assertArrayEquals(b.parameters().get(0).grad().toArray(), a.parameters().get(0).grad().toArray());
            assertEquals("false", without.config().get("bias"));
            assertEquals(null, b.layers().get(0).config().get("bias"), "a layer with a bias stores what it always did");
            assertEquals("Conv2D(2->3, 2x2, no bias)", without.toString());
            assertTrue(((Conv2D) Layers.create("conv2d", b.layers().get(0).config())).hasBias());
            assertTrue(!((Conv2D) Layers.create("conv2d", without.config())).hasBias());
        }
    }

    /**
     * A few epochs of training with batch normalization lower the loss (on the training data, measured in inference
     * mode, so through the running statistics too).
     */
    @Test
    void aModelWithBatchNormLearns() throws java.io.IOException {
        Kernels k = Backends.reference();
        try (Dataset data = TrainerTest.blobs(200, 7);
             Model m = Model.of(k, Shape.of(TrainerTest.WIDTH), Loss.SOFTMAX_CROSS_ENTROPY, 3, new Dense(16, Init.HE),
                     new BatchNorm(), Activation.relu(), new Dense(TrainerTest.CLASSES, Init.XAVIER));
             Trainer t = new Trainer(m, Adam.adam(0.01f)).batchSize(TrainerTest.BATCH).seed(3)) {
            double before = m.evaluate(data).loss();
            t.fit(data, 5);
            Evaluation after = m.evaluate(data);
            // Measured (reference backend, these seeds): see the assertion message; the blobs are separable, so a model
            // that learns halves its loss and more, one whose running statistics or gradients are wrong does not.
            assertTrue(after.loss() < before / 2, "loss " + before + " -> " + after.loss());
        }
    }

    /**
     * In inference BatchNorm and LayerNorm work row by row (the running statistics are fixed; each row is its own
     * layer-normalization row), and so do the reference backend's convolution, pooling and dense kernels (plain loops
     * over each row): one sample predicted alone gives the bits it gets inside a batch.
     */
    @Test
    void oneSampleIsPredictedAsInABatch() throws java.io.IOException {
        Kernels k = Backends.reference();
        try (Arena arena = Arena.ofConfined();
             Model m = Model.of(k, Shape.image(4, 4, 2), Loss.SOFTMAX_CROSS_ENTROPY, 9, new Conv2D(4, 3, 1, 1, Init.HE, false),
                     new BatchNorm(), Activation.relu(), new LayerNorm(), new GlobalAvgPool(), new Dense(3))) {
            Matrix x = ModelTest.random(arena, 5, 32, 3);
            m.forward(x, true);                          // running statistics away from 0 and 1
            m.forward(x, true);
            try (Matrix all = m.predict(x)) {
                for (int i = 0; i < 5; i++) {
                    try (Matrix one = m.predict(x.rows(i, 1))) {
                        assertArrayEquals(all.rows(i, 1).toArray(), one.toArray(), "sample " + i);
                    }
                }
            }
        }
    }
}
