package dev.myelin.trainer.cli;

import dev.myelin.trainer.Adam;
import dev.myelin.trainer.Checkpoint;
import dev.myelin.trainer.EarlyStopping;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Optimizer;
import dev.myelin.trainer.Sequential;
import dev.myelin.trainer.Sgd;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.TrainingListener;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.FashionMnist;
import dev.myelin.trainer.examples.FashionMnistExample;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code myelin train}: Flatten -> Dense(hidden) -> ReLU -> Dense(10), softmax cross-entropy, on Fashion-MNIST. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains Flatten -> Dense(HIDDEN) -> ReLU -> Dense(10) with softmax cross-entropy on Fashion-MNIST;",
                "prints loss, accuracy and seconds per epoch, then the test accuracy."})
final class TrainCommand implements Callable<Integer> {

    /** The optimizers, as typed on the command line. */
    enum OptimizerName { sgd, adam, adamw }

    @Spec
    CommandSpec spec;

    @Mixin
    Options common;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "10", description = "Epochs to train (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", paramLabel = "RATE",
            description = "Learning rate (default: 1e-3 for adam and adamw, 0.01 for sgd).")
    Float lr;

    @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "adam",
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); sgd uses momentum 0.9, adamw weight decay 0.01.")
    OptimizerName optimizer;

    @Option(names = "--hidden", paramLabel = "N", defaultValue = "128", description = "Hidden units (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of the weight initialisation and the shuffling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--patience", paramLabel = "N",
            description = "Stop early when the test loss has not improved for N epochs (default: never).")
    Integer patience;

    @Option(names = "--checkpoint", paramLabel = "PATH",
            description = "Save model and optimizer state here after every epoch (atomically: the previous one survives a crash).")
    Path checkpoint;

    @Option(names = "--resume", description = "Continue from --checkpoint if it exists (else start afresh).")
    boolean resume;

    @Option(names = "--report", paramLabel = "FILE",
            description = "Write a JSON summary here and a PNG chart of the training curves beside it (FILE with .png).")
    Path report;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Options.positive("--epochs", epochs);
        Options.positive("--batch-size", common.batchSize);
        Options.positive("--hidden", hidden);
        if (patience != null) {
            Options.positive("--patience", patience);
        }
        float rate = lr != null ? lr : optimizer == OptimizerName.sgd ? 0.01f : 1e-3f;
        if (!(rate > 0) || Float.isInfinite(rate)) {
            throw new Main.UsageException("--lr must be a positive number, got " + lr);
        }
        if (resume && checkpoint == null) {
            throw new Main.UsageException("--resume needs --checkpoint PATH");
        }
        Options.folderExists("--checkpoint", checkpoint);
        Options.folderExists("--report", report);
        Options.Chosen backend = common.kernels();

        Path folder = FashionMnist.locate(common.data, err::println);
        try (FashionMnistExample.Data data = FashionMnistExample.load(folder);
             Sequential model = FashionMnistExample.model(backend.kernels(), hidden, seed);
             Optimizer opt = optimizer(model, rate);
             Trainer trainer = new Trainer(model, Loss.SOFTMAX_CROSS_ENTROPY, opt, common.batchSize, seed)) {
            out.printf(Locale.ROOT, "backend %s (%s): %s%n", backend.name(), backend.why(), backend.description());
            out.printf(Locale.ROOT, "model %s, %,d parameters; %s lr %s, batch %d, threads %d; data %s%n", model,
                    model.size(), opt.name(), rate, common.batchSize, backend.kernels().threads(), folder);
            if (resume && Files.exists(checkpoint)) {
                Checkpoint.load(checkpoint, trainer);
                out.printf(Locale.ROOT, "resuming from %s after epoch %d (step %d)%n", checkpoint, trainer.epochs(), opt.steps());
            }
            List<TrainingListener> listeners = new ArrayList<>();
            listeners.add(new Progress(err));
            listeners.add(new TrainingListener() {
                @Override
                public void onEpochEnd(EpochResult r, Trainer t) {
                    out.printf(Locale.ROOT, "epoch %2d/%d  loss %.4f  accuracy %.2f%%  test loss %.4f  test accuracy %.2f%%  %.1f s%n",
                            r.epoch(), epochs, r.trainLoss(), 100 * r.trainAccuracy(), r.testLoss(), 100 * r.testAccuracy(),
                            r.seconds());
                }
            });
            if (patience != null) {
                listeners.add(new EarlyStopping(patience, 0));
            }
            if (checkpoint != null) {
                listeners.add(Checkpoint.everyEpoch(checkpoint));
            }
            Dataset train = data.train();
            Dataset test = data.test();
            List<EpochResult> history = trainer.fit(train, test, epochs, listeners.toArray(TrainingListener[]::new));
            if (trainer.epochs() < epochs && !history.isEmpty()) {
                out.printf(Locale.ROOT, "stopped early: the test loss has not improved for %d epochs%n", patience);
            }
            Trainer.Evaluation end = trainer.evaluate(test);
            out.printf(Locale.ROOT, "test accuracy %.2f%% (loss %.4f) after %d epochs%n", 100 * end.accuracy(), end.loss(),
                    trainer.epochs());
            if (report != null) {
                Report r = Report.of(backend, backend.kernels().threads(), common.batchSize, opt.name(), rate, hidden, seed, model.toString(),
                        history, end.accuracy());
                Path png = r.write(report);
                out.printf(Locale.ROOT, "report %s, chart %s%n", report, png);
            }
        }
        return 0;
    }

    private Optimizer optimizer(Sequential model, float rate) {
        return switch (optimizer) {
            case sgd -> new Sgd(model, rate, 0.9f);
            case adam -> Adam.adam(model, rate);
            case adamw -> Adam.adamw(model, rate, 0.01f);
        };
    }
}
