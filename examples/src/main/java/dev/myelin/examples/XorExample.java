package dev.myelin.examples;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.trainer.Activation;
import dev.myelin.trainer.Adam;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Evaluation;
import dev.myelin.trainer.Init;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Optimizer;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Sgd;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.data.Dataset;
import java.io.IOException;
import java.util.List;
import java.util.Locale;

/**
 * Seed 2: XOR. A single sigmoid unit draws one line through the plane, and no line separates XOR's
 * classes: whatever it learns, at most 3 of the 4 points are right. One hidden tanh layer bends the
 * boundary, and trained with BCE it gets all 4.
 */
public final class XorExample {

    /** Epochs of both runs. */
    public static final int EPOCHS = 2000;

    private XorExample() {
    }

    /**
     * A single sigmoid unit, MSE, gradient descent: the last epoch's result.
     *
     * @param kernels the backend to run on
     * @param seed    the seed of the initial weights
     * @return loss and accuracy on the four points after training
     * @throws IOException never in practice: the fit has no listener that writes
     */
    public static EpochResult singleUnit(Kernels kernels, long seed) throws IOException {
        try (Dataset data = ToyData.xor();
             Model model = Model.of(kernels, Shape.of(2), Loss.MSE, seed, new Dense(1, Init.XAVIER), Activation.sigmoid())) {
            return train(model, new Sgd(1f, 0.9f), data, seed);
        }
    }

    /**
     * 2 -> 4 tanh -> 1 logit, BCE on logits, Adam: the last epoch's result.
     *
     * @param kernels the backend to run on
     * @param seed    the seed of the initial weights
     * @return loss and accuracy on the four points after training
     * @throws IOException never in practice: the fit has no listener that writes
     */
    public static EpochResult hiddenLayer(Kernels kernels, long seed) throws IOException {
        try (Dataset data = ToyData.xor();
             Model model = Model.of(kernels, Shape.of(2), Loss.BCE_WITH_LOGITS, seed, new Dense(4, Init.XAVIER),
                     Activation.tanh(), new Dense(1, Init.XAVIER))) {
            return train(model, Adam.adam(0.05f), data, seed);
        }
    }

    private static EpochResult train(Model model, Optimizer opt, Dataset data, long seed) throws IOException {
        try (Trainer trainer = new Trainer(model, opt).batchSize(4).seed(seed)) {
            List<EpochResult> h = trainer.fit(data, EPOCHS);
            Evaluation end = model.evaluate(data);          // after the last update
            EpochResult last = h.getLast();
            return new EpochResult(last.epoch(), end.loss(), end.accuracy(), Double.NaN, Double.NaN, last.seconds(),
                    last.samples(), last.learningRate());
        }
    }

    /**
     * Prints the accuracy and loss of both.
     *
     * @param args ignored
     * @throws IOException never in practice
     */
    public static void main(String[] args) throws IOException {
        Kernels k = Backends.get();
        EpochResult a = singleUnit(k, 42);
        EpochResult b = hiddenLayer(k, 42);
        System.out.printf(Locale.ROOT, "single sigmoid unit, MSE:    accuracy %3.0f%%, loss %.4f%n", 100 * a.trainAccuracy(), a.trainLoss());
        System.out.printf(Locale.ROOT, "tanh hidden layer, BCE:      accuracy %3.0f%%, loss %.4f%n", 100 * b.trainAccuracy(), b.trainLoss());
    }
}
