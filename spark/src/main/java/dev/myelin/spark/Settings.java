package dev.myelin.spark;

import dev.myelin.trainer.Optimizer;
import dev.myelin.trainer.Schedule;
import java.io.Serializable;
import java.util.Locale;

/**
 * What every worker needs to know for the whole fit, shipped once in a broadcast: the model file of the initial
 * model (architecture; its weights are replaced every round), the optimizer and schedule by name, the batch
 * size, the seed, the number of workers, the rows each takes per epoch and the steps between synchronisations.
 *
 * @param fitId         this fit's unique id (workers keep one replica per fit and JVM)
 * @param architecture  the initial model's model file
 * @param optimizer     the optimizer's name: adam, adamw or sgd
 * @param learningRate  the base learning rate
 * @param schedule      the schedule's name: constant or cosine
 * @param epochs        the epochs of the fit
 * @param batchSize     the samples per step on each worker
 * @param seed          the fit's seed
 * @param workers       the number of workers W
 * @param rowsPerEpoch  the rows each worker takes per epoch (the same for all)
 * @param stepsPerEpoch the optimizer steps of an epoch
 * @param syncEvery     the local steps between synchronisations, k
 */
record Settings(String fitId, byte[] architecture, String optimizer, float learningRate, String schedule, int epochs,
                int batchSize, long seed, int workers, int rowsPerEpoch, int stepsPerEpoch, int syncEvery)
        implements Serializable {

    /** The schedule by name: constant, or cosine (down to 0 over all epochs). */
    static Schedule newSchedule(String name, int epochs) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "constant" -> Schedule.constant();
            case "cosine" -> Schedule.cosine(epochs);
            default -> throw new IllegalArgumentException("schedule must be constant or cosine, got '" + name + "'");
        };
    }

    Optimizer newOptimizer() {
        return Optimizer.named(optimizer, learningRate);
    }

    Schedule newSchedule() {
        return newSchedule(schedule, epochs);
    }

    /** Worker {@code p}'s shuffling seed: the fit's seed for worker 0 (so one worker shuffles as one machine does). */
    long workerSeed(int p) {
        return seed + p * 0x9E3779B97F4A7C15L;
    }
}
