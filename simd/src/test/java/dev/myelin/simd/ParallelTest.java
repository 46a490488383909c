package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Cases;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.lang.foreign.Arena;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The SIMD backend's pool ({@link Parallel}): every chunk runs once, on a slot no other chunk uses at the
 * same time; a chunk's exception reaches the caller; two pools, or two callers of one pool, never wait
 * for each other; an idle pool parks its workers; a discarded pool's workers end. Run with more threads
 * than cores too (the {@code threads-8} surefire execution: {@code -XX:ActiveProcessorCount=8}).
 * Waits that would hang on a bug are bounded (30 s) and fail; nothing here is timed.
 */
class ParallelTest {

    private static final long PATIENCE_SECONDS = 30;

    @Test
    void everyChunkRunsOnceOnAFreeSlot() {
        for (int threads = 1; threads <= Parallel.MAX_THREADS; threads++) {
            Parallel pool = new Parallel(threads);
            try {
                for (int chunks : new int[] {1, 2, threads, 4 * threads, 4 * threads + 1, 97}) {
                    for (int repeat = 0; repeat < 50; repeat++) {
                        AtomicIntegerArray runs = new AtomicIntegerArray(chunks);
                        AtomicIntegerArray inUse = new AtomicIntegerArray(threads);
                        AtomicReference<String> problem = new AtomicReference<>();
                        int t = threads;
                        pool.run((chunk, slot) -> {
                            if (slot < 0 || slot >= t) {
                                problem.set("slot " + slot + " outside 0.." + (t - 1));
                                return;
                            }
                            if (inUse.getAndIncrement(slot) != 0) {
                                problem.set("two chunks at once on slot " + slot);
                            }
                            runs.incrementAndGet(chunk);
                            Thread.onSpinWait();
                            inUse.decrementAndGet(slot);
                        }, chunks);
                        String where = "threads " + threads + ", chunks " + chunks + ": ";
                        assertEquals(null, problem.get(), where);
                        for (int c = 0; c < chunks; c++) {
                            assertEquals(1, runs.get(c), where + "chunk " + c + " ran " + runs.get(c) + " times");
                        }
                    }
                }
            } finally {
                pool.shutdown();
            }
        }
    }

