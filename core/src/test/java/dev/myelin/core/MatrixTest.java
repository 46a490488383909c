package dev.myelin.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

class MatrixTest {

    @Test
    void allocationIsZeroedAndAligned() {
        try (Matrix m = Matrix.allocate(3, 5)) {
            assertEquals(0, m.segment().address() % Matrix.ALIGNMENT);
            assertArrayEquals(new float[15], m.toArray());
            assertEquals(5, m.ld());
            assertTrue(m.isContiguous());
        }
    }

    @Test
    void copyInAndOutRoundTrips() {
        try (Arena arena = Arena.ofConfined()) {
            float[] v = {1, 2, 3, 4, 5, 6};
            Matrix m = Matrix.of(arena, 2, 3, v);
            assertArrayEquals(v, m.toArray());
            assertEquals(6f, m.get(1, 2));
            m.set(0, 1, -7);
            assertEquals(-7f, m.toArray()[1]);
        }
    }

    @Test
    void viewsShareMemoryWithTheirParent() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix p = Matrix.of(arena, 3, 4, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
            Matrix v = p.view(1, 1, 2, 2);
            assertArrayEquals(new float[] {5, 6, 9, 10}, v.toArray());
            assertEquals(4, v.ld());
            assertFalse(v.isContiguous());
            v.fill(-1);
            assertArrayEquals(new float[] {0, 1, 2, 3, 4, -1, -1, 7, 8, -1, -1, 11}, p.toArray());
            v.copyFrom(new float[] {1, 2, 3, 4});
            assertEquals(3f, p.get(2, 1));
            assertArrayEquals(new float[] {8, 3, 4, 11}, p.rows(2, 1).toArray());
        }
    }

    @Test
    void overlapIsExactForStridedViews() {
        try (Arena arena = Arena.ofConfined()) {
            Matrix p = Matrix.allocate(arena, 4, 8);
            Matrix left = p.view(0, 0, 4, 4);
            Matrix right = p.view(0, 4, 4, 4);
            assertFalse(left.overlaps(right), "interleaved column blocks share no element");
            assertFalse(right.overlaps(left));
            assertTrue(left.overlaps(p.view(3, 3, 1, 2)));
            assertFalse(left.overlaps(p.view(3, 4, 1, 4)));
            assertTrue(p.overlaps(left));
            assertFalse(p.view(0, 0, 2, 8).overlaps(p.view(2, 0, 2, 8)));
            assertFalse(left.overlaps(Matrix.allocate(arena, 4, 4)));
            // Different leading dimensions over the same memory: a wrapped 2x16 view of the 4x8 parent.
            Matrix wide = Matrix.wrap(p.segment(), 0, 2, 16, 16);
            assertTrue(wide.overlaps(right));
            assertTrue(left.sameView(p.view(0, 0, 4, 4)));
            assertFalse(left.sameView(p.view(0, 0, 4, 3)));
        }
    }

    @Test
    void overlapIsExactForSegmentsOffFloatBoundaries() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment seg = arena.allocate(64, 64);
            Matrix odd = Matrix.wrap(seg.asSlice(2), 0, 1, 4, 4);   // bytes 2..18
            assertTrue(odd.overlaps(Matrix.wrap(seg, 4, 1, 1, 1)));  // bytes 16..20
            assertTrue(Matrix.wrap(seg, 0, 1, 1, 1).overlaps(odd));  // bytes 0..4
            assertFalse(odd.overlaps(Matrix.wrap(seg, 5, 1, 1, 1))); // bytes 20..24
        }
    }

    @Test
    void toStringShowsSmallMatricesAndCornersOfLargeOnes() {
        try (Arena arena = Arena.ofConfined()) {
            String s = Matrix.of(arena, 2, 2, 1, 2, 3, 4).toString();
            assertTrue(s.startsWith("Matrix 2x2"), s);
            assertTrue(s.contains("4.000"), s);
            String big = Matrix.allocate(arena, 20, 30).toString();
            assertTrue(big.contains("..."), big);
            assertTrue(big.lines().count() < 10, big);
        }
    }

    @Test
    void badArgumentsNameTheArgumentAndValue() {
        try (Arena arena = Arena.ofConfined()) {
            assertMessage(IllegalArgumentException.class, "rows must be > 0, got 0", () -> Matrix.allocate(arena, 0, 3));
            assertMessage(IllegalArgumentException.class, "cols must be > 0, got -2", () -> Matrix.allocate(arena, 1, -2));
            Matrix m = Matrix.allocate(arena, 3, 4);
            assertMessage(IndexOutOfBoundsException.class, "outside its 3x4 parent", () -> m.view(2, 0, 2, 4));
            assertMessage(IndexOutOfBoundsException.class, "outside its 3x4 parent", () -> m.view(-1, 0, 1, 1));
            assertMessage(IllegalArgumentException.class, "src has 5 values", () -> m.copyFrom(new float[5]));
            assertMessage(IndexOutOfBoundsException.class, "(3, 0) is outside", () -> m.get(3, 0));
            MemorySegment seg = arena.allocate(40);
            assertMessage(IllegalArgumentException.class, "ld (2) must be >= cols (3)", () -> Matrix.wrap(seg, 0, 2, 3, 2));
            assertMessage(IllegalArgumentException.class, "needs 48 bytes, segment has 40", () -> Matrix.wrap(seg, 0, 3, 4, 4));
            assertMessage(IllegalArgumentException.class, "heap segment",
                    () -> Matrix.wrap(MemorySegment.ofArray(new float[4]), 0, 2, 2, 2));
        }
    }

    @Test
    void closedMemoryIsAnErrorNotACrash() {
        Matrix m = Matrix.allocate(2, 2);
        Matrix v = m.view(0, 0, 1, 1);
        m.close();
        assertFalse(m.isAlive());
        assertMessage(IllegalStateException.class, "closed", m::toArray);
        assertMessage(IllegalStateException.class, "closed", () -> v.fill(1));
        assertThrows(IllegalStateException.class, () -> v.get(0, 0));
        assertTrue(m.toString().contains("[closed]"));
        m.close(); // closing twice is harmless
    }

    static void assertMessage(Class<? extends Throwable> type, String fragment, org.junit.jupiter.api.function.Executable call) {
        Throwable t = assertThrows(type, call);
        assertTrue(t.getMessage() != null && t.getMessage().contains(fragment),
                () -> "message '" + t.getMessage() + "' should contain '" + fragment + "'");
    }
}
