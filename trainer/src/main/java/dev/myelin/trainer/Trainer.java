package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.Dataset;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The fit loop: mini-batches in an order shuffled per epoch, one forward, loss, backward and optimizer
 * step per batch, evaluation on held-out data after each epoch, listeners for progress, early stopping
 * and checkpoints.
 *
 * <p>Memory: the batch buffers (inputs, targets, output gradient) are allocated here once, the model's
 * activations once by {@link Sequential#reserve}; a warm step allocates nothing on the heap.
 *
 * <p>Reproducibility: the order of epoch e is a function of {@code (seed, e)} alone, so a run restored
 * from a checkpoint taken after epoch e continues exactly like the uninterrupted run; with the same
 * seeds, backend and threads every loss is bit-identical.
 */
public final class Trainer implements AutoCloseable {

    private final Sequential model;
    private final Loss loss;
    private final Optimizer optimizer;
    private final Kernels k;
    private final int batchSize;
    private final Arena arena = Arena.ofShared();
    private final Buffer x;
    private final Buffer t;
    private final Buffer dOut;
    private final int[] labels;
    private final int[] predicted;
    private long seed;
    private int epochs;          // completed
    private int[] order = new int[0];
    private volatile boolean stop;
    // the running epoch's sums
    private double lossSum;
    private long correct;

    public Trainer(Sequential model, Loss loss, Optimizer optimizer, int batchSize, long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize must be > 0, got " + batchSize);
        }
        this.model = model;
        this.loss = loss;
        this.optimizer = optimizer;
        this.k = model.kernels();
        this.batchSize = batchSize;
        this.seed = seed;
        model.reserve(batchSize);
        x = new Buffer(arena, batchSize, model.inputs());
        t = new Buffer(arena, batchSize, model.outputs());
        dOut = new Buffer(arena, batchSize, model.outputs());
        labels = new int[batchSize];
        predicted = new int[batchSize];
    }

    /**
     * Trains until {@code totalEpochs} epochs are complete (counting any restored from a checkpoint) or
     * a listener calls {@link #stop()}. {@code test} may be null.
     */
    public List<EpochResult> fit(Dataset train, Dataset test, int totalEpochs, TrainingListener... listeners)
            throws IOException {
        check(train);
        if (test != null) {
            check(test);
        }
        if (order.length != train.size()) {
            order = new int[train.size()];
        }
        stop = false;
        List<EpochResult> history = new ArrayList<>();
        while (epochs < totalEpochs && !stop) {
            int e = epochs + 1;
            int n = train.size();
            int batches = (n + batchSize - 1) / batchSize;
            for (TrainingListener l : listeners) {
                l.onEpochStart(e, batches);
            }
            shuffle(order, seed, epochs);
            lossSum = 0;
            correct = 0;
            long start = System.nanoTime();
            for (int b = 0; b < batches; b++) {
                int from = b * batchSize;
                int count = Math.min(batchSize, n - from);
                float l = step(train, order, from, count);
                for (TrainingListener li : listeners) {
                    li.onBatchEnd(e, b + 1, batches, count, l);
                }
            }
            double seconds = (System.nanoTime() - start) * 1e-9;
            double accuracy = train.labels() == null ? Double.NaN : (double) correct / n;
            Evaluation eval = test == null ? new Evaluation(Double.NaN, Double.NaN) : evaluate(test);
            epochs = e;
            EpochResult r = new EpochResult(e, lossSum / n, accuracy, eval.loss(), eval.accuracy(), seconds, n);
            history.add(r);
            for (TrainingListener l : listeners) {
                l.onEpochEnd(r, this);
            }
        }
        return history;
    }

    /**
     * One training step on samples {@code order[from .. from + count)}: gather the batch, forward,
     * loss and its gradient, backward, update. Returns the batch's mean loss (before the update).
     */
    float step(Dataset data, int[] order, int from, int count) {
        Matrix xb = x.rows(count);
        Matrix tb = data.targets() == null ? null : t.rows(count);
        gather(xb, data.features(), order, from, count);
        if (tb != null) {
            gather(tb, data.targets(), order, from, count);
        }
        int[] y = data.labels() == null ? null : gatherLabels(data.labels(), order, from, count);
        Matrix out = model.forward(xb);
        Matrix d = dOut.rows(count);
        float l = loss.compute(k, d, out, tb, y);
        if (y != null) {
            correct += loss.correct(k, out, y, predicted);
        }
        model.backward(d);
        optimizer.step();
        lossSum += (double) l * count;
        return l;
    }

    /** A model's mean loss on a dataset and its accuracy (NaN without labels). */
    public record Evaluation(double loss, double accuracy) {
    }

    /** Mean loss and accuracy of the current model on {@code data}, in batches, in order. */
    public Evaluation evaluate(Dataset data) {
        check(data);
        double sum = 0;
        long right = 0;
        int n = data.size();
        for (int from = 0; from < n; from += batchSize) {
            int count = Math.min(batchSize, n - from);
            Matrix xb = x.rows(count);
            copyRows(xb, data.features(), from);
            Matrix tb = null;
            if (data.targets() != null) {
                tb = t.rows(count);
                copyRows(tb, data.targets(), from);
            }
            int[] y = null;
            if (data.labels() != null) {
                System.arraycopy(data.labels(), from, labels, 0, count);
                y = labels;
            }
            Matrix out = model.forward(xb);
            sum += (double) loss.compute(k, dOut.rows(count), out, tb, y) * count;
            if (y != null) {
                right += loss.correct(k, out, y, predicted);
            }
        }
        return new Evaluation(sum / n, data.labels() == null ? Double.NaN : (double) right / n);
    }

    /** Asks the fit loop to stop after the current epoch. */
    public void stop() {
        stop = true;
    }

    /** Epochs completed, counting those restored from a checkpoint. */
    public int epochs() {
        return epochs;
    }

    /** The shuffling seed. */
    public long seed() {
        return seed;
    }

    public int batchSize() {
        return batchSize;
    }

    public Sequential model() {
        return model;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public Loss loss() {
        return loss;
    }

    /** Sets the completed epochs and the shuffling seed (when resuming from a checkpoint). */
    void restore(int epochs, long seed) {
        this.epochs = epochs;
        this.seed = seed;
    }

    /** Fisher-Yates shuffle of {@code 0..n-1}, from a generator seeded by {@code (seed, epoch)} only. */
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

    private int[] gatherLabels(int[] all, int[] order, int from, int count) {
        for (int i = 0; i < count; i++) {
            labels[i] = all[order[from + i]];
        }
        return labels;
    }

    /** {@code dst[i] = src[order[from + i]]} row by row. */
    private static void gather(Matrix dst, Matrix src, int[] order, int from, int count) {
        MemorySegment s = src.segment();
        MemorySegment d = dst.segment();
        long bytes = (long) src.cols() * Float.BYTES;
        for (int i = 0; i < count; i++) {
            long at = (src.offset() + (long) order[from + i] * src.ld()) * Float.BYTES;
            MemorySegment.copy(s, at, d, (dst.offset() + (long) i * dst.ld()) * Float.BYTES, bytes);
        }
    }

    /** {@code dst = src[from .. from + dst.rows)}. */
    private static void copyRows(Matrix dst, Matrix src, int from) {
        MemorySegment s = src.segment();
        MemorySegment d = dst.segment();
        long bytes = (long) src.cols() * Float.BYTES;
        for (int i = 0; i < dst.rows(); i++) {
            long at = (src.offset() + (long) (from + i) * src.ld()) * Float.BYTES;
            MemorySegment.copy(s, at, d, (dst.offset() + (long) i * dst.ld()) * Float.BYTES, bytes);
        }
    }

    private void check(Dataset data) {
        if (data.width() != model.inputs()) {
            throw new IllegalArgumentException(data.name() + " has " + data.width() + " features per sample, the model takes "
                    + model.inputs());
        }
        if (data.targets() != null && data.targets().cols() != model.outputs()) {
            throw new IllegalArgumentException(data.name() + " has targets of width " + data.targets().cols()
                    + ", the model has " + model.outputs() + " outputs");
        }
        if (loss == Loss.SOFTMAX_CROSS_ENTROPY && data.labels() != null && data.classes() > model.outputs()) {
            throw new IllegalArgumentException(data.name() + " has " + data.classes() + " classes, the model has "
                    + model.outputs() + " outputs");
        }
    }

    /** Frees the batch buffers; the model and optimizer are closed by their owner. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