    @Test
    void aChunksExceptionReachesTheCallerAndThePoolGoesOn() {
        Parallel pool = new Parallel(Parallel.MAX_THREADS);
        try {
            for (int bad = 0; bad < 8; bad++) {
                int b = bad;
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> pool.run((chunk, slot) -> {
                            if (chunk == b) {
                                throw new IllegalStateException("chunk " + b);
                            }
                        }, 8));
                assertEquals("chunk " + bad, e.getMessage());
                AtomicIntegerArray runs = new AtomicIntegerArray(8);
                pool.run((chunk, slot) -> runs.incrementAndGet(chunk), 8);
                for (int c = 0; c < 8; c++) {
                    assertEquals(1, runs.get(c));
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    /**
     * A job held up in one pool (its chunks wait for a latch) does not stop a job of another pool, nor a
     * second caller of the same pool, which runs its job on its own thread; then the held job finishes.
     */
    @Test
    void poolsAndCallersDoNotWaitForEachOther() throws Exception {
        Parallel held = new Parallel(Parallel.MAX_THREADS);
        Parallel other = new Parallel(Parallel.MAX_THREADS);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread holder = new Thread(() -> {
            try {
                held.run((chunk, slot) -> {
                    entered.countDown();
                    try {
                        if (!release.await(PATIENCE_SECONDS, TimeUnit.SECONDS)) {
                            throw new AssertionError("never released");
                        }
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }, 4);
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        holder.start();
        try {
            assertTrue(entered.await(PATIENCE_SECONDS, TimeUnit.SECONDS), "the held job never started");
            AtomicIntegerArray runs = new AtomicIntegerArray(16);
            other.run((chunk, slot) -> runs.incrementAndGet(chunk), 16);        // another pool
            held.run((chunk, slot) -> runs.incrementAndGet(chunk), 16);         // the busy pool: runs on this thread
            for (int c = 0; c < 16; c++) {
                assertEquals(2, runs.get(c), "chunk " + c);
            }
        } finally {
            release.countDown();
            holder.join(TimeUnit.SECONDS.toMillis(PATIENCE_SECONDS));
            held.shutdown();
            other.shutdown();
        }
        assertTrue(!holder.isAlive(), "the held job did not finish");
        assertEquals(null, failed.get());
    }

    /**
     * Two kernels instances used at once from two threads, each on its own pool, give the results one
     * thread gives (bit for bit, as every thread count does).
     */
    @Test
    void twoInstancesInTwoThreadsAgreeWithOneThread() throws Exception {
        Kernels one = Kernels.of(new SimdKernels(1));
        Kernels[] many = {Kernels.of(new SimdKernels(Parallel.MAX_THREADS)), Kernels.of(new SimdKernels(Parallel.MAX_THREADS))};
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = Cases.random(7_100_000L);
            Matrix a = Cases.matrix(arena, rnd, 150, 300);
            Matrix b = Cases.matrix(arena, rnd, 300, 170);
            Matrix expected = Matrix.allocate(arena, 150, 170);
            one.gemm(expected, a, Trans.N, b, Trans.N, 1f, 0f);
            List<Thread> callers = new ArrayList<>();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            for (Kernels k : many) {
                Matrix c = Matrix.allocate(arena, 150, 170);
                Thread t = new Thread(() -> {
                    try {
                        for (int i = 0; i < 200; i++) {
                            c.fill(Float.NaN);
                            k.gemm(c, a, Trans.N, b, Trans.N, 1f, 0f);
                            assertArrayEquals(expected.toArray(), c.toArray(), "call " + i);
                        }
                    } catch (Throwable e) {
                        failed.set(e);
                    }
                });
                callers.add(t);
                t.start();
            }
            for (Thread t : callers) {
                t.join(TimeUnit.SECONDS.toMillis(5 * PATIENCE_SECONDS));
                assertTrue(!t.isAlive(), "a caller did not finish");
            }
            assertEquals(null, failed.get());
        }
    }

    /** After a job the workers park (bounded spinning): an idle pool uses no processor. */
    @Test
    void anIdlePoolParks() throws InterruptedException {
        Assumptions.assumeTrue(Parallel.MAX_THREADS > 1, "skipped: one processor, no workers");
        Parallel pool = new Parallel(Parallel.MAX_THREADS);
        try {
            pool.run((chunk, slot) -> { }, 4 * Parallel.MAX_THREADS);
            assertEquals(Parallel.MAX_THREADS - 1, pool.started());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
            while (!pool.idle() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(pool.idle(), "workers still running " + PATIENCE_SECONDS + " s after the job");
        } finally {
            pool.shutdown();
        }
    }

    /** A pool's workers end when its kernels become unreachable (and at once on shutdown). */
    @Test
    void aDiscardedPoolLeavesNoThread() throws InterruptedException {
        Assumptions.assumeTrue(Parallel.MAX_THREADS > 1, "skipped: one processor, no workers");
        Parallel pool = new Parallel(Parallel.MAX_THREADS);
        pool.run((chunk, slot) -> { }, 8);
        List<Thread> mine = workers(pool);
        pool.shutdown();
        for (Thread t : mine) {
            t.join(TimeUnit.SECONDS.toMillis(PATIENCE_SECONDS));
            assertTrue(!t.isAlive(), t.getName() + " still alive after shutdown");
        }
        AtomicIntegerArray runs = new AtomicIntegerArray(4);
        pool.run((chunk, slot) -> runs.incrementAndGet(chunk), 4);               // on the caller now
        assertEquals(4, runs.get(0) + runs.get(1) + runs.get(2) + runs.get(3));

        SimdKernels kernels = new SimdKernels(Parallel.MAX_THREADS);
        kernels.pool().run((chunk, slot) -> { }, 8);
        List<Thread> theirs = workers(kernels.pool());
        assertEquals(Parallel.MAX_THREADS - 1, theirs.size());
        WeakReference<SimdKernels> ref = new WeakReference<>(kernels);
        kernels = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(PATIENCE_SECONDS);
        while ((ref.get() != null || theirs.stream().anyMatch(Thread::isAlive)) && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(20);
        }
        assertSame(null, ref.get(), "the kernels were never collected");
        assertTrue(theirs.stream().noneMatch(Thread::isAlive), "workers alive after their kernels were collected");
    }

    /** The worker threads of {@code pool}: the live threads whose pool it is. */
    private static List<Thread> workers(Parallel pool) {
        List<Thread> list = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (pool.owns(t)) {
                list.add(t);
            }
        }
        return list;
    }
}
