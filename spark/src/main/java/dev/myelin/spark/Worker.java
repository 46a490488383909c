package dev.myelin.spark;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Replica;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.data.Dataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The executor's side of a round: a model replica per partition, kept between rounds of one fit in this JVM (its
 * data copied off-heap once), but overwritten from the round's broadcast at the start of every round, so a task
 * computes a pure function of (settings, round, partition): a retried task, here or on another executor, returns
 * what the first attempt would have.
 */
final class Worker {

    /** Test hook: called at the start of every task with (partition, round, attempt); it may throw to fail the task. */
    interface Fault {
        void maybeFail(int partition, int round, int attempt);
    }

    static volatile Fault faultForTests;

    /**
     * A replica held in this JVM: the model, its trainer and the trainer's replica view, the partition's data
     * off-heap, and the epoch order it last drew.
     */
    private static final class Local implements AutoCloseable {
        final String fitId;
        final Model model;
        final Trainer trainer;
        final Replica replica;
        final Dataset data;
        final int[] order;
        int orderEpoch = -1;

        Local(Settings s, Block block, Kernels kernels) throws IOException {
            this.fitId = s.fitId();
            Model m = Model.fromBytes(s.architecture(), "the broadcast model", kernels);
            try {
                this.data = Dataset.classification("partition " + block.partition, block.features, block.width, block.labels,
                        m.outputs());
                this.trainer = new Trainer(m, s.newOptimizer()).batchSize(s.batchSize()).seed(s.workerSeed(block.partition))
                        .schedule(s.newSchedule());
                this.replica = new Replica(trainer, block.partition, s.workers());
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
            this.model = m;
            this.order = new int[block.rows];
        }

        @Override
        public void close() {
            trainer.close();
            data.close();
            model.close();
        }
    }

    /** Replicas in this JVM, by partition; one fit at a time per partition (a new fit's replica replaces the old). */
    private static final Map<Integer, Local> REPLICAS = new ConcurrentHashMap<>();

    private Worker() {
    }

    /** Runs one round on {@code block} and returns its result. */
    static Round.Out run(Settings s, Round.In in, Block block, int cpus, int attempt) {
        Fault fault = faultForTests;
        if (fault != null) {
            fault.maybeFail(block.partition, in.index(), attempt);
        }
        Local r = replica(s, block, cpus);
        synchronized (r) {
            Model m = r.model;
            m.values().copyFrom(in.parameters());
            m.runningState().copyFrom(in.running());
            List<Matrix> state = r.replica.optimizerState();
            if (in.state() != null) {
                for (int i = 0; i < state.size(); i++) {
                    state.get(i).copyFrom(in.state()[i]);
                }
            }
            r.replica.progress(in.epoch(), in.globalStep(), s.stepsPerEpoch());
            if (r.orderEpoch != in.epoch()) {
                Replica.shuffle(r.order, s.workerSeed(block.partition), in.epoch());
                r.orderEpoch = in.epoch();
            }
            int b = s.batchSize();
            double loss = 0;
            long samples = 0;
            if (s.syncEvery() == 1) {
                int from = in.fromStep() * b;
                int count = Math.min(b, s.rowsPerEpoch() - from);
                loss = (double) r.replica.gradient(r.data, r.order, from, count) * count;
                return new Round.Out(block.partition, m.gradients().toArray(), null, m.runningState().toArray(), loss, count);
            }
            for (int step = in.fromStep(); step < in.toStep(); step++) {
                int from = step * b;
                int count = Math.min(b, s.rowsPerEpoch() - from);
                loss += (double) r.trainer.step(r.data, r.order, from, count) * count;
                samples += count;
            }
            float[][] out = new float[state.size()][];
            for (int i = 0; i < out.length; i++) {
                out[i] = state.get(i).toArray();
            }
            return new Round.Out(block.partition, m.values().toArray(), out, m.runningState().toArray(), loss, samples);
        }
    }

    private static Local replica(Settings s, Block block, int cpus) {
        Local r = REPLICAS.get(block.partition);
        if (r != null && r.fitId.equals(s.fitId())) {
            return r;
        }
        return REPLICAS.compute(block.partition, (p, old) -> {
            if (old != null && old.fitId.equals(s.fitId())) {
                return old;                    // another task of this fit made it meanwhile
            }
            if (old != null) {
                synchronized (old) {
                    old.close();               // an earlier fit's replica
                }
            }
            try {
                return new Local(s, block, Backends.choice().backend().kernels(Math.max(1, cpus)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Frees the replicas of fit {@code fitId} in this JVM. */
    static void release(String fitId) {
        REPLICAS.values().removeIf(r -> {
            if (!r.fitId.equals(fitId)) {
                return false;
            }
            synchronized (r) {
                r.close();
            }
            return true;
        });
    }
}
