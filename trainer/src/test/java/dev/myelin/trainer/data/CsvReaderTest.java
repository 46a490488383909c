package dev.myelin.trainer.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CsvReaderTest {

    @TempDir
    Path dir;

    private Path csv(String text) throws IOException {
        return Files.writeString(dir.resolve("data.csv"), text);
    }

    private String error(Path f, String label) {
        return assertThrows(InvalidDataException.class, () -> CsvReader.classification(f, label, true, null)).getMessage();
    }

    @Test
    void readsFeaturesAndAnIntegerLabelColumnAsClasses() throws IOException {
        Path f = csv("a,class,b\n1.5,0,2\n\n-3,2,\"4e1\"\n");
        try (Dataset d = CsvReader.classification(f, "class", true, null)) {
            assertEquals(2, d.size());
            assertEquals(2, d.width());
            assertArrayEquals(new float[] {1.5f, 2, -3, 40}, d.features().toArray());
            assertArrayEquals(new int[] {0, 2}, d.labels());
            assertEquals(3, d.classes());
            assertEquals(List.of("0", "1", "2"), d.classNames());
            assertNull(d.targets(), "classes, no float target: softmax cross-entropy trains on it directly");
        }
    }

    @Test
    void stringLabelsBecomeClassesInSortedOrderAndAGivenMappingIsKept() throws IOException {
        Path f = csv("x,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n");
        try (Dataset d = CsvReader.classification(f, "species", true, null)) {
            assertEquals(List.of("setosa", "versicolor", "virginica"), d.classNames());
            assertArrayEquals(new int[] {2, 0, 1, 0}, d.labels());
        }
        Path g = csv("x,species\n1,virginica\n2,setosa\n");
        List<String> model = List.of("setosa", "versicolor", "virginica");
        try (Dataset d = CsvReader.classification(g, "species", true, model)) {
            assertArrayEquals(new int[] {2, 0}, d.labels());
            assertEquals(3, d.classes(), "the model's classes, though the file has two of them");
        }
        Path h = csv("x,species\n1,daisy\n");
        String e = assertThrows(InvalidDataException.class, () -> CsvReader.classification(h, "species", true, model)).getMessage();
        assertTrue(e.endsWith("line 2, column 'species': the label 'daisy' is not one of the classes [setosa, versicolor, virginica]"), e);
    }

    @Test
    void aRegressionTargetAndPredictionFeaturesWithoutALabel() throws IOException {
        Path f = csv("1,0.25\n2,0.5\n");
        try (Dataset d = CsvReader.regression(f, "-1", false)) {
            assertNull(d.labels());
            assertArrayEquals(new float[] {0.25f, 0.5f}, d.targets().toArray());
            assertArrayEquals(new float[] {1, 2}, d.features().toArray());
        }
        try (Dataset d = CsvReader.features(f, false, null)) {
            assertArrayEquals(new float[] {1, 0.25f, 2, 0.5f}, d.features().toArray());
            assertNull(d.labels());
            assertNull(d.targets());
        }
        try (Dataset d = CsvReader.features(f, false, "0")) {
            assertArrayEquals(new float[] {0.25f, 0.5f}, d.features().toArray());
        }
    }

    @Test
    void featuresAreNamedByTheHeaderAndCanBeTakenByNameInAnyOrder() throws IOException {
        Path f = csv("a,class,b\n1.5,0,2\n-3,1,4\n");
        try (Dataset d = CsvReader.classification(f, "class", true, null)) {
            assertEquals(List.of("a", "b"), d.featureNames());
            try (Dataset s = d.subset("first", new int[] {0})) {
                assertEquals(List.of("a", "b"), s.featureNames());
            }
        }
        try (Dataset d = CsvReader.classification(csv("1.5,0,2\n-3,1,4\n"), "1", false, null)) {
            assertNull(d.featureNames(), "no header, no names");
        }
        // another order, an extra column (left unread: it is not a number), the label elsewhere
        Path g = csv("id,b,a,class\nx7,2,1.5,0\ny8,4,-3,1\n");
        try (Dataset d = CsvReader.classification(g, "class", true, null, List.of("a", "b"))) {
            assertArrayEquals(new float[] {1.5f, 2, -3, 4}, d.features().toArray());
            assertArrayEquals(new int[] {0, 1}, d.labels());
            assertEquals(List.of("a", "b"), d.featureNames());
        }
        try (Dataset d = CsvReader.regression(g, "class", true, List.of("b", "a"))) {
            assertArrayEquals(new float[] {2, 1.5f, 4, -3}, d.features().toArray());
        }
        try (Dataset d = CsvReader.features(g, true, null, List.of("a", "b"))) {
            assertArrayEquals(new float[] {1.5f, 2, -3, 4}, d.features().toArray());
        }
        String missing = assertThrows(InvalidDataException.class,
                () -> CsvReader.classification(g, "class", true, null, List.of("a", "c"))).getMessage();
        assertEquals(g + ": has no column 'c', one of the features [a, c]; its columns: [id, b, a, class]", missing);
        String label = assertThrows(InvalidDataException.class,
                () -> CsvReader.classification(g, "a", true, null, List.of("a", "b"))).getMessage();
        assertEquals(g + ": column 'a' is the label column, but it is also one of the features [a, b]", label);
        assertEquals(List.of("id", "b", "a", "class"), CsvReader.columns(g));
    }

    @Test
    void gzipAndAByteOrderMarkAreReadTransparently() throws IOException {
        String text = "\uFEFFa,b,label\n1,2,0\n3,4,1\n";
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        }
        Path gz = Files.write(dir.resolve("data.csv.gz"), b.toByteArray());
        try (Dataset d = CsvReader.classification(gz, "label", true, null)) {
            assertArrayEquals(new float[] {1, 2, 3, 4}, d.features().toArray());
            assertArrayEquals(new int[] {0, 1}, d.labels());
        }
        Path bom = csv(text);
        try (Dataset d = CsvReader.classification(bom, "a", true, null)) {    // the first column's name has no BOM
            assertArrayEquals(new int[] {1, 3}, d.labels());
        }
        byte[] cut = Arrays.copyOf(b.toByteArray(), b.size() - 1);
        Path broken = Files.write(dir.resolve("broken.csv.gz"), cut);
        String e = error(broken, "label");
        assertTrue(e.startsWith(broken.toString()) && e.contains("damaged gzip file"), e);
    }

    @Test
    void onlyPlainDecimalNumbersAreFeatures() throws IOException {
        for (String ok : List.of("1", "-2.5", "+.5", "3.", "1e3", "2.5E-2")) {
            try (Dataset d = CsvReader.regression(csv("x,y\n" + ok + ",0\n"), "y", true)) {
                assertEquals(Float.parseFloat(ok), d.features().get(0, 0), ok);
            }
        }
        for (String bad : List.of("1f", "2d", "0x1p3", "NaN", "Infinity", "1,5", "1e", ".", "- 1", "١")) {
            Path f = csv("x,y\n\"" + bad + "\",0\n");
            String e = assertThrows(InvalidDataException.class, () -> CsvReader.regression(f, "y", true)).getMessage();
            assertTrue(e.startsWith(f.toString()) && e.contains("line 2, column 'x': '" + bad + "' is not a plain decimal number"),
                    bad + ": " + e);
        }
        Path empty = csv("x,y\n,1\n");
        assertTrue(error(empty, "y").contains("line 2, column 'x': '' is not a plain decimal number (the cell is empty)"));
        Path huge = csv("x,y\n1e39,1\n");
        assertTrue(error(huge, "y").contains("'1e39' is too large for a float"));
    }

    @Test
    void errorsNameFileLineAndColumn() throws IOException {
        Path f = csv("x,y\n1,2\n3,abc\n");
        String m = assertThrows(InvalidDataException.class, () -> CsvReader.regression(f, "y", true)).getMessage();
        assertTrue(m.startsWith(f.toString()) && m.contains("line 3, column 'y': 'abc' is not a plain decimal number"), m);
        Path g = csv("1,2\n3\n");
        assertTrue(assertThrows(InvalidDataException.class, () -> CsvReader.classification(g, "0", false, null)).getMessage()
                .contains("line 2 has 1 columns, expected 2"));
        Path h = csv("x,y\n1,2\n");
        assertTrue(error(h, "z").contains("has no column 'z'; columns: [x, y]"));
        assertTrue(error(h, "5").contains("column 5 is outside its 2 columns"));
        assertTrue(error(csv("x,y\n"), "y").contains("has no data rows"));
        assertTrue(error(dir, "y").endsWith("is a folder, not a CSV file"));
        Path binary = Files.write(dir.resolve("image.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', (byte) 0xff, (byte) 0xfe, 10});
        assertTrue(error(binary, "y").contains("is not UTF-8 text"), error(binary, "y"));
    }
}
