package dev.myelin.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {

    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        return Files.writeString(dir.resolve("data.csv"), text);
    }

    @Test
    void readsFeaturesAndAnIntegerLabelByName() throws IOException {
        Path f = csv("a,class,b\n1.5,0,2\n\n-3,2,\"4e1\"\n");
        try (Dataset d = CsvReader.read(f, "class", true)) {
            assertEquals(2, d.size());
            assertEquals(2, d.width());
            assertArrayEquals(new float[] {1.5f, 2, -3, 40}, d.features().toArray());
            assertArrayEquals(new int[] {0, 2}, d.labels());
            assertEquals(3, d.classes());
            assertArrayEquals(new float[] {0, 2}, d.targets().toArray());
        }
    }

    @Test
    void realValuedLabelIsARegressionTarget() throws IOException {
        Path f = csv("1,0.25\n2,0.5\n");
        try (Dataset d = CsvReader.read(f, "-1", false)) {
            assertNull(d.labels());
            assertArrayEquals(new float[] {0.25f, 0.5f}, d.targets().toArray());
            assertArrayEquals(new float[] {1, 2}, d.features().toArray());
        }
    }

    @Test
    void errorsNameFileLineAndColumn() throws IOException {
        Path f = csv("x,y\n1,2\n3,abc\n");
        String m = assertThrows(InvalidDataException.class, () -> CsvReader.read(f, "y", true)).getMessage();
        assertTrue(m.startsWith(f.toString()) && m.contains("line 3, column 'y': 'abc' is not a number"), m);
        Path g = csv("1,2\n3\n");
        assertTrue(assertThrows(InvalidDataException.class, () -> CsvReader.read(g, "0", false)).getMessage()
                .contains("line 2 has 1 columns, expected 2"));
        Path h = csv("x,y\n1,2\n");
        assertTrue(assertThrows(InvalidDataException.class, () -> CsvReader.read(h, "z", true)).getMessage()
                .contains("has no column 'z'; columns: [x, y]"));
        assertTrue(assertThrows(InvalidDataException.class, () -> CsvReader.read(h, "5", true)).getMessage()
                .contains("label column 5 is outside its 2 columns"));
        Path e = csv("x,y\n");
        assertTrue(assertThrows(InvalidDataException.class, () -> CsvReader.read(e, "y", true)).getMessage()
                .contains("has no data rows"));
    }
}
