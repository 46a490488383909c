package dev.myelin.reference;

import dev.myelin.core.Backend;
import dev.myelin.core.Kernels;
import java.util.Optional;

/** Service entry for the reference backend; it runs everywhere. */
public final class ReferenceBackend implements Backend {

    private static final Kernels KERNELS = new ReferenceKernels();

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

    @Override
    public Kernels kernels() {
        return KERNELS;
    }
}
