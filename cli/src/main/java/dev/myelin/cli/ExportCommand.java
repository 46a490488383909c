package dev.myelin.cli;

import dev.myelin.onnx.OnnxExport;
import dev.myelin.trainer.Model;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code myelin export}: a model file as ONNX, for ONNX Runtime and the other ONNX runtimes. */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Writes a model file (from 'train --save' or 'import') as an ONNX file, opset " + OnnxExport.OPSET
                + ", that ONNX Runtime and other runtimes run: input 'input' (batch first; images as NCHW), outputs "
                + "'probabilities' and 'logits'; the class names are in its metadata.")
final class ExportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "MODEL", required = true, description = "The model file to export.")
    Path modelFile;

    @Option(names = "--onnx", paramLabel = "FILE", required = true,
            description = "The ONNX file to write (whole or not at all; an existing file is replaced).")
    Path onnx;

    @Option(names = {"-q", "--quiet"}, description = "Print nothing on success.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        Options.writable("--onnx", onnx);
        try (Model model = Model.load(modelFile)) {
            OnnxExport.write(model, onnx);
            if (!quiet) {
                spec.commandLine().getOut().printf(Locale.ROOT, "%s: %s, %,d parameters, written as ONNX (opset %d) to %s%n",
                        modelFile, model, model.size(), OnnxExport.OPSET, onnx);
            }
        }
        return 0;
    }
}
