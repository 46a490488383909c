package dev.myelin.cli;

import dev.myelin.onnx.OnnxImport;
import dev.myelin.trainer.Model;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code myelin import}: an ONNX file (from PyTorch, or 'export') as a model file. */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Reads an ONNX file (a chain of layers as torch.onnx.export writes it, opset " + OnnxImport.MIN_OPSET
                + " to " + OnnxImport.MAX_OPSET + ") and saves it as a model file that 'evaluate', 'predict' and 'export' read. "
                + "NCHW image inputs become Myelin's channels-last (H, W, C). An operator Myelin does not have is an error "
                + "naming the node.")
final class ImportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--onnx", paramLabel = "FILE", required = true, description = "The ONNX file to import.")
    Path onnx;

    @Option(names = "--save", paramLabel = "MODEL", required = true, description = "The model file to write.")
    Path save;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing on success.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        Options.writable("--save", save);
        try (Model model = OnnxImport.read(onnx)) {
            model.save(save);
            if (!quiet) {
                spec.commandLine().getOut().printf(Locale.ROOT, "%s: %s, input %s, loss %s, %,d parameters, saved to %s%n", onnx,
                        model, model.inputShape(), model.loss().id(), model.size(), save);
            }
        }
        return 0;
    }
}
