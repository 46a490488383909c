package dev.myelin.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.TrainingListener;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The Fashion-MNIST seed on the real data (found or fetched as the CLI does; CI runs .ci/fetch-data
 * first): the default SIMD backend, 10 epochs of Adam at batch 128.
 */
class FashionMnistExampleTest {

    @Test
    void reaches87Point5PercentTestAccuracy() throws IOException {
        Path folder = FashionMnistDownload.locate(null, System.err::println);
        long start = System.nanoTime();
        try (FashionMnistExample.Data data = FashionMnistExample.load(folder)) {
            double load = (System.nanoTime() - start) * 1e-9;
            FashionMnistExample.Result r = FashionMnistExample.run(Backends.get(), data, 42, new TrainingListener() {
                @Override
                public void onEpochEnd(EpochResult e, Trainer t) {
                    System.out.printf(Locale.ROOT, "epoch %2d  loss %.4f  accuracy %.4f  %.1f s%n",
                            e.epoch(), e.trainLoss(), e.trainAccuracy(), e.seconds());
                }
            });
            double total = (System.nanoTime() - start) * 1e-9;
            double accuracy = r.test().accuracy();
            System.out.printf(Locale.ROOT, "%s: test accuracy %.4f; loading %.1f s, total %.1f s%n",
                    Backends.get().name(), accuracy, load, total);
            // The target. Measured on the SIMD backend with standardised inputs: 88.3% at seed 42,
            // 87.8-88.6% over seeds 1 to 8 (the seed moves it by about +-0.4%, so 87.5% has some margin
            // but not much: a kernel change that alters rounding moves the result like another seed).
            assertTrue(accuracy >= 0.875, "test accuracy " + accuracy);
        }
    }
}
