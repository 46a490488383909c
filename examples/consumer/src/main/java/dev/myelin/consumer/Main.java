package dev.myelin.consumer;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.Activation;
import dev.myelin.trainer.Adam;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.Evaluation;
import dev.myelin.trainer.Init;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.data.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains, saves, loads, predicts and evaluates through the public API, as a user's program would, and checks that
 * the library brought none of the command line's libraries with it. Argument: how it was started (for the output).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        String how = args.length > 0 ? args[0] : "?";
        for (String name : List.of("picocli.CommandLine", "com.fasterxml.jackson.databind.ObjectMapper",
                "org.knowm.xchart.XYChart", "me.tongfei.progressbar.ProgressBar", "org.jline.terminal.Terminal")) {
            try {
                Class.forName(name);
                throw new AssertionError(name + " is reachable from a program that depends on the library only");
            } catch (ClassNotFoundException expected) {
                // as it should be
            }
        }
        // Two classes: inside or outside the unit circle.
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 400;
        float[] x = new float[2 * n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = (float) rnd.nextDouble(-2, 2);
            x[2 * i + 1] = (float) rnd.nextDouble(-2, 2);
            y[i] = x[2 * i] * x[2 * i] + x[2 * i + 1] * x[2 * i + 1] < 1 ? 1 : 0;
        }
        Kernels k = Backends.get();
        Path file = Files.createTempFile("consumer", ".model");
        try (Dataset data = Dataset.classification("circle", x, 2, y, 2);
             Model model = Model.of(k, Shape.of(2), Loss.SOFTMAX_CROSS_ENTROPY, 1, new Dense(32, Init.HE), Activation.relu(),
                     new Dense(2));
             Trainer trainer = new Trainer(model, Adam.adam(0.02f)).batchSize(32).validationSplit(0.25)) {
            trainer.fit(data, 40);
            model.save(file);
            try (Model loaded = Model.load(file, k); Matrix p = loaded.predict(data.features())) {
                Evaluation e = loaded.evaluate(data);
                if (!(e.accuracy() > 0.9) || p.rows() != n) {
                    throw new AssertionError("accuracy " + e.accuracy() + " after 40 epochs");
                }
                System.out.printf("consumer on the %s, backend %s: %s%n", how, k.name(), e.toString().lines().findFirst().orElseThrow());
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
