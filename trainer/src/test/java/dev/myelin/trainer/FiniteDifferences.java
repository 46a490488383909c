package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Matrix;
import java.util.List;
import java.util.function.Supplier;

/** The central difference the gradient checks share. */
final class FiniteDifferences {

    private FiniteDifferences() {
    }

    /**
     * {@code (L(w + h) - L(w - h)) / (2h)} for element (i, j) of {@code w}, whose value is {@code w0}, divided by the
     * step actually taken after rounding {@code w0 +- h} to float; {@code w} is left at {@code w0}.
     */
    static double central(Supplier<Float> lossAt, Matrix w, int i, int j, float w0, float h) {
        float up = w0 + h;
        float down = w0 - h;
        w.set(i, j, up);
        double plus = lossAt.get();
        w.set(i, j, down);
        double minus = lossAt.get();
        w.set(i, j, w0);
        return (plus - minus) / ((double) up - down);
    }

    /** Whether a check skips element (i, j) of a parameter: a kink of the loss within reach of the step. */
    interface Skip {
        boolean at(Parameter p, int i, int j, double d1, double d2);
    }

    /** Skips nothing: a loss smooth everywhere near the point. */
    static final Skip NONE = (p, i, j, d1, d2) -> false;

    /**
     * Checks every element of every parameter's gradient, as the last backward pass left it, against {@code d2}, the
     * central difference of {@code lossAt} with step {@code h / 2}, and returns how many were checked (not skipped).
     * The tolerance is {@code |d1 - d2| + lossUlps u max(|L|, 1) / (h / 2)}, with {@code d1} the difference with step h:
     * <ul>
     *   <li>truncation, {@code c h'^2} for a step {@code h'}: {@code d1 - d2 = c (h^2 - h^2/4)}, three times d2's, so
     *       {@code |d1 - d2|} bounds it with a margin of 3;</li>
     *   <li>rounding: each float loss within {@code delta = lossUlps u |L|} of the exact one gives
     *       {@code 2 delta / (2 h')} in the difference; the caller derives {@code lossUlps} from the roundings a value
     *       passes through in its model (written beside each call).</li>
     * </ul>
     *
     * @param what     the model, named in a failure
     * @param params   the parameters to check, their gradients already computed
     * @param lossAt   the loss at the parameters' current values (a forward pass)
     * @param h        the larger step
     * @param lossUlps the bound on a loss's rounding error, in units of u |L|
     * @param skip     the elements to leave out
     * @return the number of elements checked
     */
    static int checkParameters(String what, List<Parameter> params, Supplier<Float> lossAt, float h, double lossUlps,
                               Skip skip) {
        int checked = 0;
        for (Parameter p : params) {
            float[] analytic = p.grad().toArray();
            Matrix w = p.value();
            for (int i = 0; i < w.rows(); i++) {
                for (int j = 0; j < w.cols(); j++) {
                    float w0 = w.get(i, j);
                    double d1 = central(lossAt, w, i, j, w0, h);
                    double d2 = central(lossAt, w, i, j, w0, h / 2);
                    if (skip.at(p, i, j, d1, d2)) {
                        continue;
                    }
                    double loss0 = Math.abs(lossAt.get());
                    double tolerance = Math.abs(d1 - d2) + lossUlps * ErrorBounds.U * Math.max(loss0, 1) / (h / 2);
                    double g = analytic[i * w.cols() + j];
                    assertTrue(Math.abs(g - d2) <= tolerance, what + ": " + p.name() + "[" + i + "][" + j + "]: backprop " + g
                            + ", finite difference " + d2 + " (h " + h / 2 + "; with h " + h + ": " + d1 + "), tolerance "
                            + tolerance);
                    checked++;
                }
            }
        }
        return checked;
    }
}
