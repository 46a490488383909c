package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The micro-kernels in ConvKernels.java are the ones {@link ConvKernelsSource} writes, character for character. */
class ConvKernelsSourceTest {

    /** Surefire runs in the module's directory. */
    static final Path FILE = Path.of("src/main/java/dev/myelin/simd/ConvKernels.java");

    @Test
    void convKernelsAreTheGeneratorsOutput() throws IOException {
        List<String> file = ConvKernelsSource.generatedPart(Files.readString(FILE, StandardCharsets.UTF_8)).lines().toList();
        List<String> generated = ConvKernelsSource.render().lines().toList();
        for (int i = 0; i < Math.max(file.size(), generated.size()); i++) {
            String f = i < file.size() ? file.get(i) : "(the end of the generated part)";
            String g = i < generated.size() ? generated.get(i) : "(the end of the generator's output)";
            if (!f.equals(g)) {
                fail("ConvKernels.java's generated part differs from ConvKernelsSource's output at its line " + (i + 1)
                        + ": the file has\n" + f + "\nthe generator writes\n" + g + "\nEdit the generator and rewrite the"
                        + " file with it (its class comment has the command), not the file by hand.");
            }
        }
    }
}
