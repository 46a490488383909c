package dev.myelin.trainer.data;

import dev.myelin.core.Matrix;
import dev.myelin.trainer.Shape;
import java.lang.foreign.Arena;

/**
 * An in-memory dataset: n samples as rows of an off-heap feature matrix, each row one sample of a
 * {@link Shape} in memory order (a vector {@code (width)} unless given, an image {@code (height, width,
 * channels)}), with float targets (for MSE and BCE), integer class labels (for softmax cross-entropy and for
 * accuracy), or both.
 *
 * <p>A dataset owns its memory: {@link #close()} frees it.
 */
public final class Dataset implements AutoCloseable {

    private final String name;
    private final Arena arena;
    private final Shape shape;
    private final Matrix features;
    private final Matrix targets;
    private final int[] labels;
    private final int classes;

    private Dataset(String name, Arena arena, Shape shape, Matrix features, Matrix targets, int[] labels, int classes) {
        this.name = name;
        this.arena = arena;
        this.shape = shape;
        this.features = features;
        this.targets = targets;
        this.labels = labels;
        this.classes = classes;
    }

    /**
     * A dataset of {@code n = features.length / width} samples. {@code targets} (n * targetWidth values,
     * row-major) and {@code labels} (n values in {@code [0, classes)}) may each be null, not both.
     */
    public static Dataset of(String name, float[] features, int width, float[] targets, int targetWidth,
                             int[] labels, int classes) {
        if (width <= 0 || features.length == 0 || features.length % width != 0) {
            throw new IllegalArgumentException(name + ": " + features.length + " feature values do not make rows of width " + width);
        }
        int n = features.length / width;
        if (targets != null && (targetWidth <= 0 || targets.length != (long) n * targetWidth)) {
            throw new IllegalArgumentException(name + ": " + targets.length + " target values for " + n
                    + " samples of target width " + targetWidth);
        }
        Arena arena = Arena.ofShared();
        try {
            Matrix x = Matrix.of(arena, n, width, features);
            Matrix t = targets == null ? null : Matrix.of(arena, n, targetWidth, targets);
            return own(name, arena, Shape.of(width), x, t, labels == null ? null : labels.clone(), classes);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * A dataset over matrices already allocated from {@code arena}, which the dataset then owns (and
     * closes). {@code features} is (n, shape.size()), each row a sample of {@code shape}; {@code targets} (n, t)
     * and {@code labels} (length n, each in {@code [0, classes)}, kept, not copied) may each be null, not both.
     */
    public static Dataset own(String name, Arena arena, Shape shape, Matrix features, Matrix targets, int[] labels,
                              int classes) {
        int n = features.rows();
        if (shape.size() != features.cols()) {
            throw new IllegalArgumentException(name + ": samples of shape " + shape + " have " + shape.size()
                    + " values, the feature rows have " + features.cols());
        }
        if (targets == null && labels == null) {
            throw new IllegalArgumentException(name + ": a dataset needs targets, labels or both");
        }
        if (targets != null && targets.rows() != n) {
            throw new IllegalArgumentException(name + ": " + targets.rows() + " target rows for " + n + " samples");
        }
        if (labels != null) {
            if (labels.length != n) {
                throw new IllegalArgumentException(name + ": " + labels.length + " labels for " + n + " samples");
            }
            for (int i = 0; i < n; i++) {
                if (labels[i] < 0 || labels[i] >= classes) {
                    throw new IllegalArgumentException(name + ": label " + labels[i] + " of sample " + i
                            + " is outside [0, " + classes + ")");
                }
            }
        }
        return new Dataset(name, arena, shape, features, targets, labels, labels == null ? 0 : classes);
    }

    /** A classification dataset: features and labels in {@code [0, classes)}, no float targets. */
    public static Dataset classification(String name, float[] features, int width, int[] labels, int classes) {
        return of(name, features, width, null, 0, labels, classes);
    }

    /** A regression dataset: features and float targets, no labels. */
    public static Dataset regression(String name, float[] features, int width, float[] targets, int targetWidth) {
        return of(name, features, width, targets, targetWidth, null, 0);
    }

    public String name() {
        return name;
    }

    /** Mean and standard deviation of a set of values. */
    public record Stats(double mean, double std) {
    }

    /** Mean and (population) standard deviation of all feature values, summed in double. */
    public Stats featureStats() {
        double s = 0;
        double ss = 0;
        float[] row = new float[width()];
        for (int i = 0; i < size(); i++) {
            features.rows(i, 1).copyTo(row);
            for (float v : row) {
                s += v;
                ss += (double) v * v;
            }
        }
        double n = (double) size() * width();
        double mean = s / n;
        return new Stats(mean, Math.sqrt(Math.max(0, ss / n - mean * mean)));
    }

    /** {@code x = (x - mean) / std} for every feature value, in place (use the training set's stats for every split). */
    public void standardize(Stats stats) {
        if (!(stats.std() > 0)) {
            throw new IllegalArgumentException(name + ": cannot standardize with std " + stats.std());
        }
        float[] row = new float[width()];
        for (int i = 0; i < size(); i++) {
            Matrix r = features.rows(i, 1);
            r.copyTo(row);
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) ((row[j] - stats.mean()) / stats.std());
            }
            r.copyFrom(row);
        }
    }

    /** Number of samples. */
    public int size() {
        return features.rows();
    }

    /** Feature width: values per sample, {@code shape().size()}. */
    public int width() {
        return features.cols();
    }

    /** The shape of one sample. */
    public Shape shape() {
        return shape;
    }

    /** True until {@link #close()}. */
    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Throws {@link IllegalStateException} naming this dataset if it has been closed. */
    public void checkOpen() {
        if (!isOpen()) {
            throw new IllegalStateException("the dataset " + name + " has been closed; its memory is gone");
        }
    }

    /** Features, (n, width). */
    public Matrix features() {
        return features;
    }

    /** Float targets, (n, targetWidth), or null. */
    public Matrix targets() {
        return targets;
    }

    /** Class labels (length n; do not modify), or null. */
    public int[] labels() {
        return labels;
    }

    /** Number of classes (0 without labels). */
    public int classes() {
        return classes;
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return name + " (" + size() + " samples of shape " + shape
                + (targets != null ? ", targets of width " + targets.cols() : "")
                + (labels != null ? ", " + classes + " classes" : "") + ")";
    }
}
