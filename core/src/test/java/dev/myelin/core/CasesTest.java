package dev.myelin.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CasesTest {

    @Test
    void edgeSizesAreRelativeToTheLaneCount() {
        assertArrayEquals(new int[] {1, 7, 8, 9, 17, 24, 66}, Cases.edgeSizes(8));
        assertArrayEquals(new int[] {1, 2, 3, 10}, Cases.edgeSizes(1));   // 1, 0 (dropped), 1, 2, 3, 3, 10
    }

    @Test
    void valuesWithoutSpecialsStayInTheirRange() {
        float[] v = Cases.values(Cases.random(1), 1000, -2, 3, 0);
        assertEquals(1000, v.length);
        for (float x : v) {
            assertTrue(x >= -2 && x <= 3, () -> "out of [-2, 3): " + x);
        }
    }

    @Test
    void valuesWithOnlySpecialsDrawEverySpecialValue() {
        Set<Integer> seen = new HashSet<>();
        for (float x : Cases.values(Cases.random(2), 2000, -1, 1, 1)) {
            seen.add(Float.floatToIntBits(x));
        }
        // NaN, +-Inf, +-0, +-MIN_VALUE, +-MIN_NORMAL, +-1e-40, +-MAX_VALUE, +-1: 15 bit patterns
        assertEquals(15, seen.size(), seen::toString);
        assertTrue(seen.contains(Float.floatToIntBits(Float.NaN)));
        assertTrue(seen.contains(Float.floatToIntBits(-0f)));
    }

    @Test
    void valuesAreReproducibleFromTheCase() {
        assertArrayEquals(Cases.values(Cases.random(3), 50, -1, 1, 0.1), Cases.values(Cases.random(3), 50, -1, 1, 0.1));
    }

    @Test
    void badArgumentsAreNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cases.values(Cases.random(0), -1, 0, 1, 0))
                .getMessage().contains("count must be >= 0, got -1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cases.values(Cases.random(0), 1, 1, 1, 0))
                .getMessage().contains("lo must be < hi, got lo 1.0, hi 1.0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cases.values(Cases.random(0), 1, 0, 1, 1.5))
                .getMessage().contains("pSpecial must be in [0, 1], got 1.5"));
    }
}
