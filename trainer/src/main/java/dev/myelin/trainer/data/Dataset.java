package dev.myelin.trainer.data;

import dev.myelin.core.Matrix;
import dev.myelin.trainer.Shape;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An in-memory dataset: n samples as rows of an off-heap feature matrix, each row one sample of a
 * {@link Shape} in memory order (a vector {@code (width)} unless given, an image {@code (height, width,
 * channels)}), with float targets (for MSE and BCE), integer class labels (for softmax cross-entropy and for
 * accuracy), both, or neither (data to predict). Class labels may have names ({@link #classNames()}), which a
 * model trained on the data keeps, and so may the features ({@link #featureNames()}: a CSV file's header).
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
    private final int positions;
    private final int classes;
    private List<String> classNames;
    private List<String> featureNames;

    private Dataset(String name, Arena arena, Shape shape, Matrix features, Matrix targets, int[] labels, int positions,
                    int classes) {
        this.name = name;
        this.positions = positions;
        this.arena = arena;
        this.shape = shape;
        this.features = features;
        this.targets = targets;
        this.labels = labels;
        this.classes = classes;
    }

    /**
     * A dataset of {@code n = features.length / width} samples. {@code targets} (n * targetWidth values,
     * row-major) and {@code labels} (n values in {@code [0, classes)}) may each be null.
     *
     * @param name        what to call the dataset in messages
     * @param features    the features, row-major, a whole number of rows; copied
     * @param width       the values per sample, {@code >= 1}
     * @param targets     the float targets, row-major, or null; copied
     * @param targetWidth the targets per sample (ignored without targets)
     * @param labels      the class of each sample, or null; copied
     * @param classes     the number of classes (ignored without labels)
     * @return the dataset, with its own memory; close it to free it
     * @throws IllegalArgumentException if the arrays' lengths do not fit or a label is outside {@code [0, classes)}
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
     * and {@code labels} (length n, each in {@code [0, classes)}, kept, not copied) may each be null.
     *
     * @param name     what to call the dataset in messages
     * @param arena    the arena the matrices come from; the dataset closes it
     * @param shape    the shape of one sample
     * @param features the features, {@code (n, shape.size())}
     * @param targets  the float targets, {@code (n, t)}, or null
     * @param labels   the class of each sample, or null
     * @param classes  the number of classes (ignored without labels)
     * @return the dataset
     * @throws IllegalArgumentException if the shapes do not fit or a label is outside {@code [0, classes)}
     */
    public static Dataset own(String name, Arena arena, Shape shape, Matrix features, Matrix targets, int[] labels,
                              int classes) {
        return checked(name, arena, shape, features, targets, labels, 1, classes);
    }

    /**
     * A sequence dataset over matrices already allocated from {@code arena}, which the dataset then owns (and
     * closes): each sample has {@code positions} labels, one per position of the model's output (for a language
     * model, the next token at each of the T positions), stored sample after sample: sample i's labels are
     * {@code labels[i * positions .. (i + 1) * positions)}, kept, not copied. A model trained on it scores every
     * position: softmax cross-entropy over each position's row of its {@code (positions, classes)} output, the loss
     * the mean over all positions of the batch, the accuracy per position ({@link dev.myelin.trainer.Model#check}).
     *
     * @param name      what to call the dataset in messages
     * @param arena     the arena the features come from; the dataset closes it
     * @param shape     the shape of one sample
     * @param features  the features, {@code (n, shape.size())}
     * @param labels    the labels, {@code n * positions} of them, each in {@code [0, classes)}
     * @param positions the labels per sample, {@code >= 1}
     * @param classes   the number of classes
     * @return the dataset
     * @throws IllegalArgumentException if the counts do not fit or a label is outside {@code [0, classes)}
     */
    public static Dataset sequences(String name, Arena arena, Shape shape, Matrix features, int[] labels, int positions,
                                    int classes) {
        if (labels == null) {
            throw new NullPointerException(name + ": labels is null");
        }
        if (positions < 1) {
            throw new IllegalArgumentException(name + ": positions must be >= 1, got " + positions);
        }
        return checked(name, arena, shape, features, null, labels, positions, classes);
    }

    private static Dataset checked(String name, Arena arena, Shape shape, Matrix features, Matrix targets, int[] labels,
                                   int positions, int classes) {
        int n = features.rows();
        if (shape.size() != features.cols()) {
            throw new IllegalArgumentException(name + ": samples of shape " + shape + " have " + shape.size()
                    + " values, the feature rows have " + features.cols());
        }
        if (targets != null && targets.rows() != n) {
            throw new IllegalArgumentException(name + ": " + targets.rows() + " target rows for " + n + " samples");
        }
        if (labels != null) {
            if (labels.length != (long) n * positions) {
                throw new IllegalArgumentException(name + ": " + labels.length + " labels for " + n + " samples"
                        + (positions == 1 ? "" : " of " + positions + " positions"));
            }
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] < 0 || labels[i] >= classes) {
                    throw new IllegalArgumentException(name + ": label " + labels[i] + " of sample " + i / positions
                            + (positions == 1 ? "" : " position " + i % positions) + " is outside [0, " + classes + ")");
                }
            }
        }
        return new Dataset(name, arena, shape, features, targets, labels, positions, labels == null ? 0 : classes);
    }

    /**
     * Names the classes: {@code names.get(c)} is class c's name. Once, before the dataset is used; there must be
     * one name per class, all different. Returns this dataset.
     *
     * @param names the name of class 0, 1, ...
     * @return this dataset
     * @throws IllegalStateException if the dataset has no labels or its classes are named already
     * @throws IllegalArgumentException if the number of names differs from the classes or two are equal
     */
    public Dataset classNames(List<String> names) {
        if (labels == null) {
            throw new IllegalStateException(name + " has no class labels to name");
        }
        if (classNames != null) {
            throw new IllegalStateException(name + " has its class names already: " + classNames);
        }
        if (names.size() != classes || names.stream().distinct().count() != classes) {
            throw new IllegalArgumentException(name + ": " + classes + " classes need as many distinct names, got " + names);
        }
        classNames = List.copyOf(names);
        return this;
    }

    /** {@return the class names, {@code classNames().get(c)} for class c, or null when the classes have none} */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * Names the features: {@code names.get(j)} is the name of element j of a sample (a CSV file's column). Once,
     * before the dataset is used; one name per element, all different. Returns this dataset.
     *
     * @param names the name of feature 0, 1, ...
     * @return this dataset
     * @throws IllegalStateException if the features are named already
     * @throws IllegalArgumentException if the number of names differs from the width or two are equal
     */
    public Dataset featureNames(List<String> names) {
        if (featureNames != null) {
            throw new IllegalStateException(name + " has its feature names already: " + featureNames);
        }
        if (names.size() != width() || names.stream().distinct().count() != width()) {
            throw new IllegalArgumentException(name + ": " + width() + " features need as many distinct names, got " + names);
        }
        featureNames = List.copyOf(names);
        return this;
    }

    /** {@return the feature names, {@code featureNames().get(j)} for element j of a sample, or null when unnamed} */
    public List<String> featureNames() {
        return featureNames;
    }

    /**
     * A classification dataset: features and labels in {@code [0, classes)}, no float targets.
     *
     * @param name     what to call the dataset in messages
     * @param features the features, row-major; copied
     * @param width    the values per sample, {@code >= 1}
     * @param labels   the class of each sample; copied
     * @param classes  the number of classes
     * @return the dataset, with its own memory; close it to free it
     */
    public static Dataset classification(String name, float[] features, int width, int[] labels, int classes) {
        return of(name, features, width, null, 0, labels, classes);
    }

    /**
     * A regression dataset: features and float targets, no labels.
     *
     * @param name        what to call the dataset in messages
     * @param features    the features, row-major; copied
     * @param width       the values per sample, {@code >= 1}
     * @param targets     the float targets, row-major; copied
     * @param targetWidth the targets per sample, {@code >= 1}
     * @return the dataset, with its own memory; close it to free it
     */
    public static Dataset regression(String name, float[] features, int width, float[] targets, int targetWidth) {
        return of(name, features, width, targets, targetWidth, null, 0);
    }

    /** {@return the name, as messages call the dataset} */
    public String name() {
        return name;
    }

    /**
     * A new dataset (its own memory) of the samples {@code rows}, in that order: features, targets, labels, class
     * and feature names. The rows may repeat.
     *
     * @param name what to call the new dataset
     * @param rows the rows to take, at least one
     * @return the new dataset; close it to free its memory
     */
    public Dataset subset(String name, int[] rows) {
        checkOpen();
        if (rows.length == 0) {
            throw new IllegalArgumentException(name + ": a subset needs at least one row");
        }
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0 || rows[i] >= size()) {
                throw new IndexOutOfBoundsException("rows[" + i + "] = " + rows[i] + " is not a row of " + this.name + " ("
                        + size() + " rows)");
            }
        }
        Arena a = Arena.ofShared();
        try {
            Matrix x = Matrix.allocate(a, rows.length, width());
            copyRows(x, features, rows);
            Matrix t = null;
            if (targets != null) {
                t = Matrix.allocate(a, rows.length, targets.cols());
                copyRows(t, targets, rows);
            }
            int[] y = null;
            if (labels != null) {
                y = new int[Math.multiplyExact(rows.length, positions)];
                for (int i = 0; i < rows.length; i++) {
                    System.arraycopy(labels, rows[i] * positions, y, i * positions, positions);
                }
            }
            Dataset d = checked(name, a, shape, x, t, y, positions, classes);
            d.classNames = classNames;
            d.featureNames = featureNames;
            return d;
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
    }

    /**
     * Splits the samples at random into parts of the given fractions of the whole (which must sum to 1, within
     * 1e-9): a permutation seeded by {@code seed} alone, cut in order, each part's rows kept in their original
     * order. Part sizes are {@code round(fraction * n)}, the last part takes the rest; every part must get at
     * least one sample. E.g. {@code split(42, 0.8, 0.1, 0.1)} for training, validation and test sets. The parts
     * are new datasets (their own memory); this one stays as it was.
     *
     * @param seed      the seed of the permutation
     * @param fractions the parts' shares of the samples, at least two, each in (0, 1)
     * @return the parts, in the order of {@code fractions}; close each to free its memory
     * @throws IllegalArgumentException if the fractions do not sum to 1 or a part would be empty
     */
    public List<Dataset> split(long seed, double... fractions) {
        checkOpen();
        if (fractions.length < 2) {
            throw new IllegalArgumentException("a split needs at least two fractions, got " + Arrays.toString(fractions));
        }
        double sum = 0;
        for (double f : fractions) {
            if (!(f > 0 && f < 1)) {
                throw new IllegalArgumentException("each fraction must be in (0, 1), got " + Arrays.toString(fractions));
            }
            sum += f;
        }
        if (Math.abs(sum - 1) > 1e-9) {
            throw new IllegalArgumentException("the fractions must sum to 1, got " + Arrays.toString(fractions) + " (sum "
                    + sum + ")");
        }
        int n = size();
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        List<Dataset> parts = new ArrayList<>();
        int from = 0;
        try {
            for (int p = 0; p < fractions.length; p++) {
                int count = p == fractions.length - 1 ? n - from : (int) Math.round(fractions[p] * n);
                if (count < 1 || from + count > n) {
                    throw new IllegalArgumentException(name + ": " + n + " samples cannot be split into "
                            + Arrays.toString(fractions) + " with at least one sample in each part");
                }
                int[] rows = Arrays.copyOfRange(perm, from, from + count);
                Arrays.sort(rows);
                parts.add(subset(name + " part " + (p + 1) + " of " + fractions.length, rows));
                from += count;
            }
            return List.copyOf(parts);
        } catch (RuntimeException e) {
            parts.forEach(Dataset::close);
            throw e;
        }
    }

    private static void copyRows(Matrix dst, Matrix src, int[] rows) {
        long bytes = (long) src.cols() * Float.BYTES;
        for (int i = 0; i < rows.length; i++) {
            MemorySegment.copy(src.segment(), (src.offset() + (long) rows[i] * src.ld()) * Float.BYTES, dst.segment(),
                    (dst.offset() + (long) i * dst.ld()) * Float.BYTES, bytes);
        }
    }

    /**
     * Mean and standard deviation of a set of values.
     *
     * @param mean the mean
     * @param std  the population standard deviation
     */
    public record Stats(double mean, double std) {
    }

    /**
     * Each feature's mean and (population) standard deviation over the samples, summed in double and rounded to
     * float: {@code [0]} the means, {@code [1]} the standard deviations, one per element of a sample.
     *
     * @return {@code {means, standardDeviations}}, each of {@link #width()} values
     */
    public float[][] featureStatistics() {
        return statistics(features);
    }

    /**
     * Each target's mean and (population) standard deviation over the samples, summed in double and rounded to
     * float, as {@link #featureStatistics()} does for the features; what {@code Model.standardizeTargets} takes.
     *
     * @return {@code {means, standardDeviations}}, each of {@code targets().cols()} values
     * @throws IllegalStateException if the dataset has no float targets
     */
    public float[][] targetStatistics() {
        if (targets == null) {
            throw new IllegalStateException(name + " has no float targets");
        }
        return statistics(targets);
    }

    /** Each column's mean and population standard deviation, summed in double, rounded to float. */
    private static float[][] statistics(Matrix m) {
        int w = m.cols();
        int n = m.rows();
        double[] s = new double[w];
        double[] ss = new double[w];
        float[] row = new float[w];
        for (int i = 0; i < n; i++) {
            m.rows(i, 1).copyTo(row);
            for (int j = 0; j < w; j++) {
                s[j] += row[j];
                ss[j] += (double) row[j] * row[j];
            }
        }
        float[][] out = new float[2][w];
        for (int j = 0; j < w; j++) {
            double mean = s[j] / n;
            out[0][j] = (float) mean;
            out[1][j] = (float) Math.sqrt(Math.max(0, ss[j] / n - mean * mean));
        }
        return out;
    }

    /** {@return the mean and (population) standard deviation of all feature values, summed in double} */
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

    /** {@return the number of samples} */
    public int size() {
        return features.rows();
    }

    /** {@return the feature width: values per sample, {@code shape().size()}} */
    public int width() {
        return features.cols();
    }

    /** {@return the shape of one sample} */
    public Shape shape() {
        return shape;
    }

    /** {@return true until {@link #close()}} */
    public boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Throws {@link IllegalStateException} naming this dataset if it has been closed. */
    public void checkOpen() {
        if (!isOpen()) {
            throw new IllegalStateException("the dataset " + name + " has been closed; its memory is gone");
        }
    }

    /** {@return the features, {@code (n, width)}} */
    public Matrix features() {
        return features;
    }

    /** {@return the float targets, {@code (n, targetWidth)}, or null} */
    public Matrix targets() {
        return targets;
    }

    /**
     * {@return the class labels (do not modify), or null: length n, or for a {@link #sequences} dataset
     * {@code n * labelsPerSample()}, sample after sample}
     */
    public int[] labels() {
        return labels;
    }

    /** {@return the labels per sample: 1, or a {@link #sequences} dataset's positions} */
    public int labelsPerSample() {
        return positions;
    }

    /** {@return the number of classes (0 without labels)} */
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
                + (labels != null ? (positions == 1 ? "" : ", " + positions + " labels each") + ", " + classes + " classes" + (classNames != null ? " " + classNames : "") : "") + ")";
    }
}
