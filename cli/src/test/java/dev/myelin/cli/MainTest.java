package dev.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.myelin.trainer.Checkpoint;
import dev.myelin.trainer.testing.ChildJvm;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, end to end, on a tiny made-up Fashion-MNIST (random pixels) in a temp folder. */
class MainTest {

    @TempDir
    Path dir;
    Path data;

    /** What one run printed and returned. */
    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    static void idx(Path file, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(b))) {
            out.write(new byte[] {0, 0, 8, (byte) dims.length});
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        Files.write(file, b.toByteArray());
    }

    static void fakeFashion(Path folder, int train, int test, int width) throws IOException {
        Files.createDirectories(folder);
        SplittableRandom rnd = new SplittableRandom(1);
        int[] n = {train, test};
        String[] prefix = {"train", "t10k"};
        for (int s = 0; s < 2; s++) {
            byte[] px = new byte[n[s] * 28 * width];
            byte[] labels = new byte[n[s]];
            for (int i = 0; i < px.length; i++) {
                px[i] = (byte) rnd.nextInt(256);
            }
            for (int i = 0; i < labels.length; i++) {
                labels[i] = (byte) rnd.nextInt(10);
            }
            idx(folder.resolve(prefix[s] + "-images-idx3-ubyte.gz"), new int[] {n[s], 28, width}, px);
            idx(folder.resolve(prefix[s] + "-labels-idx1-ubyte.gz"), new int[] {n[s]}, labels);
        }
    }

    @BeforeEach
    void data() throws IOException {
        data = dir.resolve("fashion");
        fakeFashion(data, 300, 100, 28);
    }

    private List<Path> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> !p.equals(data)).sorted().toList();
        }
    }

    private static void assertUsageError(Run r, String expected) {
        assertEquals(2, r.code(), r.toString());
        assertEquals("", r.out(), r.toString());
        String[] lines = r.err().strip().split("\\R");
        assertEquals(1, lines.length, "one line on stderr: " + r.err());
        assertTrue(lines[0].startsWith("myelin: ") && lines[0].contains(expected), r.err());
    }

    @Test
    void badInputIsOneLineAndExitCode2AndWritesNothing() throws IOException {
        String report = dir.resolve("r.json").toString();
        String ckpt = dir.resolve("c.ckpt").toString();
        assertUsageError(run("train", "--frobnicate"), "Unknown option: '--frobnicate'");
        assertUsageError(run("train", "--epochs", "zero"), "'zero' is not an int");
        assertUsageError(run("train", "--optimizer", "lbfgs", "--data", data.toString()), "lbfgs");
        assertUsageError(run("train", "--epochs", "0", "--data", data.toString()), "--epochs must be > 0, got 0");
        assertUsageError(run("train", "--lr", "-1", "--data", data.toString()), "--lr must be a positive number");
        assertUsageError(run("train", "--data", dir.resolve("nowhere").toString(), "--report", report),
                "nowhere: no such folder");
        assertUsageError(run("train", "--data", data.toString(), "--report", dir.resolve("no/such/r.json").toString()),
                "the folder");
        assertUsageError(run("frobnicate"), "Unmatched argument");
        assertUsageError(run("evaluate", "--data", data.toString()), "Missing required option: '--model=MODEL'");
        assertUsageError(run("evaluate", "--model", ckpt), "no such model file");
        assertUsageError(run("predict", "--model", dir.toString()), "is a folder, not a model file");
        assertUsageError(run("train", "--data", data.toString(), "--validation", "1.5"), "--validation must be a fraction");

        Path odd = dir.resolve("odd");
        fakeFashion(odd, 30, 10, 27);               // 28x27 images
        assertUsageError(run("train", "--data", odd.toString(), "--report", report, "--checkpoint", ckpt),
                "holds 30x28x27; images must be n x 28x28");
        Files.write(odd.resolve("t10k-labels-idx1-ubyte.gz"), new byte[] {1, 2, 3});
        assertUsageError(run("evaluate", "--model", ckpt, "--data", odd.toString()), "no such model file");
        assertEquals(List.of(odd), files(), "nothing written but the test's own folder");
    }

    @Test
    void trainWritesReportChartCheckpointAndModelThenEvaluatePredictAndResume() throws IOException {
        Path report = dir.resolve("report.json");
        Path ckpt = dir.resolve("run.ckpt");
        Path model = dir.resolve("run.model");
        Run t = run("train", "--data", data.toString(), "--epochs", "2", "--batch-size", "64", "--layers", "16:relu",
                "--backend", "reference", "--threads", "2", "--report", report.toString(), "--checkpoint", ckpt.toString(),
                "--save", model.toString(), "--validation", "0.2");
        assertEquals(0, t.code(), t.toString());
        assertTrue(t.out().contains("backend reference (requested with --backend reference)"), t.out());
        assertTrue(t.out().contains("threads: 2 asked for, 1 used (the reference backend runs on one)"),
                "the threads the kernels use, not --threads: " + t.out());
        assertTrue(t.out().contains("epoch  1/2  loss "), t.out());
        assertTrue(t.out().contains("validation accuracy"), t.out());
        assertTrue(t.out().contains("model saved to " + model), t.out());
        assertTrue(t.out().contains("epoch  2/2  loss "), t.out());
        // off a terminal, progress lines come at most every 5 s (ProgressTest)

        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals("reference", json.get("backend").asText());
        assertEquals(1, json.get("threads").asInt(), "the reference runs on one thread whatever --threads says");
        assertEquals(64, json.get("batchSize").asInt());
        assertEquals(2, json.get("epochs").size());
        assertTrue(json.get("epochs").get(0).has("validationAccuracy"), json.toString());
        assertTrue(json.get("epochs").get(1).get("seconds").asDouble() > 0);
        assertTrue(json.has("vectorSpecies") && json.has("testAccuracy"));
        byte[] png = Files.readAllBytes(dir.resolve("report.png"));
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(png, 4));
        assertEquals(2, Checkpoint.read(ckpt).epochs());

        String accuracy = t.out().lines().filter(l -> l.startsWith("test accuracy ")).findFirst().orElseThrow()
                .split(" ")[2];
        Run e = run("evaluate", "--data", data.toString(), "--model", model.toString(), "--backend", "reference");
        assertEquals(0, e.code(), e.toString());
        assertTrue(e.out().contains("accuracy " + accuracy + " on 100 samples"), "evaluate agrees with train: " + e.out() + t.out());
        assertTrue(e.out().contains("actual \\ predicted") && e.out().contains("precision   recall"), e.out());

        Path csv = dir.resolve("predictions.csv");
        Run p = run("predict", "--model", model.toString(), "--images", data.resolve("t10k-images-idx3-ubyte.gz").toString(),
                "--backend", "reference", "--output", csv.toString());
        assertEquals(0, p.code(), p.toString());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(101, lines.size(), "a header and a line per test image");
        assertTrue(lines.get(0).startsWith("index,class,p_T-shirt/top,p_Trouser,"), lines.get(0));
        String[] first = lines.get(1).split(",");
        assertEquals(12, first.length, lines.get(1));
        double sum = 0;
        for (int j = 2; j < 12; j++) {
            sum += Double.parseDouble(first[j]);
        }
        // ten probabilities, each within a few ulps of its exact value: their sum is 1 within 1e-5
        assertEquals(1.0, sum, 1e-5, lines.get(1));
        Files.delete(csv);

        Run r = run("train", "--data", data.toString(), "--epochs", "3", "--batch-size", "64", "--layers", "16:relu",
                "--backend", "reference", "--checkpoint", ckpt.toString(), "--resume", "--validation", "0.2");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("resuming from " + ckpt + " after epoch 2 (step 8)"), r.out());  // 2 x ceil(240/64)
        assertFalse(r.out().contains("epoch  2/3"), r.out());
        assertTrue(r.out().contains("epoch  3/3"), r.out());
        assertEquals(3, Checkpoint.read(ckpt).epochs());

        Run done = run("train", "--data", data.toString(), "--epochs", "3", "--batch-size", "64", "--layers", "16:relu",
                "--backend", "reference", "--checkpoint", ckpt.toString(), "--resume", "--report", report.toString(),
                "--validation", "0.2");
        assertEquals(0, done.code(), done.toString());
        assertFalse(done.out().contains("epoch  3/3"), "nothing left to train: " + done.out());
        assertEquals(0, new ObjectMapper().readTree(report.toFile()).get("epochs").size());

        Run wrong = run("train", "--data", data.toString(), "--epochs", "4", "--layers", "8:relu", "--backend", "reference",
                "--checkpoint", ckpt.toString(), "--resume", "--validation", "0.2", "--batch-size", "64");
        assertEquals(2, wrong.code(), wrong.toString());
        assertTrue(wrong.err().contains("holds another model: layer 2 is dense{init=he, units=16} in the file, "
                + "dense{init=he, units=8} in this model"), wrong.err());
        assertEquals(3, Checkpoint.read(ckpt).epochs(), "a failed resume leaves the checkpoint alone");
        assertEquals(List.of(report, dir.resolve("report.png"), ckpt, model), files(), "no temporary files left");
    }

    /** Three classes named by strings, two features: the points near (1, 0), (-1, 1) and (-1, -1). */
    private Path irisLike(String name, int n, long seed) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed);
        String[] names = {"setosa", "versicolor", "virginica"};
        double[][] centres = {{1, 0}, {-1, 1}, {-1, -1}};
        StringBuilder sb = new StringBuilder("\uFEFFwidth,species,height\n");
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            sb.append(String.format(java.util.Locale.ROOT, "%.4f,%s,%.4f%n", centres[c][0] + 0.3 * rnd.nextGaussian(), names[c],
                    centres[c][1] + 0.3 * rnd.nextGaussian()));
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(b)) {
            gz.write(sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return Files.write(dir.resolve(name), b.toByteArray());
    }

    @Test
    void aCsvFileWithStringLabelsTrainsSavesPredictsAndEvaluates() throws IOException {
        Path train = irisLike("train.csv.gz", 300, 1);
        Path test = irisLike("test.csv.gz", 60, 2);
        Path model = dir.resolve("iris.model");
        Run t = run("train", "--csv", train.toString(), "--label", "species", "--test", test.toString(), "--layers", "16:relu",
                "--epochs", "20", "--batch-size", "32", "--lr", "0.01", "--validation", "0.2", "--save", model.toString(),
                "--backend", "reference");
        assertEquals(0, t.code(), t.toString());
        assertTrue(t.out().contains("3 classes [setosa, versicolor, virginica]"), t.out());
        assertTrue(t.out().contains("Dense(2->16) -> ReLU -> Dense(16->3)"), t.out());
        String accuracy = t.out().lines().filter(l -> l.startsWith("test accuracy ")).findFirst().orElseThrow().split(" ")[2];
        assertTrue(Double.parseDouble(accuracy.replace("%", "")) > 90, t.out());

        Run e = run("evaluate", "--model", model.toString(), "--csv", test.toString(), "--label", "species", "--backend", "reference");
        assertEquals(0, e.code(), e.toString());
        assertTrue(e.out().contains("accuracy " + accuracy + " on 60 samples"), e.out() + t.out());
        assertTrue(e.out().contains("virginica (2)"), e.out());

        Run p = run("predict", "--model", model.toString(), "--csv", test.toString(), "--label", "species", "--backend", "reference");
        assertEquals(0, p.code(), p.toString());
        List<String> lines = p.out().lines().toList();
        assertEquals("index,class,p_setosa,p_versicolor,p_virginica", lines.get(0));
        assertEquals(61, lines.size());
        assertTrue(lines.get(1).startsWith("0,setosa,"), lines.get(1));     // row 0 is a setosa near (1, 0)

        Path features = Files.writeString(dir.resolve("new.csv"), "width,height\n-1,-1.1\n0.9,0.1\n");
        Run q = run("predict", "--model", model.toString(), "--csv", features.toString(), "--backend", "reference");
        assertEquals(0, q.code(), q.toString());
        assertTrue(q.out().lines().skip(1).map(l -> l.split(",")[1]).toList().equals(List.of("virginica", "setosa")), q.out());
    }

    /** {@code gz}'s rows (width,species,height) with the columns in the order given, an {@code id} column allowed. */
    private Path reordered(Path gz, String name, String... columns) throws IOException {
        List<String> in;
        try (var z = new java.util.zip.GZIPInputStream(Files.newInputStream(gz))) {
            in = new String(z.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).replace("\uFEFF", "").lines().toList();
        }
        List<String> header = List.of(in.get(0).split(","));
        StringBuilder sb = new StringBuilder(String.join(",", columns)).append('\n');
        for (int i = 1; i < in.size(); i++) {
            String[] cells = in.get(i).split(",");
            int row = i;
            sb.append(String.join(",", Arrays.stream(columns).map(c -> c.equals("id") ? "r" + row
                    : cells[header.indexOf(c)]).toList())).append('\n');
        }
        return Files.writeString(dir.resolve(name), sb);
    }

    /** x in [-1, 1)^2, y = 150 + 50 (sin(2 x0) + x0 x1): targets far from unit scale, as a CSV file with a header. */
    private Path offsetTargets(String name, int rows, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        StringBuilder sb = new StringBuilder("a,b,y\n");
        for (int i = 0; i < rows; i++) {
            double a = r.nextDouble(-1, 1);
            double b = r.nextDouble(-1, 1);
            sb.append((float) a).append(',').append((float) b).append(',').append((float) (150 + 50 * (Math.sin(2 * a) + a * b)))
                    .append('\n');
        }
        return Files.writeString(dir.resolve(name), sb);
    }

    private static String accuracy(Run r) {
        return r.out().lines().filter(l -> l.contains("accuracy ") && l.contains(" on ")).findFirst().orElseThrow();
    }

    @Test
    void evaluateAndPredictMatchColumnsByNameInAnyOrderAndNameAMissingOne() throws IOException {
        Path train = irisLike("train.csv.gz", 300, 1);
        Path test = irisLike("test.csv.gz", 60, 2);
        Path model = dir.resolve("iris.model");
        Run t = run("train", "--csv", train.toString(), "--label", "species", "--layers", "16:relu", "--epochs", "10",
                "--lr", "0.01", "--save", model.toString(), "--backend", "reference");
        assertEquals(0, t.code(), t.toString());
        Run e = run("evaluate", "--model", model.toString(), "--csv", test.toString(), "--label", "species", "--backend", "reference");
        assertEquals(0, e.code(), e.toString());
        assertEquals("", e.err(), "nothing to note: the same columns");

        Path swapped = reordered(test, "swapped.csv", "height", "species", "width");
        Run s = run("evaluate", "--model", model.toString(), "--csv", swapped.toString(), "--label", "species", "--backend", "reference");
        assertEquals(0, s.code(), s.toString());
        assertEquals(accuracy(e), accuracy(s), "the same scores with the columns in another order");
        Path reversed = reordered(test, "reversed.csv", "species", "height", "width");
        Run v = run("evaluate", "--model", model.toString(), "--csv", reversed.toString(), "--backend", "reference");
        assertEquals(0, v.code(), "the label is the one column the model does not take: " + v);
        assertEquals(accuracy(e), accuracy(v));

        Path extra = reordered(test, "extra.csv", "id", "height", "width", "species");
        Run x = run("evaluate", "--model", model.toString(), "--csv", extra.toString(), "--backend", "reference");
        assertEquals(0, x.code(), x.toString());
        assertEquals(accuracy(e), accuracy(x));
        assertEquals("myelin: note: " + extra + ": ignoring the columns [id], which the model does not take", x.err().strip());

        Run p = run("predict", "--model", model.toString(), "--csv", extra.toString(), "--backend", "reference");
        assertEquals(0, p.code(), "no --label needed: the model takes its columns by name; " + p);
        assertEquals(61, p.out().lines().count(), p.out());
        assertTrue(p.err().contains("ignoring the columns [id, species]"), p.err());
        Run quiet = run("predict", "--model", model.toString(), "--csv", extra.toString(), "--backend", "reference", "--quiet");
        assertEquals(p.out(), quiet.out());
        assertEquals("", quiet.err(), "--quiet: no notes");

        // train's --test by name too: the label (the last column of the training file) stands first in the test file
        Path last = reordered(train, "last.csv", "width", "height", "species");
        Run l = run("train", "--csv", last.toString(), "--test", reversed.toString(), "--layers", "16:relu", "--epochs", "1",
                "--backend", "reference");
        assertEquals(0, l.code(), l.toString());
        assertTrue(l.out().contains("test accuracy "), l.out());

        Path missing = reordered(test, "missing.csv", "species", "width");
        assertUsageError(run("evaluate", "--model", model.toString(), "--csv", missing.toString(), "--label", "species"),
                missing + ": has no column 'height', one of the features [width, height]; its columns: [species, width]");
    }

    @Test
    void withoutColumnNamesACountMismatchNamesTheFileAndSuggestsLabel() throws IOException {
        Path named = irisLike("train.csv.gz", 120, 1);
        Path train = reordered(named, "train.csv", "width", "height", "species");
        Files.write(train, Files.readAllLines(train).subList(1, 121));        // no header: matched by position
        Path model = dir.resolve("plain.model");
        Run t = run("train", "--csv", train.toString(), "--no-header", "--layers", "8:relu", "--epochs", "2", "--save",
                model.toString(), "--backend", "reference");
        assertEquals(0, t.code(), t.toString());
        assertUsageError(run("predict", "--model", model.toString(), "--csv", train.toString(), "--no-header"),
                train + " has 3 columns, but the model takes 2 features, matched by position (--no-header); if one of them "
                        + "is a label, leave it out with --label COLUMN");
        Run p = run("predict", "--model", model.toString(), "--csv", train.toString(), "--no-header", "--label", "2");
        assertEquals(0, p.code(), p.toString());
        Path wide = reordered(named, "wide.csv", "width", "id", "height", "species");
        assertUsageError(run("evaluate", "--model", model.toString(), "--csv", wide.toString()),
                wide + " has 4 columns, 3 besides the label column (--label -1), but the model takes 2 features, matched by "
                        + "position (the model has no column names); is --label the label column?");
    }

    @Test
    void argumentsAreCheckedBeforeAnythingIsPrintedAndQuietPrintsOnlyTheResult() throws IOException {
        Path train = irisLike("train.csv.gz", 300, 1);
        Path test = irisLike("test.csv.gz", 60, 2);
        assertUsageError(run("train", "--csv", train.toString(), "--label", "species", "--validation", "0.999"),
                "--validation 0.999 of 300 samples holds out 300; it must leave at least one sample for training and one "
                        + "for validation");
        Run q = run("train", "--csv", train.toString(), "--label", "species", "--test", test.toString(), "--epochs", "3",
                "--layers", "8:relu", "--backend", "reference", "--quiet", "--save", dir.resolve("q.model").toString());
        assertEquals(0, q.code(), q.toString());
        assertEquals("", q.err(), "no progress with --quiet");
        List<String> lines = q.out().lines().toList();
        assertEquals(2, lines.size(), q.out());
        assertTrue(lines.get(0).startsWith("epoch  3/3  loss "), q.out());
        assertTrue(lines.get(1).startsWith("test accuracy "), q.out());
        assertTrue(Files.exists(dir.resolve("q.model")));
        Run e = run("evaluate", "--model", dir.resolve("q.model").toString(), "--csv", test.toString(), "--label", "species",
                "--quiet");
        assertTrue(e.out().startsWith("loss "), e.out());
    }

    @Test
    void smallDataDefaultsBatch32AndStandardisedFeatures() throws IOException {
        Path train = irisLike("train.csv.gz", 90, 1);
        Run t = run("train", "--csv", train.toString(), "--label", "species", "--epochs", "1", "--layers", "8:relu",
                "--backend", "reference");
        assertEquals(0, t.code(), t.toString());
        assertTrue(t.out().contains("model Standardize(per feature, 2 features) -> Dense(2->8) -> ReLU -> Dense(8->3)"), t.out());
        assertTrue(t.out().contains(", batch 32, "), t.out());
        Run raw = run("train", "--csv", train.toString(), "--label", "species", "--epochs", "1", "--layers", "8:relu",
                "--backend", "reference", "--no-standardize");
        assertEquals(0, raw.code(), raw.toString());
        assertTrue(raw.out().contains("model Dense(2->8) -> ReLU -> Dense(8->3)"), raw.out());
        Run help = run("train", "--help");
        assertTrue(help.out().contains("--[no-]standardize") && help.out().contains("(default: 32, as the library's"),
                help.out());
    }

    @Test
    void aRegressionModelLearnsTargetsFarFromUnitScaleAndReportsRmseMaeAndR2() throws IOException {
        Path train = offsetTargets("train.csv", 512, 1);
        Path test = offsetTargets("test.csv", 256, 2);
        Path model = dir.resolve("offset.model");
        Path report = dir.resolve("offset.json");
        Run t = run("train", "--csv", train.toString(), "--label", "y", "--regression", "--test", test.toString(), "--layers",
                "32:relu", "--epochs", "30", "--batch-size", "32", "--save", model.toString(), "--report", report.toString(),
                "--backend", "reference");
        assertEquals(0, t.code(), t.toString());
        Run e = run("evaluate", "--model", model.toString(), "--csv", test.toString(), "--label", "y", "--backend", "reference");
        assertEquals(0, e.code(), e.toString());
        String line = e.out().lines().filter(l -> l.startsWith("loss ")).findFirst().orElseThrow();
        String[] words = line.split(" +");     // loss L rmse R mae M r2 Q on 256 samples
        assertEquals(List.of("loss", "rmse", "mae", "r2", "on"), List.of(words[0], words[2], words[4], words[6], words[8]), line);
        double r2 = Double.parseDouble(words[7]);
        System.out.println("evaluate on 150 + 50 f(x), reference backend: " + line);
        // Measured: R² 0.9595 here (reference backend); before the command standardised the targets it printed no R²,
        // and TargetScalingTest's like run on this data without standardised targets ends at R² -11.4 (outputs still
        // climbing towards 150). 0.9 leaves room for another backend's rounding and fails an unlearned model.
        assertTrue(r2 > 0.9, line);
        assertTrue(t.out().contains("test rmse " + words[3] + " mae " + words[5] + " r2 " + words[7] + " "), t.out());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        // the printed R² is the report's rounded to 4 decimals: at most half a unit of the last, 5e-5, apart
        assertEquals(json.get("testR2").asDouble(), r2, 5e-5 + 1e-12, json.toString());
        assertTrue(json.get("testAccuracy").isNull(), json.toString());

        // predictions come back in the targets' units: the RMSE of predict's values against the targets is evaluate's
        Run p = run("predict", "--model", model.toString(), "--csv", test.toString(), "--label", "y", "--backend", "reference");
        assertEquals(0, p.code(), p.toString());
        List<String> predictions = p.out().lines().skip(1).toList();
        List<String> targets = Files.readAllLines(test).stream().skip(1).toList();
        assertEquals(256, predictions.size());
        double rmse = Double.parseDouble(words[3]);
        double squared = 0;
        for (int i = 0; i < 256; i++) {
            double v = Float.parseFloat(predictions.get(i).split(",")[1]);
            double y = Float.parseFloat(targets.get(i).split(",")[2]);
            squared += (v - y) * (v - y);
        }
        // The same float predictions (printed as shortest round-trip floats, so read back exactly) against the same float
        // targets, summed in double in the same order: the only difference is the printed RMSE's rounding to 4
        // decimals, at most 5e-5 (1e-12 covers the last bits of the two square roots).
        assertEquals(Math.sqrt(squared / 256), rmse, 5e-5 + 1e-12, line);
    }

    @Test
    void outputsThatCannotBeWrittenAreFoundBeforeTraining() throws IOException {
        Path blocker = Files.writeString(dir.resolve("file"), "x");
        assertUsageError(run("train", "--data", data.toString(), "--save", blocker.resolve("m.model").toString()),
                "the folder " + blocker + " does not exist");
        Path temp = dir.resolve(".r.json.tmp");       // a folder where the temporary file must go: not writable
        Files.createDirectories(temp.resolve("inside"));
        assertUsageError(run("train", "--data", data.toString(), "--report", dir.resolve("r.json").toString()),
                "--report " + dir.resolve("r.json") + ": cannot write in " + dir);
    }

    @Test
    void moreThreadsThanCoresSaysWhatItUses() {
        int cores = Runtime.getRuntime().availableProcessors();
        Run r = run("train", "--data", data.toString(), "--epochs", "1", "--threads", Integer.toString(cores + 6),
                "--backend", "simd");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("threads: " + (cores + 6) + " asked for, " + cores + " used (" + cores + " cores)"), r.out());
    }

    @Test
    void infoNamesTheBackendAndChecksGemm() {
        Run r = run("info");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("backend:   "), r.out());
        assertTrue(r.out().contains("jdk:       " + Runtime.version()), r.out());
        assertTrue(r.out().contains("gemm check: C = A B, 67x129 times 129x45, simd vs reference: worst error"), r.out());
        assertTrue(r.out().contains(": agree"), r.out());
    }

    @Test
    void helpSaysWhatThreadsDoAndWrapsWholeSentences() {
        Run r = run("train", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("--threads") && r.out().contains("The SIMD GEMM"), r.out());
        Run top = run("--help");
        assertEquals(0, top.code());
        // each command's one-line summary in the top-level help ends a sentence instead of stopping mid-way
        for (String command : List.of("train", "evaluate", "predict", "info")) {
            String line = top.out().lines().filter(l -> l.strip().startsWith(command + " ")).findFirst().orElseThrow();
            assertTrue(line.strip().endsWith(".") || top.out().contains(line + "\n"), line);
        }
    }

    /**
     * A batch size far above the 120 rows, in a JVM given 256 MB: the buffers are sized by the rows, so training
     * finishes (one step per epoch), exit code 0, and writes a model. Before, 10^9 asked for gigabytes and
     * {@code Integer.MAX_VALUE} ended in an OutOfMemoryError.
     */
    @Test
    void aBatchSizeLargerThanTheDataTrainsInASmallHeap() throws Exception {
        Path train = irisLike("iris.csv.gz", 120, 1);
        for (String batch : List.of("1000000000", "2147483647")) {
            Path model = dir.resolve("b" + batch + ".model");
            String out = ChildJvm.output(ChildJvm.start(Main.class, List.of("-Xmx256m"), "train", "--csv", train.toString(),
                    "--label", "species", "--batch-size", batch, "--epochs", "3", "--layers", "16:relu", "--lr", "0.01",
                    "--backend", "reference", "--save", model.toString()), "train --batch-size " + batch);
            for (int e = 1; e <= 3; e++) {
                String line = out.lines().filter(l -> l.startsWith("epoch ")).toList().get(e - 1);
                assertTrue(line.matches("epoch +" + e + "/3 +loss [0-9]+\\.[0-9]+ .*"), "a finite loss: " + out);
            }
            assertTrue(out.contains("model saved to " + model), out);
            assertTrue(Files.size(model) > 0);
        }
    }

    /**
     * A learning rate of 10^30 diverges at the second step (the first moves the weights to about 10^30): exit code 1,
     * one line naming the epoch, the step and the rate; the model file already there and the report are not written.
     */
    @Test
    void divergenceIsOneLineExitCode1AndLeavesTheModelFileAlone() throws IOException {
        Path train = irisLike("train.csv.gz", 300, 1);
        Path model = dir.resolve("old.model");
        Run first = run("train", "--csv", train.toString(), "--label", "species", "--epochs", "1", "--layers", "8:relu",
                "--batch-size", "32", "--backend", "reference", "--save", model.toString());
        assertEquals(0, first.code(), first.toString());
        byte[] before = Files.readAllBytes(model);
        Path report = dir.resolve("r.json");
        Run r = run("train", "--csv", train.toString(), "--label", "species", "--epochs", "3", "--layers", "8:relu",
                "--batch-size", "32", "--lr", "1e30", "--backend", "reference", "--save", model.toString(), "--report",
                report.toString());
        assertEquals(1, r.code(), r.toString());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("myelin: ")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.get(0).startsWith("myelin: training diverged at epoch 1, batch 2 of 10 (learning rate 1.0E30): the loss"
                + " is "), r.err());
        assertFalse(r.out().contains("model saved"), r.out());
        assertArrayEquals(before, Files.readAllBytes(model), "the old model file, byte for byte");
        assertEquals(List.of(model, train), files(), "no report, no temporary file");
    }

    /**
     * Random labels on random pixels: the held-out loss rises once the network starts to memorise, so --patience 2
     * stops; the weights of the best epoch come back (and say so), or with --keep-last-weights the last stay.
     */
    @Test
    void earlyStoppingRestoresTheBestEpochUnlessKeepLastWeights() {
        for (boolean keepLast : new boolean[] {false, true}) {
            List<String> args = new java.util.ArrayList<>(List.of("train", "--data", data.toString(), "--epochs", "40",
                    "--layers", "64:relu", "--batch-size", "32", "--validation", "0.2", "--patience", "2", "--backend",
                    "reference"));
            if (keepLast) {
                args.add("--keep-last-weights");
            }
            Run r = run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.toString());
            List<String> epochs = r.out().lines().filter(l -> l.startsWith("epoch ")).toList();
            int last = epochs.size();
            assertTrue(last < 40, r.out());
            String stopped = r.out().lines().filter(l -> l.startsWith("stopped early: ")).findFirst().orElseThrow();
            if (keepLast) {
                assertEquals("stopped early: the validation loss has not improved for 2 epochs; kept the weights of epoch "
                        + last, stopped);
            } else {
                String best = epochs.get(last - 3);     // the two epochs after it did not improve
                String loss = best.replaceAll(".*validation loss ([0-9.]+).*", "$1");
                assertEquals("stopped early: the validation loss has not improved for 2 epochs; restored the weights of epoch "
                        + (last - 2) + " (loss " + loss + ")", stopped);
            }
        }
    }

    @Test
    void helpSaysEarlyStoppingRestoresTheBestWeights() {
        Run r = run("train", "--help");
        assertEquals(0, r.code());
        String help = r.out().replaceAll("\\s+", " ");
        assertTrue(help.contains("restore the weights of the best epoch"), r.out());
        assertTrue(help.contains("--keep-last-weights With --patience, keep the weights of the last epoch"), r.out());
    }
}
