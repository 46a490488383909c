package dev.myelin.examples;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.trainer.Activation;
import dev.myelin.trainer.Adam;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Evaluation;
import dev.myelin.trainer.Flatten;
import dev.myelin.trainer.Init;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Standardize;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.TrainingListener;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.FashionMnist;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Seed 5: Fashion-MNIST with a one-hidden-layer MLP, {@code Standardize -> Flatten -> Dense(128) -> ReLU ->
 * Dense(10)}, softmax cross-entropy, Adam (lr 1e-3), batch 128, 10 epochs: about 88% test accuracy.
 *
 * <p>The model standardises its inputs with the training set's pixel mean and standard deviation (0.286,
 * 0.353), so it takes raw pixels in [0, 1] (also after {@link Model#save}/{@link Model#load}): zero-mean inputs
 * of unit scale suit He initialisation. The test set is scored once, after training ({@link Model#evaluate}).
 */
public final class FashionMnistExample {

    /** Units of the hidden layer. */
    public static final int HIDDEN = 128;
    /** Epochs to train. */
    public static final int EPOCHS = 10;
    /** Samples per batch. */
    public static final int BATCH = 128;
    /** Adam's learning rate. */
    public static final float LEARNING_RATE = 1e-3f;

    /**
     * The training and test sets (raw pixels in [0, 1]) and the training set's pixel statistics.
     *
     * @param train the 60,000 training images and labels
     * @param test  the 10,000 test images and labels
     * @param stats the training set's pixel mean and standard deviation
     */
    public record Data(Dataset train, Dataset test, Dataset.Stats stats) implements AutoCloseable {
        /** Closes both datasets. */
        @Override
        public void close() {
            train.close();
            test.close();
        }
    }

    /**
     * Reads both sets from {@code folder} and the training set's pixel mean and standard deviation.
     *
     * @param folder the folder that holds the four files
     * @return both sets and the statistics; close it to free their memory
     * @throws IOException if a file is missing, unreadable or invalid
     */
    public static Data load(Path folder) throws IOException {
        Dataset train = FashionMnist.train(folder);
        try {
            Dataset test = FashionMnist.test(folder);
            return new Data(train, test, train.featureStats());
        } catch (IOException | RuntimeException e) {
            train.close();
            throw e;
        }
    }

    /**
     * The per-epoch results and the test set's scores after the last epoch.
     *
     * @param history what each epoch measured
     * @param test    the test set's scores after the last epoch
     */
    public record Result(List<EpochResult> history, Evaluation test) {
    }

    private FashionMnistExample() {
    }

    /**
     * The model: standardisation by {@code stats}, He init for the ReLU layer, Xavier for the logits.
     *
     * @param kernels the backend to run on
     * @param hidden  the units of the hidden layer
     * @param seed    the seed of the initial weights
     * @param stats   the training set's pixel mean and standard deviation
     * @return the model; close it to free its memory
     */
    public static Model model(Kernels kernels, int hidden, long seed, Dataset.Stats stats) {
        return Model.of(kernels, Shape.image(FashionMnist.ROWS, FashionMnist.COLS, 1), Loss.SOFTMAX_CROSS_ENTROPY, seed,
                new Standardize((float) stats.mean(), (float) stats.std()), new Flatten(),
                new Dense(hidden, Init.HE), Activation.relu(),
                new Dense(FashionMnist.CLASSES, Init.XAVIER));
    }

    /**
     * Trains the example's model for {@link #EPOCHS} epochs on {@code data.train()}, then scores {@code data.test()}.
     *
     * @param kernels   the backend to run on
     * @param data      the training and test sets
     * @param seed      the seed of the weights and the shuffling
     * @param listeners told of every epoch and step
     * @return the history and the test scores
     * @throws IOException if a listener fails to write
     */
    public static Result run(Kernels kernels, Data data, long seed, TrainingListener... listeners) throws IOException {
        try (Model model = model(kernels, HIDDEN, seed, data.stats());
             Trainer trainer = new Trainer(model, Adam.adam(LEARNING_RATE)).batchSize(BATCH).seed(seed)) {
            List<EpochResult> history = trainer.fit(data.train(), EPOCHS, listeners);
            return new Result(history, model.evaluate(data.test()));
        }
    }

    /**
     * Optional argument: the data folder (else the usual places, fetching if needed).
     *
     * @param args nothing, or the folder that holds the four Fashion-MNIST files
     * @throws IOException if the data cannot be found, fetched or read
     */
    public static void main(String[] args) throws IOException {
        Path folder = FashionMnistDownload.locate(args.length > 0 ? Path.of(args[0]) : null, System.err::println);
        try (Data data = load(folder)) {
            Result r = run(Backends.get(), data, 42, new TrainingListener() {
                @Override
                public void onEpochEnd(EpochResult e, Trainer t) {
                    System.out.printf(Locale.ROOT, "epoch %2d  loss %.4f  accuracy %.2f%%  %.1f s%n",
                            e.epoch(), e.trainLoss(), 100 * e.trainAccuracy(), e.seconds());
                }
            });
            System.out.printf(Locale.ROOT, "test accuracy %.2f%%%n", 100 * r.test().accuracy());
        }
    }
}
