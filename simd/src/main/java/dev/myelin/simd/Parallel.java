package dev.myelin.simd;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread pool the SIMD backend owns: {@code availableProcessors() - 1} daemon workers plus the
 * calling thread, so a call never uses more threads than there are cores. A job is cut into chunks; the
 * caller and the workers it wakes take chunks from a shared counter until none is left, so a thread the
 * OS deschedules delays the call by its wake-up, not by a fixed share of the work, and {@link #run}
 * returns when every woken thread has finished. Starting a job allocates nothing: the job object is the
 * caller's, reused. Memory from a confined arena cannot be shared with the workers ({@link #sharable});
 * such jobs run on the caller.
 *
 * <p>Calls are serialised (one job at a time); a second caller waits. The workers spin briefly and then
 * park, so an idle pool costs nothing.
 */
final class Parallel {

    /**
     * A job cut into chunks. {@code run(chunk, thread)} must touch only its own chunk's outputs and may
     * use scratch owned by {@code thread} (0 .. threads - 1: no two chunks run on one thread at once).
     */
    interface Job {
        void run(int chunk, int thread);
    }

    /** Threads a job may use at most: the cores. */
    static final int MAX_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

    private static final Worker[] WORKERS = new Worker[MAX_THREADS - 1];
    private static final AtomicInteger PENDING = new AtomicInteger();
    /** The next chunk to take, and the number of chunks, of the running job. */
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static volatile int chunks;
    private static volatile Thread caller;
    private static volatile Throwable failure;

    static {
        for (int i = 0; i < WORKERS.length; i++) {
            WORKERS[i] = new Worker(i + 1);
            WORKERS[i].start();
        }
    }

    private Parallel() {
    }

    /**
     * True if the pool's workers may touch {@code segment}: memory from a confined arena belongs to its
     * owner thread alone, so a job over it must run on the caller.
     */
    static boolean sharable(MemorySegment segment) {
        return WORKERS.length == 0 || segment.isAccessibleBy(WORKERS[0]);
    }

    /**
     * Runs {@code job}'s {@code chunks} chunks on up to {@code threads} threads (1 .. MAX_THREADS), the
     * caller among them, and returns when all are done.
     */
    static synchronized void run(Job job, int threads, int chunks) {
        int helpers = Math.min(Math.min(threads, MAX_THREADS), chunks) - 1;
        if (helpers <= 0) {
            for (int c = 0; c < chunks; c++) {
                job.run(c, 0);
            }
            return;
        }
        caller = Thread.currentThread();
        failure = null;
        Parallel.chunks = chunks;
        NEXT.set(0);
        PENDING.set(helpers);
        for (int w = 0; w < helpers; w++) {
            WORKERS[w].submit(job);
        }
        Throwable own = null;
        try {
            drain(job, 0);
        } catch (Throwable t) {
            own = t;
        }
        int spins = 0;
        while (PENDING.get() > 0) {
            if (++spins < 20_000) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(Parallel.class, 50_000);
            }
        }
        caller = null;
        Throwable t = own != null ? own : failure;
        if (t instanceof RuntimeException re) {
            throw re;
        }
        if (t instanceof Error e) {
            throw e;
        }
    }

    /** Runs chunks of {@code job} on thread slot {@code thread} until none is left. */
    private static void drain(Job job, int thread) {
        int n = chunks;
        for (int c = NEXT.getAndIncrement(); c < n; c = NEXT.getAndIncrement()) {
            job.run(c, thread);
        }
    }

    private static final class Worker extends Thread {
        private final int part;
        private volatile Job job;

        Worker(int part) {
            super("myelin-simd-" + part);
            this.part = part;
            setDaemon(true);
        }

        void submit(Job j) {
            job = j;
            LockSupport.unpark(this);
        }

        @Override
        public void run() {
            int spins = 0;
            while (true) {
                Job j = job;
                if (j == null) {
                    if (++spins < 20_000) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                    continue;
                }
                spins = 0;
                job = null;
                try {
                    drain(j, part);
                } catch (Throwable t) {
                    failure = t;
                }
                if (PENDING.decrementAndGet() == 0) {
                    Thread c = caller;
                    if (c != null) {
                        LockSupport.unpark(c);
                    }
                }
            }
        }
    }
}
