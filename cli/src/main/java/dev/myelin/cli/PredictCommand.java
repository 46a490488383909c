package dev.myelin.cli;

import dev.myelin.core.Matrix;
import dev.myelin.examples.FashionMnistDownload;
import dev.myelin.trainer.AtomicFile;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.FashionMnist;
import dev.myelin.trainer.data.IdxReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code myelin predict}: a model file's predictions for a CSV file or an IDX file of images, as CSV. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Loads a model file written by 'train --save' and writes its predictions as CSV: for each row of a "
                + "CSV file (--csv) or each image of an IDX file (--images; default: the Fashion-MNIST test images), the "
                + "predicted class and the class probabilities, or the predicted value of a regression model.")
final class PredictCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    Options common;

    @Option(names = "--model", paramLabel = "MODEL", required = true, description = "The model file.")
    Path modelFile;

    @Option(names = "--csv", paramLabel = "FILE",
            description = "Predict for each row of this CSV file (plain or gzip). Its columns are matched to the model's by "
                    + "header name when both have names (in any order; others are ignored, with a note), else by position.")
    Path csv;

    @Option(names = "--label", paramLabel = "COLUMN",
            description = "A column of the CSV file to leave out (its label column, if it has one), by header name or index.")
    String label;

    @Option(names = "--no-header", description = "The CSV file has no header line.")
    boolean noHeader;

    @Option(names = "--images", paramLabel = "FILE",
            description = "Predict for each image of this IDX file, plain or gzip (default, without --csv: the Fashion-MNIST test images).")
    Path images;

    @Option(names = "--data", paramLabel = "DIR", description = "Where to find the Fashion-MNIST test images (see 'train --help').")
    Path data;

    @Option(names = "--output", paramLabel = "FILE", description = "Write the CSV here, atomically (default: standard output).")
    Path output;

    @Override
    public Integer call() throws Exception {
        Options.writable("--output", output);
        if (csv != null && images != null) {
            throw new Main.UsageException("give --csv or --images, not both");
        }
        Options.Chosen backend = common.kernels();
        try (Model model = Model.load(modelFile, backend.kernels())) {
            if (csv != null) {
                try (Dataset rows = Sources.unlabelled(csv, label, !noHeader, model, common.notes(spec.commandLine().getErr()))) {
                    return write(model, rows.features());
                }
            }
            Path file = images != null ? images
                    : FashionMnist.testImages(FashionMnistDownload.locate(data, common.notes(spec.commandLine().getErr())));
            try (Arena arena = Arena.ofShared()) {
                return write(model, IdxReader.images(arena, file));
            }
        }
    }

    private int write(Model model, Matrix x) throws Exception {
        try (Matrix p = model.predict(x)) {
            int[] classes = model.loss() == Loss.MSE ? null : model.predictClasses(x);
            if (output == null) {
                PrintWriter out = spec.commandLine().getOut();
                write(out, model, classes, p);
                out.flush();
            } else {
                AtomicFile.write(output, stream -> {
                    PrintWriter w = new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
                    write(w, model, classes, p);
                    w.flush();
                });
                if (!common.quiet) {
                    spec.commandLine().getOut().printf(Locale.ROOT, "%,d predictions written to %s%n", p.rows(), output);
                }
            }
        }
        return 0;
    }

    /**
     * A header, then a row per sample: {@code index,class,p_0,...} (the columns named by the model's class names
     * where it has them), or {@code index,value} for a regression model.
     */
    private static void write(PrintWriter w, Model model, int[] classes, Matrix p) {
        List<String> names = model.classNames();
        StringBuilder header = new StringBuilder("index");
        if (classes == null) {
            for (int j = 0; j < p.cols(); j++) {
                header.append(p.cols() == 1 ? ",value" : ",value" + j);
            }
        } else {
            header.append(",class");
            for (int j = 0; j < p.cols(); j++) {
                header.append(",p_").append(names.isEmpty() ? Integer.toString(j) : quote(names.get(j)));
            }
        }
        w.println(header);
        float[] row = new float[p.cols()];
        for (int i = 0; i < p.rows(); i++) {
            p.rows(i, 1).copyTo(row);
            StringBuilder line = new StringBuilder().append(i);
            if (classes != null) {
                line.append(',').append(names.isEmpty() ? Integer.toString(classes[i]) : quote(names.get(classes[i])));
            }
            for (float v : row) {
                line.append(',').append(v);
            }
            w.println(line);
        }
    }

    /** A CSV field: quoted when it holds a comma, a quote or a line break. */
    private static String quote(String s) {
        return s.matches("[^,\"\r\n]*") ? s : "\"" + s.replace("\"", "\"\"") + "\"";
    }
}
