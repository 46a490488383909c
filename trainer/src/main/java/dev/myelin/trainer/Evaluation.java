package dev.myelin.trainer;

import dev.myelin.core.Matrix;
import java.util.List;
import java.util.Locale;

/**
 * A model's scores on a dataset: the mean loss; for data with class labels, the accuracy, the confusion
 * matrix and each class's precision and recall; for an MSE model, the RMSE, MAE and R² of its predictions in the
 * targets' units. Made by {@link Model#evaluate}; no gradient is computed for it.
 */
public final class Evaluation {

    private final double loss;
    private final long samples;
    private final long[][] confusion;     // [actual][predicted], null without labels
    private final List<String> names;     // class names for the table, or empty
    private final Errors errors;          // an MSE model's prediction errors, else null

    Evaluation(double loss, long samples, long[][] confusion, List<String> names, Errors errors) {
        this.loss = loss;
        this.samples = samples;
        this.confusion = confusion;
        this.names = names;
        this.errors = errors;
    }

    /**
     * {@return the mean loss per sample (for a model that standardises its targets, on the standardised targets, as
     * in training)}
     */
    public double loss() {
        return loss;
    }

    /** {@return true if the model is a regression (MSE) model (then RMSE, MAE and R² are defined)} */
    public boolean hasErrors() {
        return errors != null;
    }

    /**
     * The root mean squared error of the predictions, in the targets' units: {@code sqrt(sum (p - t)^2 / (n m))} over
     * the n samples and m outputs, summed in double.
     *
     * @return the RMSE; NaN if the model is not an MSE model
     */
    public double rmse() {
        return errors == null ? Double.NaN : Math.sqrt(errors.total(errors.squared) / errors.values());
    }

    /**
     * The mean absolute error of the predictions, in the targets' units: {@code sum |p - t| / (n m)}, summed in
     * double.
     *
     * @return the MAE; NaN if the model is not an MSE model
     */
    public double mae() {
        return errors == null ? Double.NaN : errors.total(errors.absolute) / errors.values();
    }

    /**
     * The coefficient of determination, {@code 1 - sum (p - t)^2 / sum (t - mean t)^2} per output (the mean of the
     * evaluated targets), averaged over the outputs (scikit-learn's {@code r2_score}); 1 is perfect, 0 is as good as
     * predicting the mean, below 0 worse. An output whose targets are all equal has none (NaN).
     *
     * @return R²; NaN if the model is not an MSE model
     */
    public double r2() {
        if (errors == null) {
            return Double.NaN;
        }
        double sum = 0;
        for (int j = 0; j < errors.squared.length; j++) {
            sum += 1 - errors.squared[j] / errors.spread[j];
        }
        return sum / errors.squared.length;
    }

    /** {@return the number of samples scored: of positions, for a model that scores several per sample} */
    public long samples() {
        return samples;
    }

    /** {@return true if the data had class labels (then accuracy and the confusion matrix are defined)} */
    public boolean hasLabels() {
        return confusion != null;
    }

    /** {@return the number of classes in the confusion matrix (0 without labels)} */
    public int classes() {
        return confusion == null ? 0 : confusion.length;
    }

    /** {@return the fraction of samples whose predicted class is their label; NaN without labels} */
    public double accuracy() {
        if (confusion == null) {
            return Double.NaN;
        }
        long right = 0;
        for (int c = 0; c < confusion.length; c++) {
            right += confusion[c][c];
        }
        return (double) right / samples;
    }

    /**
     * Samples of class {@code actual} that the model predicted as {@code predicted}.
     *
     * @param actual    the true class
     * @param predicted the predicted class
     * @return the number of such samples
     * @throws IllegalStateException if the data had no labels
     */
    public long count(int actual, int predicted) {
        labelled();
        return confusion[check(actual, "actual")][check(predicted, "predicted")];
    }

    /**
     * The confusion matrix, {@code [actual][predicted]}, a copy.
     *
     * @return the counts, {@code [actual][predicted]}
     * @throws IllegalStateException if the data had no labels
     */
    public long[][] confusionMatrix() {
        labelled();
        long[][] copy = new long[confusion.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = confusion[i].clone();
        }
        return copy;
    }

    /**
     * Of the samples predicted as class {@code c}, the fraction that are {@code c}; NaN if none was predicted
     * {@code c}.
     *
     * @param c the class
     * @return the precision of class {@code c}, in [0, 1] or NaN
     * @throws IllegalStateException if the data had no labels
     */
    public double precision(int c) {
        labelled();
        check(c, "class");
        long predicted = 0;
        for (long[] row : confusion) {
            predicted += row[c];
        }
        return predicted == 0 ? Double.NaN : (double) confusion[c][c] / predicted;
    }

