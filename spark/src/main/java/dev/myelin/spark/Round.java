package dev.myelin.spark;

import java.io.Serializable;

/**
 * One synchronisation round, both ways. In: the parameters (and, when replicas synchronise every k > 1 steps,
 * the optimizer's state) every worker starts from, the epoch and the range of its steps. Out: what one worker
 * made of it: its gradient (k = 1) or its parameters and optimizer state after k local steps, and its loss sum.
 */
final class Round {

    private Round() {
    }

    /** What the driver broadcasts for a round. */
    record In(int index, int epoch, int fromStep, int toStep, int globalStep, float[] parameters, float[][] state)
            implements Serializable {
    }

    /** What one worker returns. */
    record Out(int partition, float[] values, float[][] state, double lossSum, long samples) implements Serializable {
    }
}
