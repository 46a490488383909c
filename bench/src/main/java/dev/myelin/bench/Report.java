package dev.myelin.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Renders JMH JSON results into {@code docs/benchmarks.md} tables and a GFLOP/s chart.
 *
 * <pre>
 *   java -cp benchmarks.jar dev.myelin.bench.Report OUT.md CHART.png COMMAND results1.json [results2.json ...]
 * </pre>
 * Figures are JMH medians. GEMM GFLOP/s = 2 m n k / median time. The FMA peak comes from
 * {@link FmaPeakBench} in the same run (the higher of its widths). Both outputs are written to a temporary file and renamed.
 */
public final class Report {

    private record Row(String bench, Map<String, String> params, double median, double error, String unit) {
    }

    /**
     * One training run of {@code bench/compare-training}: seconds per epoch (the median of the epochs
     * after the first, which includes JIT warm-up for Myelin), the first epoch's seconds, test accuracy in
     * percent, and for PyTorch the kernel its OpenBLAS ran.
     */
    private record Training(boolean torch, int batch, int threads, double seconds, double first, double accuracy,
                            String blasCore) {

        /** A run that is missing: every figure NaN, which the tables show as missing. */
        static final Training NONE = new Training(false, 0, 0, Double.NaN, Double.NaN, Double.NaN, "");

        static Training of(JsonNode r) {
            boolean torch = r.has("framework");
            return torch
                    ? new Training(true, r.path("batch").asInt(), r.path("threads").asInt(),
                            medianAfterFirst(r.path("epoch_seconds"), null), r.path("epoch_seconds").path(0).asDouble(Double.NaN),
                            100 * r.path("test_accuracy").asDouble(), r.path("blas_core").asText("not recorded"))
                    : new Training(false, r.path("batchSize").asInt(), r.path("threads").asInt(),
                            medianAfterFirst(r.path("epochs"), "seconds"), r.path("epochs").path(0).path("seconds").asDouble(Double.NaN),
                            100 * r.path("testAccuracy").asDouble(), "");
        }

        /** "batch|threads", the key both frameworks' runs are matched by. */
        String key() {
            return batch + "|" + threads;
        }
    }

    /** Where the run measured: bench/results/machine.json, written by {@link Machine}. */
    private record Where(String cpu, int cores, String simd, String openblasCore, String openblasConfig, String peerEnvironment) {

        static Where of(JsonNode m) {
            return new Where(m.path("cpu").asText(), m.path("cores").asInt(), m.path("simd").asText(),
                    m.path("openblasCore").asText(), m.path("openblasConfig").asText(), m.path("peerEnvironment").asText());
        }
    }

