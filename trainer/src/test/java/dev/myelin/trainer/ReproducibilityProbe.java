package dev.myelin.trainer;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.trainer.data.Dataset;
import java.io.IOException;
import java.util.List;

/**
 * Run by {@link TrainerTest} in child JVMs: trains a small network whose kernels include every
 * transcendental one the trainer uses (tanh, GELU, softmax cross-entropy) with Adam, on the blobs of
 * {@link TrainerTest#blobs}, and prints each epoch's train and test loss and a digest of the final
 * parameters as raw bits. Arguments: the backend, and how many whole training runs to do first, unprinted
 * (so that the JIT has compiled the kernels before the printed run).
 */
public final class ReproducibilityProbe {

    static final int EPOCHS = 4;

    private ReproducibilityProbe() {
    }

    public static void main(String[] args) throws IOException {
        Kernels k = Backends.get(args[0], 1);
        int warmups = Integer.parseInt(args[1]);
        for (int i = 0; i < warmups; i++) {
            train(k);
        }
        for (String line : train(k)) {
            System.out.println(line);
        }
    }

    /** One training run from seed 5: per-epoch lines, then a parameter digest line. */
    static List<String> train(Kernels k) throws IOException {
        try (Dataset train = TrainerTest.blobs(200, 7); Dataset test = TrainerTest.blobs(50, 8);
             Sequential m = new Sequential(k, TrainerTest.WIDTH, 5, new Dense(16, Init.XAVIER), Activation.tanh(),
                     new Dense(16, Init.HE), Activation.gelu(), new Dense(TrainerTest.CLASSES, Init.XAVIER));
             Adam adam = Adam.adam(m, 0.01f); Trainer t = new Trainer(m, Loss.SOFTMAX_CROSS_ENTROPY, adam, TrainerTest.BATCH, 5)) {
            List<String> lines = new java.util.ArrayList<>();
            for (EpochResult r : t.fit(train, test, EPOCHS)) {
                lines.add(String.format("epoch %d: train loss %016x, test loss %016x (%.6f)", r.epoch(),
                        Double.doubleToRawLongBits(r.trainLoss()), Double.doubleToRawLongBits(r.testLoss()), r.trainLoss()));
            }
            long h = 0xcbf29ce484222325L;
            for (Parameter p : m.parameters()) {
                for (float v : p.value().toArray()) {
                    h = (h ^ Float.floatToRawIntBits(v)) * 0x100000001b3L;
                }
            }
            lines.add(String.format("parameters: %016x", h));
            return lines;
        }
    }
}
