package dev.myelin.trainer;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.trainer.data.Dataset;
import java.io.IOException;
import java.util.List;

/**
 * Run by {@link TrainerTest} in child JVMs: trains a small network whose kernels include every
 * transcendental one the trainer uses (tanh, GELU, softmax cross-entropy) and dropout, with Adam, on the blobs of
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
        try (Dataset train = TrainerTest.blobs(200, 7); Dataset validation = TrainerTest.blobs(50, 8);
             Model m = Model.of(k, Shape.of(TrainerTest.WIDTH), Loss.SOFTMAX_CROSS_ENTROPY, 5, new Dense(16, Init.XAVIER),
                     Activation.tanh(), new Dropout(0.25f), new Dense(16, Init.HE), Activation.gelu(),
                     new Dense(TrainerTest.CLASSES, Init.XAVIER));
             Trainer t = new Trainer(m, Adam.adam(0.01f)).batchSize(TrainerTest.BATCH).seed(5)) {
            List<String> lines = new java.util.ArrayList<>();
            for (EpochResult r : t.fit(train, validation, EPOCHS)) {
                lines.add(String.format("epoch %d: train loss %016x, validation loss %016x (%.6f)", r.epoch(),
                        Double.doubleToRawLongBits(r.trainLoss()), Double.doubleToRawLongBits(r.validationLoss()),
                        r.trainLoss()));
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