    private Report() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: Report OUT.md CHART.png COMMAND results.json...");
            System.exit(2);
        }
        Path md = Path.of(args[0]);
        Path png = Path.of(args[1]);
        String command = args[2];
        List<Row> rows = new ArrayList<>();
        ObjectMapper json = new ObjectMapper();
        List<Training> training = new ArrayList<>();
        Where where = null;
        for (int i = 3; i < args.length; i++) {
            JsonNode root = json.readTree(Path.of(args[i]).toFile());
            if (root.isObject() && root.path("machine").asBoolean()) {     // Machine's record of the run's machine
                where = Where.of(root);
                continue;
            }
            if (root.isObject()) {          // a training run (bench/compare-training), not JMH
                training.add(Training.of(root));
                continue;
            }
            for (JsonNode r : root) {
                Map<String, String> params = new LinkedHashMap<>();
                r.path("params").fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
                JsonNode pm = r.path("primaryMetric");
                rows.add(new Row(r.path("benchmark").asText(), params, pm.path("scorePercentiles").path("50.0").asDouble(),
                        pm.path("scoreError").asDouble(), pm.path("scoreUnit").asText()));
            }
        }
        // The peak is the higher of FmaPeakBench's widths (fmaPeak256, and fmaPeak512 where the CPU has it)
        Row peakRow = rows.stream().filter(r -> r.bench.contains("FmaPeakBench.fmaPeak"))
                .max((p, q) -> Double.compare(p.median, q.median)).orElse(null);
        double peak = peakRow == null ? Double.NaN : peakRow.median / 1000;

        StringBuilder out = new StringBuilder();
        out.append("Written by `bench/run-suite` from one run on one machine (a JMH run per GEMM shape, SIMD and OpenBLAS\n")
           .append("back to back); every figure below is a JMH median from that run. Reproduce with:\n\n    ")
           .append(command).append("\n\n");
        out.append(String.format(Locale.ROOT, "Measured FP32 FMA peak of one core in the same run (`FmaPeakBench`, the higher of its widths): **%.1f GFLOP/s**%s.%n%n",
                peak, peakWidths(rows, peakRow)));
        machine(out, where, training);
        // the README's run uses every core: those Machine saw, or this JVM's where the run has no record
        targetsTable(out, rows, training, where == null ? Runtime.getRuntime().availableProcessors() : where.cores());
        gemmTables(out, rows, peak);
        trainingTable(out, training);
        otherTables(out, rows);
        writeAtomically(md, splice(md, out.toString()));
        chart(png, rows, peak);
        System.out.println("wrote " + md + " and " + png);
    }

    /**
     * The speed issue's targets, checked against this run's figures: each row gives the target, the
     * measured extreme that decides it (the worst case over the shapes or settings it covers), and whether
     * it is met. A target whose figures are missing from the run reads "not measured".
     */
    private static void targetsTable(StringBuilder out, List<Row> rows, List<Training> training, int cores) {
        Map<String, Double> g = new TreeMap<>();                 // "impl|threads|shape" -> GFLOP/s
        for (Row r : rows) {
            if (r.bench.endsWith("GemmBench.gemm")) {
                g.put(r.params.get("impl") + "|" + r.params.getOrDefault("threads", "1") + "|" + r.params.get("shape"), gflops(r));
            }
        }
        out.append("## Targets of the speed issue, checked against this run\n\n");
        out.append("| target | measured (worst case over what it covers) | met |\n|---|---|---|\n");
        List<double[]> squares = new ArrayList<>();             // n, simd/openblas at 1 thread
        String mlpShape = "";
        double mlpMin = Double.POSITIVE_INFINITY;
        double sq2Min = Double.POSITIVE_INFINITY;
        double any2Min = Double.POSITIVE_INFINITY;
        String any2Shape = "";
        for (Map.Entry<String, Double> e : g.entrySet()) {
            String[] k = e.getKey().split("\\|");
            String shape = k[2];
            String[] d = shape.split("[x:]");
            boolean square = d[0].equals(d[1]) && d[1].equals(d[2]);
            if (k[0].equals("simd") && k[1].equals("1")) {
                Double blas = g.get("openblas|1|" + shape);
                if (blas != null) {
                    double ratio = e.getValue() / blas;
                    if (square && Integer.parseInt(d[0]) >= 256) {
                        squares.add(new double[] {Integer.parseInt(d[0]), ratio});
                    } else if (!square && ratio < mlpMin) {
                        mlpMin = ratio;
                        mlpShape = shape;
                    }
                }
            }
            if (k[0].equals("simd") && k[1].equals("2")) {
                Double one = g.get("simd|1|" + shape);
                if (one != null) {
                    double ratio = e.getValue() / one;
                    if (square && Integer.parseInt(d[0]) >= 512) {
                        sq2Min = Math.min(sq2Min, ratio);
                    }
                    if (ratio < any2Min) {
                        any2Min = ratio;
                        any2Shape = shape;
                    }
                }
            }
        }
        double sqMin = squares.stream().mapToDouble(x -> x[1]).min().orElse(Double.NaN);
        double sqMax = squares.stream().mapToDouble(x -> x[1]).max().orElse(Double.NaN);
        target(out, "GEMM, 1 thread: >= 1.05x OpenBLAS on the squares n = 256..2048", squares.isEmpty() ? Double.NaN : sqMin,
                String.format(Locale.ROOT, "%.2f-%.2fx", sqMin, sqMax), sqMin >= 1.05);
        target(out, "GEMM, 1 thread: >= 1.0x OpenBLAS at every MLP shape (`Bx128x784:NN`, `784x128xB:TN`, `Bx784x128:NT`, B = 32..256)", mlpMin,
                String.format(Locale.ROOT, "%.2fx at `%s`", mlpMin, mlpShape), mlpMin >= 1.0);
        target(out, "GEMM: 2 threads >= 1.85x one thread on the squares n >= 512", sq2Min,
                String.format(Locale.ROOT, "%.2fx", sq2Min), sq2Min >= 1.85);
        target(out, "GEMM: 2 threads never slower than one", any2Min,
                String.format(Locale.ROOT, "%.2fx at `%s`", any2Min, any2Shape), any2Min >= 1.0);
        // exp-based activations against relu: the same backend, size and threads (KernelBench's simd rows)
        double actMax = Double.NEGATIVE_INFINITY;
        String actWorst = "";
        for (Row r : rows) {
            String name = r.bench.substring(r.bench.lastIndexOf('.') + 1);
            if (!r.bench.contains("KernelBench") || !"simd".equals(r.params.get("impl"))
                    || !List.of("sigmoidForward", "tanhForward", "geluForward", "softmaxForward").contains(name)) {
                continue;
            }
            String relu = r.bench.substring(0, r.bench.lastIndexOf('.') + 1) + "reluForward";
            for (Row x : rows) {
                if (x.bench.equals(relu) && x.params.equals(r.params) && r.median / x.median > actMax) {
                    actMax = r.median / x.median;
                    actWorst = name;
                }
            }
        }
        target(out, "exp-based activations (sigmoid, tanh, GELU, softmax) <= 2x relu's time (`KernelBench`, 128 x 784)", actMax,
                String.format(Locale.ROOT, "%.1fx (`%s`)", actMax, actWorst), actMax <= 2);
        Map<String, Training> myelin = new TreeMap<>();
        Map<String, Training> torch = new TreeMap<>();
        training.forEach(r -> (r.torch() ? torch : myelin).put(r.key(), r));
        for (String[] t : new String[][] {{"128", "0.75"}, {"32", "0.4"}}) {
            String key = t[0] + "|1";
            Training m = myelin.getOrDefault(key, Training.NONE);
            Training p = torch.getOrDefault(key, Training.NONE);
            double ratio = m.seconds() / p.seconds();
            double gap = p.accuracy() - m.accuracy();
            target(out, "training, 1 thread, batch " + t[0] + ": <= " + t[1] + "x PyTorch's seconds per epoch, accuracy at most 0.5 points below",
                    ratio, String.format(Locale.ROOT, "%.2fx; accuracy %.2f%% against %.2f%%", ratio, m.accuracy(), p.accuracy()),
                    ratio <= Double.parseDouble(t[1]) && gap <= 0.5);
        }
        for (String b : new String[] {"128", "32"}) {
            double speedup = myelin.getOrDefault(b + "|1", Training.NONE).seconds() / myelin.getOrDefault(b + "|2", Training.NONE).seconds();
            target(out, "training, batch " + b + ": 2 threads >= 1.6x faster than 1", speedup,
                    String.format(Locale.ROOT, "%.2fx", speedup), speedup >= 1.6);
        }
        Training readme = myelin.getOrDefault("128|" + cores, Training.NONE);      // the README's run: batch 128, every core
        double warm = readme.first() / readme.seconds();
        target(out, "warm-up: epoch 1 <= 3x a later epoch (batch 128 on " + cores + " threads, as the README's run)", warm,
                String.format(Locale.ROOT, "%.1fx (%.2f s against %.2f s)", warm, readme.first(), readme.seconds()), warm <= 3);
        double over = myelin.getOrDefault("128|7", Training.NONE).seconds() / myelin.getOrDefault("128|2", Training.NONE).seconds();
        target(out, "7 threads where the JVM sees 8 processors (2 cores): <= 1.5x the two-thread time (batch 128)", over,
                String.format(Locale.ROOT, "%.2fx", over), over <= 1.5);
        out.append('\n');
    }

    private static void target(StringBuilder out, String what, double decisive, String measured, boolean met) {
        boolean missing = Double.isNaN(decisive) || Double.isInfinite(decisive);
        out.append("| ").append(what).append(" | ").append(missing ? "not measured" : measured).append(" | ")
           .append(missing ? "" : met ? "**met**" : "**not met**").append(" |\n");
    }

    private static double gflops(Row r) {
        String[] d = r.params.get("shape").split("[x:]");
        double flops = 2.0 * Long.parseLong(d[0]) * Long.parseLong(d[1]) * Long.parseLong(d[2]);
        return flops / r.median / 1000;   // median in microseconds
    }

    private static void gemmTables(StringBuilder out, List<Row> rows, double peak) {
        List<Row> gemm = rows.stream().filter(r -> r.bench.endsWith("GemmBench.gemm")).toList();
        if (gemm.isEmpty()) {
            return;
        }
        Set<String> shapes = new LinkedHashSet<>();
        Set<String> columns = new LinkedHashSet<>();
        Map<String, Double> g = new TreeMap<>();
        for (Row r : gemm) {
            shapes.add(r.params.get("shape"));
            String col = r.params.get("impl") + threadsSuffix(r);
            columns.add(col);
            g.put(r.params.get("shape") + "|" + col, gflops(r));
        }
        List<String> cols = new ArrayList<>(columns);
        cols.sort((x, y) -> rank(x) - rank(y));
        List<String> ordered = new ArrayList<>(shapes);
        ordered.sort(java.util.Comparator.comparingLong(Report::shapeOrder));
        shapes = new LinkedHashSet<>(ordered);
        out.append("## GEMM (`GemmBench`)\n\n");
        out.append("GFLOP/s (median), `C = op(A) op(B)`, float32, row-major; Myelin and OpenBLAS on the same off-heap memory.\n")
           .append("In brackets: the ratio to OpenBLAS with the same number of threads. Shapes are `MxNxK:op(A)op(B)`;\n")
           .append("`Bx128x784:NN`, `784x128xB:TN` and `Bx784x128:NT` are the forward, weight-gradient and input-gradient\n")
           .append("products of the Fashion-MNIST network's first layer at batch B.\n\n");
        out.append("| shape |");
        cols.forEach(c -> out.append(' ').append(c).append(" |"));
        out.append("\n|---|");
        cols.forEach(c -> out.append("---|"));
        out.append('\n');
        for (String s : shapes) {
            out.append("| `").append(s).append("` |");
            for (String c : cols) {
                Double v = g.get(s + "|" + c);
                Double blas = g.get(s + "|openblas" + (c.contains("(") ? c.substring(c.indexOf(" (")) : ""));
                if (v == null) {
                    out.append(" |");
                } else if (blas != null && !c.startsWith("openblas")) {
                    out.append(String.format(Locale.ROOT, " %.1f (%.2fx) |", v, v / blas));
                } else {
                    out.append(String.format(Locale.ROOT, " %.1f |", v));
                }
            }
            out.append('\n');
        }
        out.append(String.format(Locale.ROOT, "%nShare of the one-core FMA peak (%.1f GFLOP/s) is GFLOP/s / peak; with 2 threads the peak is twice that.%n%n", peak));
    }

    /**
     * Seconds per epoch (median over the epochs after the first, which includes JIT warm-up for Myelin)
     * and test accuracy, Myelin next to PyTorch for each batch size and thread count.
     */
    private static void trainingTable(StringBuilder out, List<Training> runs) {
        if (runs.isEmpty()) {
            return;
        }
        Map<String, Training> myelin = new TreeMap<>();
        Map<String, Training> torch = new TreeMap<>();
        runs.forEach(r -> (r.torch() ? torch : myelin).put(r.key(), r));
        out.append("## Training the Fashion-MNIST network (`bench/compare-training`)\n\n");
        out.append("784-128-10 (ReLU), softmax cross-entropy, Adam (lr 1e-3), same data and epochs. Seconds per epoch: the median\n")
           .append("of the epochs after the first (the first includes JIT warm-up); test accuracy after the last epoch.\n\n");
        out.append("| batch | threads | Myelin s/epoch | PyTorch s/epoch | Myelin / PyTorch | Myelin test acc. | PyTorch test acc. |\n");
        out.append("|---|---|---|---|---|---|---|\n");
        runs.stream().sorted(java.util.Comparator.comparingInt(Training::batch).thenComparingInt(Training::threads))
                .map(Training::key).distinct().forEach(key -> {
                    Training m = myelin.getOrDefault(key, Training.NONE);
                    Training t = torch.getOrDefault(key, Training.NONE);
                    out.append("| ").append(key.replace("|", " | ")).append(" | ").append(figure("%.2f", m.seconds()))
                       .append(" | ").append(figure("%.2f", t.seconds())).append(" | ").append(figure("%.2fx", m.seconds() / t.seconds()))
                       .append(" | ").append(figure("%.2f%%", m.accuracy())).append(" | ").append(figure("%.2f%%", t.accuracy()))
                       .append(" |\n");
                });
        out.append('\n');
    }

    /** The value in this format, or nothing where the run has none (NaN). */
    private static String figure(String format, double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, format, v);
    }

    /** The machine and the peers' kernels, from Machine's record and the PyTorch runs. */
    private static void machine(StringBuilder out, Where where, List<Training> training) {
        out.append("## The machine of this run\n\n");
        if (where == null) {
            out.append("Not recorded (no `bench/results/machine.json`).\n\n");
            return;
        }
        String torchCores = training.stream().filter(Training::torch).map(Training::blasCore).distinct()
                .reduce((x, y) -> x + ", " + y).orElse("no PyTorch run");
        out.append("- CPU: ").append(where.cpu()).append(", ").append(where.cores()).append(" cores visible to the JVM.\n")
           .append("- Myelin's SIMD backend: ").append(where.simd()).append(".\n")
           .append("- OpenBLAS (`org.bytedeco:openblas`, the GEMM peer) ran its `").append(where.openblasCore())
           .append("` kernel (`openblas_get_corename`; ").append(where.openblasConfig()).append(").\n")
           .append("- `OPENBLAS_CORETYPE` / `OPENBLAS_L2_SIZE` in the suite's environment: ").append(where.peerEnvironment())
           .append("; both are removed from the peers' processes, so each picks its best kernel for this CPU.\n")
           .append("- PyTorch's OpenBLAS (`bench/compare-training`) ran: ").append(torchCores).append(".\n\n");
    }

    /** ", with 512-bit vectors (256-bit: 130.2 GFLOP/s)": the peak's width and every width measured, in GFLOP/s. */
    private static String peakWidths(List<Row> rows, Row peakRow) {
        if (peakRow == null) {
            return "";
        }
        StringBuilder s = new StringBuilder(", with " + width(peakRow) + " vectors");
        List<String> others = new ArrayList<>();
        for (Row r : rows) {
            if (r.bench.contains("FmaPeakBench.fmaPeak") && r != peakRow) {
                others.add(String.format(Locale.ROOT, "%s: %.1f GFLOP/s", width(r), r.median / 1000));
            }
        }
        if (!others.isEmpty()) {
            s.append(" (").append(String.join("; ", others)).append(')');
        }
        return s.toString();
    }

    /** "512-bit" for FmaPeakBench.fmaPeak512: the width in the benchmark's name. */
    private static String width(Row r) {
        String digits = r.bench.substring(r.bench.lastIndexOf("fmaPeak") + "fmaPeak".length());
        return digits.isEmpty() ? "256-bit" : digits + "-bit";
    }

    private static double medianAfterFirst(JsonNode list, String field) {
        List<Double> v = new ArrayList<>();
        for (int i = list.size() > 1 ? 1 : 0; i < list.size(); i++) {
            v.add(field == null ? list.get(i).asDouble() : list.get(i).path(field).asDouble());
        }
        v.sort(Double::compare);
        return v.isEmpty() ? Double.NaN : v.size() % 2 == 1 ? v.get(v.size() / 2) : (v.get(v.size() / 2 - 1) + v.get(v.size() / 2)) / 2;
    }

    private static void otherTables(StringBuilder out, List<Row> rows) {
        Map<String, List<Row>> byBench = new LinkedHashMap<>();
        for (Row r : rows) {
            if (!r.bench.endsWith("GemmBench.gemm") && !r.bench.contains("FmaPeakBench.fmaPeak")) {
                byBench.computeIfAbsent(r.bench.substring(r.bench.lastIndexOf('.', r.bench.lastIndexOf('.') - 1) + 1),
                        k -> new ArrayList<>()).add(r);
            }
        }
        for (Map.Entry<String, List<Row>> e : byBench.entrySet()) {
            out.append("## `").append(e.getKey()).append("`\n\n");
            List<Row> list = e.getValue();
            Set<String> keys = new LinkedHashSet<>();
            list.forEach(r -> keys.addAll(r.params.keySet()));
            out.append('|');
            keys.forEach(k -> out.append(' ').append(k).append(" |"));
            out.append(" median | unit | speed-up over reference |\n|");
            keys.forEach(k -> out.append("---|"));
            out.append("---|---|---|\n");
            for (Row r : list) {
                out.append('|');
                keys.forEach(k -> out.append(' ').append(r.params.getOrDefault(k, "")).append(" |"));
                Row ref = list.stream().filter(x -> "reference".equals(x.params.get("impl"))
                        && sameExceptImpl(x.params, r.params)).findFirst().orElse(null);
                String speed = ref == null || ref == r ? "" : String.format(Locale.ROOT, "%.1fx", ref.median / r.median);
                out.append(String.format(Locale.ROOT, " %.3g | %s | %s |%n", r.median, r.unit, speed));
            }
            out.append('\n');
        }
    }

    private static boolean sameExceptImpl(Map<String, String> a, Map<String, String> b) {
        for (String k : a.keySet()) {
            if (!k.equals("impl") && !k.equals("threads") && !a.get(k).equals(b.get(k))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Table order: squares by n, then the MLP shapes by batch (the dimension that is neither 128 nor 784)
     * and, within a batch, forward (NN), weight gradient (TN), input gradient (NT).
     */
    private static long shapeOrder(String shape) {
        String[] d = shape.split("[x:]");
        long m = Long.parseLong(d[0]);
        long n = Long.parseLong(d[1]);
        long k = Long.parseLong(d[2]);
        if (m == n && n == k) {
            return m;
        }
        long batch = 128;
        for (long x : new long[] {m, n, k}) {
            if (x != 128 && x != 784) {
                batch = x;
            }
        }
        return 1_000_000 + batch * 10 + List.of("NN", "TN", "NT", "TT").indexOf(d[3]);
    }

    private static String threadsSuffix(Row r) {
        String t = r.params.getOrDefault("threads", "1");
        return t.equals("1") ? "" : " (" + t + " threads)";
    }

    private static int rank(String col) {
        String[] order = {"simd", "openblas", "netlib", "ejml", "reference"};
        for (int i = 0; i < order.length; i++) {
            if (col.startsWith(order[i])) {
                return i * 10 + (col.contains("threads") ? 5 : 0);
            }
        }
        return 100;
    }

    private static void chart(Path png, List<Row> rows, double peak) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title("Square SGEMM, float32")
                .xAxisTitle("n (C = A B, all n x n)").yAxisTitle("GFLOP/s").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNW);
        Map<String, TreeMap<Integer, Double>> series = new TreeMap<>((x, y) -> rank(x) - rank(y) != 0 ? rank(x) - rank(y) : x.compareTo(y));
        int minN = Integer.MAX_VALUE;
        int maxN = 0;
        for (Row r : rows) {
            if (!r.bench.endsWith("GemmBench.gemm")) {
                continue;
            }
            String[] d = r.params.get("shape").split("[x:]");
            if (!d[0].equals(d[1]) || !d[1].equals(d[2]) || !d[3].equals("NN")) {
                continue;
            }
            int n = Integer.parseInt(d[0]);
            minN = Math.min(minN, n);
            maxN = Math.max(maxN, n);
            series.computeIfAbsent(r.params.get("impl") + threadsSuffix(r), k -> new TreeMap<>()).put(n, gflops(r));
        }
        for (Map.Entry<String, TreeMap<Integer, Double>> e : series.entrySet()) {
            chart.addSeries(e.getKey(), new ArrayList<>(e.getValue().keySet()), new ArrayList<>(e.getValue().values()));
        }
        if (!Double.isNaN(peak) && maxN > 0) {
            XYSeries p = chart.addSeries(String.format(Locale.ROOT, "FMA peak, 1 core (%.0f)", peak),
                    List.of(minN, maxN), List.of(peak, peak));
            p.setMarker(SeriesMarkers.NONE);
            XYSeries p2 = chart.addSeries(String.format(Locale.ROOT, "FMA peak, 2 cores (%.0f)", 2 * peak),
                    List.of(minN, maxN), List.of(2 * peak, 2 * peak));
            p2.setMarker(SeriesMarkers.NONE);
        }
        Path tmp = Files.createTempFile(png.toAbsolutePath().getParent(), ".chart", ".png");
        BitmapEncoder.saveBitmap(chart, tmp.toString().replaceAll("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static final String START = "<!-- generated by bench/run-suite: start -->";
    static final String END = "<!-- generated by bench/run-suite: end -->";

    /**
     * The generated part goes between the START and END markers of an existing file, so the hand-written
     * analysis around it survives a rerun; a file without markers gets a title and the markers.
     */
    static String splice(Path md, String generated) throws IOException {
        String block = START + "\n" + generated + END + "\n";
        if (Files.exists(md)) {
            String old = Files.readString(md);
            int a = old.indexOf(START);
            int b = old.indexOf(END);
            if (a >= 0 && b > a) {
                return old.substring(0, a) + block + old.substring(b + END.length()).replaceFirst("^\n", "");
            }
        }
        return "# Benchmarks\n\n" + block;
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".report", ".tmp");
        Files.writeString(tmp, text);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
