package dev.myelin.simd;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The thread pool the SIMD backend owns: {@code availableProcessors() - 1} daemon workers plus the
 * calling thread, so a call never uses more threads than there are cores. A job is split into a fixed
 * number of parts; part 0 runs on the caller, part p on worker p - 1, and {@link #run} returns when all
 * parts are done. Starting a job allocates nothing: the job object is the caller's, reused. Memory from
 * a confined arena cannot be shared with the workers ({@link #sharable}); such jobs run on the caller.
 *
 * <p>Calls are serialised (one job at a time); a second caller waits. The workers spin briefly and then
 * park, so an idle pool costs nothing.
 */
final class Parallel {

    /** A job split into parts; {@code run(part)} must touch only its own part's outputs. */
    interface Job {
        void run(int part);
    }

    /** Threads a job may use at most: the cores. */
    static final int MAX_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

    private static final Worker[] WORKERS = new Worker[MAX_THREADS - 1];
    private static final AtomicInteger PENDING = new AtomicInteger();
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

    /** Runs {@code job} in {@code parts} parts (1 .. MAX_THREADS), the caller taking part 0. */
    static synchronized void run(Job job, int parts) {
        if (parts <= 1) {
            job.run(0);
            return;
        }
        caller = Thread.currentThread();
        failure = null;
        PENDING.set(parts - 1);
        for (int p = 1; p < parts; p++) {
            WORKERS[p - 1].submit(job);
        }
        Throwable own = null;
        try {
            job.run(0);
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
                    j.run(part);
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
