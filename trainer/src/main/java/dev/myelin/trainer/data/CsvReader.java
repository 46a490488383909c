package dev.myelin.trainer.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PushbackReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Reads a CSV file of numeric features and, optionally, one label column into a {@link Dataset}.
 *
 * <ul>
 *   <li>The file may be gzip-compressed (recognised by its magic bytes, whatever its name) and may start
 *       with a UTF-8 byte-order mark; it must be UTF-8 text.</li>
 *   <li>Quoting and separators are RFC 4180 as Apache Commons CSV parses them (the one third-party library the
 *       trainer uses: quoted fields with commas, quotes and line breaks are easy to get wrong by hand); cells
 *       are trimmed and blank lines skipped.</li>
 *   <li>A feature cell must be a plain decimal number: an optional sign, digits with an optional decimal
 *       point, an optional exponent ({@code -1.5}, {@code .25}, {@code 3e-2}). Java-only forms such as
 *       {@code 1f}, {@code 2d}, {@code 0x1p3}, {@code NaN} or {@code Infinity} are refused, as are empty
 *       cells: every problem is an {@link InvalidDataException} that names the file, the line, the column and
 *       the value.</li>
 *   <li>The label column is read as classes ({@link #classification}: whole numbers {@code 0..K-1}, or any
 *       strings, mapped to classes in sorted order and kept as the dataset's class names) or as a float
 *       target ({@link #regression}).</li>
 * </ul>
 * A column is named by its header name, or by its 0-based index, negative counting from the end
 * ({@code "-1"}: the last column). The features are every column but the label, in the file's order, or, given
 * {@code featureColumns} (a model's {@code featureNames}), those columns by header name in that order, whatever
 * the file's order: the other columns are then left unread. With a header, the dataset's
 * {@link Dataset#featureNames()} are the features' column names (unless two are equal).
 */
public final class CsvReader {

    /** A plain decimal number: sign, digits with an optional point, optional exponent. */
    private static final Pattern DECIMAL = Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");
    /** A whole number that can be a class index. */
    private static final Pattern INDEX = Pattern.compile("\\d{1,5}");

    private CsvReader() {
    }

    /**
     * Features and a label column read as classes. With {@code classNames} null, the classes come from the file:
     * if every label is a whole number below 65,536, label v is class v and the names are "0" to the largest;
     * otherwise the distinct labels, sorted, are classes 0, 1, ... With {@code classNames} given (a model's),
     * each label must be one of them.
     *
     * @param file        the CSV file, plain or gzip
     * @param labelColumn the label column: its header name, or its index ({@code "-1"}: the last)
     * @param header      whether the first record holds the column names
     * @param classNames  the classes the labels must be among (a model's), or null to take them from the file
     * @return a dataset of features and class labels, with the class names
     * @throws IOException if the file cannot be read, or a cell, label or column is invalid
     *                     ({@link InvalidDataException}, naming the file, line, column and value)
     */
    public static Dataset classification(Path file, String labelColumn, boolean header, List<String> classNames)
            throws IOException {
        return classification(file, labelColumn, header, classNames, null);
    }

    /**
     * As {@link #classification(Path, String, boolean, List)}, with the features taken by name.
     *
     * @param file           the CSV file, plain or gzip
     * @param labelColumn    the label column: its header name, or its index ({@code "-1"}: the last)
     * @param header         whether the first record holds the column names; it must, with {@code featureColumns}
     * @param classNames     the classes the labels must be among (a model's), or null to take them from the file
     * @param featureColumns the header names of the feature columns, in the order a sample holds them, or null for
     *                       every column but the label
     * @return a dataset of features and class labels, with the class names
     * @throws IOException if the file cannot be read, or a cell, label or column is invalid or missing
     *                     ({@link InvalidDataException}, naming the file, line, column and value)
     */
    public static Dataset classification(Path file, String labelColumn, boolean header, List<String> classNames,
                                         List<String> featureColumns) throws IOException {
        Table t = parse(file, header, labelColumn, true, featureColumns);
        List<String> names = classNames != null ? List.copyOf(classNames) : names(t.labels());
        Map<String, Integer> index = new TreeMap<>();
        for (int c = 0; c < names.size(); c++) {
            index.put(names.get(c), c);
        }
        int[] y = new int[t.labels().size()];
        for (int i = 0; i < y.length; i++) {
            Integer c = index.get(t.labels().get(i));
            if (c == null) {
                throw new InvalidDataException(file, "line " + t.lines().get(i) + ", column " + t.labelName() + ": the label '"
                        + t.labels().get(i) + "' is not one of the classes " + names);
            }
            y[i] = c;
        }
        return t.named(Dataset.of(t.name(), t.features(), t.width(), null, 0, y, names.size()).classNames(names));
    }

    /**
     * Features and a label column read as a float target (for MSE).
     *
     * @param file         the CSV file, plain or gzip
     * @param targetColumn the target column: its header name, or its index ({@code "-1"}: the last)
     * @param header       whether the first record holds the column names
     * @return a dataset of features and a float target of width 1
     * @throws IOException if the file cannot be read, or a cell or column is invalid
     *                     ({@link InvalidDataException}, naming the file, line, column and value)
     */
    public static Dataset regression(Path file, String targetColumn, boolean header) throws IOException {
        return regression(file, targetColumn, header, null);
    }

    /**
     * As {@link #regression(Path, String, boolean)}, with the features taken by name.
     *
     * @param file           the CSV file, plain or gzip
     * @param targetColumn   the target column: its header name, or its index ({@code "-1"}: the last)
     * @param header         whether the first record holds the column names; it must, with {@code featureColumns}
     * @param featureColumns the header names of the feature columns, in the order a sample holds them, or null for
     *                       every column but the target
     * @return a dataset of features and a float target of width 1
     * @throws IOException if the file cannot be read, or a cell or column is invalid or missing
     *                     ({@link InvalidDataException}, naming the file, line, column and value)
     */
    public static Dataset regression(Path file, String targetColumn, boolean header, List<String> featureColumns)
            throws IOException {
        Table t = parse(file, header, targetColumn, true, featureColumns);
        float[] target = new float[t.labels().size()];
        for (int i = 0; i < target.length; i++) {
            target[i] = number(file, t.lines().get(i), t.labelName(), t.labels().get(i));
        }
        return t.named(Dataset.of(t.name(), t.features(), t.width(), target, 1, null, 0));
    }

    /**
     * Features only, for prediction: every column, or every column but {@code ignoreColumn} when it is not null.
     *
     * @param file         the CSV file, plain or gzip
     * @param header       whether the first record holds the column names
     * @param ignoreColumn a column to leave out (e.g. a label column that is present), or null
     * @return a dataset of features only
     * @throws IOException if the file cannot be read, or a cell or column is invalid
     *                     ({@link InvalidDataException}, naming the file, line, column and value)
     */
    public static Dataset features(Path file, boolean header, String ignoreColumn) throws IOException {
        return features(file, header, ignoreColumn, null);
    }

    /**
     * As {@link #features(Path, boolean, String)}, with the features taken by name.
     *
     * @param file           the CSV file, plain or gzip
     * @param header         whether the first record holds the column names; it must, with {@code featureColumns}
     * @param ignoreColumn   a column to leave out (e.g. a label column that is present), or null
     * @param featureColumns the header names of the feature columns, in the order a sample holds them, or null for
     *                       every column but {@code ignoreColumn}
     * @return a dataset of features only
     * @throws IOException if the file cannot be read, or a cell or column is invalid or missing
     *                     ({@link InvalidDataException}, naming the file, line, column and value)
     */
    public static Dataset features(Path file, boolean header, String ignoreColumn, List<String> featureColumns)
            throws IOException {
        Table t = parse(file, header, ignoreColumn, false, featureColumns);
        return t.named(Dataset.of(t.name(), t.features(), t.width(), null, 0, null, 0));
    }

    /**
     * The cells of the file's first record: its column names when it has a header. Reads that record only, so a
     * caller can check the columns against a model before reading the data.
     *
     * @param file the CSV file, plain or gzip
     * @return the first record's cells, trimmed
     * @throws IOException if the file cannot be read or has no record ({@link InvalidDataException}, naming the file)
     */
    public static List<String> columns(Path file) throws IOException {
        check(file);
        try (Reader in = open(file); CSVParser parser = CSVParser.parse(in, FORMAT)) {
            for (CSVRecord r : parser) {
                return r.toList();
            }
        } catch (UncheckedIOException e) {
            throw problem(file, e.getCause());
        } catch (CharacterCodingException e) {
            throw problem(file, e);
        }
        throw new InvalidDataException(file, "is empty");
    }

    /** The class names of a set of labels: "0".."max" if all are small whole numbers, else the sorted distinct labels. */
    private static List<String> names(List<String> labels) {
        boolean numeric = labels.stream().allMatch(l -> INDEX.matcher(l).matches());
        if (numeric) {
            int max = labels.stream().mapToInt(Integer::parseInt).max().orElse(0);
            List<String> names = new ArrayList<>();
            for (int c = 0; c <= max; c++) {
                names.add(Integer.toString(c));
            }
            return names;
        }
        return List.copyOf(new TreeSet<>(labels));
    }

    /**
     * The parsed file: features row-major, and per row the label cell and the line it came from; the features'
     * column names, or null.
     */
    private record Table(String name, float[] features, int width, List<String> labels, List<Long> lines, String labelName,
                         List<String> featureNames) {
        /** {@code d} with the feature names, if there are any (one per feature, all different: naming cannot fail). */
        Dataset named(Dataset d) {
            return featureNames == null ? d : d.featureNames(featureNames);
        }
    }

    /** RFC 4180, cells trimmed, blank lines skipped. */
    private static final CSVFormat FORMAT = CSVFormat.DEFAULT.builder().setTrim(true).setIgnoreEmptyLines(true).get();

    private static void check(Path file) throws InvalidDataException {
        if (Files.isDirectory(file)) {
            throw new InvalidDataException(file, "is a folder, not a CSV file");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidDataException(file, "no such file");
        }
    }

    private static Table parse(Path file, boolean header, String labelColumn, boolean labelled, List<String> featureColumns)
            throws IOException {
        check(file);
        if (labelled && labelColumn == null) {
            throw new NullPointerException("labelColumn is null");
        }
        if (featureColumns != null && !header) {
            throw new IllegalArgumentException(file + ": features taken by name need a header line");
        }
        List<String> names = null;
        int label = -1;
        int width = -1;
        int[] take = null;                 // the file's column of each feature, in sample order
        List<float[]> rows = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        List<Long> lines = new ArrayList<>();
        try (Reader in = open(file); CSVParser parser = CSVParser.parse(in, FORMAT)) {
            for (CSVRecord r : parser) {
                long line = parser.getCurrentLineNumber();
                if (width < 0) {
                    width = r.size();
                    if (header) {
                        names = r.toList();
                    }
                    label = labelColumn == null ? -1 : column(file, labelColumn, names, width);
                    if (labelled && width < 2) {
                        throw new InvalidDataException(file, "has " + width + " column; it needs at least one feature and a label");
                    }
                    take = take(file, names, width, label, featureColumns);
                    if (header) {
                        continue;
                    }
                }
                if (r.size() != width) {
                    throw new InvalidDataException(file, "line " + line + " has " + r.size() + " columns, expected " + width);
                }
                if (label >= 0) {
                    String cell = r.get(label);
                    if (labelled && cell.isEmpty()) {
                        throw new InvalidDataException(file, "line " + line + ", column " + name(names, label) + ": the label is empty");
                    }
                    labels.add(cell);
                    lines.add(line);
                }
                float[] v = new float[take.length];
                for (int k = 0; k < take.length; k++) {
                    v[k] = number(file, line, name(names, take[k]), r.get(take[k]));
                }
                rows.add(v);
            }
        } catch (UncheckedIOException e) {
            throw problem(file, e.getCause());
        } catch (CharacterCodingException e) {
            throw problem(file, e);
        }
        if (rows.isEmpty()) {
            throw new InvalidDataException(file, "has no data rows");
        }
        int w = rows.get(0).length;
        float[] x = new float[Math.multiplyExact(rows.size(), w)];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, x, i * w, w);
        }
        if (!labelled) {
            labels = null;
        }
        List<String> featureNames = null;
        if (names != null) {
            List<String> n = new ArrayList<>();
            for (int j : take) {
                n.add(names.get(j));
            }
            featureNames = n.stream().distinct().count() == n.size() ? n : null;
        }
        return new Table(file.getFileName().toString(), x, w, labels, lines, label < 0 ? null : name(names, label),
                featureNames);
    }

    /**
     * The file's column of each feature: those of {@code featureColumns} by name, or else every column but the
     * label.
     */
    private static int[] take(Path file, List<String> names, int width, int label, List<String> featureColumns)
            throws InvalidDataException {
        if (featureColumns == null) {
            int[] take = new int[label < 0 ? width : width - 1];
            for (int j = 0, k = 0; j < width; j++) {
                if (j != label) {
                    take[k++] = j;
                }
            }
            return take;
        }
        int[] take = new int[featureColumns.size()];
        for (int k = 0; k < take.length; k++) {
            String c = featureColumns.get(k);
            take[k] = names.indexOf(c);
            if (take[k] < 0) {
                throw new InvalidDataException(file, "has no column '" + c + "', one of the features " + featureColumns
                        + "; its columns: " + names);
            }
            if (take[k] == label) {
                throw new InvalidDataException(file, "column '" + c + "' is the label column, but it is also one of the "
                        + "features " + featureColumns);
            }
        }
        return take;
    }

    /** A reader of the file's text: gunzipped if it starts with the gzip magic, a byte-order mark skipped, strict UTF-8. */
    private static Reader open(Path file) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f & raw.read() == 0x8b;
            raw.reset();
            InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
            var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            PushbackReader reader = new PushbackReader(new InputStreamReader(in, decoder), 1);
            int first = reader.read();
            if (first != -1 && first != '\uFEFF') {
                reader.unread(first);
            }
            return reader;
        } catch (IOException | RuntimeException e) {
            raw.close();
            if (e instanceof IOException io) {
                throw problem(file, io);
            }
            throw e;
        }
    }

    private static InvalidDataException problem(Path file, IOException e) {
        if (e instanceof InvalidDataException d) {
            return d;
        }
        if (e instanceof CharacterCodingException) {
            return new InvalidDataException(file, "is not UTF-8 text (" + e.getClass().getSimpleName() + ")", e);
        }
        if (e instanceof ZipException || e instanceof java.io.EOFException) {
            return new InvalidDataException(file, "is a damaged gzip file (" + (e.getMessage() == null ? "it ends too early"
                    : e.getMessage()) + ")", e);
        }
        return new InvalidDataException(file, "cannot be read as CSV (" + e.getMessage() + ")", e);
    }

    /** A strict decimal number, finite as a float. */
    private static float number(Path file, long line, String column, String cell) throws InvalidDataException {
        if (!DECIMAL.matcher(cell).matches()) {
            throw new InvalidDataException(file, "line " + line + ", column " + column + ": '" + cell + "' is not a plain "
                    + "decimal number" + (cell.isEmpty() ? " (the cell is empty)" : ""));
        }
        float v = Float.parseFloat(cell);
        if (!Float.isFinite(v)) {
            throw new InvalidDataException(file, "line " + line + ", column " + column + ": '" + cell
                    + "' is too large for a float");
        }
        return v;
    }

    private static int column(Path file, String column, List<String> names, int width) throws InvalidDataException {
        if (names != null && names.contains(column)) {
            return names.indexOf(column);
        }
        int index;
        try {
            index = Integer.parseInt(column.trim());
        } catch (NumberFormatException e) {
            throw new InvalidDataException(file, "has no column '" + column + "'"
                    + (names == null ? " (the file was read without a header; give the column's index)" : "; columns: " + names));
        }
        int j = index < 0 ? width + index : index;
        if (j < 0 || j >= width) {
            throw new InvalidDataException(file, "column " + index + " is outside its " + width + " columns");
        }
        return j;
    }

    private static String name(List<String> names, int j) {
        return names == null ? Integer.toString(j) : "'" + names.get(j) + "'";
    }
}
