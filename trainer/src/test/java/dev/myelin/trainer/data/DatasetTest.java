package dev.myelin.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Subsets and seeded splits copy the right rows, and a bad split names itself. */
class DatasetTest {

    /** Row i has features (i, -i) and label i % 3. */
    private static Dataset numbered(int n) {
        float[] x = new float[2 * n];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            x[2 * i] = i;
            x[2 * i + 1] = -i;
            y[i] = i % 3;
        }
        return Dataset.classification("numbered", x, 2, y, 3).classNames(List.of("a", "b", "c"));
    }

    @Test
    void aSplitPartitionsTheRowsBySeedAndKeepsEachRowWhole() {
        try (Dataset d = numbered(100)) {
            List<Dataset> parts = d.split(7, 0.8, 0.1, 0.1);
            try {
                assertEquals(List.of(80, 10, 10), parts.stream().map(Dataset::size).toList());
                Set<Integer> seen = new HashSet<>();
                for (Dataset p : parts) {
                    float[] x = p.features().toArray();
                    int previous = -1;
                    for (int i = 0; i < p.size(); i++) {
                        int row = (int) x[2 * i];
                        assertEquals(-row, x[2 * i + 1], 0f, "a whole row");
                        assertEquals(row % 3, p.labels()[i], "its label");
                        assertTrue(row > previous, "rows in their original order");
                        previous = row;
                        assertTrue(seen.add(row), "row " + row + " in two parts");
                    }
                    assertEquals(List.of("a", "b", "c"), p.classNames());
                }
                assertEquals(100, seen.size());
                List<Dataset> again = d.split(7, 0.8, 0.1, 0.1);
                assertArrayEquals(parts.get(1).features().toArray(), again.get(1).features().toArray(), "the seed fixes the split");
                again.forEach(Dataset::close);
            } finally {
                parts.forEach(Dataset::close);
            }
            assertEquals(100, d.size(), "the whole is untouched");
        }
    }

    @Test
    void badSplitsNameThemselves() {
        try (Dataset d = numbered(3)) {
            assertEquals("the fractions must sum to 1, got [0.5, 0.4] (sum 0.9)",
                    assertThrows(IllegalArgumentException.class, () -> d.split(1, 0.5, 0.4)).getMessage());
            assertEquals("each fraction must be in (0, 1), got [1.0, 0.0]",
                    assertThrows(IllegalArgumentException.class, () -> d.split(1, 1.0, 0.0)).getMessage());
            assertEquals("numbered: 3 samples cannot be split into [0.9, 0.05, 0.05] with at least one sample in each part",
                    assertThrows(IllegalArgumentException.class, () -> d.split(1, 0.9, 0.05, 0.05)).getMessage());
            assertEquals("rows[1] = 3 is not a row of numbered (3 rows)",
                    assertThrows(IndexOutOfBoundsException.class, () -> d.subset("s", new int[] {0, 3})).getMessage());
        }
    }
}
