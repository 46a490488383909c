package dev.myelin.reference;

import dev.myelin.core.Backend;
import dev.myelin.core.Kernels;
import java.util.Optional;

/** Service entry for the reference backend; it runs everywhere. */
public final class ReferenceBackend implements Backend {

    private static final Kernels KERNELS = Kernels.of(new ReferenceKernels());

    /** The service provider's constructor, for {@link java.util.ServiceLoader}; users go through {@code Backends}. */
    public ReferenceBackend() {
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public String description() {
        return "scalar Java loops, one thread (the specification)";
    }

    /** The reference is single-threaded: {@code threads} is checked and otherwise ignored. */
    @Override
    public Kernels kernels(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        return KERNELS;
    }
}
