package dev.myelin.cli;

import dev.myelin.core.Agreement;
import dev.myelin.core.Backend;
import dev.myelin.core.Backends;
import dev.myelin.core.ErrorBounds;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code myelin info}: which backend runs and why, the JDK, and a quick SIMD-versus-reference GEMM check. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Prints the backend diagnosis: the chosen backend and why, the SIMD backend's vector species, the JDK, "
                + "and whether SIMD and reference GEMM agree on one shape within the error bound.")
final class InfoCommand implements Callable<Integer> {

    /** The shape of the agreement check: odd sizes, so every tile edge is exercised. */
    static final int M = 67, N = 45, K = 129;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Backends.Choice choice = Backends.choice();
        out.println("backend:   " + choice.backend().name() + " (" + choice.reason() + ")");
        out.println("jdk:       " + Runtime.version() + ", " + System.getProperty("java.vendor") + ", "
                + System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        out.println("threads:   " + Backends.defaultThreads() + " by default (-D" + Backends.THREADS_PROPERTY
                + " or --threads of train and evaluate)");
        Backend simd;
        try {
            simd = Backends.backend("simd");
        } catch (IllegalArgumentException e) {
            out.println("simd:      not on the class path (" + e.getMessage() + ")");
            return 0;
        }
        Optional<String> why = simd.unavailableReason();
        if (why.isPresent()) {
            out.println("simd:      unavailable: " + why.get());
            return 0;
        }
        out.println("simd:      " + simd.description());
        Agreement a = agreement(simd.kernels(), Backends.reference());
        out.printf(java.util.Locale.ROOT, "gemm check: C = A B, %dx%d times %dx%d, simd vs reference: worst error %.3e, bound %.3e "
                        + "(2 gamma(k+2) |A||B|): %s%n", M, K, K, N, a.error(), a.bound(), a.passed() ? "agree" : "DISAGREE");
        if (!a.passed()) {
            out.println("  " + a);
            return 1;
        }
        return 0;
    }

    /** SIMD against reference on one random shape, within twice the bound (each is within one bound of exact). */
    static Agreement agreement(Kernels simd, Kernels reference) {
        SplittableRandom rnd = new SplittableRandom(1);
        try (Arena arena = Arena.ofConfined()) {
            Matrix a = Matrix.allocate(arena, M, K);
            Matrix b = Matrix.allocate(arena, K, N);
            for (Matrix x : new Matrix[] {a, b}) {
                for (int i = 0; i < x.rows(); i++) {
                    for (int j = 0; j < x.cols(); j++) {
                        x.set(i, j, (float) rnd.nextDouble(-1, 1));
                    }
                }
            }
            Matrix cs = Matrix.allocate(arena, M, N);
            Matrix cr = Matrix.allocate(arena, M, N);
            simd.gemm(cs, a, Trans.N, b, Trans.N, 1f, 0f);
            reference.gemm(cr, a, Trans.N, b, Trans.N, 1f, 0f);
            double[] bound = ErrorBounds.gemmBound(null, a, Trans.N, b, Trans.N, 1f, 0f);
            for (int i = 0; i < bound.length; i++) {
                bound[i] *= 2;
            }
            return ErrorBounds.compare(cr, cs, bound);
        }
    }
}
