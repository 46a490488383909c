package dev.myelin.trainer.examples;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.trainer.Activation;
import dev.myelin.trainer.Adam;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Flatten;
import dev.myelin.trainer.Init;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Sequential;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.TrainingListener;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.FashionMnist;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Seed 5: Fashion-MNIST with a one-hidden-layer MLP, {@code Flatten -> Dense(128) -> ReLU -> Dense(10)},
 * softmax cross-entropy, Adam (lr 1e-3), batch 128, 10 epochs: about 88% test accuracy.
 *
 * <p>Inputs are standardised with the training set's pixel mean and standard deviation (0.286, 0.353):
 * zero-mean inputs of unit scale suit He initialisation. Measured on the SIMD backend, the test accuracy
 * after 10 epochs over seeds 1 to 6 was 86.5-88.3% with pixels in [0, 1], and 87.8-88.4% standardised
 * (seeds 1 to 8 and 42: 87.8-88.6%).
 */
public final class FashionMnistExample {

    public static final int HIDDEN = 128;
    public static final int EPOCHS = 10;
    public static final int BATCH = 128;
    public static final float LEARNING_RATE = 1e-3f;

    /** The training and test sets, standardised with the training set's stats. */
    public record Data(Dataset train, Dataset test, Dataset.Stats stats) implements AutoCloseable {
        @Override
        public void close() {
            train.close();
            test.close();
        }
    }

    /** Reads both sets from {@code folder} and standardises them. */
    public static Data load(Path folder) throws IOException {
        Dataset train = FashionMnist.train(folder);
        try {
            Dataset test = FashionMnist.test(folder);
            Dataset.Stats stats = train.featureStats();
            train.standardize(stats);
            test.standardize(stats);
            return new Data(train, test, stats);
        } catch (IOException | RuntimeException e) {
            train.close();
            throw e;
        }
    }

    /** The per-epoch results and the final test accuracy. */
    public record Result(List<EpochResult> history, double testAccuracy) {
    }

    private FashionMnistExample() {
    }

    /** The model: He init for the ReLU layer, Xavier for the logits. */
    public static Sequential model(Kernels kernels, int hidden, long seed) {
        return new Sequential(kernels, FashionMnist.ROWS * FashionMnist.COLS, seed,
                new Flatten(FashionMnist.ROWS, FashionMnist.COLS),
                new Dense(hidden, Init.HE), Activation.relu(),
                new Dense(FashionMnist.CLASSES, Init.XAVIER));
    }

    public static Result run(Kernels kernels, Dataset train, Dataset test, long seed, TrainingListener... listeners)
            throws IOException {
        try (Sequential model = model(kernels, HIDDEN, seed);
             Adam adam = Adam.adam(model, LEARNING_RATE);
             Trainer trainer = new Trainer(model, Loss.SOFTMAX_CROSS_ENTROPY, adam, BATCH, seed)) {
            List<EpochResult> history = trainer.fit(train, test, EPOCHS, listeners);
            return new Result(history, history.getLast().testAccuracy());
        }
    }

    /** Optional argument: the data folder (else the usual places, fetching if needed). */
    public static void main(String[] args) throws IOException {
        Path folder = FashionMnist.locate(args.length > 0 ? Path.of(args[0]) : null, System.err::println);
        try (Data data = load(folder)) {
            Result r = run(Backends.get(), data.train(), data.test(), 42, new TrainingListener() {
                @Override
                public void onEpochEnd(EpochResult e, Trainer t) {
                    System.out.printf(Locale.ROOT, "epoch %2d  loss %.4f  accuracy %.2f%%  test accuracy %.2f%%  %.1f s%n",
                            e.epoch(), e.trainLoss(), 100 * e.trainAccuracy(), 100 * e.testAccuracy(), e.seconds());
                }
            });
            System.out.printf(Locale.ROOT, "test accuracy %.2f%%%n", 100 * r.testAccuracy());
        }
    }
}
