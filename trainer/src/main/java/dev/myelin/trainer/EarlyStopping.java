package dev.myelin.trainer;

/**
 * Stops training when the monitored loss (the validation loss if the fit has validation data, else the
 * training loss) has not improved by more than {@code minDelta} for {@code patience} epochs in a row.
 */
public final class EarlyStopping implements TrainingListener {

    private final int patience;
    private final double minDelta;
    private double best = Double.POSITIVE_INFINITY;
    private int bestEpoch;
    private int waited;

    /**
     * Stops when {@code patience} epochs in a row bring no improvement larger than {@code minDelta}.
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

    @Override
    public void onEpochEnd(EpochResult r, Trainer trainer) {
        double loss = Double.isNaN(r.validationLoss()) ? r.trainLoss() : r.validationLoss();
        if (loss < best - minDelta) {
            best = loss;
            bestEpoch = r.epoch();
            waited = 0;
        } else if (++waited >= patience) {
            trainer.stop();
        }
    }

    /** {@return the epoch with the lowest monitored loss so far (0 before any)} */
    public int bestEpoch() {
        return bestEpoch;
    }

    /** {@return the lowest monitored loss so far (+Inf before any epoch)} */
    public double bestLoss() {
        return best;
    }
}
