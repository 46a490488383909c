package dev.myelin.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

/**
 * Known answers of the reference embedding kernels, hand-computed: the lookup is a copy, the gradient a
 * scatter-add in order of the positions. Every value is chosen so that the float sums are exact, except in
 * {@link #theGradientAddsInOrderOfPosition}, which pins the order down.
 */
class EmbeddingTest {

    private final Kernels k = Backends.reference();

    @Test
    void theLookupCopiesTheRowsNamed() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix table = Matrix.of(arena, 4, 3, 0, 1, 2, 10, 11, 12, 20, 21, 22, -0f, Float.NaN, Float.NEGATIVE_INFINITY);
            Matrix y = Matrix.allocate(arena, 5, 3).fill(7f);
            k.embeddingForward(y, table, new int[] {2, 0, 2, 3, 1, 99});    // a longer array: its tail is ignored
            float[] expected = {20, 21, 22, 0, 1, 2, 20, 21, 22, -0f, Float.NaN, Float.NEGATIVE_INFINITY, 10, 11, 12};
            assertArrayEquals(bits(expected), bits(y.toArray()));
        }
    }

    @Test
    void theGradientSumsRepeatedIdsAndZeroesTheOthers() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix dY = Matrix.of(arena, 4, 3, 1, 2, 3, 4, 5, 6, 0.5f, 0.25f, -1, 7, 8, 9);
            int[] ids = {2, 0, 2, 4};
            Matrix dTable = Matrix.allocate(arena, 5, 3).fill(Float.NaN);          // beta 0: never read
            k.embeddingBackward(dTable, dY, ids, 0f);
            assertArrayEquals(bits(new float[] {4, 5, 6, 0, 0, 0, 1.5f, 2.25f, 2, 0, 0, 0, 7, 8, 9}), bits(dTable.toArray()));
            dTable.fill(10f);
            k.embeddingBackward(dTable, dY, ids, 1f);
            assertArrayEquals(bits(new float[] {14, 15, 16, 10, 10, 10, 11.5f, 12.25f, 12, 10, 10, 10, 17, 18, 19}),
                    bits(dTable.toArray()));
        }
    }

    /**
     * ids {0, 0, 0} with dY 1e8, 1, -1e8: in order, {@code (0 + 1e8) + 1} rounds to 1e8 (the float spacing there is 8),
     * then {@code + -1e8} gives 0; adding 1e8 and -1e8 first would give 1.
     */
    @Test
    void theGradientAddsInOrderOfPosition() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix dY = Matrix.of(arena, 3, 1, 1e8f, 1f, -1e8f);
            Matrix dTable = Matrix.allocate(arena, 1, 1);
            k.embeddingBackward(dTable, dY, new int[] {0, 0, 0}, 0f);
            assertEquals(0f, dTable.get(0, 0));
            k.embeddingBackward(dTable, Matrix.of(arena, 3, 1, 1e8f, -1e8f, 1f), new int[] {0, 0, 0}, 0f);
            assertEquals(1f, dTable.get(0, 0));
        }
    }

    @Test
    void viewsAreRespected() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix parent = Matrix.allocate(arena, 4, 6).fill(-1f);
            Matrix table = parent.view(1, 2, 3, 2);                               // ld 6
            table.copyFrom(new float[] {1, 2, 3, 4, 5, 6});
            Matrix y = Matrix.allocate(arena, 3, 5).fill(9f).view(0, 1, 2, 2);
            k.embeddingForward(y, table, new int[] {2, 1});
            assertArrayEquals(new float[] {5, 6, 3, 4}, y.toArray());
            Matrix dTable = Matrix.allocate(arena, 3, 4).fill(3f).view(0, 1, 3, 2);
            k.embeddingBackward(dTable, y, new int[] {0, 0}, 1f);
            assertArrayEquals(new float[] {11, 13, 3, 3, 3, 3}, dTable.toArray());
        }
    }

    private static int[] bits(float[] v) {
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToIntBits(v[i]);
        }
        return b;
    }
}
