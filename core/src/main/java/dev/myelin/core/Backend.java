package dev.myelin.core;

import java.util.Optional;

/**
 * A kernel backend as found at run time through {@link java.util.ServiceLoader}. Implementations live
 * in the {@code reference} and {@code simd} modules; users choose one with {@link Backends}.
 */
public interface Backend {

    /** {@return the name users select it by ({@code myelin.backend=...})} */
    String name();

    /**
     * {@return why this backend cannot run in this JVM, with the fix ("pass --add-modules=jdk.incubator.vector"),
     * or empty if it can}
     */
    Optional<String> unavailableReason();

    /** {@return one line about how it computes, e.g. the vector species and lane count} */
    String description();

    /**
     * Kernels that use up to {@code threads} threads (never more than the cores; a single-threaded
     * backend ignores it). Throws {@link IllegalStateException} with the reason if
     * {@link #unavailableReason()} is present.
     *
     * @param threads the most threads the kernels may use, {@code >= 1}
     * @return the kernels
     * @throws IllegalStateException if this backend cannot run here
     */
    Kernels kernels(int threads);

    /**
     * Kernels with the default thread count, {@link Backends#defaultThreads()}.
     *
     * @return the kernels
     * @throws IllegalStateException if this backend cannot run here
     */
    default Kernels kernels() {
        return kernels(Backends.defaultThreads());
    }
}
