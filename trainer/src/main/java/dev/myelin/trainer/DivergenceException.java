package dev.myelin.trainer;

/**
 * Training diverged: a step's loss, the parameters after an epoch's last update, the model's running state (batch
 * normalization's statistics) or the validation loss after an epoch is NaN or infinite. {@link Trainer#fit} throws it at the first such step or epoch end, before any listener
 * hears of it (so no checkpoint of the diverged state is written); the model's parameters are then unusable.
 * The usual cause is a learning rate too high for the data (unstandardised features make it likelier).
 *
 * <p>The message names where and at what rate, e.g. {@code training diverged at epoch 1, batch 2 of 4 (learning
 * rate 1.0E30): the loss is NaN; try a lower learning rate}.
 */
public final class DivergenceException extends ArithmeticException {

    private static final long serialVersionUID = 1L;

    /** The epoch, from 1. */
    private final int epoch;
    /** The optimizer step within the epoch, from 1. */
    private final int batch;
    /** The learning rate of that step. */
    private final float learningRate;

    /**
     * A divergence at step {@code batch} of {@code batches} of epoch {@code epoch}.
     *
     * @param epoch        the epoch, from 1
     * @param batch        the optimizer step within the epoch, from 1
     * @param batches      the steps the epoch has
     * @param learningRate the learning rate of that step
     * @param what         what was found, e.g. {@code "the loss is NaN"}
     */
    DivergenceException(int epoch, int batch, int batches, float learningRate, String what) {
        super("training diverged at epoch " + epoch + ", batch " + batch + " of " + batches + " (learning rate "
                + learningRate + "): " + what + "; try a lower learning rate");
        this.epoch = epoch;
        this.batch = batch;
        this.learningRate = learningRate;
    }

    /** {@return the epoch in which training diverged, from 1 (counting epochs restored from a checkpoint)} */
    public int epoch() {
        return epoch;
    }

    /** {@return the optimizer step within that epoch at which it was found, from 1} */
    public int batch() {
        return batch;
    }

    /** {@return the learning rate of that step (after the schedule)} */
    public float learningRate() {
        return learningRate;
    }
}
