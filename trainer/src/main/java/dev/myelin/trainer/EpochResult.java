package dev.myelin.trainer;

/**
 * What one epoch measured. Accuracies are fractions in [0, 1], NaN without labels; test values are NaN
 * without held-out data.
 *
 * @param epoch         1-based epoch number
 * @param trainLoss     mean loss over the epoch's batches, weighted by batch size (before each update)
 * @param trainAccuracy fraction of training samples predicted right (before each update)
 * @param testLoss      mean loss on the held-out data after the epoch
 * @param testAccuracy  accuracy on the held-out data after the epoch
 * @param seconds       wall-clock seconds of the epoch's training steps (evaluation excluded)
 * @param samples       training samples seen in the epoch
 */
public record EpochResult(int epoch, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy,
                          double seconds, long samples) {

    /** Training samples per second. */
    public double samplesPerSecond() {
        return samples / seconds;
    }
}
