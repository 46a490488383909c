package dev.myelin.trainer;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Stops training when the monitored loss (the validation loss if the fit has validation data, else the
 * training loss) has not improved by more than {@code minDelta} for {@code patience} epochs in a row, and then
 * puts back the parameters of the best epoch (the one with the lowest monitored loss), unless told to
 * {@link #keepLastWeights() keep the last}. It keeps a copy of the parameters (on the heap, the size of the model's
 * value slab) taken at the end of each epoch that improves, with the model's running state (batch normalization's
 * statistics, {@link Model#runningState()}), which goes back with them: the statistics belong to the parameters
 * they were gathered under. Only these go back: the optimizer's state and
 * the trainer's counters stay those of the last epoch, so a listener after this one (a checkpoint) sees the restored
 * parameters, and one before it the last.
 */
public final class EarlyStopping implements TrainingListener {

    private final int patience;
    private final double minDelta;
    private boolean keepLast;
    private double best = Double.POSITIVE_INFINITY;
    private int bestEpoch;
    private int waited;
    private float[] bestValues;     // the value slab at the end of the best epoch
    private float[] bestState;      // and the running-state slab
    private boolean restored;

    /**
     * Stops when {@code patience} epochs in a row bring no improvement larger than {@code minDelta}, then restores the
     * best epoch's parameters.
     *
     * @param patience the epochs to wait for an improvement, {@code >= 1}
     * @param minDelta how much lower the loss must be than the best so far to count, finite and {@code >= 0}
     */
    public EarlyStopping(int patience, double minDelta) {
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be >= 1, got " + patience);
        }
        if (!(minDelta >= 0) || Double.isInfinite(minDelta)) {
            throw new IllegalArgumentException("minDelta must be finite and >= 0, got " + minDelta);
        }
        this.patience = patience;
        this.minDelta = minDelta;
    }

    /**
     * Leaves the parameters of the last epoch when stopping, instead of restoring the best epoch's (and keeps no
     * copy of them).
     *
     * @return this
     */
    public EarlyStopping keepLastWeights() {
        this.keepLast = true;
        this.bestValues = null;
        this.bestState = null;
        return this;
    }

    @Override
    public void onEpochEnd(EpochResult r, Trainer trainer) {
        double loss = Double.isNaN(r.validationLoss()) ? r.trainLoss() : r.validationLoss();
        MemorySegment values = slab(trainer.model().values());
        MemorySegment state = slab(trainer.model().runningState());
        if (loss < best - minDelta) {
            best = loss;
            bestEpoch = r.epoch();
            waited = 0;
            if (!keepLast) {
                if (bestValues == null) {
                    bestValues = new float[(int) (values.byteSize() / Float.BYTES)];
                }
                MemorySegment.copy(values, ValueLayout.JAVA_FLOAT, 0, bestValues, 0, bestValues.length);
                if (bestState == null) {
                    bestState = new float[(int) (state.byteSize() / Float.BYTES)];
                }
                MemorySegment.copy(state, ValueLayout.JAVA_FLOAT, 0, bestState, 0, bestState.length);
            }
        } else if (++waited >= patience) {
            trainer.stop();
            if (bestValues != null) {
                MemorySegment.copy(bestValues, 0, values, ValueLayout.JAVA_FLOAT, 0, bestValues.length);
                MemorySegment.copy(bestState, 0, state, ValueLayout.JAVA_FLOAT, 0, bestState.length);
                restored = true;
            }
        }
    }

    /** One of the model's slabs, {@code (1, S)}, as one segment. */
    private static MemorySegment slab(dev.myelin.core.Matrix v) {
        return v.segment().asSlice(v.offset() * Float.BYTES, (long) v.cols() * Float.BYTES);
    }

    /** {@return the epoch with the lowest monitored loss so far (0 before any)} */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** {@return the lowest monitored loss so far (+Inf before any epoch)} */
    public double bestLoss() {
        return best;
    }

    /** {@return whether it stopped training and put back the parameters of {@link #bestEpoch()}} */
    public boolean restored() {
        return restored;
    }
}
