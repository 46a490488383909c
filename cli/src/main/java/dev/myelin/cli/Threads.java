package dev.myelin.cli;

import java.util.Locale;

/** The thread count a command line asked for and what the backend uses. */
final class Threads {

    private Threads() {
    }

    /** "threads 2", or "threads: 8 asked for, 2 used (2 cores)" when the backend uses fewer than asked for. */
    static String describe(Options common, Options.Chosen backend) {
        int asked = common.threads();
        int used = backend.kernels().threads();
        if (used == asked) {
            return "threads " + used;
        }
        return String.format(Locale.ROOT, "threads: %d asked for, %d used (%s)", asked, used,
                backend.name().equals("reference") ? "the reference backend runs on one"
                        : Runtime.getRuntime().availableProcessors() + " cores");
    }
}
