package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.myelin.core.Backends;
import dev.myelin.core.Cases;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The unpacked path (op(B) = B and n <= 2 vectors or m <= {@link Gemm#UNPACKED_ROWS}, no packing) sums exactly as
 * the packed path does, so the two compare bit for bit: the same product through the packed path is had by passing
 * B^T (a stored transposed copy) with op(B) = T.
 */
class GemmPathsTest {

    @TestFactory
    Stream<DynamicTest> narrowAndPackedPathsAgreeExactly() {
        Kernels simd = Backends.simd();
        int lanes = SimdTesting.lanes();
        return IntStream.range(0, 80 * Cases.SCALE).mapToObj(i -> {
            long index = 8_000_000L + i;
            SplittableRandom rnd = Cases.random(index);
            int m = rnd.nextInt(1, 150);
            int n = rnd.nextInt(1, 2 * lanes + 1);
            int k = rnd.nextInt(1, 900);
            Trans opA = Trans.values()[rnd.nextInt(2)];
            float beta = rnd.nextBoolean() ? 0f : -0.75f;
            String name = "m=" + m + " n=" + n + " k=" + k + " opA=" + opA + " beta=" + beta + " " + Cases.tag(index);
            return DynamicTest.dynamicTest(name, () -> {
                try (Arena arena = Arena.ofConfined()) {
                    Matrix a = opA == Trans.N ? Cases.matrix(arena, rnd, m, k) : Cases.matrix(arena, rnd, k, m);
                    Matrix b = Cases.matrix(arena, rnd, k, n);
                    Matrix bt = Matrix.allocate(arena, n, k);
                    for (int r = 0; r < k; r++) {
                        for (int c = 0; c < n; c++) {
                            bt.set(c, r, b.get(r, c));
                        }
                    }
                    Matrix narrow = Cases.matrix(arena, rnd, m, n);
                    Matrix packed = Cases.layout(arena, rnd, m, n);
                    packed.copyFrom(narrow.toArray());
                    simd.gemm(narrow, a, opA, b, Trans.N, 1.25f, beta);
                    simd.gemm(packed, a, opA, bt, Trans.T, 1.25f, beta);
                    assertArrayEquals(packed.toArray(), narrow.toArray(), name);
                }
            });
        });
    }

    /**
     * A product of at most {@link Gemm#UNPACKED_ROWS} rows and any width: whole strips read from B's memory (B a view
     * or not, its last row at its segment's end), the partial strip copied.
     */
    @TestFactory
    Stream<DynamicTest> fewRowsAndPackedPathsAgreeExactly() {
        Kernels simd = Backends.simd();
        int lanes = SimdTesting.lanes();
        return IntStream.range(0, 60 * Cases.SCALE).mapToObj(i -> {
            long index = 8_100_000L + i;
            SplittableRandom rnd = Cases.random(index);
            int m = rnd.nextInt(1, Gemm.UNPACKED_ROWS + 1);
            int n = rnd.nextInt(1, 7 * lanes + 1);
            int k = rnd.nextInt(1, 900);
            Trans opA = Trans.values()[rnd.nextInt(2)];
            float beta = rnd.nextBoolean() ? 0f : -0.75f;
            String name = "m=" + m + " n=" + n + " k=" + k + " opA=" + opA + " beta=" + beta + " " + Cases.tag(index);
            return DynamicTest.dynamicTest(name, () -> {
                try (Arena arena = Arena.ofConfined()) {
                    Matrix a = opA == Trans.N ? Cases.matrix(arena, rnd, m, k) : Cases.matrix(arena, rnd, k, m);
                    Matrix b = Cases.matrix(arena, rnd, k, n);
                    Matrix bt = Matrix.allocate(arena, n, k);
                    for (int r = 0; r < k; r++) {
                        for (int c = 0; c < n; c++) {
                            bt.set(c, r, b.get(r, c));
                        }
                    }
                    Matrix few = Cases.matrix(arena, rnd, m, n);
                    Matrix packed = Cases.layout(arena, rnd, m, n);
                    packed.copyFrom(few.toArray());
                    simd.gemm(few, a, opA, b, Trans.N, 1.25f, beta);
                    simd.gemm(packed, a, opA, bt, Trans.T, 1.25f, beta);
                    assertArrayEquals(packed.toArray(), few.toArray(), name);
                }
            });
        });
    }
}
