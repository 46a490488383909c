package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Dropout: identity in inference, a reproducible inverted mask in training, and its backward. */
class DropoutTest {

    private static Model model(float rate) {
        return Model.of(Backends.reference(), Shape.of(40), Loss.MSE, 1, new Dropout(rate), new Dense(1));
    }

    @Test
    void inferenceIsTheIdentity() {
        try (Arena arena = Arena.ofConfined(); Model m = model(0.5f)) {
            Matrix x = ModelTest.random(arena, 3, 40, 1);
            m.reserve(3);
            assertSame(x, m.layers().get(0).forward(x, false));
        }
    }

    /**
     * Over 500 x 40 = 20,000 draws with rate 0.3, the kept count is binomial: mean 14,000, standard deviation
     * sqrt(20000 * 0.3 * 0.7) = 64.8; the test allows 5 standard deviations (a false failure about once in
     * 1.7 million seeds). Each kept element is exactly {@code x * fl(1 / 0.7)}, each dropped one exactly 0.
     */
    @Test
    void trainingKeepsAboutOneMinusRateScaledAndTheMaskIsAFunctionOfTheKey() {
        try (Arena arena = Arena.ofConfined(); Model m = model(0.3f)) {
            Matrix x = ModelTest.random(arena, 500, 40, 2);
            m.reserve(500);
            Layer d = m.layers().get(0);
            m.passKey(77);
            float[] y = d.forward(x, true).toArray();
            float[] xs = x.toArray();
            float keep = (float) (1.0 / 0.7);
            int kept = 0;
            for (int i = 0; i < y.length; i++) {
                if (y[i] != 0f) {
                    kept++;
                    assertEquals(xs[i] * keep, y[i], "element " + i);
                }
            }
            assertTrue(Math.abs(kept - 14_000) <= 5 * 64.8, "kept " + kept + " of 20000");
            m.passKey(77);
            assertArrayEquals(y, d.forward(x, true).toArray(), "the same key draws the same mask");
            m.passKey(78);
            assertFalse(Arrays.equals(y, d.forward(x, true).toArray()), "another key draws another mask");
            // backward: dX = dY * M with the last pass's mask
            m.passKey(77);
            d.forward(x, true);
            Matrix dY = ModelTest.random(arena, 500, 40, 3);
            float[] dx = d.backward(dY, true, false).toArray();
            float[] dys = dY.toArray();
            for (int i = 0; i < dx.length; i++) {
                assertEquals(dys[i] * (y[i] == 0f ? 0f : keep), dx[i], "element " + i);      // a dropped one: +-0
            }
        }
    }

    @Test
    void rateZeroChangesNothingAndBadRatesAreNamed() {
        try (Arena arena = Arena.ofConfined(); Model m = model(0f)) {
            Matrix x = ModelTest.random(arena, 2, 40, 1);
            m.reserve(2);
            assertSame(x, m.layers().get(0).forward(x, true));
        }
        assertEquals("rate must be in [0, 1), got 1.0", assertThrows(IllegalArgumentException.class, () -> new Dropout(1f)).getMessage());
        assertEquals("rate must be in [0, 1), got NaN",
                assertThrows(IllegalArgumentException.class, () -> new Dropout(Float.NaN)).getMessage());
    }
}
