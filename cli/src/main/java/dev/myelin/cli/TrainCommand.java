package dev.myelin.cli;

import dev.myelin.trainer.Adam;
import dev.myelin.trainer.Checkpoint;
import dev.myelin.trainer.EarlyStopping;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Evaluation;
import dev.myelin.trainer.Optimizer;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Schedule;
import dev.myelin.trainer.Sgd;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.TrainingListener;
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

/**
 * {@code myelin train}: Standardize -> Flatten -> Dense(hidden) -> ReLU -> Dense(10), softmax cross-entropy, on
 * Fashion-MNIST; the test set is scored once, at the end.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Trains Standardize -> Flatten -> Dense(HIDDEN) -> ReLU -> Dense(10) with softmax cross-entropy on",
                "Fashion-MNIST; prints loss, accuracy and seconds per epoch (and the validation scores with",
                "--validation), then the test accuracy."})
final class TrainCommand implements Callable<Integer> {

    /** The optimizers, as typed on the command line. */
    enum OptimizerName { sgd, adam, adamw }

    /** The learning-rate schedules, as typed on the command line. */
    enum ScheduleName { constant, cosine }

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

    @Option(names = "--schedule", paramLabel = "NAME", defaultValue = "constant",
            description = "Learning-rate schedule: ${COMPLETION-CANDIDATES} (cosine: down to 0 over --epochs; default: ${DEFAULT-VALUE}).")
    ScheduleName schedule;

    @Option(names = "--hidden", paramLabel = "N", defaultValue = "128", description = "Hidden units (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of the weight initialisation, the shuffling and the validation split (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--validation", paramLabel = "FRACTION", defaultValue = "0",
            description = "Hold out this fraction of the training set for per-epoch validation and early stopping (default: none).")
    double validation;

    @Option(names = "--patience", paramLabel = "N",
            description = "Stop early when the validation loss (else the training loss) has not improved for N epochs (default: never).")
    Integer patience;

    @Option(names = "--save", paramLabel = "MODEL",
            description = "Write the trained model here (a model file: 'evaluate' and 'predict' read it).")
    Path save;

    @Option(names = "--checkpoint", paramLabel = "PATH",
            description = "Save the training state here after every epoch (atomically: the previous one survives a crash).")
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
        if (!(validation >= 0 && validation < 1)) {
            throw new Main.UsageException("--validation must be a fraction in [0, 1), got " + validation);
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
        Options.folderExists("--save", save);
        Options.Chosen backend = common.kernels();

        Path folder = FashionMnist.locate(common.data, err::println);
        try (FashionMnistExample.Data data = FashionMnistExample.load(folder);
             Model model = FashionMnistExample.model(backend.kernels(), hidden, seed, data.stats());
             Trainer trainer = new Trainer(model, optimizer(rate)).batchSize(common.batchSize).seed(seed)
                     .validationSplit(validation).schedule(schedule == ScheduleName.cosine ? Schedule.cosine(epochs)
                             : Schedule.constant())) {
            out.printf(Locale.ROOT, "backend %s (%s): %s%n", backend.name(), backend.why(), backend.description());
            out.printf(Locale.ROOT, "model %s, %,d parameters; %s lr %s, batch %d, threads %d; data %s%n", model,
                    model.size(), trainer.optimizer().name(), rate, common.batchSize, common.threads(), folder);
            if (resume && Files.exists(checkpoint)) {
                Checkpoint.load(checkpoint, trainer);
                out.printf(Locale.ROOT, "resuming from %s after epoch %d (step %d)%n", checkpoint, trainer.epochs(),
                        trainer.steps());
            }
            List<TrainingListener> listeners = new ArrayList<>();
            listeners.add(new Progress(err));
            listeners.add(new TrainingListener() {
                @Override
                public void onEpochEnd(EpochResult r, Trainer t) {
                    String val = Double.isNaN(r.validationLoss()) ? "" : String.format(Locale.ROOT,
                            "  validation loss %.4f  validation accuracy %.2f%%", r.validationLoss(), 100 * r.validationAccuracy());
                    out.printf(Locale.ROOT, "epoch %2d/%d  loss %.4f  accuracy %.2f%%%s  %.1f s%n",
                            r.epoch(), epochs, r.trainLoss(), 100 * r.trainAccuracy(), val, r.seconds());
                }
            });
            if (patience != null) {
                listeners.add(new EarlyStopping(patience, 0));
            }
            if (checkpoint != null) {
                listeners.add(Checkpoint.everyEpoch(checkpoint));
            }
            List<EpochResult> history = trainer.epochs() < epochs
                    ? trainer.fit(data.train(), epochs, listeners.toArray(TrainingListener[]::new)) : List.of();
            if (trainer.epochs() < epochs && !history.isEmpty()) {
                out.printf(Locale.ROOT, "stopped early: the %s loss has not improved for %d epochs%n",
                        validation > 0 ? "validation" : "training", patience);
            }
            Evaluation end = model.evaluate(data.test());
            out.printf(Locale.ROOT, "test accuracy %.2f%% (loss %.4f) after %d epochs%n", 100 * end.accuracy(), end.loss(),
                    trainer.epochs());
            if (save != null) {
                model.save(save);
                out.printf(Locale.ROOT, "model saved to %s%n", save);
            }
            if (report != null) {
                Report r = Report.of(backend, common.threads(), common.batchSize, trainer.optimizer().name(), rate,
                        hidden, seed, model.toString(), history, end.accuracy());
                Path png = r.write(report);
                out.printf(Locale.ROOT, "report %s, chart %s%n", report, png);
            }
        }
        return 0;
    }

    private Optimizer optimizer(float rate) {
        return switch (optimizer) {
            case sgd -> new Sgd(rate, 0.9f);
            case adam -> Adam.adam(rate);
            case adamw -> Adam.adamw(rate, 0.01f);
        };
    }
}
