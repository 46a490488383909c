package dev.myelin.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Chooses a kernel backend. The default is chosen once, lazily: the system property
 * {@code myelin.backend=reference|simd} if set, else {@code simd} when it can run here, else
 * {@code reference}, with one logged line that says why and how to fix it.
 */
public final class Backends {

    /** System property that selects the default backend by name. */
    public static final String PROPERTY = "myelin.backend";

    /** System property that sets the default thread count. */
    public static final String THREADS_PROPERTY = "myelin.threads";

    private static final System.Logger LOG = System.getLogger("dev.myelin");

    private Backends() {
    }

    /** {@return the default backend's kernels (see the class comment for how it is chosen)} */
    public static Kernels get() {
        return Default.CHOICE.kernels();
    }

    /** {@return the default choice together with the reason it was made} */
    public static Choice choice() {
        return Default.CHOICE;
    }

    /**
     * The backend named {@code name} ("reference" or "simd"); throws if it is unknown or cannot run here.
     *
     * @param name {@code "reference"} or {@code "simd"} (case and surrounding blanks ignored)
     * @return the backend's kernels with {@link #defaultThreads()} threads
     */
    public static Kernels get(String name) {
        return backend(name).kernels();
    }

    /**
     * The backend named {@code name} with up to {@code threads} threads (capped at the cores).
     *
     * @param name    {@code "reference"} or {@code "simd"} (case and surrounding blanks ignored)
     * @param threads the most threads the kernels may use, {@code >= 1}
     * @return the backend's kernels
     */
    public static Kernels get(String name, int threads) {
        return backend(name).kernels(threads);
    }

    /**
     * The default thread count: {@code -Dmyelin.threads=N} if set (at least 1), else the number of
     * available processors.
     *
     * @return the thread count, {@code >= 1}
     * @throws IllegalArgumentException if {@code myelin.threads} is not an integer {@code >= 1}
     */
    public static int defaultThreads() {
        String p = System.getProperty(THREADS_PROPERTY);
        if (p == null || p.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int t = Integer.parseInt(p.trim());
            if (t >= 1) {
                return t;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + THREADS_PROPERTY + "=" + p + " must be an integer >= 1");
    }

    /** {@return the scalar reference backend's kernels} */
    public static Kernels reference() {
        return get("reference");
    }

    /**
     * {@return the Vector API backend's kernels}
     *
     * @throws IllegalStateException with the reason if the backend cannot run here
     */
    public static Kernels simd() {
        return get("simd");
    }

    /**
     * The backend descriptor named {@code name}.
     *
     * @param name {@code "reference"} or {@code "simd"} (case and surrounding blanks ignored)
     * @return the backend
     * @throws IllegalArgumentException if no backend of that name is on the class or module path
     */
    public static Backend backend(String name) {
        if (name == null) {
            throw new NullPointerException("name is null");
        }
        List<String> names = new ArrayList<>();
        for (Backend b : all()) {
            if (b.name().equals(name.trim().toLowerCase(Locale.ROOT))) {
                return b;
            }
            names.add(b.name());
        }
        throw new IllegalArgumentException("unknown backend '" + name + "'; available: " + names
                + (names.contains("simd") ? "" : " (add the myelin-simd module to the class or module path for 'simd')"));
    }

    /** {@return every backend on the class or module path, sorted by name} */
    public static List<Backend> all() {
        List<Backend> list = new ArrayList<>();
        ServiceLoader.load(Backend.class, Backends.class.getClassLoader()).forEach(list::add);
        list.sort((x, y) -> x.name().compareTo(y.name()));
        return list;
    }

    /**
     * A chosen backend and why it was chosen.
     *
     * @param backend the chosen backend
     * @param reason  why: requested, the default, or a fallback with the reason the preferred backend cannot run
     */
    public record Choice(Backend backend, String reason) {
        /** {@return the chosen backend's kernels, with the default thread count} */
        public Kernels kernels() {
            return backend.kernels();
        }
    }

    static Choice choose(String requested) {
        if (requested != null && !requested.isBlank()) {
            Backend b = backend(requested);
            Optional<String> why = b.unavailableReason();
            if (why.isPresent()) {
                throw new IllegalStateException("-D" + PROPERTY + "=" + requested + " cannot run here: " + why.get());
            }
            return new Choice(b, "requested with -D" + PROPERTY + "=" + requested);
        }
        Backend reference = backend("reference");
        Backend simd;
        try {
            simd = backend("simd");
        } catch (IllegalArgumentException e) {
            String reason = "the myelin-simd module is not on the class or module path; add it to use the Vector API backend";
            LOG.log(System.Logger.Level.WARNING, "Myelin uses the reference backend: " + reason);
            return new Choice(reference, reason);
        }
        Optional<String> why = simd.unavailableReason();
        if (why.isPresent()) {
            LOG.log(System.Logger.Level.WARNING, "Myelin falls back to the reference backend: " + why.get());
            return new Choice(reference, "fallback: " + why.get());
        }
        return new Choice(simd, "default: the Vector API is available and the vector is wide enough");
    }

    private static final class Default {
        static final Choice CHOICE = choose(System.getProperty(PROPERTY));
    }
}
