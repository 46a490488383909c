package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;

/**
 * A loss over a batch, fused with its gradient: each returns the batch mean and writes
 * {@code dOut = dLoss/dOut} for the model's output (the kernels' fused loss methods).
 */
public enum Loss {

    /** Mean squared error against float targets: {@code mean (out - t)^2}. */
    MSE(0.5f) {
        @Override
        public float compute(Kernels k, Matrix dOut, Matrix out, Matrix targets, int[] labels) {
            return k.mseLoss(dOut, out, need(targets));
        }
    },

    /** Binary cross-entropy on logits (a sigmoid output fused in) against targets in [0, 1]. */
    BCE_WITH_LOGITS(0f) {
        @Override
        public float compute(Kernels k, Matrix dOut, Matrix out, Matrix targets, int[] labels) {
            return k.bceWithLogitsLoss(dOut, out, need(targets));
        }
    },

    /** Softmax cross-entropy on logits against integer class labels. */
    SOFTMAX_CROSS_ENTROPY(Float.NaN) {
        @Override
        public float compute(Kernels k, Matrix dOut, Matrix out, Matrix targets, int[] labels) {
            if (labels == null) {
                throw new IllegalArgumentException("softmax cross-entropy needs class labels; the dataset has none");
            }
            return k.softmaxCrossEntropyLoss(dOut, out, labels);
        }
    };

    private final float threshold;

    Loss(float threshold) {
        this.threshold = threshold;
    }

    /** The batch's mean loss; writes dOut (same shape as out). targets or labels may be null if unused. */
    public abstract float compute(Kernels k, Matrix dOut, Matrix out, Matrix targets, int[] labels);

    /**
     * Number of rows whose prediction matches the label. With several outputs the prediction is the
     * row's argmax; with one output it is {@code out > threshold}: 0.5 for MSE on 0/1 targets (the
     * midpoint), 0 for logits (sigmoid 0.5). {@code predicted} is scratch of length at least B.
     */
    public int correct(Kernels k, Matrix out, int[] labels, int[] predicted) {
        int n = out.rows();
        int right = 0;
        if (out.cols() > 1) {
            k.rowArgmax(predicted, out);
            for (int i = 0; i < n; i++) {
                right += predicted[i] == labels[i] ? 1 : 0;
            }
        } else {
            float t = Float.isNaN(threshold) ? 0f : threshold;
            for (int i = 0; i < n; i++) {
                right += (out.get(i, 0) > t ? 1 : 0) == labels[i] ? 1 : 0;
            }
        }
        return right;
    }

    private static Matrix need(Matrix targets) {
        if (targets == null) {
            throw new IllegalArgumentException("this loss needs float targets; the dataset has only labels");
        }
        return targets;
    }
}
