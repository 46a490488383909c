package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.myelin.core.Backends;
import dev.myelin.core.Cases;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.function.Function;
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

    /** Outputs of at most two vectors, any number of rows. */
    @TestFactory
    Stream<DynamicTest> narrowAndPackedPathsAgreeExactly() {
        int lanes = SimdTesting.lanes();
        return cases(8_000_000L, 80, rnd -> new int[] {rnd.nextInt(1, 150), rnd.nextInt(1, 2 * lanes + 1)});
    }

    /**
     * A product of at most {@link Gemm#UNPACKED_ROWS} rows and any width: whole strips read from B's memory (B a view
     * or not, its last row at its segment's end), the partial strip copied.
     */
    @TestFactory
    Stream<DynamicTest> fewRowsAndPackedPathsAgreeExactly() {
        int lanes = SimdTesting.lanes();
        return cases(8_100_000L, 60, rnd -> new int[] {rnd.nextInt(1, Gemm.UNPACKED_ROWS + 1), rnd.nextInt(1, 7 * lanes + 1)});
    }

    /**
     * {@code count * Cases.SCALE} cases from {@code first}: m and n from {@code mn}, k in [1, 900), either op(A), beta 0
     * or -0.75; the product through the unpacked path (op(B) = B) against the packed one (B^T stored, op(B) = T).
     */
    private static Stream<DynamicTest> cases(long first, int count, Function<SplittableRandom, int[]> mn) {
        Kernels simd = Backends.simd();
        return IntStream.range(0, count * Cases.SCALE).mapToObj(i -> {
            long index = first + i;
            SplittableRandom rnd = Cases.random(index);
            int[] size = mn.apply(rnd);
            int m = size[0];
            int n = size[1];
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
                    Matrix unpacked = Cases.matrix(arena, rnd, m, n);
                    Matrix packed = Cases.layout(arena, rnd, m, n);
                    packed.copyFrom(unpacked.toArray());
                    simd.gemm(unpacked, a, opA, b, Trans.N, 1.25f, beta);
                    simd.gemm(packed, a, opA, bt, Trans.T, 1.25f, beta);
                    assertArrayEquals(packed.toArray(), unpacked.toArray(), name);
                }
            });
        });
    }
}
