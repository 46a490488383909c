package dev.myelin.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.myelin.core.Backends;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * What a benchmark run measured on: the CPU, the SIMD backend's vector width and blocking, and the kernel
 * OpenBLAS chose ({@code openblas_get_corename}), written as JSON for {@link Report}.
 *
 * <pre>
 *   java --add-modules=jdk.incubator.vector -cp benchmarks.jar dev.myelin.bench.Machine OUT.json PEER_ENV
 * </pre>
 * {@code bench/run-suite} starts it, like the OpenBLAS benchmarks, without {@code OPENBLAS_CORETYPE} and
 * {@code OPENBLAS_L2_SIZE} in its environment, so the core name is the one the peer ran with; PEER_ENV says
 * which of the two the suite's own environment had set (and it removed for the peer).
 */
public final class Machine {

    private Machine() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: Machine OUT.json PEER_ENV");
            System.exit(2);
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = json.createObjectNode();
        m.put("machine", true);
        m.put("cpu", cpu());
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("simd", Backends.backend("simd").description());
        m.put("openblasCore", openblas("openblas_get_corename"));
        m.put("openblasConfig", openblas("openblas_get_config"));
        m.put("peerEnvironment", args[1]);
        Path out = Path.of(args[0]);
        Files.writeString(out, json.writerWithDefaultPrettyPrinter().writeValueAsString(m));
        System.out.println("Machine: " + m);
    }

    /**
     * A string OpenBLAS reports (openblas_get_corename, openblas_get_config) from the library GemmBench loads:
     * {@code org.bytedeco:openblas} does not map these two functions, so they are called through the FFM API
     * once the bytedeco loader has loaded the library into this class loader.
     */
    static String openblas(String function) {
        Loader.load(openblas_nolapack.class);
        MemorySegment f = SymbolLookup.loaderLookup().find(function)
                .orElseThrow(() -> new IllegalStateException(function + " not found in the loaded OpenBLAS"));
        try {
            MemorySegment s = (MemorySegment) Linker.nativeLinker()
                    .downcallHandle(f, FunctionDescriptor.of(ValueLayout.ADDRESS)).invokeExact();
            return s.reinterpret(Long.MAX_VALUE).getString(0).trim();
        } catch (Throwable e) {
            throw new IllegalStateException(function + " failed", e);
        }
    }

    /** "AMD EPYC (family 25, model 17)" from /proc/cpuinfo, or "unknown". */
    static String cpu() throws IOException {
        Path info = Path.of("/proc/cpuinfo");
        if (!Files.isReadable(info)) {
            return "unknown";
        }
        List<String> lines = Files.readAllLines(info);
        return field(lines, "model name") + " (family " + field(lines, "cpu family") + ", model " + field(lines, "model") + ")";
    }

    /** The first value of {@code name} in /proc/cpuinfo's lines, or "?". */
    private static String field(List<String> lines, String name) {
        return lines.stream().filter(l -> l.startsWith(name) && l.substring(name.length()).trim().startsWith(":"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
    }
}
