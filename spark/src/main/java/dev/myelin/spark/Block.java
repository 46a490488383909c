package dev.myelin.spark;

import java.io.Serializable;

/**
 * One worker's share of the training data, built once per fit from its partition and cached by Spark: the
 * features row-major, the labels, and what the driver checks before training (sizes, the label range, the first
 * problem found, named by its row of the input).
 */
final class Block implements Serializable {

    private static final long serialVersionUID = 1L;

    final int partition;
    final int rows;
    final int width;
    final float[] features;
    final int[] labels;
    final double minLabel;
    final double maxLabel;
    /** Sum and sum of squares of every feature value, in double (for standardisation). */
    final double sum;
    final double sumOfSquares;
    /** Per feature: the sums and sums of squares of its values, in double. */
    final double[] featureSums;
    final double[] featureSquares;
    /** The first problem in this partition ("row 17: ..."), or null. */
    final String problem;

    Block(int partition, int rows, int width, float[] features, int[] labels, double minLabel, double maxLabel, String problem) {
        double s = 0;
        double ss = 0;
        double[] fs = new double[Math.max(width, 0)];
        double[] fq = new double[Math.max(width, 0)];
        for (int i = 0; i < features.length; i++) {
            double v = features[i];
            s += v;
            ss += v * v;
            fs[i % width] += v;
            fq[i % width] += v * v;
        }
        this.sum = s;
        this.sumOfSquares = ss;
        this.featureSums = fs;
        this.featureSquares = fq;
        this.partition = partition;
        this.rows = rows;
        this.width = width;
        this.features = features;
        this.labels = labels;
        this.minLabel = minLabel;
        this.maxLabel = maxLabel;
        this.problem = problem;
    }

    /** What the driver needs to check the block: everything but the data. */
    Summary summary() {
        return new Summary(partition, rows, width, minLabel, maxLabel, sum, sumOfSquares, featureSums, featureSquares, problem);
    }

    /**
     * A block without its data.
     *
     * @param partition      the partition
     * @param rows           its rows
     * @param width          the values per row (features)
     * @param minLabel       the smallest label
     * @param maxLabel       the largest label
     * @param sum            the sum of every feature value
     * @param sumOfSquares   the sum of their squares
     * @param featureSums    per feature, the sum of its values
     * @param featureSquares per feature, the sum of their squares
     * @param problem        the first problem in the partition, or null
     */
    record Summary(int partition, int rows, int width, double minLabel, double maxLabel, double sum, double sumOfSquares,
                   double[] featureSums, double[] featureSquares, String problem) implements Serializable {
    }
}
