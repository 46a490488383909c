package dev.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code myelin export} and {@code myelin import}, end to end, on a model trained by {@code myelin train}. */
class OnnxCommandsTest {

    @TempDir
    Path dir;

    private Path csv(String name, int n, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        String[] names = {"setosa", "versicolor", "virginica"};
        double[][] centres = {{1, 0}, {-1, 1}, {-1, -1}};
        StringBuilder sb = new StringBuilder("width,species,height\n");
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            sb.append(String.format(Locale.ROOT, "%.4f,%s,%.4f%n", centres[c][0] + 0.3 * rnd.nextGaussian(), names[c],
                    centres[c][1] + 0.3 * rnd.nextGaussian()));
        }
        return Files.writeString(dir.resolve(name), sb.toString(), StandardCharsets.UTF_8);
    }

    /** Train, export, import: the imported model file predicts what the trained one does, to the digit. */
    @Test
    void exportThenImportPredictsTheSame() throws IOException {
        Path train = csv("train.csv", 150, 1);
        Path model = dir.resolve("iris.model");
        MainTest.Run t = MainTest.run("train", "--csv", train.toString(), "--label", "species", "--layers", "8:relu", "--epochs",
                "3", "--save", model.toString(), "--backend", "reference", "-q");
        assertEquals(0, t.code(), t.toString());
        Path onnx = dir.resolve("iris.onnx");
        MainTest.Run e = MainTest.run("export", "--model", model.toString(), "--onnx", onnx.toString());
        assertEquals(0, e.code(), e.toString());
        assertTrue(e.out().contains("written as ONNX (opset 17) to " + onnx), e.out());
        Path back = dir.resolve("back.model");
        MainTest.Run i = MainTest.run("import", "--onnx", onnx.toString(), "--save", back.toString());
        assertEquals(0, i.code(), i.toString());
        assertTrue(i.out().contains("loss softmax_cross_entropy"), i.out());
        MainTest.Run p1 = MainTest.run("predict", "--model", model.toString(), "--csv", train.toString(), "--label", "species",
                "--backend", "reference");
        MainTest.Run p2 = MainTest.run("predict", "--model", back.toString(), "--csv", train.toString(), "--label", "species",
                "--backend", "reference");
        assertEquals(0, p1.code(), p1.toString());
        assertTrue(p1.out().startsWith("index,class,p_setosa,p_versicolor,p_virginica"), p1.out());
        assertEquals(p1.out(), p2.out());
    }

    /** Bad input: one line, exit code 2, nothing written. */
    @Test
    void badInputIsOneLineAndExitCode2() throws IOException {
        Path garbage = Files.write(dir.resolve("garbage.onnx"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        Path out = dir.resolve("out.model");
        MainTest.Run r = MainTest.run("import", "--onnx", garbage.toString(), "--save", out.toString());
        assertOneLine(r, "garbage.onnx");
        assertFalse(Files.exists(out));
        r = MainTest.run("import", "--onnx", dir.resolve("absent.onnx").toString(), "--save", out.toString());
        assertOneLine(r, "no such ONNX file");
        r = MainTest.run("export", "--model", dir.resolve("absent.model").toString(), "--onnx", dir.resolve("a.onnx").toString());
        assertOneLine(r, "absent.model");
        r = MainTest.run("export", "--model", garbage.toString(), "--onnx", dir.resolve("no").resolve("a.onnx").toString());
        assertOneLine(r, "does not exist");
        r = MainTest.run("import", "--onnx", garbage.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("--save"), r.err());
    }

    private static void assertOneLine(MainTest.Run r, String expected) {
        assertEquals(2, r.code(), r.toString());
        assertEquals("", r.out(), r.toString());
        String[] lines = r.err().strip().split("\\R");
        assertEquals(1, lines.length, "one line on stderr: " + r.err());
        assertTrue(lines[0].startsWith("myelin: ") && lines[0].contains(expected), r.err());
    }
}
