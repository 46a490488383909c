package dev.myelin.trainer;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.trainer.data.Dataset;
import java.io.IOException;

/**
 * Run by {@link FitLoopTest} in a child JVM with a small heap ({@code -Xmx256m}, which bounds the batch buffers too):
 * fits {@link TrainerTest#model} on 120 samples with batch sizes 120, 1,000,000,000 and {@link Integer#MAX_VALUE}
 * and prints each run's per-epoch training and validation losses as raw bits; then asks for buffers that cannot fit
 * (a Dense layer of 100,000 units on batches of 2,000 samples: 3.2 GB of buffers) and prints the error.
 */
public final class BatchSizeProbe {

    private BatchSizeProbe() {
    }

    public static void main(String[] args) throws IOException {
        Kernels k = Backends.reference();
        for (int batch : new int[] {120, 1_000_000_000, Integer.MAX_VALUE}) {
            try (Dataset train = TrainerTest.blobs(120, 7); Dataset validation = TrainerTest.blobs(30, 8);
                 Model m = TrainerTest.model(k, 3); Trainer t = new Trainer(m, Adam.adam(0.01f)).batchSize(batch).seed(3)) {
                StringBuilder sb = new StringBuilder();
                for (EpochResult r : t.fit(train, validation, 3)) {
                    sb.append(String.format(" %016x/%016x", Double.doubleToRawLongBits(r.trainLoss()),
                            Double.doubleToRawLongBits(r.validationLoss())));
                }
                System.out.println("batch " + batch + ":" + sb + " steps " + t.steps());
            }
        }
        try (Dataset train = TrainerTest.blobs(2_000, 7);
             Model m = Model.of(k, Shape.of(TrainerTest.WIDTH), Loss.SOFTMAX_CROSS_ENTROPY, 3, new Dense(100_000),
                     Activation.relu(), new Dense(TrainerTest.CLASSES));
             Trainer t = new Trainer(m, Adam.adam(0.01f)).batchSize(2_000)) {
            t.fit(train, 1, new TrainingListener() {
                @Override
                public void onBatchEnd(int epoch, int batch, int batches, int samples, float loss) {
                    System.out.println("a step ran");
                }
            });
            System.out.println("no error");
        } catch (IllegalArgumentException e) {
            System.out.println("error: " + e.getMessage());
        }
    }
}
