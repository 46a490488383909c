package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.Dataset;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The fit loop: mini-batches in an order shuffled per epoch; per optimizer step one forward, loss and
 * backward pass per micro-batch, the synchronisation hook, the learning-rate schedule and one optimizer
 * update; validation after each epoch; listeners for progress, early stopping and checkpoints.
 *
 * <pre>{@code
 * try (Trainer trainer = new Trainer(model, Adam.adam(1e-3f)).batchSize(64).seed(42)
 *         .validationSplit(0.1).schedule(Schedule.cosine(10))) {
 *     List<EpochResult> history = trainer.fit(train, 10);
 * }
 * }</pre>
 *
 * <p><b>Options</b> ({@link #batchSize}, {@link #seed}, {@link #accumulate}, {@link #schedule},
 * {@link #validationSplit}, {@link #sync}, and a {@link Replica}'s shard) are set before the first {@link #fit}
 * and fixed from then on. Data-parallel training drives a trainer through its {@link Replica} view.
 *
 * <p><b>Memory:</b> the batch buffers (inputs, targets, output gradient, and the model's activations) hold
 * {@code min(batchSize, samples)} rows, so a batch size larger than the data costs nothing; they are allocated once
 * per fit, before the first step (buffers that do not fit in the JVM's memory are one
 * {@link IllegalArgumentException} then), the optimizer's state once per trainer in the model's slab layout; a warm
 * step allocates nothing on the heap.
 *
 * <p><b>Divergence:</b> a NaN or infinite loss stops {@link #fit} with a {@link DivergenceException} naming the
 * epoch, the step and the learning rate.
 *
 * <p><b>Reproducibility:</b> the order of epoch e is a function of {@code (seed, e)} alone, the validation
 * split of {@code seed} alone, and every random draw while training (dropout) of the seed, the epoch, the
 * batch and the replica; so a run restored from a checkpoint taken after epoch e continues exactly like the
 * uninterrupted run, and with the same seeds, backend and vector width every loss is bit-identical (for any
 * thread count).
 */
public final class Trainer implements AutoCloseable {

    private final Model model;
    private final Optimizer optimizer;
    private final Kernels k;
    private final Arena arena = Arena.ofShared();
    private final Matrix[] state;
    // options
    private int batchSize = 32;
    private long seed;
    private int accumulate = 1;
    private Schedule schedule = Schedule.constant();
    private double validationSplit;
    private GradientSync sync = GradientSync.LOCAL;
    private int rank;
    private int worldSize = 1;
    private boolean fixed;
    // progress
    private int epochs;          // completed
    private int steps;           // optimizer updates applied
    private volatile boolean stop;
    // the running fit
    private Arena batchArena;
    private Batch batch;
    private Buffer dOut;
    private final ChannelView dOutView;
    private final List<Run> runs;           // the update's runs when the decay spares some parameters, else null   // dOut (B, P V) as (B P, V), one row per scored position
    private int[] predicted = new int[0];
    private int stepsPerEpoch;
    private float rate;
    private int epochIndex;      // 0-based index of the running epoch
    private double lossSum;
    private long correct;

    /**
     * A trainer of {@code model} with {@code optimizer}; options default to batch 32, the model's seed, no validation.
     *
     * @param model     the model to train; the trainer does not close it
     * @param optimizer the update rule; its state is allocated here, in the model's slab layout
     */
    public Trainer(Model model, Optimizer optimizer) {
        if (model == null) {
            throw new NullPointerException("model is null");
        }
        if (optimizer == null) {
            throw new NullPointerException("optimizer is null");
        }
        this.model = model;
        this.optimizer = optimizer;
        this.k = model.kernels();
        this.seed = model.seed();
        List<String> names = optimizer.stateNames();
        this.state = new Matrix[names.size()];
        for (int i = 0; i < state.length; i++) {
            state[i] = Matrix.allocate(arena, 1, model.values().cols());
        }
        this.rate = optimizer.learningRate();
        this.dOutView = new ChannelView(model.outputs() / model.positions());
        this.runs = optimizer.decaysWeightsOnly() ? runs(model, state) : null;
    }

    /** A run of neighbouring parameters in the slabs that the weight decay applies to, or spares: views of each slab. */
    private record Run(Matrix values, Matrix gradients, Matrix[] state, boolean decay) {
    }

    /**
     * The slabs cut into runs of neighbouring parameters alike in {@link Parameter#decays()}, each run from its first
     * parameter's offset to the next run's (the zero gaps between parameters go with the run before them), the last to
     * the slab's end; null when every parameter is alike, so the update stays one call.
     */
    private static List<Run> runs(Model model, Matrix[] state) {
        List<Parameter> ps = model.parameters();
        List<Run> runs = new ArrayList<>();
        int slab = model.values().cols();
        int from = 0;
        for (int i = 1; i <= ps.size(); i++) {
            if (i == ps.size() || ps.get(i).decays() != ps.get(from).decays()) {
                long start = ps.get(from).offset();
                long end = i == ps.size() ? slab : ps.get(i).offset();
                Matrix[] s = new Matrix[state.length];
                for (int j = 0; j < s.length; j++) {
                    s[j] = slice(state[j], start, end);
                }
                runs.add(new Run(slice(model.values(), start, end), slice(model.gradients(), start, end), s,
                        ps.get(from).decays()));
                from = i;
            }
        }
        return runs.size() > 1 ? List.copyOf(runs) : null;
    }

    /** Elements {@code [start, end)} of a {@code (1, n)} slab. */
    private static Matrix slice(Matrix slab, long start, long end) {
        int n = Math.toIntExact(end - start);
        return Matrix.wrap(slab.segment(), slab.offset() + start, 1, n, n);
    }

    // ---------------------------------------------------------------- options

    /**
     * Samples per micro-batch (the forward and backward pass), default 32. A batch size larger than the data makes
     * every batch the whole data; buffers are sized by the data, not by this number.
     *
     * @param batchSize the samples of one forward and backward pass, {@code >= 1}
     * @return this trainer
     * @throws IllegalStateException if training has started
     */
    public Trainer batchSize(int batchSize) {
        open("batchSize");
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
        }
        this.batchSize = batchSize;
        return this;
    }

    /**
     * The seed of the shuffling, the validation split and the training-time random draws; default the model's.
     *
     * @param seed the seed
     * @return this trainer
     * @throws IllegalStateException if training has started
     */
    public Trainer seed(long seed) {
        open("seed");
        this.seed = seed;
        return this;
    }

    /**
     * Accumulates the gradients of {@code microBatches} micro-batches of {@link #batchSize} samples before each
     * optimizer step (an effective batch of {@code microBatches * batchSize}); default 1. Each micro-batch's
     * loss gradient is weighted by its share of the step's samples, so the accumulated gradient is the mean
     * over the step's samples, as one batch of them would give (up to rounding: see the guide).
     *
     * @param microBatches the micro-batches per optimizer step, {@code >= 1}
     * @return this trainer
     * @throws IllegalStateException if training has started
     */
    public Trainer accumulate(int microBatches) {
        open("accumulate");
        if (microBatches <= 0) {
            throw new IllegalArgumentException("microBatches must be > 0, got " + microBatches);
        }
        this.accumulate = microBatches;
        return this;
    }

    /**
     * The learning-rate schedule applied before every optimizer step; default constant.
     *
     * @param schedule the schedule
     * @return this trainer
     * @throws IllegalStateException if training has started
     */
    public Trainer schedule(Schedule schedule) {
        open("schedule");
        if (schedule == null) {
            throw new NullPointerException("schedule is null");
        }
        this.schedule = schedule;
        return this;
    }

    /**
     * Holds out {@code fraction} of the training data, chosen by the seed, for validation: per-epoch validation
     * metrics and early stopping use it, training never sees it. {@code 0 <= fraction < 1}; default 0.
     *
     * @param fraction the fraction held out, in [0, 1)
     * @return this trainer
     * @throws IllegalStateException if training has started
     */
    public Trainer validationSplit(double fraction) {
        open("validationSplit");
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("validationSplit must be in [0, 1), got " + fraction);
        }
        this.validationSplit = fraction;
        return this;
    }

    /**
     * The synchronisation hook called between backward and each optimizer step; default {@link GradientSync#LOCAL}.
     *
     * @param sync the hook
     * @return this trainer
     * @throws IllegalStateException if training has started
     */
    public Trainer sync(GradientSync sync) {
        open("sync");
        if (sync == null) {
            throw new NullPointerException("sync is null");
        }
        this.sync = sync;
        return this;
    }

    /** Makes this trainer replica {@code rank} of {@code worldSize} (see {@link Replica}); an option. */
    void shard(int rank, int worldSize) {
        open("shard");
        if (worldSize < 1) {
            throw new IllegalArgumentException("worldSize must be >= 1, got " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank must be in [0, " + worldSize + "), got " + rank);
        }
        this.rank = rank;
        this.worldSize = worldSize;
    }

    private void open(String option) {
        if (fixed) {
            throw new IllegalStateException(option + " cannot change once training has started (or a checkpoint was loaded)");
        }
    }

    // ---------------------------------------------------------------- the loop

    /**
     * Trains on {@code train} (less the {@link #validationSplit} held out) until {@code totalEpochs} epochs are
     * complete, counting any restored from a checkpoint, or a listener calls {@link #stop()}.
     *
     * @param train       the training data; its shape must fit the model
     * @param totalEpochs the epoch to stop after, {@code >= 1}, counting epochs restored from a checkpoint
     * @param listeners   told of every epoch and step, in the order given
     * @return what each epoch of this call measured
     * @throws IOException if a listener fails to write (a checkpoint, a report)
     * @throws DivergenceException if a step's loss, the parameters after an epoch or its validation loss is NaN or
     *                             infinite
     */
    public List<EpochResult> fit(Dataset train, int totalEpochs, TrainingListener... listeners) throws IOException {
        return fit(train, null, totalEpochs, listeners);
    }

    /**
     * Trains on {@code train} and validates on {@code validation} after every epoch (null: on the
     * {@link #validationSplit} of {@code train}, or not at all).
     *
     * @param train       the training data; its shape must fit the model
     * @param validation  the validation data, or null
     * @param totalEpochs the epoch to stop after, {@code >= 1}, counting epochs restored from a checkpoint
     * @param listeners   told of every epoch and step, in the order given
     * @return what each epoch of this call measured
     * @throws IOException if a listener fails to write (a checkpoint, a report)
     * @throws DivergenceException if a step's loss, the parameters after an epoch or its validation loss is NaN or
     *                             infinite
     * @throws IllegalArgumentException if validation data is given as well as a validation split, or the data does not
     *                                  fit the model
     */
    public List<EpochResult> fit(Dataset train, Dataset validation, int totalEpochs, TrainingListener... listeners)
            throws IOException {
        checkOpen();
        if (totalEpochs <= 0) {
            throw new IllegalArgumentException("epochs must be > 0, got " + totalEpochs);
        }
        model.check(train);
        if (validation != null) {
            if (validationSplit > 0) {
                throw new IllegalArgumentException("validation data given and validationSplit " + validationSplit
                        + " set: choose one");
            }
            model.check(validation);
        }
        if (train.classNames() != null) {
            if (model.classNames().isEmpty()) {
                model.classNames(train.classNames());
            } else if (!model.classNames().equals(train.classNames())) {
                throw new IllegalArgumentException(train.name() + " has the classes " + train.classNames()
                        + ", the model predicts " + model.classNames());
            }
        }
        fixed = true;
        int[][] split = split(train.size());
        int[] trainRows = split[0];
        Dataset valData = validation != null ? validation : split[1].length > 0 ? train : null;
        int[] valRows = validation != null ? null : split[1];
        int per = trainRows.length / worldSize;
        if (per == 0) {
            throw new IllegalArgumentException(train.name() + " has " + trainRows.length + " training samples, fewer than the "
                    + worldSize + " replicas");
        }
        stepsPerEpoch = steps(per);
        reserve((int) Math.min(batchSize, per));
        int[] order = new int[trainRows.length];
        int[] rows = new int[per];
        stop = false;
        List<EpochResult> history = new ArrayList<>();
        while (epochs < totalEpochs && !stop) {
            int e = epochs + 1;
            epochIndex = epochs;
            for (TrainingListener l : listeners) {
                l.onEpochStart(e, stepsPerEpoch);
            }
            epochRows(trainRows, epochs, order, rows);
            lossSum = 0;
            correct = 0;
            long start = System.nanoTime();
            int span = (int) Math.min((long) accumulate * batchSize, per);
            for (int s = 0; s < stepsPerEpoch; s++) {
                int from = s * span;
                int count = Math.min(span, per - from);
                float l = run(train, rows, from, count);
                if (!Float.isFinite(l)) {
                    throw new DivergenceException(e, s + 1, stepsPerEpoch, rate, "the loss is " + l);
                }
                for (TrainingListener li : listeners) {
                    li.onBatchEnd(e, s + 1, stepsPerEpoch, count, l);
                }
            }
            double seconds = (System.nanoTime() - start) * 1e-9;
            double accuracy = train.labels() == null ? Double.NaN : (double) correct / ((long) per * model.positions());
            if (!finite(model.values())) {
                throw new DivergenceException(e, stepsPerEpoch, stepsPerEpoch, rate,
                        "the parameters are NaN or infinite after its update");
            }
            if (!finite(model.runningState())) {
                throw new DivergenceException(e, stepsPerEpoch, stepsPerEpoch, rate,
                        "the running statistics (model state) are NaN or infinite after it");
            }
            Evaluation val = valData == null ? null : model.evaluate(valData, valRows, batchSize);
            if (val != null && !Double.isFinite(val.loss())) {
                throw new DivergenceException(e, stepsPerEpoch, stepsPerEpoch, rate, "the validation loss after it is "
                        + val.loss());
            }
            epochs = e;
            EpochResult r = new EpochResult(e, lossSum / per, accuracy, val == null ? Double.NaN : val.loss(),
                    val == null ? Double.NaN : val.accuracy(), seconds, per, rate);
            history.add(r);
            for (TrainingListener l : listeners) {
                l.onEpochEnd(r, this);
            }
        }
        return history;
    }

    /**
     * One optimizer step outside {@link #fit}, for loops of one's own: forward and backward passes on the samples
     * {@code rows[from .. from + count)} of {@code data} ({@code data}'s rows {@code from .. from + count} when
     * {@code rows} is null) in micro-batches of {@link #batchSize}, the synchronisation hook, then the update; it
     * counts as the next step of the current epoch. Returns the step's mean loss (before the update). A warm step
     * allocates nothing.
     *
     * @param data  the data
     * @param rows  the rows of {@code data} to take samples from, or null for its rows in order
     * @param from  the first sample, an index into {@code rows}
     * @param count the number of samples, {@code >= 1}
     * @return the mean loss over the samples, before the update
     */
    public float step(Dataset data, int[] rows, int from, int count) {
        prepare(data, rows, from, count);
        return run(data, rows, from, count);
    }

    /**
     * Checks that {@code data} fits the model and the samples are within it, fixes the options and readies the
     * buffers, for a step (or a {@link Replica#gradient}) outside {@link #fit}.
     */
    void prepare(Dataset data, int[] rows, int from, int count) {
        checkOpen();
        model.check(data);
        int n = rows == null ? data.size() : rows.length;
        if (count < 1 || from < 0 || from > n - count) {
            throw new IllegalArgumentException("samples [" + from + ", " + ((long) from + count) + ") are not within the "
                    + n + (rows == null ? " rows of " + data.name() : " given rows"));
        }
        if (rows != null) {
            for (int i = from; i < from + count; i++) {
                if (rows[i] < 0 || rows[i] >= data.size()) {
                    throw new IndexOutOfBoundsException("rows[" + i + "] = " + rows[i] + " is not a row of " + data.name()
                            + " (" + data.size() + " rows)");
                }
            }
        }
        fixed = true;
        if (stepsPerEpoch == 0) {
            stepsPerEpoch = Math.max(1, steps(data.size() / worldSize));
        }
        epochIndex = epochs;
        reserve((int) Math.min(batchSize, count));
    }

    /**
     * One optimizer update from the model's gradient slab as it stands (the synchronisation hook is not called):
     * the schedule's rate for the next step, then one kernel call over the whole slab. Counts as a step.
     */
    void update() {
        checkOpen();
        fixed = true;
        if (stepsPerEpoch == 0) {
            stepsPerEpoch = 1;
        }
        rate = schedule.rate(optimizer.learningRate(), steps, stepsPerEpoch);
        steps++;
        if (runs == null) {
            optimizer.update(k, model.values(), model.gradients(), state, rate, steps, true);
        } else {
            for (Run r : runs) {
                optimizer.update(k, r.values, r.gradients, r.state, rate, steps, r.decay);
            }
        }
    }

    /** One step on checked samples: gradients, the synchronisation hook, the update; adds to the epoch's sums. */
    private float run(Dataset data, int[] rows, int from, int count) {
        float loss = gradients(data, rows, from, count);
        sync.synchronize(model.gradients(), steps);
        update();
        return loss;
    }

    /**
     * For each micro-batch of up to {@link #batchSize} of the samples {@code rows[from .. from + count)}: gather,
     * forward, loss and its gradient (weighted by the micro-batch's share when there are several), backward
     * (accumulating after the first). Returns the mean loss; adds to the epoch's loss and accuracy sums.
     */
    float gradients(Dataset data, int[] rows, int from, int count) {
        double sum = 0;
        int micro = 0;
        int c;
        for (int f = from; f < from + count; f += c, micro++) {
            c = Math.min(batchSize, from + count - f);
            batch.gather(data, rows, f, c);
            model.scaleTargets(batch.targets());    // the loss is on standardised targets if the model has them
            int[] y = batch.labels();
            model.passKey(passKey(seed, epochIndex, f / batchSize, rank));
            Matrix out = model.forward(batch.inputs(), true);
            Matrix d = dOut.rows(c);
            // the loss on one row per position ((B T, V) for a language model): the mean over every position
            float l = model.loss().compute(k, dOutView.of(d, "dOut"), model.perPosition(out), batch.targets(), y);
            if (c != count) {
                k.scale(d, (float) c / count);      // this micro-batch's share of the step's mean
            }
            if (y != null) {
                model.classify(out, predicted);
                for (int i = 0; i < c * model.positions(); i++) {
                    correct += predicted[i] == y[i] ? 1 : 0;
                }
            }
            model.backward(d, micro > 0);
            sum += (double) l * c;
        }
        lossSum += sum;
        return (float) (sum / count);
    }

    /**
     * This replica's rows of epoch {@code epoch} (0-based) into {@code rows} (length {@code floor(n / worldSize)}):
     * the training rows shuffled by {@code (seed, epoch)}, then the replica's contiguous share of that order.
     * {@code order} is scratch of the training rows' length.
     */
    void epochRows(int[] trainRows, int epoch, int[] order, int[] rows) {
        shuffle(order, seed, epoch);
        int per = rows.length;
        for (int i = 0; i < per; i++) {
            rows[i] = trainRows[order[rank * per + i]];
        }
    }

    /** The key of a training pass: a function of the seed, the epoch, the micro-batch and the replica only. */
    static long passKey(long seed, int epoch, int microBatch, int rank) {
        return seed * 0xD6E8FEB86659FD93L + epoch * 0x9E3779B97F4A7C15L + microBatch * 0xC2B2AE3D27D4EB4FL
                + rank * 0x165667B19E3779F9L;
    }

    /** The training rows and the validation rows, both ascending; the validation draw depends on the seed only. */
    int[][] split(int n) {
        int held = (int) Math.round(validationSplit * n);
        if (validationSplit > 0 && (held < 1 || held >= n)) {
            throw new IllegalArgumentException("validationSplit " + validationSplit + " of " + n + " samples holds out " + held
                    + "; it must leave at least one sample on each side");
        }
        if (held == 0) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return new int[][] {all, new int[0]};
        }
        int[] perm = new int[n];
        shuffle(perm, seed, -1);       // epoch -1: a draw of its own, never an epoch's order
        int[] val = Arrays.copyOf(perm, held);
        int[] train = Arrays.copyOfRange(perm, held, n);
        Arrays.sort(val);
        Arrays.sort(train);
        return new int[][] {train, val};
    }

    /** The optimizer steps of an epoch of {@code samples} samples: micro-batches of the batch size, grouped. */
    private int steps(int samples) {
        long microBatches = (samples + (long) batchSize - 1) / batchSize;
        return (int) ((microBatches + accumulate - 1) / accumulate);
    }

    /**
     * Makes the batch buffers (and the model's, so the first step allocates none) hold at least {@code rows} rows,
     * allocating only when they grow. Callers pass {@code min(batchSize, samples)}: the buffers are sized by the
     * data, never by a batch size larger than it.
     *
     * @throws IllegalArgumentException if the buffers would take more than the JVM may use (see
     *                                  {@link Model#checkBatch})
     */
    private void reserve(int rows) {
        if (batch != null && batch.capacity() >= rows) {
            return;
        }
        // this trainer's own buffers a row: the batch's inputs and targets, the output gradient
        model.checkBatch(rows, ((long) model.inputShape().size() + 2L * model.outputs()) * Float.BYTES);
        model.reserve(rows);
        Arena a = Arena.ofShared();
        try {
            batch = new Batch(a, rows, model.inputShape().size(), model.outputs(), model.positions());
            dOut = new Buffer(a, rows, model.outputs());
        } catch (RuntimeException | Error e) {
            a.close();
            batch = null;
            throw e;
        }
        predicted = new int[Math.multiplyExact(rows, model.positions())];
        if (batchArena != null) {
            batchArena.close();
        }
        batchArena = a;
    }

    /** Whether every value of {@code m} (a {@code (1, n)} slab) is finite: one pass, at the end of each epoch. */
    private static boolean finite(Matrix m) {
        MemorySegment s = m.segment();
        long at = m.offset() * Float.BYTES;
        for (long i = 0, n = m.cols(); i < n; i++) {
            if (!Float.isFinite(s.get(ValueLayout.JAVA_FLOAT, at + i * Float.BYTES))) {
                return false;
            }
        }
        return true;
    }

    /** Asks the fit loop to stop after the current epoch. */
    public void stop() {
        stop = true;
    }

    // ---------------------------------------------------------------- state

    /** {@return the epochs completed, counting those restored from a checkpoint} */
    public int epochs() {
        return epochs;
    }

    /** {@return the optimizer updates applied, counting those restored from a checkpoint} */
    public int steps() {
        return steps;
    }

    /** {@return the seed of the shuffling, the validation split and the training-time random draws} */
    public long seed() {
        return seed;
    }

    /** {@return the samples per micro-batch} */
    public int batchSize() {
        return batchSize;
    }

    /** {@return the micro-batches per optimizer step} */
    public int accumulate() {
        return accumulate;
    }

    /** {@return the learning-rate schedule} */
    public Schedule schedule() {
        return schedule;
    }

    /** {@return the fraction of the training data held out for validation} */
    public double validationSplit() {
        return validationSplit;
    }

    /** This replica's index among {@link #worldSize()} (0 on one machine). */
    int rank() {
        return rank;
    }

    /** The number of data-parallel replicas (1 on one machine). */
    int worldSize() {
        return worldSize;
    }

    /** {@return the model being trained} */
    public Model model() {
        return model;
    }

    /** {@return the update rule} */
    public Optimizer optimizer() {
        return optimizer;
    }

    /** {@return the learning rate of the last step (the base rate before any)} */
    public float learningRate() {
        return rate;
    }

    /**
     * The optimizer's state blocks, named as {@link Optimizer#stateNames()}, live (for checkpoints and
     * {@link Replica#optimizerState()}).
     */
    List<Matrix> state() {
        return List.of(state);
    }

    /** Sets the progress counters and the steps an epoch has (see {@link Replica#progress}); fixes the options. */
    void progress(int epochs, int steps, int stepsPerEpoch) {
        checkOpen();
        if (stepsPerEpoch < 1) {
            throw new IllegalArgumentException("stepsPerEpoch must be >= 1, got " + stepsPerEpoch);
        }
        restore(epochs, steps, seed);
        this.stepsPerEpoch = stepsPerEpoch;
        this.epochIndex = epochs;
    }

    /** Sets the progress counters and the seed (when resuming from a checkpoint); fixes the options. */
    void restore(int epochs, int steps, long seed) {
        if (epochs < 0 || steps < 0) {
            throw new IllegalArgumentException("epochs and steps must be >= 0, got " + epochs + " and " + steps);
        }
        this.epochs = epochs;
        this.steps = steps;
        this.seed = seed;
        this.fixed = true;
    }

    /**
     * The order the fit loop visits {@code order.length} training rows in epoch {@code epoch} (0-based): a
     * Fisher-Yates shuffle of {@code 0..n-1} from a generator seeded by {@code (seed, epoch)} only (public as
     * {@link Replica#shuffle}).
     */
    static void shuffle(int[] order, long seed, int epoch) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
    }

    /** Fails with the trainer's or the model's name once either is closed, rather than with one of their buffers'. */
    private void checkOpen() {
        if (!arena.scope().isAlive()) {
            throw new IllegalStateException("this Trainer (" + optimizer + ", batch " + batchSize + ") has been closed");
        }
        model.checkOpen();
    }

    /** Frees the batch buffers and the optimizer's state; the model is closed by its owner. */
    @Override
    public void close() {
        if (batchArena != null) {
            batchArena.close();
            batchArena = null;
        }
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
