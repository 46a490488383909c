package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Cases;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * GEMM at a large k, on the narrow path (n <= 2 vectors, op(B) = B), which copies B into per-thread
 * scratch one k block at a time: the scratch it leaves behind is at most {@code 2 L KC} floats whatever k
 * is. Each SIMD call runs on a fresh thread, whose packing buffers start empty, and
 * {@link Gemm#scratchFloats} reads what that thread's calls left.
 */
class GemmLargeKTest {

    /** The most the narrow path may hold: one k block (kc <= KC) of B, rows padded to two vectors. */
    private static final long NARROW_SCRATCH = 2L * Vectors.L * Gemm.KC;

    /**
     * k past 2^26 (where the old narrow path's 32 k overflowed an int; a 16M k ran out of a 1 GB heap):
     * one segment of k floats is both A (1, k), or (k, 1) transposed, and B (k, 1); it is zero but for 1, 2,
     * 4, 8, 16 at l = 0, 2^24, 2^26 - 1, 2^26, k - 1, so C = 1 + 4 + 16 + 64 + 256 = 341 exactly in both
     * backends (every partial sum is an integer below 2^24, exact in any order).
     */
    @Test
    void kPast2To26() throws Exception {
        Kernels simd = SimdTesting.simd();
        int k = (1 << 26) + 5;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment x = arena.allocate((long) k * Float.BYTES, Matrix.ALIGNMENT);
            int[] at = {0, 1 << 24, (1 << 26) - 1, 1 << 26, k - 1};
            for (int p = 0; p < at.length; p++) {
                x.setAtIndex(ValueLayout.JAVA_FLOAT, at[p], 1 << p);
            }
            Matrix b = Matrix.wrap(x, 0, k, 1, 1);
            Matrix c = Matrix.allocate(arena, 1, 1);
            for (Trans opA : Trans.values()) {
                Matrix a = opA == Trans.N ? Matrix.wrap(x, 0, 1, k, k) : Matrix.wrap(x, 0, k, 1, 1);
                SimdTesting.REFERENCE.gemm(c, a, opA, b, Trans.N, 1, 0);
                assertEquals(341f, c.get(0, 0), "reference, op(A) = " + opA);
                c.set(0, 0, Float.NaN);
                long held = onFreshThread(() -> {
                    simd.gemm(c, a, opA, b, Trans.N, 1, 0);
                    return Gemm.scratchFloats();
                });
                assertEquals(341f, c.get(0, 0), "simd, op(A) = " + opA);
                assertTrue(held <= NARROW_SCRATCH, "simd kept " + held + " floats of scratch, more than " + NARROW_SCRATCH);
            }
        }
    }

    /**
     * A moderate k (200,000: 521 k blocks) on random inputs: the SIMD narrow path agrees with the reference
     * within twice {@link ErrorBounds#gemmBound} (each is within the bound of the exact product,
     * GemmAgreementTest), and bit for bit with the packed path (the same product through B^T, op(B) = T),
     * which sums in the same order; the scratch it keeps is at most {@code 2 L KC} floats, as after a call at
     * k = 100 or 1,000.
     */
    @Test
    void moderateK() throws Exception {
        Kernels simd = SimdTesting.simd();
        int m = 3;
        int n = Math.min(5, 2 * Vectors.L);
        for (Trans opA : Trans.values()) {
            for (int k : new int[] {100, 1_000, 200_000}) {
                long index = 9_900_000L + k + (opA == Trans.T ? 1 : 0);
                SplittableRandom rnd = Cases.random(index);
                String name = "m=" + m + " n=" + n + " k=" + k + " op(A)=" + opA + " " + SimdTesting.setting() + " " + Cases.tag(index);
                try (Arena arena = Arena.ofShared()) {
                    Matrix a = opA == Trans.N ? Cases.matrix(arena, rnd, m, k) : Cases.matrix(arena, rnd, k, m);
                    Matrix b = Cases.matrix(arena, rnd, k, n);
                    Matrix bt = Matrix.allocate(arena, n, k);
                    for (int l = 0; l < k; l++) {
                        for (int j = 0; j < n; j++) {
                            bt.set(j, l, b.get(l, j));
                        }
                    }
                    Matrix c0 = Cases.matrix(arena, rnd, m, n);
                    Matrix cRef = Agree.matrix(arena, rnd, m, n, c0.toArray());
                    Matrix cNarrow = Agree.matrix(arena, rnd, m, n, c0.toArray());
                    Matrix cPacked = Agree.matrix(arena, rnd, m, n, c0.toArray());
                    SimdTesting.REFERENCE.gemm(cRef, a, opA, b, Trans.N, 1.5f, -0.5f);
                    long held = onFreshThread(() -> {
                        simd.gemm(cNarrow, a, opA, b, Trans.N, 1.5f, -0.5f);
                        return Gemm.scratchFloats();
                    });
                    simd.gemm(cPacked, a, opA, bt, Trans.T, 1.5f, -0.5f);
                    double[] bound = ErrorBounds.gemmBound(c0, a, opA, b, Trans.N, 1.5f, -0.5f);
                    for (int e = 0; e < bound.length; e++) {
                        bound[e] *= 2;
                    }
                    ErrorBounds.compare(cRef, cNarrow, bound).orThrow(name);
                    assertArrayEquals(cPacked.toArray(), cNarrow.toArray(), name + ": narrow and packed paths differ");
                    assertTrue(held <= NARROW_SCRATCH, name + ": simd kept " + held + " floats of scratch, more than " + NARROW_SCRATCH);
                }
            }
        }
    }

    /** Runs {@code body} on a new thread (with its own, empty GEMM scratch) and returns its result. */
    private static long onFreshThread(Callable<Long> body) throws Exception {
        AtomicReference<Object> out = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                out.set(body.call());
            } catch (Throwable e) {
                out.set(e);
            }
        });
        t.start();
        t.join();
        if (out.get() instanceof Throwable e) {
            throw new AssertionError("on the fresh thread: " + e, e);
        }
        return (Long) out.get();
    }
}
