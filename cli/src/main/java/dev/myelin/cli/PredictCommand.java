package dev.myelin.cli;

import dev.myelin.core.Matrix;
import dev.myelin.trainer.AtomicFile;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.data.FashionMnist;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code myelin predict}: a model file's predicted class (and probabilities) for each image of an IDX file. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Loads a model file written by 'train --save' and writes, as CSV, the predicted class and the",
                "class probabilities of every image in an IDX images file (default: the Fashion-MNIST test images)."})
final class PredictCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    Options common;

    @Option(names = "--model", paramLabel = "MODEL", required = true, description = "The model file.")
    Path modelFile;

    @Option(names = "--images", paramLabel = "FILE",
            description = "IDX file of 28x28 images, plain or gzip (default: the Fashion-MNIST test images of --data).")
    Path images;

    @Option(names = "--output", paramLabel = "FILE", description = "Write the CSV here, atomically (default: standard output).")
    Path output;

    @Override
    public Integer call() throws Exception {
        Options.folderExists("--output", output);
        Options.Chosen backend = common.kernels();
        Path file = images != null ? images
                : FashionMnist.testImages(FashionMnist.locate(common.data, spec.commandLine().getErr()::println));
        try (Model model = Model.load(modelFile, backend.kernels()); Arena arena = Arena.ofShared()) {
            Matrix x = FashionMnist.images(arena, file);
            try (Matrix p = model.predict(x)) {
                int[] classes = model.predictClasses(x);
                if (output == null) {
                    PrintWriter out = spec.commandLine().getOut();
                    write(out, classes, p);
                    out.flush();
                } else {
                    AtomicFile.write(output, stream -> write(stream, classes, p));
                    spec.commandLine().getOut().printf(Locale.ROOT, "%,d predictions written to %s%n", classes.length, output);
                }
            }
        }
        return 0;
    }

    private static void write(OutputStream stream, int[] classes, Matrix p) {
        PrintWriter w = new PrintWriter(new java.io.OutputStreamWriter(stream, StandardCharsets.UTF_8));
        write(w, classes, p);
        w.flush();
    }

    /** A header {@code index,class,p0,...}, then a row per image. */
    private static void write(PrintWriter w, int[] classes, Matrix p) {
        StringBuilder header = new StringBuilder("index,class");
        for (int j = 0; j < p.cols(); j++) {
            header.append(",p").append(j);
        }
        w.println(header);
        float[] row = new float[p.cols()];
        for (int i = 0; i < classes.length; i++) {
            p.rows(i, 1).copyTo(row);
            StringBuilder line = new StringBuilder().append(i).append(',').append(classes[i]);
            for (float v : row) {
                line.append(',').append(v);
            }
            w.println(line);
        }
    }
}
