package dev.myelin.trainer;

import java.io.IOException;

/** Hears the fit loop. Every method has an empty default. Per-batch calls pass primitives only. */
public interface TrainingListener {

    /**
     * Before epoch {@code epoch} (1-based) of {@code batches} batches.
     *
     * @param epoch   the epoch about to start, from 1 (counting epochs restored from a checkpoint)
     * @param batches the optimizer steps it will take
     */
    default void onEpochStart(int epoch, int batches) {
    }

    /**
     * After each training step: batch index (1-based), the batch's sample count and mean loss.
     *
     * @param epoch   the running epoch, from 1
     * @param batch   the step just taken, from 1
     * @param batches the steps the epoch takes
     * @param samples the samples of this step
     * @param loss    the step's mean loss, before its update
     */
    default void onBatchEnd(int epoch, int batch, int batches, int samples, float loss) {
    }

    /**
     * After each epoch and its evaluation; may call {@link Trainer#stop()}.
     *
     * @param result  what the epoch measured
     * @param trainer the trainer, to stop it or save a checkpoint
     * @throws IOException if the listener cannot write what it keeps (a checkpoint, a report); the fit stops with it
     */
    default void onEpochEnd(EpochResult result, Trainer trainer) throws IOException {
    }
}
