package dev.myelin.cli;

import dev.myelin.trainer.Evaluation;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.data.Dataset;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code myelin evaluate}: a model file's loss, accuracy, confusion matrix, precision and recall on labelled data, or a
 * regression model's loss, RMSE, MAE and R².
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Loads a model file written by 'train --save' and prints its loss, accuracy, confusion matrix and "
                + "per-class precision and recall on a labelled CSV file (--csv) or the test files of an IDX folder (--data; "
                + "Fashion-MNIST by default); for a regression model the loss (on standardised targets), RMSE, MAE and R² "
                + "(in the targets' units).")
final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    Options common;

    @Option(names = "--model", paramLabel = "MODEL", required = true, description = "The model file.")
    Path modelFile;

    @Option(names = "--csv", paramLabel = "FILE",
            description = "Score on this CSV file (plain or gzip) with a label column. Its columns are matched to the "
                    + "model's by header name when both have names (in any order; others are ignored, with a note), "
                    + "else by position.")
    Path csv;

    @Option(names = "--label", paramLabel = "COLUMN",
            description = "The CSV's label column, by header name or 0-based index; -1 is the last (default: the one column "
                    + "the model does not take, when the columns are matched by name; else the last).")
    String label;

    @Option(names = "--no-header", description = "The CSV file has no header line.")
    boolean noHeader;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Score on the t10k IDX files in DIR (default, without --csv: the Fashion-MNIST test set).")
    Path data;

    @Override
    public Integer call() throws Exception {
        Options.Chosen backend = common.kernels();
        PrintWriter out = spec.commandLine().getOut();
        try (Model model = Model.load(modelFile, backend.kernels());
             Dataset set = Sources.labelled(csv, label, !noHeader, model, data, common.notes(spec.commandLine().getErr()))) {
            Evaluation e = model.evaluate(set);
            if (!common.quiet) {
                out.printf(Locale.ROOT, "%s: %s, %,d parameters, backend %s%n", modelFile, model, model.size(), backend.name());
                out.printf(Locale.ROOT, "data: %s%n", set);
            }
            out.println(e);
        }
        return 0;
    }
}
