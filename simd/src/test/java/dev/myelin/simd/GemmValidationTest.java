package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.lang.foreign.Arena;
import java.util.stream.Stream;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Both backends reject bad GEMM arguments with a message that names the argument and its value. */
class GemmValidationTest {

    static Stream<Kernels> backends() {
        return Stream.of(Backends.reference(), Backends.simd());
    }

    @ParameterizedTest
    @MethodSource("backends")
    void shapesThatDoNotMatch(Kernels k) {
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrix.allocate(arena, 3, 4);
            Matrix b = Matrix.allocate(arena, 5, 2);
            Matrix c = Matrix.allocate(arena, 3, 2);
            expect(IllegalArgumentException.class, "op(A) is 3x4", () -> k.gemm(c, a, Trans.N, b, Trans.N, 1, 0));
            Matrix b2 = Matrix.allocate(arena, 4, 2);
            expect(IllegalArgumentException.class, "op(A) is 4x3", () -> k.gemm(c, a, Trans.T, b2, Trans.N, 1, 0));
            Matrix wrongC = Matrix.allocate(arena, 3, 3);
            expect(IllegalArgumentException.class, "C must be 3x2", () -> k.gemm(wrongC, a, Trans.N, b2, Trans.N, 1, 0));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void outputOverlappingAnInput(Kernels k) {
        try (Arena arena = Arena.ofConfined()) {
            Matrix p = Matrix.allocate(arena, 4, 8);
            Matrix a = p.view(0, 0, 4, 4);
            Matrix b = Matrix.allocate(arena, 4, 4);
            expect(IllegalArgumentException.class, "output C (4x4 (ld 8)) overlaps input A",
                    () -> k.gemm(p.view(0, 2, 4, 4), a, Trans.N, b, Trans.N, 1, 0));
            expect(IllegalArgumentException.class, "overlaps input B", () -> k.gemm(b, a, Trans.N, b, Trans.N, 1, 0));
            // The right half of the same parent shares no element with the left half: allowed.
            k.gemm(p.view(0, 4, 4, 4), a, Trans.N, b, Trans.N, 1, 0);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void closedMemoryAndNulls(Kernels k) {
        Matrix a = Matrix.allocate(2, 2);
        Matrix b = Matrix.allocate(2, 2);
        Matrix c = Matrix.allocate(2, 2);
        b.close();
        expect(IllegalStateException.class, "B (2x2) uses memory that has been closed", () -> k.gemm(c, a, Trans.N, b, Trans.N, 1, 0));
        expect(NullPointerException.class, "A is null", () -> k.gemm(c, null, Trans.N, a, Trans.N, 1, 0));
        expect(NullPointerException.class, "opB is null", () -> k.gemm(c, a, Trans.N, a, null, 1, 0));
        a.close();
        c.close();
    }

    static void expect(Class<? extends Throwable> type, String fragment, Executable call) {
        Throwable t = assertThrows(type, call);
        assertTrue(t.getMessage() != null && t.getMessage().contains(fragment),
                () -> "message '" + t.getMessage() + "' should contain '" + fragment + "'");
    }
}
