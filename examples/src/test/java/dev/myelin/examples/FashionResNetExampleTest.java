package dev.myelin.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Layers;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Node;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Standardize;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.TrainingListener;
import dev.myelin.trainer.data.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The residual network on the real data, narrowed to fit the CI's minutes: width 8 (the network at half its
 * width, about a quarter of its arithmetic), one epoch on all 60,000 training images, scored on the 10,000 test images
 * in inference mode (batch normalization from its running statistics).
 *
 * <p>The bar, 75%, is under the spread measured over seeds on a Zen 3 (AVX2, 2 threads; {@code java
 * dev.myelin.examples.FashionResNetExample "" 8 1 SEED}): test accuracy after one epoch 77.14%, 81.00%, 81.61%,
 * 83.00% for seeds 1 to 4; the test trains at seed 2. After one epoch the running statistics still trail the weights,
 * so the spread is wide; the figures are in docs/guide.md.
 */
class FashionResNetExampleTest {

    /** The first block's filters: half the network's width. */
    static final int WIDTH = 8;
    /** The seed of the model's weights and of the data order. */
    static final long SEED = 2;

    /** Issue 21's network in the command line's syntax, as bench/compare-resnet and docs/guide.md write it. */
    static final String LAYERS = "conv:16:3x3:pad1:nobias:fan_in_uniform,bn,relu,"
            + "res(conv:16:3x3:pad1:nobias:fan_in_uniform,bn,relu,conv:16:3x3:pad1:nobias:fan_in_uniform,bn),relu,"
            + "res(conv:32:3x3:stride2:pad1:nobias:fan_in_uniform,bn,relu,conv:32:3x3:pad1:nobias:fan_in_uniform,bn),relu,"
            + "res(conv:64:3x3:stride2:pad1:nobias:fan_in_uniform,bn,relu,conv:64:3x3:pad1:nobias:fan_in_uniform,bn),relu,"
            + "gap,10:fan_in_uniform";

    /**
     * The command line builds the very model the example builds in Java: the same layers, settings, graph and initial
     * weights, so the model files are equal byte for byte (the CLI standardises images first, as the example does).
     */
    @Test
    void theCommandLineSyntaxBuildsTheExamplesNetwork() {
        Kernels k = Backends.reference();
        Dataset.Stats stats = new Dataset.Stats(72.94, 90.02);
        Shape image = Shape.image(28, 28, 1);
        Node x = Node.input().then(new Standardize((float) stats.mean(), (float) stats.std()));
        try (Model java = FashionResNetExample.model(k, 42, stats, FashionResNetExample.WIDTH);
             Model cli = Model.of(k, image, Loss.SOFTMAX_CROSS_ENTROPY, 42, Layers.parse(LAYERS, x, image, 10))) {
            assertArrayEquals(java.toBytes(), cli.toBytes(), java.summary() + "\n" + cli.summary());
        }
    }

    @Test
    void aNarrowResidualNetworkLearnsFashionMnistInOneEpoch() throws IOException {
        Path folder = FashionMnistDownload.locate(null, System.err::println);
        try (FashionMnistExample.Data data = FashionMnistExample.load(folder)) {
            FashionCnnExample.Result r = FashionResNetExample.run(Backends.get(), data, SEED, WIDTH, 1, new TrainingListener() {
                @Override
                public void onEpochEnd(EpochResult e, Trainer t) {
                    System.out.printf(Locale.ROOT, "epoch %d  loss %.4f  accuracy %.4f  %.1f s%n", e.epoch(), e.trainLoss(),
                            e.trainAccuracy(), e.seconds());
                }
            });
            double accuracy = r.test().getLast().accuracy();
            System.out.printf(Locale.ROOT, "%s: width %d, test accuracy after 1 epoch %.4f%n", Backends.get().name(), WIDTH,
                    accuracy);
            assertTrue(accuracy >= 0.75, "test accuracy " + accuracy);
        }
    }
}
