package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The multi-threaded GEMM gives bit-identical results for any thread count: every element's sum runs in
 * the same order whichever thread computes it, so this compares exactly.
 */
class GemmThreadsTest {

    @Test
    void threadCountIsCappedAtTheCores() {
        assertEquals(Runtime.getRuntime().availableProcessors(), Backends.get("simd", 1000).threads());
        assertEquals(1, Backends.get("simd", 1).threads());
    }

    @TestFactory
    Stream<DynamicTest> oneAndManyThreadsAgreeExactly() {
        Kernels one = Backends.get("simd", 1);
        Kernels all = Backends.get("simd", Runtime.getRuntime().availableProcessors());
        return IntStream.range(0, 60 * Cases.SCALE).mapToObj(i -> {
            SplittableRandom rnd = Cases.random(7_000_000L + i);
            int m = rnd.nextInt(1, 200);
            int n = rnd.nextInt(1, 200);
            int k = rnd.nextInt(1, 900);
            Trans opA = Trans.values()[rnd.nextInt(2)];
            Trans opB = Trans.values()[rnd.nextInt(2)];
            float beta = rnd.nextBoolean() ? 0f : 0.5f;
            String name = "m=" + m + " n=" + n + " k=" + k + " opA=" + opA + " opB=" + opB + " beta=" + beta + " "
                    + Cases.tag(7_000_000L + i);
            return DynamicTest.dynamicTest(name, () -> {
                try (Arena arena = Arena.ofShared()) {
                    Matrix a = opA == Trans.N ? Cases.matrix(arena, rnd, m, k) : Cases.matrix(arena, rnd, k, m);
                    Matrix b = opB == Trans.N ? Cases.matrix(arena, rnd, k, n) : Cases.matrix(arena, rnd, n, k);
                    Matrix c1 = Cases.matrix(arena, rnd, m, n);
                    Matrix c2 = Cases.layout(arena, rnd, m, n);
                    c2.copyFrom(c1.toArray());
                    one.gemm(c1, a, opA, b, opB, 1.5f, beta);
                    all.gemm(c2, a, opA, b, opB, 1.5f, beta);
                    assertArrayEquals(c1.toArray(), c2.toArray(), name);
                }
            });
        });
    }
}
