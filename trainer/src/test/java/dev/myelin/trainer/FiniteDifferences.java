package dev.myelin.trainer;

import dev.myelin.core.Matrix;
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
}
