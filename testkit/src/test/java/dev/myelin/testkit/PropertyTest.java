package dev.myelin.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Cases;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/** Sets and clears the system property myelin.case, hence the lock. */
@ResourceLock("myelin.case")
class PropertyTest {

    @Test
    void everySizeRunsWithItsOwnReproducibleGenerator() {
        List<long[]> first = new ArrayList<>();
        assertEquals(3, Property.forEachSize("p", List.of(1, 7, 8), c -> first.add(new long[] {c.index(), c.size(),
            c.random().nextLong()})));
        List<long[]> again = new ArrayList<>();
        Property.forEachSize("p", List.of(1, 7, 8), c -> again.add(new long[] {c.index(), c.size(), c.random().nextLong()}));
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(first.get(i), again.get(i));
        }
        assertTrue(first.get(0)[2] != first.get(1)[2]);
        long[] other = new long[1];
        Property.forEachSize("q", List.of(1), c -> other[0] = c.random().nextLong());
        assertTrue(other[0] != first.get(0)[2], "another property draws other inputs");
    }

    @Test
    void aFailureNamesThePropertyTheSizeTheSeedAndTheRerun() {
        AssertionError e = assertThrows(AssertionError.class, () -> Property.forEachSize("p", List.of(1, 7, 8), c -> {
            if (c.size() == 7) {
                throw new AssertionError("boom");
            }
        }));
        assertEquals("p n=7 [seed " + Cases.SEED + ", case 1; rerun it alone with -Dmyelin.seed=" + Cases.SEED
                + " -Dmyelin.case=1]: boom", e.getMessage());
        IllegalStateException cause = new IllegalStateException("bad state");
        AssertionError wrapped = assertThrows(AssertionError.class, () -> Property.forAll("r", 2, c -> {
            throw cause;
        }));
        assertTrue(wrapped.getMessage().startsWith("r [seed "), wrapped.getMessage());
        assertEquals(cause, wrapped.getCause());
    }

    @Test
    void myelinCaseRerunsOneCaseWithTheSameInputs() {
        long[] all = new long[3];
        Property.forEachSize("p", List.of(1, 7, 8), c -> all[c.index()] = c.random().nextLong());
        String before = System.getProperty(Property.CASE);
        try {
            System.setProperty(Property.CASE, "2");
            long[] alone = new long[1];
            assertEquals(1, Property.forEachSize("p", List.of(1, 7, 8), c -> alone[0] = c.random().nextLong()));
            assertEquals(all[2], alone[0]);
            System.setProperty(Property.CASE, "x");
            assertEquals("-Dmyelin.case must be a case index >= 0, got 'x'", assertThrows(IllegalArgumentException.class,
                    () -> Property.forAll("p", 1, c -> { })).getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(Property.CASE);
            } else {
                System.setProperty(Property.CASE, before);
            }
        }
    }

    @Test
    void forAllRunsCountTimesTheScale() {
        assertEquals(5 * Cases.SCALE, Property.forAll("p", 5, c -> assertEquals(0, c.size())));
        assertEquals("count must be >= 1, got 0", assertThrows(IllegalArgumentException.class,
                () -> Property.forAll("p", 0, c -> { })).getMessage());
    }
}
