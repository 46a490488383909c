package dev.myelin.simd;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A thread pool owned by one SIMD kernels instance: up to {@code threads - 1} daemon workers, started
 * the first time a job needs them, plus the calling thread. Two kernels instances (two models training
 * in one JVM) have two pools and never wait for each other.
 *
 * <p>A job is cut into chunks. The caller publishes the chunk count in one atomic counter and the
 * threads take chunks from it until none is left; the caller runs chunks too, then waits only for the
 * chunks that others have <em>taken</em> to finish. So a worker that the OS has not scheduled yet costs
 * the call nothing (it finds no chunk when it wakes), and one that is preempted in the middle of a chunk
 * delays the call by that chunk alone: jobs cut their work into several chunks per thread.
 *
 * <p>Waking: the caller wakes one parked worker, and each thread that takes a chunk while more remain
 * wakes one more, so the wake-ups (a system call each) are spread over the threads and stop as soon as
 * the chunks run out. Waiting, both for work and for the end of a job, is bounded: a short spin
 * ({@link #SPIN_NANOS}), then {@link Thread#yield} until {@link #YIELD_NANOS}, then park. Yielding hands
 * the core to any other runnable thread (a descheduled worker, the caller, another process), so a pool
 * with more threads than free cores does not burn the cores it is waiting for; an idle pool is parked
 * and costs nothing.
 *
 * <p>One job at a time: a second caller that finds the pool busy runs its job on its own thread, at once
 * (every job's results are the same for any number of threads), so concurrent callers never wait for
 * each other and a job may call a kernel that uses the same pool. Starting a job allocates nothing: the
 * job object is the caller's, reused. Memory from a confined arena cannot be shared with the workers
 * ({@link #sharable}); such jobs run on the caller.
 */
final class Parallel {

    /**
     * A job cut into chunks. {@code run(chunk, thread)} must touch only its own chunk's outputs and may
     * use scratch owned by {@code thread} (0 .. threads - 1: no two chunks run on one thread slot at once).
     */
    interface Job {
        void run(int chunk, int thread);
    }

    /** Threads a pool may have at most: the processors the JVM sees. */
    static final int MAX_THREADS = Math.max(1, Runtime.getRuntime().availableProcessors());

    /**
     * How long a thread spins ({@link Thread#onSpinWait}) for work or for the end of a job before it
     * yields: long enough to catch the next phase of a GEMM, short enough not to matter when it waits in vain.
     */
    static final long SPIN_NANOS = 2_000;

    /** How long a thread yields before it parks: about the gap between two kernels of a training step. */
    static final long YIELD_NANOS = 50_000;

    /** The calling thread alone: a job run on it runs its chunks in order, on the caller. */
    static final Parallel CALLER = new Parallel(1);

    /** A thread that never starts: a segment it may access is accessible by any thread. */
    private static final Thread PROBE = new Thread(() -> { });

    private final int threads;
    /** Slots 1 .. threads - 1; null until the first job that needs them. */
    private final Worker[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** The chunks of the running job not yet taken; a thread takes chunk {@code left - 1}. */
    private final AtomicInteger left = new AtomicInteger();
    /** The chunks of the running job finished. */
    private final AtomicInteger done = new AtomicInteger();
    private volatile Job job;
    private volatile int chunks;
    private volatile Thread caller;
    private volatile boolean callerParked;
    private volatile Throwable failure;
    private volatile boolean shutdown;

    /** A pool of {@code threads} threads, the caller included ({@code 1 <= threads <= MAX_THREADS}). */
    Parallel(int threads) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be in 1.." + MAX_THREADS + ", got " + threads);
        }
        this.threads = threads;
        this.workers = new Worker[threads - 1];
    }

    /** The threads a job may use, the caller included. */
    int threads() {
        return threads;
    }

    /**
     * True if the pool's workers may touch {@code segment}: memory from a confined arena belongs to its
     * owner thread alone, so a job over it must run on the caller.
     */
    static boolean sharable(MemorySegment segment) {
        return segment.isAccessibleBy(PROBE);
    }

    /**
     * Runs {@code job}'s {@code chunks} chunks on up to {@code threads} threads, the caller among them,
     * and returns when all are done; an exception thrown by a chunk is rethrown here.
     */
    void run(Job job, int chunks) {
        if (threads == 1 || chunks <= 1 || shutdown || !busy.compareAndSet(false, true)) {
            for (int c = 0; c < chunks; c++) {
                job.run(c, 0);
            }
            return;
        }
        try {
            startWorkers();
            this.job = job;
            this.chunks = chunks;
            failure = null;
            caller = Thread.currentThread();
            done.set(0);
            left.set(chunks);                                   // publishes the job: workers may take chunks from here on
            signal();
            work(0);
            awaitDone();
            Throwable t = failure;
            if (t instanceof RuntimeException re) {
                throw re;
            }
            if (t instanceof Error e) {
                throw e;
            }
        } finally {
            this.job = null;
            caller = null;
            busy.set(false);
        }
    }

    /**
     * Takes and runs chunks on thread slot {@code slot} until none is left. Every chunk taken is counted
     * in {@link #done} when it ends, normally or not (the first exception is kept for the caller, and
     * the other chunks still run, so the caller's wait always ends).
     */
    private void work(int slot) {
        while (true) {
            int n = left.get();
            if (n <= 0) {
                return;
            }
            if (!left.compareAndSet(n, n - 1)) {
                continue;
            }
            if (n > 1) {
                signal();                                       // more chunks remain: wake one more thread
            }
            // The job cannot change before this chunk is counted done, so reading it after the take is safe.
            Job j = job;
            try {
                j.run(n - 1, slot);
            } catch (Throwable t) {
                if (failure == null) {
                    failure = t;                                // the caller rethrows it once every chunk has ended
                }
            }
            finish();
        }
    }

    /** Counts one chunk done, and wakes the caller if it was the last and the caller is parked. */
    private void finish() {
        if (done.incrementAndGet() == chunks && callerParked) {
            LockSupport.unpark(caller);
        }
    }

    /** The caller's wait for the chunks others have taken: spin, then yield, then park. */
    private void awaitDone() {
        int total = chunks;
        long start = System.nanoTime();
        while (done.get() != total) {
            long waited = System.nanoTime() - start;
            if (waited < SPIN_NANOS) {
                Thread.onSpinWait();
            } else if (waited < YIELD_NANOS) {
                Thread.yield();
            } else {
                callerParked = true;
                if (done.get() != total) {
                    LockSupport.parkNanos(this, 1_000_000);
                }
                callerParked = false;
            }
        }
    }

    /** Wakes one parked worker, if there is one. */
    private void signal() {
        for (Worker w : workers) {
            if (w != null && w.parked && w.wake.compareAndSet(false, true)) {
                LockSupport.unpark(w);
                return;
            }
        }
    }

    /** Starts the workers not started yet (the first parallel job only: they live as long as the pool). */
    private void startWorkers() {
        for (int i = 0; i < workers.length; i++) {
            if (workers[i] == null) {
                workers[i] = new Worker(this, i + 1);
                workers[i].start();
            }
        }
    }

    /**
     * Ends the workers (they finish the chunk they run, if any, and exit); later jobs run on the caller.
     * Run by the owning kernels' cleaner once they are unreachable, so a discarded pool leaves no thread.
     */
    void shutdown() {
        shutdown = true;
        for (Worker w : workers) {
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    /** True if every started worker is parked (for tests: an idle pool does not spin). */
    boolean idle() {
        for (Worker w : workers) {
            if (w != null && !(w.parked && w.getState() == Thread.State.WAITING)) {
                return false;
            }
        }
        return true;
    }

    /** True if {@code t} is one of this pool's workers (for tests). */
    boolean owns(Thread t) {
        return t instanceof Worker w && w.pool == this;
    }

    /** The workers started so far (for tests). */
    int started() {
        int n = 0;
        for (Worker w : workers) {
            n += w != null ? 1 : 0;
        }
        return n;
    }

    private static final class Worker extends Thread {
        private final Parallel pool;
        private final int slot;
        volatile boolean parked;
        /** Set by the thread that unparks this worker, so that one wake-up is not spent twice. */
        final AtomicBoolean wake = new AtomicBoolean();

        Worker(Parallel pool, int slot) {
            super("myelin-simd-" + slot);
            this.pool = pool;
            this.slot = slot;
            setDaemon(true);
        }

        @Override
        public void run() {
            Parallel p = pool;
            while (!p.shutdown) {
                p.work(slot);
                long start = System.nanoTime();
                while (p.left.get() <= 0 && !p.shutdown) {
                    long waited = System.nanoTime() - start;
                    if (waited < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else if (waited < YIELD_NANOS) {
                        Thread.yield();
                    } else {
                        wake.set(false);
                        parked = true;                         // then re-check: a signal after this sees parked
                        if (p.left.get() <= 0 && !p.shutdown) {
                            LockSupport.park(p);
                        }
                        parked = false;
                        start = System.nanoTime();
                    }
                }
            }
        }
    }
}
