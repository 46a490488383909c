package dev.myelin.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class ErrorBoundsTest {

    @Test
    void gammaMatchesItsDefinition() {
        assertEquals(0.0, ErrorBounds.gamma(0));
        assertEquals(0x1p-24 / (1 - 0x1p-24), ErrorBounds.gamma(1));
        assertEquals(100 * 0x1p-24 / (1 - 100 * 0x1p-24), ErrorBounds.gamma(100));
        assertThrows(IllegalArgumentException.class, () -> ErrorBounds.gamma(-1));
        assertThrows(IllegalArgumentException.class, () -> ErrorBounds.gamma(1 << 24));
    }

    @Test
    void gammaDMatchesItsDefinition() {
        assertEquals(0.0, ErrorBounds.gammaD(0));
        assertEquals(0x1p-53 / (1 - 0x1p-53), ErrorBounds.gammaD(1));
        assertEquals(100 * 0x1p-53 / (1 - 100 * 0x1p-53), ErrorBounds.gammaD(100));
        assertThrows(IllegalArgumentException.class, () -> ErrorBounds.gammaD(-1));
        assertThrows(IllegalArgumentException.class, () -> ErrorBounds.gammaD(1L << 53));
    }

    @Test
    void ulpDistanceCountsRepresentableFloats() {
        assertEquals(0, ErrorBounds.ulpDistance(1f, 1f));
        assertEquals(1, ErrorBounds.ulpDistance(1f, Math.nextUp(1f)));
        assertEquals(2, ErrorBounds.ulpDistance(Math.nextDown(1f), Math.nextUp(1f)));
        assertEquals(0, ErrorBounds.ulpDistance(0f, -0f));
        assertEquals(2, ErrorBounds.ulpDistance(Float.MIN_VALUE, -Float.MIN_VALUE));
        assertEquals(0, ErrorBounds.ulpDistance(Float.NaN, Float.NaN));
        assertEquals(Long.MAX_VALUE, ErrorBounds.ulpDistance(Float.NaN, 1f));
        assertEquals(1, ErrorBounds.ulpDistance(Float.MAX_VALUE, Float.POSITIVE_INFINITY));
        // 2^23 floats in [1, 2)
        assertEquals(1 << 23, ErrorBounds.ulpDistance(1f, 2f));
    }

    @Test
    void compareReportsTheWorstElement() {
        double[] expected = {1, 2, 3, 4};
        float[] actual = {1, 2.5f, 3.1f, 4};
        double[] bound = {0.1, 1, 0.05, 0.1};
        Agreement r = ErrorBounds.compare(expected, actual, bound, 2);
        assertFalse(r.passed());
        assertEquals(1, r.violations());
        assertEquals(1, r.row());
        assertEquals(0, r.col());
        assertEquals(3.0, r.expected());
        assertEquals(3.1f, r.actual());
        assertEquals(0.05, r.bound());
        assertTrue(r.toString().contains("worst at (1, 0)"), r.toString());
        assertThrows(AssertionError.class, () -> r.orThrow("case"));
    }

    @Test
    void compareTreatsNaNAndInfinityExactly() {
        double[] bound = {0, 0, 0};
        assertTrue(ErrorBounds.compare(new double[] {Double.NaN, Double.POSITIVE_INFINITY, 0},
                new float[] {Float.NaN, Float.POSITIVE_INFINITY, 0}, bound, 3).passed());
        Agreement r = ErrorBounds.compare(new double[] {1, 2, 3}, new float[] {1, Float.NaN, 3}, bound, 3);
        assertFalse(r.passed());
        assertEquals(1, r.col());
        assertEquals(Double.POSITIVE_INFINITY, r.error());
    }

    @Test
    void gemmBoundByHand() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrix.of(arena, 1, 2, 1, -2);
            Matrix b = Matrix.of(arena, 2, 1, 3, 4);
            Matrix c = Matrix.of(arena, 1, 1, 10);
            // P = |1*3| + |-2*4| = 11; |alpha| P + |beta c| = 2*11 + 0.5*10 = 27
            double[] bound = ErrorBounds.gemmBound(c, a, Trans.N, b, Trans.N, -2f, 0.5f);
            assertEquals(ErrorBounds.gamma(4) * 27 + 4 * (double) Float.MIN_VALUE, bound[0]);
            double[] noBeta = ErrorBounds.gemmBound(null, a, Trans.N, b, Trans.N, 1f, 0f);
            assertEquals(ErrorBounds.gamma(4) * 11 + 4 * (double) Float.MIN_VALUE, noBeta[0]);
        }
    }
}
