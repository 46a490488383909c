package dev.myelin.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.trainer.testing.ChildJvm;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The done-when program: train with a validation split and a cosine schedule, predict, save; a fresh
 * JVM loads the file without naming a layer and predicts the same bits.
 */
class QuickstartExampleTest {

    @TempDir
    Path dir;

    @Test
    void aModelSavedHerePredictsTheSameBitsInAFreshJvm() throws Exception {
        Path file = dir.resolve("quickstart.model");
        float[] here = QuickstartExample.train(file);
        String out = ChildJvm.output(ChildJvm.start(QuickstartExample.class, List.of(), "predict", file.toString()), "predict");
        String bits = out.lines().filter(l -> l.startsWith("bits:")).findFirst().orElseThrow(() -> new AssertionError(out));
        StringBuilder expected = new StringBuilder("bits:");
        for (float v : here) {
            expected.append(' ').append(Integer.toHexString(Float.floatToRawIntBits(v)));
        }
        assertEquals(expected.toString(), bits, out);
        // it learned: the three centres are classified as their own class with high probability
        for (int c = 0; c < 3; c++) {
            assertTrue(here[c * 3 + c] > 0.9f, "centre " + c + ": " + here[c * 3 + c]);
        }
    }
}
