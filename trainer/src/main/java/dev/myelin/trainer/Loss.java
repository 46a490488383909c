package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.util.Locale;

/**
 * What a model's outputs mean and how they are scored. Training uses the kernels' fused loss-and-gradient
 * methods ({@link #compute}); evaluation scores outputs without any gradient work ({@link #total}); prediction
 * turns outputs into what a user reads ({@link #output}: probabilities or values) and into classes
 * ({@link #classify}).
 */
public enum Loss {

    /** Mean squared error against float targets: {@code mean (out - t)^2}; outputs are the predictions. */
    MSE(0.5f) {
        @Override
        public float compute(Kernels k, Matrix dOut, Matrix out, Matrix targets, int[] labels) {
            return k.mseLoss(dOut, out, need(targets));
        }

        @Override
        double total(Kernels k, Matrix scratch, Matrix out, Matrix targets, int[] labels) {
            Matrix t = need(targets);
            double sum = 0;
            for (int i = 0; i < out.rows(); i++) {
                double row = 0;
                for (int j = 0; j < out.cols(); j++) {
                    double d = (double) out.get(i, j) - t.get(i, j);
                    row += d * d;
                }
                sum += row / out.cols();
            }
            return sum;
        }

        @Override
        public void output(Kernels k, Matrix y, Matrix out) {
            k.copy(y, out);
        }
    },

    /** Binary cross-entropy on logits (a sigmoid output fused in) against targets in [0, 1]; outputs are logits. */
    BCE_WITH_LOGITS(0f) {
        @Override
        public float compute(Kernels k, Matrix dOut, Matrix out, Matrix targets, int[] labels) {
            return k.bceWithLogitsLoss(dOut, out, need(targets));
        }

        @Override
        double total(Kernels k, Matrix scratch, Matrix out, Matrix targets, int[] labels) {
            Matrix t = need(targets);
            double sum = 0;
            for (int i = 0; i < out.rows(); i++) {
                double row = 0;
                for (int j = 0; j < out.cols(); j++) {
                    double x = out.get(i, j);
                    // the stable form of the kernel's loss, in double; StrictMath gives the same bits in any JVM
                    row += Math.max(x, 0) - x * t.get(i, j) + StrictMath.log1p(StrictMath.exp(-Math.abs(x)));
                }
                sum += row / out.cols();
            }
            return sum;
        }

        @Override
        public void output(Kernels k, Matrix y, Matrix out) {
            k.sigmoidForward(y, out);
        }
    },

    /** Softmax cross-entropy on logits against integer class labels; outputs are logits. */
    SOFTMAX_CROSS_ENTROPY(Float.NaN) {
        @Override
        public float compute(Kernels k, Matrix dOut, Matrix out, Matrix targets, int[] labels) {
            return k.softmaxCrossEntropyLoss(dOut, out, needLabels(labels));
        }

        @Override
        double total(Kernels k, Matrix scratch, Matrix out, Matrix targets, int[] labels) {
            int[] y = needLabels(labels);
            k.logSoftmaxForward(scratch, out);
            double sum = 0;
            for (int i = 0; i < out.rows(); i++) {
                sum -= scratch.get(i, y[i]);
            }
            return sum;
        }

        @Override
        public void output(Kernels k, Matrix y, Matrix out) {
            k.softmaxForward(y, out);
        }
    };

    private final float threshold;

    Loss(float threshold) {
        this.threshold = threshold;
    }

    /**
     * The batch's mean loss; writes {@code dOut = dLoss/dOut} (same shape as out). targets or labels may be null if
     * unused. For a model that scores several positions per sample ({@link Model#positions()}) out and dOut are the
     * {@code (batch * positions, classes)} views, one row per position, and the mean is over all those rows.
     *
     * @param k       the kernels to compute with
     * @param dOut    the gradient with respect to the outputs, {@code (batch, outputs)}: written
     * @param out     the model's outputs, {@code (batch, outputs)}
     * @param targets the float targets, {@code (batch, outputs)}, for MSE and BCE; else null
     * @param labels  the class of each row, for softmax cross-entropy; else null
     * @return the batch's mean loss
     * @throws IllegalArgumentException if the targets or labels this loss needs are null
     */
    public abstract float compute(Kernels k, Matrix dOut, Matrix out, Matrix targets, int[] labels);

    /**
     * The sum over the batch's rows of each sample's loss (for MSE and BCE the mean over the sample's outputs),
     * without any gradient; {@code scratch} is shaped like {@code out} and may be overwritten. Rows are positions for
     * a model that scores several per sample, as in {@link #compute}.
     */
    abstract double total(Kernels k, Matrix scratch, Matrix out, Matrix targets, int[] labels);

    /**
     * Writes the predictions a user reads for the outputs: probabilities (softmax over the row for
     * softmax cross-entropy, the sigmoid of each logit for BCE) or, for MSE, the outputs themselves.
     *
     * @param k   the kernels to compute with
     * @param y   the predictions, {@code (batch, outputs)}: written
     * @param out the model's outputs, {@code (batch, outputs)}
     */
    public abstract void output(Kernels k, Matrix y, Matrix out);

    /**
     * The predicted class of each row, into {@code classes[0..rows)}: with several outputs the row's argmax
     * (the first maximum); with one output {@code out > threshold} (1, else 0): 0.5 for MSE on 0/1 targets
     * (the midpoint), 0 for logits (sigmoid 0.5).
     *
     * @param k       the kernels to compute with
     * @param out     the model's outputs, {@code (batch, outputs)}
     * @param classes receives the class of each row; length at least {@code batch}
     */
    public void classify(Kernels k, Matrix out, int[] classes) {
        if (out.cols() > 1) {
            k.rowArgmax(classes, out);
            return;
        }
        float t = Float.isNaN(threshold) ? 0f : threshold;
        for (int i = 0; i < out.rows(); i++) {
            classes[i] = out.get(i, 0) > t ? 1 : 0;
        }
    }

    /**
     * Number of classes a model with {@code outputs} outputs predicts: the outputs, or 2 for a single output.
     *
     * @param outputs the model's outputs per sample
     * @return the number of classes
     */
    public static int classes(int outputs) {
        return outputs > 1 ? outputs : 2;
    }

    /** {@return the name the model file stores, e.g. {@code "softmax_cross_entropy"}} */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The loss with that {@link #id()}.
     *
     * @param id {@code "mse"}, {@code "bce_with_logits"} or {@code "softmax_cross_entropy"}
     * @return the loss
     * @throws IllegalArgumentException if the name is unknown
     */
    public static Loss of(String id) {
        for (Loss l : values()) {
            if (l.id().equals(id)) {
                return l;
            }
        }
        throw new IllegalArgumentException("unknown loss '" + id + "'; known: mse, bce_with_logits, softmax_cross_entropy");
    }

    private static Matrix need(Matrix targets) {
        if (targets == null) {
            throw new IllegalArgumentException("this loss needs float targets; the dataset has only labels");
        }
        return targets;
    }

    private static int[] needLabels(int[] labels) {
        if (labels == null) {
            throw new IllegalArgumentException("softmax cross-entropy needs class labels; the dataset has none");
        }
        return labels;
    }
}
