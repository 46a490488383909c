package dev.myelin.cli;

import dev.myelin.trainer.Evaluation;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.FashionMnist;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code myelin evaluate}: a model file's loss, accuracy, confusion matrix, precision and recall on the test set. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Loads a model file written by 'train --save' and prints its loss, accuracy, confusion matrix",
                "and per-class precision and recall on the Fashion-MNIST test set."})
final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    Options common;

    @Option(names = "--model", paramLabel = "MODEL", required = true, description = "The model file.")
    Path modelFile;

    @Override
    public Integer call() throws Exception {
        Options.positive("--batch-size", common.batchSize);
        Options.Chosen backend = common.kernels();
        PrintWriter out = spec.commandLine().getOut();
        try (Model model = Model.load(modelFile, backend.kernels())) {
            Path folder = FashionMnist.locate(common.data, spec.commandLine().getErr()::println);
            try (Dataset test = FashionMnist.test(folder)) {
                Evaluation e = model.evaluate(test);
                out.printf(Locale.ROOT, "%s: %s, %,d parameters, backend %s%n", modelFile, model, model.size(), backend.name());
                out.println(e);
            }
        }
        return 0;
    }
}
