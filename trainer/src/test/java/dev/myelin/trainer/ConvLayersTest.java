package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Convolution and pooling layers: shapes, the summary, the model file, and backpropagation through them. */
class ConvLayersTest {

    @TempDir
    Path dir;

    /** The network, on 28x28x1 images. */
    static Model cnn(Kernels k, long seed) {
        return Model.of(k, Shape.image(28, 28, 1), Loss.SOFTMAX_CROSS_ENTROPY, seed,
                new Conv2D(32, 3, 1, 1, Init.HE), Activation.relu(), new MaxPool2D(2),
                new Conv2D(64, 3, 1, 1, Init.HE), Activation.relu(), new MaxPool2D(2),
                new Flatten(), new Dense(128, Init.HE), Activation.relu(), new Dense(10));
    }

    @Test
    void theSummaryShowsEachLayersOutputShape() {
        try (Model m = cnn(Backends.reference(), 1)) {
            assertEquals(List.of(Shape.of(28, 28, 32), Shape.of(28, 28, 32), Shape.of(14, 14, 32), Shape.of(14, 14, 64),
                    Shape.of(14, 14, 64), Shape.of(7, 7, 64), Shape.of(3136), Shape.of(128), Shape.of(128), Shape.of(10)),
                    java.util.stream.IntStream.range(0, 10).mapToObj(m::outputShape).toList());
            // 3x3x1x32 + 32, 3x3x32x64 + 64, 3136x128 + 128, 128x10 + 10
            assertEquals(320 + 18_496 + 401_536 + 1_290, m.size());
            String s = m.summary();
            assertTrue(s.lines().anyMatch(l -> l.matches("Conv2D\\(1->32, 3x3, pad 1\\) +\\(28, 28, 32\\) +320")), s);
            assertTrue(s.lines().anyMatch(l -> l.matches("MaxPool2D\\(2x2\\) +\\(7, 7, 64\\) +0")), s);
            assertEquals("layer 0 (Conv2D(8, 3x3)): Conv2D(8, 3x3) takes images of shape (height, width, channels), got shape (10)",
                    assertThrows(IllegalArgumentException.class, () -> Model.of(Backends.reference(), Shape.of(10), Loss.MSE, 1,
                            new Conv2D(8, 3, 1, 0, Init.HE))).getMessage());
        }
    }

    @Test
    void aConvolutionalModelSavesAndLoadsWithItsLayers() throws IOException {
        Path file = dir.resolve("cnn.model");
        Kernels k = Backends.reference();
        try (Arena arena = Arena.ofConfined();
             Model m = Model.of(k, Shape.image(6, 5, 2), Loss.SOFTMAX_CROSS_ENTROPY, 3,
                     new Conv2D(4, 3, 2, 2, 1, 1, 0, Init.XAVIER), Activation.tanh(), new AvgPool2D(2, 1, 1),
                     new Conv2D(3, 1, 1, 0, Init.HE), new MaxPool2D(2, 1), new Flatten(), new Dense(3))) {
            m.save(file);
            Matrix x = ModelTest.random(arena, 4, 60, 5);
            try (Model back = Model.load(file, k); Matrix a = m.predict(x); Matrix b = back.predict(x)) {
                assertEquals(m.summary(), back.summary());
                assertArrayEquals(a.toArray(), b.toArray());
            }
        }
    }

    /**
     * Backpropagation through convolution, both poolings, ReLU and Dense on the reference backend against central
     * differences of the loss, as GradientCheckTest does for dense networks (the tolerance derived there: the
     * difference of two step sizes bounds the truncation error, plus the rounding of the float losses).
     */
    @Test
    void backwardThroughConvolutionAndPoolingMatchesFiniteDifferences() {
        Kernels k = Backends.reference();
        SplittableRandom rnd = new SplittableRandom(9);
        int batch = 2;
        try (Arena arena = Arena.ofConfined();
             Model m = Model.of(k, Shape.image(5, 5, 2), Loss.SOFTMAX_CROSS_ENTROPY, 4,
                     new Conv2D(3, 3, 1, 1, Init.XAVIER), Activation.tanh(), new AvgPool2D(2, 1, 0),
                     new Conv2D(2, 2, 1, 0, Init.XAVIER), new MaxPool2D(2, 1), new Flatten(), new Dense(3))) {
            Matrix x = ModelTest.random(arena, batch, 50, 11);
            Matrix dOut = Matrix.allocate(arena, batch, 3);
            int[] labels = {rnd.nextInt(3), rnd.nextInt(3)};
            Supplier<Float> lossAt = () -> m.loss().compute(k, dOut, m.forward(x, true), null, labels);
            lossAt.get();
            m.backward(dOut, false);
            // Rounding: each loss within 256 u |L| (a few hundred roundings through two convolutions, pooling and the
            // loss). Max pooling has kinks where two window values tie or swap: skipped where the two steps disagree.
            int checked = FiniteDifferences.checkParameters(m.toString(), m.parameters(), lossAt, 1e-2f, 256,
                    (p, i, j, d1, d2) -> Math.abs(d1 - d2) > 1e-2);
            int total = (int) m.size();
            assertTrue(checked >= total * 3 / 4, "only " + checked + " of " + total + " weights away from a kink");
        }
    }
}
