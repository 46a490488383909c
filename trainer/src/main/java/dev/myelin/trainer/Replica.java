package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.Dataset;
import java.util.List;

/**
 * A data-parallel replica's view of a {@link Trainer}: what a loop that runs replicas itself (the Spark module's
 * rounds) needs beyond {@link Trainer#fit} and {@link Trainer#step}. A step split in two ({@link #gradient},
 * then {@link #update} once the gradients are combined), the optimizer's state to copy between replicas, the
 * progress counters of a replica that joins a run in progress, and the epoch order every replica draws.
 *
 * <pre>{@code
 * Replica r = new Replica(trainer, rank, worldSize);
 * Replica.shuffle(order, seed, epoch);
 * float loss = r.gradient(data, order, from, batch);   // the model's gradient slab now holds this share's mean
 * // ... all-reduce model.gradients() ...
 * r.update();
 * }</pre>
 *
 * <p>The view holds no state of its own: every call reads and writes the trainer's.
 */
public final class Replica {

    private final Trainer trainer;

    /**
     * Makes {@code trainer} data-parallel replica {@code rank} of {@code worldSize}: in {@link Trainer#fit} every
     * replica shuffles the epoch's samples the same way (same seed) and takes its own contiguous share of
     * {@code floor(n / worldSize)} of them (the up to {@code worldSize - 1} left over sit the epoch out), so all
     * replicas take the same number of steps; the rank also keys the replica's training-time random draws
     * (dropout). The shard is one of the trainer's options, saved in its checkpoints.
     *
     * @param trainer   the trainer to view; it stays its owner's to close
     * @param rank      this replica's index, in {@code [0, worldSize)}
     * @param worldSize the number of replicas, {@code >= 1}
     * @throws IllegalStateException if the trainer has started training
     */
    public Replica(Trainer trainer, int rank, int worldSize) {
        if (trainer == null) {
            throw new NullPointerException("trainer is null");
        }
        trainer.shard(rank, worldSize);
        this.trainer = trainer;
    }

    /** {@return the trainer this is a view of} */
    public Trainer trainer() {
        return trainer;
    }

    /** {@return this replica's index among {@link #worldSize()}} */
    public int rank() {
        return trainer.rank();
    }

    /** {@return the number of replicas} */
    public int worldSize() {
        return trainer.worldSize();
    }

    /**
     * Forward and backward passes on the samples {@code rows[from .. from + count)} of {@code data} ({@code data}'s
     * rows {@code from .. from + count} when {@code rows} is null), in micro-batches of the trainer's batch size,
     * with no update: leaves the mean gradient over the samples in the model's gradient slab and returns their mean
     * loss. With {@link #update} this is {@link Trainer#step} split in two, for loops that combine gradients in
     * between.
     *
     * @param data  the data
     * @param rows  the rows of {@code data} to take samples from, or null for its rows in order
     * @param from  the first sample, an index into {@code rows}
     * @param count the number of samples, {@code >= 1}
     * @return the mean loss over the samples
     */
    public float gradient(Dataset data, int[] rows, int from, int count) {
        trainer.prepare(data, rows, from, count);
        return trainer.gradients(data, rows, from, count);
    }

    /**
     * One optimizer update from the model's gradient slab as it stands (the trainer's synchronisation hook is not
     * called): the schedule's rate for the next step, then one kernel call over the whole slab. Counts as a step.
     */
    public void update() {
        trainer.update();
    }

    /**
     * The optimizer's state, one block per state name (Adam's m and v, SGD's velocity), each a {@code (1, P)} matrix
     * in the layout of the model's value slab: live views, read and written by every update. Data-parallel training
     * reads and writes them to keep replicas' optimizers in step.
     *
     * @return the state blocks, live
     */
    public List<Matrix> optimizerState() {
        return trainer.state();
    }

    /**
     * Sets the completed epochs and optimizer steps and the steps an epoch has (a replica joining a run in progress:
     * the schedule and Adam's bias correction continue from {@code steps}); fixes the trainer's options.
     *
     * @param epochs        the epochs completed, {@code >= 0}
     * @param steps         the optimizer steps taken, {@code >= 0}
     * @param stepsPerEpoch the optimizer steps of one epoch, {@code >= 1}
     */
    public void progress(int epochs, int steps, int stepsPerEpoch) {
        trainer.progress(epochs, steps, stepsPerEpoch);
    }

    /**
     * The order {@link Trainer#fit} visits {@code order.length} training rows in epoch {@code epoch} (0-based): a
     * Fisher-Yates shuffle of {@code 0..n-1} from a generator seeded by {@code (seed, epoch)} only.
     *
     * @param order receives the order: a permutation of {@code 0 .. order.length - 1}
     * @param seed  the trainer's seed
     * @param epoch the epoch, from 0
     */
    public static void shuffle(int[] order, long seed, int epoch) {
        Trainer.shuffle(order, seed, epoch);
    }
}
