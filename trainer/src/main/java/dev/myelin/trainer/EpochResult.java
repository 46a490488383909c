package dev.myelin.trainer;

/**
 * What one epoch measured. Accuracies are fractions in [0, 1], NaN without labels; validation values are
 * NaN without validation data.
 *
 * @param epoch              1-based epoch number
 * @param trainLoss          mean loss over the epoch's batches, weighted by batch size (before each update)
 * @param trainAccuracy      fraction of training samples predicted right (before each update)
 * @param validationLoss     mean loss on the validation data after the epoch
 * @param validationAccuracy accuracy on the validation data after the epoch
 * @param seconds            wall-clock seconds of the epoch's training steps (validation excluded)
 * @param samples            training samples seen in the epoch (by this replica)
 * @param learningRate       the learning rate of the epoch's last step
 */
public record EpochResult(int epoch, double trainLoss, double trainAccuracy, double validationLoss,
                          double validationAccuracy, double seconds, long samples, float learningRate) {

    /** {@return the training samples per second: {@code samples / seconds}} */
    public double samplesPerSecond() {
        return samples / seconds;
    }
}
