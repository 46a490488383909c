package dev.myelin.trainer.cli;

import dev.myelin.trainer.Adam;
import dev.myelin.trainer.Checkpoint;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Optimizer;
import dev.myelin.trainer.Sequential;
import dev.myelin.trainer.Sgd;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.FashionMnist;
import dev.myelin.trainer.data.InvalidDataException;
import dev.myelin.trainer.examples.FashionMnistExample;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code myelin evaluate}: a checkpoint's test loss and accuracy. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Loads a checkpoint written by 'train --checkpoint' and prints its loss and accuracy on the Fashion-MNIST test set.")
final class EvaluateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    Options common;

    @Option(names = "--checkpoint", paramLabel = "PATH", required = true, description = "The checkpoint file.")
    Path checkpoint;

    @Override
    public Integer call() throws Exception {
        Options.positive("--batch-size", common.batchSize);
        Checkpoint.Contents c = Checkpoint.read(checkpoint);
        if (c.tensors().isEmpty() || !c.tensors().get(0).name().equals("layer1.W")) {
            throw new InvalidDataException(checkpoint, "holds " + c.model() + ", not a model that 'train' writes");
        }
        int hidden = c.tensors().get(0).cols();
        Options.Chosen backend = common.kernels();
        Path folder = FashionMnist.locate(common.data, spec.commandLine().getErr()::println);
        try (FashionMnistExample.Data data = FashionMnistExample.load(folder);     // standardised as in training
             Sequential model = FashionMnistExample.model(backend.kernels(), hidden, c.seed());
             Optimizer opt = switch (c.optimizer()) {
                 case "sgd" -> new Sgd(model, 0.01f, 0.9f);
                 case "adamw" -> Adam.adamw(model, 1e-3f, 0.01f);
                 default -> Adam.adam(model, 1e-3f);
             };
             Trainer trainer = new Trainer(model, Loss.SOFTMAX_CROSS_ENTROPY, opt, common.batchSize, c.seed())) {
            Checkpoint.load(checkpoint, trainer);
            Trainer.Evaluation r = trainer.evaluate(data.test());
            spec.commandLine().getOut().printf(Locale.ROOT,
                    "%s: %s after %d epochs (%s, %d steps), backend %s%ntest loss %.4f  test accuracy %.2f%%%n",
                    checkpoint, model, c.epochs(), c.optimizer(), c.steps(), backend.name(), r.loss(), 100 * r.accuracy());
        }
        return 0;
    }
}
