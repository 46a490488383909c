package dev.myelin.onnx;

import dev.myelin.core.Backends;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.Activation;
import dev.myelin.trainer.AvgPool2D;
import dev.myelin.trainer.Conv2D;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.Dropout;
import dev.myelin.trainer.Flatten;
import dev.myelin.trainer.Init;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.MaxPool2D;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Parameter;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Standardize;
import java.util.List;
import java.util.SplittableRandom;

/** The models the tests export: an MLP and a small CNN with every layer Myelin has, and their inputs. */
final class Models {

    private Models() {
    }

    /** Standardize (per feature), Dense, ReLU, Dropout, Dense, leaky ReLU, Dense: 20 features, 5 classes. */
    static Model mlp(Loss loss) {
        SplittableRandom rnd = new SplittableRandom(11);
        float[] mean = new float[20];
        float[] std = new float[20];
        for (int i = 0; i < 20; i++) {
            mean[i] = (float) rnd.nextDouble(-1, 1);
            std[i] = (float) rnd.nextDouble(0.5, 2);
        }
        Model m = Model.of(Backends.get(), Shape.of(20), loss, 42, Standardize.perFeature(mean, std), new Dense(32, Init.HE),
                Activation.relu(), new Dropout(0.3f), new Dense(16, Init.HE), Activation.leakyRelu(0.1f), new Dense(5));
        randomBiases(m, rnd);
        return m;
    }

    /**
     * On (10, 9, 3) images (not square, so a swapped height and width shows): Standardize, Conv2D 3x3 pad 1, ReLU,
     * MaxPool 2, Conv2D 3x2 stride 2x1 pad 1x0, AvgPool 3 stride 1 pad 1, Flatten, Dense: 7 classes.
     */
    static Model cnn() {
        Model m = Model.of(Backends.get(), Shape.image(10, 9, 3), Loss.SOFTMAX_CROSS_ENTROPY, 7, new Standardize(0.5f, 0.25f),
                new Conv2D(6, 3, 1, 1, Init.HE), Activation.relu(), new MaxPool2D(2),
                new Conv2D(4, 3, 2, 2, 1, 1, 0, Init.HE), new AvgPool2D(3, 1, 1), new Flatten(), new Dense(7));
        randomBiases(m, new SplittableRandom(13));
        m.classNames(List.of("a", "b,c", "\"quoted\"", "d\\e", "é", "f", "g"));
        return m;
    }

    /** Biases start at 0; random ones make the bias path count. */
    static void randomBiases(Model m, SplittableRandom rnd) {
        for (Parameter p : m.parameters()) {
            if (p.name().endsWith(".b")) {
                float[] b = new float[p.cols()];
                for (int i = 0; i < b.length; i++) {
                    b[i] = (float) rnd.nextDouble(-0.5, 0.5);
                }
                p.value().copyFrom(b);
            }
        }
    }

    /** {@code n} samples of {@code width} values in [-2, 2], a new matrix. */
    static Matrix inputs(int n, int width, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble(-2, 2);
        }
        return Matrix.allocate(n, width).copyFrom(x);
    }
}
