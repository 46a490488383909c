package dev.myelin.examples;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.Activation;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.Init;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Sgd;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.data.Dataset;
import java.io.IOException;
import java.util.Locale;

/**
 * Seed 3: a two-layer MLP (16 tanh units, linear output) fits {@code sin(x)} on [-pi, pi] by full-batch
 * gradient descent (with momentum) on the MSE. A sum of 16 shifted, scaled tanh curves approximates any
 * smooth curve on an interval; gradient descent finds such a sum.
 */
public final class SineExample {

    /** Evenly spaced samples of the curve. */
    public static final int SAMPLES = 64;
    /** Tanh units of the hidden layer. */
    public static final int HIDDEN = 16;
    /** Epochs of full-batch gradient descent. */
    public static final int EPOCHS = 3000;

    /**
     * The MSE at the end and the largest error at any sample.
     *
     * @param mse      the mean squared error over the samples
     * @param maxError the largest absolute error at a sample
     */
    public record Result(double mse, double maxError) {
    }

    private SineExample() {
    }

    /**
     * Fits the curve.
     *
     * @param kernels the backend to run on
     * @param seed    the seed of the initial weights
     * @return the errors after training
     * @throws IOException never in practice: the fit has no listener that writes
     */
    public static Result run(Kernels kernels, long seed) throws IOException {
        try (Dataset data = ToyData.sine(SAMPLES);
             Model model = Model.of(kernels, Shape.of(1), Loss.MSE, seed, new Dense(HIDDEN, Init.XAVIER), Activation.tanh(),
                     new Dense(1, Init.XAVIER));
             Trainer trainer = new Trainer(model, new Sgd(0.05f, 0.9f)).batchSize(SAMPLES).seed(seed)) {
            trainer.fit(data, EPOCHS);
            float[] y = data.targets().toArray();
            float[] p;
            try (Matrix predictions = model.predict(data.features())) {
                p = predictions.toArray();
            }
            double mse = 0, max = 0;
            for (int i = 0; i < y.length; i++) {
                mse += (p[i] - y[i]) * (double) (p[i] - y[i]);
                max = Math.max(max, Math.abs(p[i] - y[i]));
            }
            return new Result(mse / y.length, max);
        }
    }

    /**
     * Prints the errors.
     *
     * @param args ignored
     * @throws IOException never in practice
     */
    public static void main(String[] args) throws IOException {
        Result r = run(Backends.get(), 42);
        System.out.printf(Locale.ROOT, "sin(x) on [-pi, pi]: mse %.2e, largest error %.4f%n", r.mse(), r.maxError());
    }
}