    /**
     * Of the samples of class {@code c}, the fraction predicted as {@code c}; NaN if there are none.
     *
     * @param c the class
     * @return the recall of class {@code c}, in [0, 1] or NaN
     * @throws IllegalStateException if the data had no labels
     */
    public double recall(int c) {
        labelled();
        check(c, "class");
        long actual = 0;
        for (long n : confusion[c]) {
            actual += n;
        }
        return actual == 0 ? Double.NaN : (double) confusion[c][c] / actual;
    }

    /**
     * Loss (and for an MSE model RMSE, MAE and R²) and accuracy on one line, then (with labels) the confusion matrix with a row per actual class,
     * a column per predicted class, and each class's precision and recall; rows are labelled with the model's
     * class names where it has them. A precision of a class never predicted (or a recall of a class absent from the
     * labels) is undefined and shows as {@code -}.
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "loss %.4f", loss));
        if (errors != null) {
            sb.append(String.format(Locale.ROOT, "  rmse %.4f  mae %.4f  r2 %.4f", rmse(), mae(), r2()));
        }
        if (confusion == null) {
            return sb.append(String.format(Locale.ROOT, " on %,d samples", samples)).toString();
        }
        sb.append(String.format(Locale.ROOT, "  accuracy %.2f%% on %,d samples%n", 100 * accuracy(), samples));
        int width = 6;
        for (long[] row : confusion) {
            for (long n : row) {
                width = Math.max(width, Long.toString(n).length() + 1);
            }
        }
        boolean named = false;
        for (int c = 0; c < names.size(); c++) {
            named |= !names.get(c).equals(Integer.toString(c));
        }
        int label = "actual \\ predicted".length();
        for (String n : names) {
            label = Math.max(label, n.length() + 4);
        }
        sb.append(String.format(Locale.ROOT, "%-" + label + "s", "actual \\ predicted"));
        for (int p = 0; p < confusion.length; p++) {
            sb.append(String.format(Locale.ROOT, " %" + width + "d", p));
        }
        sb.append("  precision   recall\n");
        for (int a = 0; a < confusion.length; a++) {
            String row = named ? names.get(a) + " (" + a + ")" : Integer.toString(a);
            sb.append(String.format(Locale.ROOT, "%" + label + "s", row));
            for (long n : confusion[a]) {
                sb.append(String.format(Locale.ROOT, " %" + width + "d", n));
            }
            sb.append("  ").append(percent(precision(a), 10)).append("  ").append(percent(recall(a), 8)).append('\n');
        }
        return sb.toString().stripTrailing();
    }

    /** {@code fraction} as a percentage right-aligned in {@code width} characters; {@code -} when undefined (NaN). */
    private static String percent(double fraction, int width) {
        String text = Double.isNaN(fraction) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
        return " ".repeat(Math.max(0, width - text.length())) + text;
    }

    /**
     * An MSE model's prediction errors, added up batch by batch in double: per output the sums of squared and of
     * absolute errors, and the spread of the evaluated targets about their mean (taken first, in a pass of its own).
     */
    static final class Errors {
        private final double[] squared;
        private final double[] absolute;
        private final double[] spread;
        private final double[] mean;
        private long rows;

        /** For the rows {@code rows} of {@code targets} (all rows when null), the evaluated ones. */
        Errors(Matrix targets, int[] rows) {
            int m = targets.cols();
            int n = rows == null ? targets.rows() : rows.length;
            squared = new double[m];
            absolute = new double[m];
            spread = new double[m];
            mean = new double[m];
            for (int i = 0; i < n; i++) {
                int r = rows == null ? i : rows[i];
                for (int j = 0; j < m; j++) {
                    mean[j] += targets.get(r, j);
                }
            }
            for (int j = 0; j < m; j++) {
                mean[j] /= n;
            }
            for (int i = 0; i < n; i++) {
                int r = rows == null ? i : rows[i];
                for (int j = 0; j < m; j++) {
                    double d = targets.get(r, j) - mean[j];
                    spread[j] += d * d;
                }
            }
        }

        /** Adds a batch: predictions {@code p} and targets {@code t}, both {@code (batch, outputs)}, in the targets' units. */
        void add(Matrix p, Matrix t) {
            for (int i = 0; i < p.rows(); i++) {
                for (int j = 0; j < p.cols(); j++) {
                    double e = (double) p.get(i, j) - t.get(i, j);
                    squared[j] += e * e;
                    absolute[j] += Math.abs(e);
                }
            }
            rows += p.rows();
        }

        private double total(double[] perOutput) {
            double sum = 0;
            for (double v : perOutput) {
                sum += v;
            }
            return sum;
        }

        private double values() {
            return (double) rows * squared.length;
        }
    }

    private void labelled() {
        if (confusion == null) {
            throw new IllegalStateException("the evaluated data has no class labels");
        }
    }

    private int check(int c, String name) {
        if (c < 0 || c >= confusion.length) {
            throw new IndexOutOfBoundsException(name + " " + c + " is outside [0, " + confusion.length + ")");
        }
        return c;
    }
}
