package dev.myelin.trainer.data;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a numeric CSV file into a {@link Dataset}: every column but one is a feature, the label column
 * is the target. The target always becomes a float target column (for MSE, or BCE with 0/1 values);
 * when every label is a whole number in {@code [0, 65536)} it also becomes a class label, with
 * {@code classes = max + 1}.
 *
 * <p>Parsing (quotes, separators) is Apache Commons CSV's; blank lines are skipped, cells are trimmed.
 * A problem names the file, the line and the column.
 */
public final class CsvReader {

    private CsvReader() {
    }

    /**
     * Reads {@code file}. {@code label} names the label column: a header name if {@code header}, or a
     * 0-based index, negative counting from the end ({@code "-1"}: the last column).
     */
    public static Dataset read(Path file, String label, boolean header) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidDataException(file, "no such file");
        }
        CSVFormat format = CSVFormat.DEFAULT.builder().setTrim(true).setIgnoreEmptyLines(true).get();
        List<String> names = null;
        List<float[]> rows = new ArrayList<>();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
             CSVParser parser = CSVParser.parse(in, format)) {
            int width = -1;
            for (CSVRecord r : parser) {
                if (header && names == null) {
                    names = r.toList();
                    width = names.size();
                    continue;
                }
                if (width < 0) {
                    width = r.size();
                }
                if (r.size() != width) {
                    throw new InvalidDataException(file, "line " + parser.getCurrentLineNumber() + " has " + r.size()
                            + " columns, expected " + width);
                }
                float[] v = new float[width];
                for (int j = 0; j < width; j++) {
                    String cell = r.get(j);
                    try {
                        v[j] = Float.parseFloat(cell);
                    } catch (NumberFormatException e) {
                        throw new InvalidDataException(file, "line " + parser.getCurrentLineNumber() + ", column "
                                + column(names, j) + ": '" + cell + "' is not a number");
                    }
                    if (!Float.isFinite(v[j])) {
                        throw new InvalidDataException(file, "line " + parser.getCurrentLineNumber() + ", column "
                                + column(names, j) + ": '" + cell + "' is not finite");
                    }
                }
                rows.add(v);
            }
        } catch (UncheckedIOException e) {
            throw new InvalidDataException(file, "cannot be parsed as CSV (" + e.getCause().getMessage() + ")", e);
        }
        if (rows.isEmpty()) {
            throw new InvalidDataException(file, "has no data rows");
        }
        int width = rows.get(0).length;
        if (width < 2) {
            throw new InvalidDataException(file, "has " + width + " column; it needs at least one feature and a label");
        }
        int lab = labelIndex(file, label, names, width);
        int n = rows.size();
        float[] x = new float[n * (width - 1)];
        float[] t = new float[n];
        int[] y = new int[n];
        boolean classes = true;
        int max = 0;
        for (int i = 0; i < n; i++) {
            float[] v = rows.get(i);
            for (int j = 0, k = 0; j < width; j++) {
                if (j != lab) {
                    x[i * (width - 1) + k++] = v[j];
                }
            }
            t[i] = v[lab];
            classes &= t[i] == Math.rint(t[i]) && t[i] >= 0 && t[i] < 65536;
            y[i] = (int) t[i];
            max = Math.max(max, y[i]);
        }
        String name = file.getFileName().toString();
        return Dataset.of(name, x, width - 1, t, 1, classes ? y : null, max + 1);
    }

    private static int labelIndex(Path file, String label, List<String> names, int width) throws InvalidDataException {
        if (names != null && names.contains(label)) {
            return names.indexOf(label);
        }
        int index;
        try {
            index = Integer.parseInt(label.trim());
        } catch (NumberFormatException e) {
            throw new InvalidDataException(file, "has no column '" + label + "'"
                    + (names == null ? " (the file was read without a header; give the label column's index)" : "; columns: " + names));
        }
        int j = index < 0 ? width + index : index;
        if (j < 0 || j >= width) {
            throw new InvalidDataException(file, "label column " + index + " is outside its " + width + " columns");
        }
        return j;
    }

    private static String column(List<String> names, int j) {
        return names == null ? Integer.toString(j) : "'" + names.get(j) + "'";
    }
}
