package dev.myelin.trainer;

import java.io.IOException;

/** Hears the fit loop. Every method has an empty default. Per-batch calls pass primitives only. */
public interface TrainingListener {

    /** Before epoch {@code epoch} (1-based) of {@code batches} batches. */
    default void onEpochStart(int epoch, int batches) {
    }

    /** After each training step: batch index (1-based), the batch's sample count and mean loss. */
    default void onBatchEnd(int epoch, int batch, int batches, int samples, float loss) {
    }

    /** After each epoch and its evaluation; may call {@link Trainer#stop()}. */
    default void onEpochEnd(EpochResult result, Trainer trainer) throws IOException {
    }
}
