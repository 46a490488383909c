package dev.myelin.examples;

import dev.myelin.core.Backends;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.Activation;
import dev.myelin.trainer.Adam;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Init;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Schedule;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.data.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The model API in one program, public API only: train a small classifier on in-memory data with a
 * validation split and a cosine schedule, evaluate it, save it; then (in any JVM) load it without naming
 * a layer and predict. {@code train FILE} does the first part, {@code predict FILE} the second; both print
 * the probabilities of the same five points.
 */
public final class QuickstartExample {

    private QuickstartExample() {
    }

    /**
     * 600 points of 2 features around three centres on the unit circle, labels 0, 1, 2.
     *
     * @return the dataset; close it to free its memory
     */
    public static Dataset clusters() {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] x = new float[600 * 2];
        int[] y = new int[600];
        for (int i = 0; i < 600; i++) {
            y[i] = i % 3;
            x[2 * i] = (float) (Math.cos(2 * Math.PI * y[i] / 3) + 0.4 * rnd.nextGaussian());
            x[2 * i + 1] = (float) (Math.sin(2 * Math.PI * y[i] / 3) + 0.4 * rnd.nextGaussian());
        }
        return Dataset.classification("clusters", x, 2, y, 3);
    }

    /**
     * Trains, prints the summary, the last epoch and the evaluation, saves to {@code file}; returns the probabilities.
     *
     * @param file the model file to write
     * @return the probabilities of the five points, row-major (5 x 3)
     * @throws IOException if the model file cannot be written
     */
    public static float[] train(Path file) throws IOException {
        try (Dataset data = clusters();
             Model model = Model.of(Backends.get(), Shape.of(2), Loss.SOFTMAX_CROSS_ENTROPY, 42,
                     new Dense(32, Init.HE), Activation.relu(), new Dense(3));
             Trainer trainer = new Trainer(model, Adam.adam(0.05f)).batchSize(32).validationSplit(0.2)
                     .schedule(Schedule.cosine(20))) {
            System.out.println(model.summary());
            EpochResult last = trainer.fit(data, 20).getLast();
            System.out.printf("epoch %d: loss %.4f, validation accuracy %.2f%%%n", last.epoch(), last.trainLoss(),
                    100 * last.validationAccuracy());
            System.out.println(model.evaluate(data));
            model.save(file);
            return predict(model);
        }
    }

    /**
     * Loads the model file and returns the probabilities it gives the five points.
     *
     * @param file the model file {@link #train} wrote
     * @return the probabilities of the five points, row-major (5 x 3)
     * @throws IOException if the model file cannot be read or is invalid
     */
    public static float[] predict(Path file) throws IOException {
        try (Model model = Model.load(file)) {
            return predict(model);
        }
    }

    private static float[] predict(Model model) {
        try (Matrix x = Matrix.allocate(5, 2).copyFrom(new float[] {1, 0, -0.5f, 0.87f, -0.5f, -0.87f, 0, 0, 3, 3});
             Matrix p = model.predict(x)) {
            System.out.println("probabilities of (1, 0), (-0.5, 0.87), (-0.5, -0.87), (0, 0), (3, 3):\n" + p);
            return p.toArray();
        }
    }

    /**
     * {@code train FILE} or {@code predict FILE}.
     *
     * @param args {@code train FILE} or {@code predict FILE}
     * @throws IOException if the model file cannot be written or read
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !(args[0].equals("train") || args[0].equals("predict"))) {
            System.err.println("usage: QuickstartExample train|predict FILE");
            System.exit(2);
        }
        float[] p = args[0].equals("train") ? train(Path.of(args[1])) : predict(Path.of(args[1]));
        StringBuilder bits = new StringBuilder("bits:");
        for (float v : p) {
            bits.append(' ').append(Integer.toHexString(Float.floatToRawIntBits(v)));
        }
        System.out.println(bits);
    }
}
