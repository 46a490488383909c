package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backpropagation through a Model (Dense, each activation, each loss) against central finite
 * differences of the loss, on the reference backend: it checks the trainer's wiring (which tensor each
 * backward consumes, the order of the layers, the skipped first dX), the kernels being checked elsewhere.
 */
class GradientCheckTest {

    static final int BATCH = 3;
    static final int IN = 3;
    static final int HIDDEN = 4;
    static final int OUT = 2;
    /** Step of the central difference. */
    static final float H = 1e-2f;

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (Activation.Kind kind : Activation.Kind.values()) {
            list.add(Arguments.of(kind, Loss.MSE));
        }
        list.add(Arguments.of(Activation.Kind.TANH, Loss.BCE_WITH_LOGITS));
        list.add(Arguments.of(Activation.Kind.TANH, Loss.SOFTMAX_CROSS_ENTROPY));
        return list.stream();
    }

    static Activation activation(Activation.Kind kind) {
        return switch (kind) {
            case IDENTITY -> Activation.identity();
            case RELU -> Activation.relu();
            case LEAKY_RELU -> Activation.leakyRelu(0.1f);
            case SIGMOID -> Activation.sigmoid();
            case TANH -> Activation.tanh();
            case GELU -> Activation.gelu();
        };
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("cases")
    void backwardMatchesFiniteDifferences(Activation.Kind kind, Loss loss) {
        Kernels k = Backends.reference();
        SplittableRandom rnd = new SplittableRandom(kind.ordinal() * 31L + loss.ordinal());
        try (Arena arena = Arena.ofConfined();
             Model model = Model.of(k, Shape.of(IN), loss, 5, new Dense(HIDDEN, Init.XAVIER), activation(kind),
                     new Dense(OUT, Init.XAVIER))) {
            Matrix x = Matrix.allocate(arena, BATCH, IN);
            Matrix t = Matrix.allocate(arena, BATCH, OUT);
            int[] labels = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                labels[i] = rnd.nextInt(OUT);
                for (int j = 0; j < IN; j++) {
                    x.set(i, j, (float) rnd.nextDouble(-2, 2));
                }
                for (int j = 0; j < OUT; j++) {
                    t.set(i, j, loss == Loss.MSE ? (float) rnd.nextDouble(-1, 1) : rnd.nextInt(2));
                }
            }
            Matrix dOut = Matrix.allocate(arena, BATCH, OUT);
            Supplier<Float> lossAt = () -> loss.compute(k, dOut, model.forward(x, true), t, labels);

            lossAt.get();
            model.backward(dOut, false);
            // Rounding: each float loss is within 64 u |L| of exact (a value of this net passes through at most ~20
            // roundings: two dot products of length <= 4, a bias, the activation (a few ULP), the loss terms and their
            // mean of 6). A kink within reach of the step is skipped: finite differences do not apply there.
            int checked = FiniteDifferences.checkParameters(model.toString(), model.parameters(), lossAt, H, 64,
                    (p, i, j, d1, d2) -> nearKink(kind, model, x, 2 * H));
            int total = (IN + 1) * HIDDEN + (HIDDEN + 1) * OUT;
            assertTrue(checked >= total / 2, "only " + checked + " of " + total + " weights were away from a kink");
        }
    }


    /** True if a ReLU-like unit's input lies within {@code reach} of 0 for some sample. */
    private static boolean nearKink(Activation.Kind kind, Model model, Matrix x, float reach) {
        if (kind != Activation.Kind.RELU && kind != Activation.Kind.LEAKY_RELU) {
            return false;
        }
        Matrix z = model.layers().get(0).forward(x, false);
        for (int i = 0; i < z.rows(); i++) {
            for (int j = 0; j < z.cols(); j++) {
                if (Math.abs(z.get(i, j)) < reach) {
                    return true;
                }
            }
        }
        return false;
    }
}
