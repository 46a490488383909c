package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backend;
import dev.myelin.core.Backends;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * How the backend is chosen. The fallback cases need a JVM started differently (without the Vector API
 * module, or with a forced width), so they run {@link ChoiceProbe} in a child JVM on the same class path.
 */
class BackendChoiceTest {

    @Test
    void bothBackendsAreFoundAtRunTime() {
        List<String> names = Backends.all().stream().map(Backend::name).toList();
        assertEquals(List.of("reference", "simd"), names);
        assertEquals("reference", Backends.reference().name());
        assertEquals("simd", Backends.simd().name());
        assertEquals("simd", Backends.get(" SIMD ").name());
    }

    @Test
    void unknownBackendIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.get("gpu"));
        assertTrue(e.getMessage().contains("unknown backend 'gpu'; available: [reference, simd]"), e.getMessage());
    }

    @Test
    void defaultIsSimdWhenTheVectorApiIsPresent() throws Exception {
        String out = probe(List.of("--add-modules=jdk.incubator.vector"));
        assertTrue(out.contains("chosen=simd"), out);
    }

    @Test
    void fallsBackWithOneLineThatSaysWhyAndHowToFix() throws Exception {
        String out = probe(List.of());
        assertTrue(out.contains("chosen=reference"), out);
        assertTrue(out.contains("Myelin falls back to the reference backend: jdk.incubator.vector is not in the module graph;"
                + " pass '--add-modules=jdk.incubator.vector' to java"), out);
    }

    @Test
    void propertySelectsTheBackend() throws Exception {
        String out = probe(List.of("--add-modules=jdk.incubator.vector", "-Dmyelin.backend=reference"));
        assertTrue(out.contains("chosen=reference reason=requested with -Dmyelin.backend=reference"), out);
    }

    @Test
    void widthWiderThanTheCpuIsRefusedAndFallsBack() throws Exception {
        String out = probe(List.of("--add-modules=jdk.incubator.vector", "-Dmyelin.simd.bits=1024"));
        assertTrue(out.contains("chosen=reference"), out);
        assertTrue(out.contains("-Dmyelin.simd.bits=1024 is not one of 128, 256, 512"), out);
    }

    @Test
    void forcedWidthIsUsed() throws Exception {
        String out = probe(List.of("--add-modules=jdk.incubator.vector", "-Dmyelin.simd.bits=128"));
        assertTrue(out.contains("chosen=simd"), out);
        assertTrue(out.contains("FloatVector 128-bit, 4 lanes"), out);
    }

    private static String probe(List<String> jvmArgs) throws IOException, InterruptedException {
        return SimdTesting.output(SimdTesting.startJvm(jvmArgs, ChoiceProbe.class), "probe", 60);
    }
}
