package dev.myelin.spark;

import java.io.Serializable;

/**
 * One synchronisation round, both ways. In: the parameters and the model's running state (batch normalization's
 * statistics) (and, when replicas synchronise every k > 1 steps, the optimizer's state) every worker starts from, the
 * epoch and the range of its steps. Out: what one worker made of it: its gradient (k = 1) or its parameters and
 * optimizer state after k local steps, its running state after the round, and its loss sum.
 */
final class Round {

    private Round() {
    }

    /**
     * What the driver broadcasts for a round.
     *
     * @param index      the round's number within the fit, from 0
     * @param epoch      the epoch, from 0
     * @param fromStep   the round's first step within the epoch
     * @param toStep     the step after its last (k steps later, or the end of the epoch)
     * @param globalStep the optimizer steps taken before the round, over all epochs
     * @param parameters the model's value slab every worker starts from
     * @param state      the optimizer's state blocks to start from (k > 1), or null (k = 1)
     * @param running    the model's running-state slab every worker starts from
     */
    record In(int index, int epoch, int fromStep, int toStep, int globalStep, float[] parameters, float[][] state,
              float[] running) implements Serializable {
    }

    /**
     * What one worker returns.
     *
     * @param partition the worker's partition
     * @param values    its gradient slab (k = 1) or its value slab after k steps (k > 1)
     * @param state     its optimizer's state blocks after k steps (k > 1), or null (k = 1)
     * @param running   its running-state slab after the round (the forward passes update it, whatever k)
     * @param lossSum   the sum of its samples' losses
     * @param samples   the number of samples it trained on
     */
    record Out(int partition, float[] values, float[][] state, float[] running, double lossSum, long samples)
            implements Serializable {
    }
}
