package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Dense forward and backward on small integers, against hand-computed values. Every product and sum
 * is an integer below 2^24, so float32 computes it exactly in any order: the comparisons are exact.
 */
class DenseTest {

    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void forwardAndBackwardMatchTheFormulas(String backend) {
        Kernels k = Backends.get(backend);
        Dense d = new Dense(3, Init.XAVIER);
        try (Arena arena = Arena.ofConfined(); Model model = Model.of(k, Shape.of(2), Loss.MSE, 1, d)) {
            Parameter w = d.parameters().get(0);
            Parameter b = d.parameters().get(1);
            d.reserve(arena, arena, 4);
            w.value().copyFrom(new float[] {1, 2, 3,
                                            4, 5, 6});        // W is (2, 3)
            b.value().copyFrom(new float[] {10, 20, 30});
            Matrix x = Matrix.of(arena, 2, 2, 1, -1,
                                              2, 3);          // x is (2, 2)
            // y = x W + b: row 0 = (1-4, 2-5, 3-6) + b; row 1 = (2+12, 4+15, 6+18) + b
            assertArrayEquals(new float[] {7, 17, 27, 24, 39, 54}, d.forward(x, true).toArray());

            Matrix dY = Matrix.of(arena, 2, 3, 1, 0, -1,
                                               2, 1, 0);
            w.grad().fill(Float.NaN);                           // "writes": old contents must not leak in
            b.grad().fill(Float.NaN);
            Matrix dX = d.backward(dY, true, false);
            // dW = x^T dY: (2, 3); row i = sum_r x[r][i] * dY[r]
            assertArrayEquals(new float[] {1 + 4, 0 + 2, -1 + 0,
                                           -1 + 6, 0 + 3, 1 + 0}, w.grad().toArray());
            assertArrayEquals(new float[] {3, 1, -1}, b.grad().toArray());          // column sums of dY
            // dX = dY W^T: (2, 2); entry (r, i) = sum_j dY[r][j] * W[i][j]
            assertArrayEquals(new float[] {1 - 3, 4 - 6,
                                           2 + 2, 8 + 5}, dX.toArray());
            assertNull(d.backward(dY, false, false), "the first layer's dX is skipped");
            // accumulate: dW += x^T dY, db += column sums (the same again: doubled, still exact)
            d.backward(dY, false, true);
            assertArrayEquals(new float[] {10, 4, -2,
                                           10, 6, 2}, w.grad().toArray());
            assertArrayEquals(new float[] {6, 2, -2}, b.grad().toArray());
        }
    }
}
