package dev.myelin.simd;

import dev.myelin.core.Backend;
import dev.myelin.core.Kernels;
import java.util.Optional;

/**
 * Service entry for the Vector API backend. It loads no Vector API class until it knows that
 * {@code jdk.incubator.vector} is in the module graph, so asking whether it can run never fails.
 */
public final class SimdBackend implements Backend {

    private static final String MODULE = "jdk.incubator.vector";

    /** The service provider's constructor, for {@link java.util.ServiceLoader}; users go through {@code Backends}. */
    public SimdBackend() {
    }

    @Override
    public String name() {
        return "simd";
    }

    @Override
    public Optional<String> unavailableReason() {
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            return Optional.of(MODULE + " is not in the module graph; pass '--add-modules=" + MODULE + "' to java");
        }
        return Optional.ofNullable(Holder.PROBLEM);
    }

    @Override
    public String description() {
        Optional<String> why = unavailableReason();
        return why.orElseGet(Vectors::describe);
    }

    /**
     * Kernels that use up to {@code threads} threads, capped at the cores, where the work is large enough
     * to pay; results are bit-identical for any thread count.
     */
    @Override
    public Kernels kernels(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        Optional<String> why = unavailableReason();
        if (why.isPresent()) {
            throw new IllegalStateException("the simd backend cannot run here: " + why.get());
        }
        return Kernels.of(new SimdKernels(Math.min(threads, Parallel.MAX_THREADS)));
    }

    /** Initialised only after the module check, so the Vector API classes load only when present. */
    private static final class Holder {
        static final String PROBLEM = Vectors.PROBLEM;
    }
}
