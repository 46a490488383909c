package dev.myelin.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Agreement;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class ExpectTest {

    @Test
    void withinPassesAtTheBoundAndReportsTheWorstRatio() {
        Agreement r = Expect.within("k", new double[] {1, 2}, new float[] {1.5f, 2}, new double[] {0.5, 0});
        assertEquals(1.0, r.ratio());
        assertEquals(0.25, Expect.within("k", new double[] {1, 2}, new float[] {1.25f, 2}, 1.0).ratio());
    }

    @Test
    void withinFailsWithTheWorstElementInTheMessage() {
        AssertionError e = assertThrows(AssertionError.class,
                () -> Expect.within("kernel 1x3", new double[] {1, 2, 3}, new float[] {1, 2.5f, 3.2f}, 0.1));
        assertEquals("kernel 1x3: DISAGREE: 2 of 3 elements exceed their bound; worst at (0, 1): expected 2.0, actual 2.5,"
                + " error 5.000e-01, bound 1.000e-01 (5.000 of the bound)", e.getMessage());
    }

    @Test
    void specialValuesMustMatchExactly() {
        double[] exact = {Double.NaN, Double.POSITIVE_INFINITY, 1};
        Expect.within("k", exact, new float[] {Float.NaN, Float.POSITIVE_INFINITY, 1}, 0);
        assertThrows(AssertionError.class, () -> Expect.within("k", exact, new float[] {0, Float.POSITIVE_INFINITY, 1}, 1e30));
        assertThrows(AssertionError.class, () -> Expect.within("k", exact, new float[] {Float.NaN, Float.NEGATIVE_INFINITY, 1}, 1e30));
        // a finite exact value that the float overflowed: never within a finite bound
        assertThrows(AssertionError.class, () -> Expect.within("k", new double[] {1e39}, new float[] {Float.POSITIVE_INFINITY}, 1e30));
    }

    @Test
    void boundsMustBeFiniteAndNonNegative() {
        assertEquals("bound[0] must be finite and >= 0, got Infinity", assertThrows(IllegalArgumentException.class,
                () -> Expect.within("k", new double[] {1}, new float[] {1}, Double.POSITIVE_INFINITY)).getMessage());
        assertEquals("bound[1] must be finite and >= 0, got -1.0", assertThrows(IllegalArgumentException.class,
                () -> Expect.within("k", new double[] {1, 1}, new float[] {1, 1}, new double[] {0, -1})).getMessage());
        assertEquals("bound[0] must be finite and >= 0, got NaN", assertThrows(IllegalArgumentException.class,
                () -> Expect.within("k", new double[] {1}, new float[] {1}, Double.NaN)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Expect.within("k", new double[] {1, 2}, new float[] {1}, 0));
    }

    @Test
    void matricesAreReadThroughTheirViewAndReportedByRowAndColumn() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix parent = Matrix.of(arena, 3, 3, 9, 9, 9, 9, 1, 2, 9, 3, 4);
            Matrix view = parent.view(1, 1, 2, 2);
            Expect.within("view", new double[] {1, 2, 3, 4}, view, 0);
            Expect.exact("view", new float[] {1, 2, 3, 4}, view);
            assertTrue(assertThrows(AssertionError.class, () -> Expect.exact("view", new float[] {1, 2, 3, -4}, view))
                    .getMessage().startsWith("view: not bit for bit at (1, 1) of 4 elements: expected -4.0"));
            AssertionError e = assertThrows(AssertionError.class,
                    () -> Expect.within("view", new double[] {1, 2, 3, 5}, view, new double[] {0, 0, 0, 0.5}));
            assertTrue(e.getMessage().contains("worst at (1, 1): expected 5.0, actual 4.0"), e.getMessage());
            assertEquals("expected has 3 values, the matrix is 2x2 (4)", assertThrows(IllegalArgumentException.class,
                    () -> Expect.within("view", new double[] {1, 2, 3}, view, 0)).getMessage());
        }
    }

    @Test
    void exactComparesBitPatterns() {
        Expect.exact("k", new float[] {Float.NaN, 1, -0f}, new float[] {Float.intBitsToFloat(0x7fc00001), 1, -0f});
        AssertionError e = assertThrows(AssertionError.class, () -> Expect.exact("k", new float[] {1, -0f}, new float[] {1, 0f}));
        assertEquals("k: not bit for bit at (0, 1) of 2 elements: expected -0.0 (0x80000000), actual 0.0 (0x00000000)", e.getMessage());
    }
}
