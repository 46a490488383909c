package dev.myelin.examples;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Init;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Sgd;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.data.Dataset;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * Seed 1: linear regression by gradient descent. Data: {@code y = 3x + 2 + e}, x and e uniform in
 * [0, 1). One Dense(1) unit, MSE, full-batch gradient descent. The noise has mean 0.5, so the best line
 * is {@code 3x + 2.5}: the unit recovers slope ~3 and intercept ~2.5, and matches the closed-form least
 * squares fit of the same sample.
 */
public final class LinearRegressionExample {

    /** Samples of the line. */
    public static final int SAMPLES = 1000;
    /** Epochs of full-batch gradient descent. */
    public static final int EPOCHS = 500;
    /** Below 2 / (largest Hessian eigenvalue, 2.54 for x ~ U(0,1)): stable, and fast on the slow direction. */
    public static final float LEARNING_RATE = 0.5f;

    /**
     * What the run found, with the closed-form least-squares line of the same sample for comparison.
     *
     * @param slope        the learned weight
     * @param intercept    the learned bias
     * @param olsSlope     the least-squares slope of the same sample
     * @param olsIntercept the least-squares intercept of the same sample
     * @param loss         the MSE of the last epoch
     */
    public record Result(float slope, float intercept, double olsSlope, double olsIntercept, double loss) {
    }

    private LinearRegressionExample() {
    }

    /**
     * Fits the line.
     *
     * @param kernels the backend to run on
     * @param seed    the seed of the data and the initial weights
     * @return the learned and the least-squares line
     * @throws IOException never in practice: the fit has no listener that writes
     */
    public static Result run(Kernels kernels, long seed) throws IOException {
        try (Dataset data = ToyData.line(SAMPLES, seed);
             Model model = Model.of(kernels, Shape.of(1), Loss.MSE, seed, new Dense(1, Init.XAVIER));
             Trainer trainer = new Trainer(model, new Sgd(LEARNING_RATE, 0f)).batchSize(SAMPLES).seed(seed)) {
            List<EpochResult> history = trainer.fit(data, EPOCHS);
            float[] x = data.features().toArray();
            float[] y = data.targets().toArray();
            double mx = 0, my = 0, sxy = 0, sxx = 0;
            for (int i = 0; i < x.length; i++) {
                mx += x[i];
                my += y[i];
            }
            mx /= x.length;
            my /= x.length;
            for (int i = 0; i < x.length; i++) {
                sxy += (x[i] - mx) * (y[i] - my);
                sxx += (x[i] - mx) * (x[i] - mx);
            }
            double slope = sxy / sxx;
            return new Result(model.parameters().get(0).value().get(0, 0), model.parameters().get(1).value().get(0, 0),
                    slope, my - slope * mx, history.getLast().trainLoss());
        }
    }

    /**
     * Prints the learned line and the least-squares one.
     *
     * @param args ignored
     * @throws IOException never in practice
     */
    public static void main(String[] args) throws IOException {
        Result r = run(Backends.get(), 42);
        System.out.printf(Locale.ROOT, "y = %.4f x + %.4f (least squares: %.4f x + %.4f), mse %.5f%n",
                r.slope(), r.intercept(), r.olsSlope(), r.olsIntercept(), r.loss());
    }
}
