package dev.myelin.cli;

import dev.myelin.trainer.Adam;
import dev.myelin.trainer.Checkpoint;
import dev.myelin.trainer.EarlyStopping;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Evaluation;
import dev.myelin.trainer.Layers;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Node;
import dev.myelin.trainer.Optimizer;
import dev.myelin.trainer.Schedule;
import dev.myelin.trainer.Standardize;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.TrainingListener;
import dev.myelin.trainer.data.Dataset;
import java.io.PrintWriter;
import java.io.Writer;
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
 * {@code myelin train}: a model described by {@code --layers} on a CSV file or a folder of IDX files
 * (Fashion-MNIST by default), or a character-level language model on a text ({@code --text}); per-epoch progress,
 * the test score at the end, the model file with {@code --save}.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Trains a model on a CSV file (--csv) or a folder of IDX images (--data; Fashion-MNIST by default) and "
                + "prints loss, accuracy and seconds per epoch, the validation scores with --validation, and the test "
                + "accuracy at the end; or a byte-level language model on a text file or folder (--text), printing the "
                + "validation loss in nats per byte. --save writes the model file that 'evaluate' and 'predict' read.")
final class TrainCommand implements Callable<Integer> {

    /** The optimizers, as typed on the command line. */
    enum OptimizerName { sgd, adam, adamw }

    /** The learning-rate schedules, as typed on the command line. */
    enum ScheduleName { constant, cosine }

    @Spec
    CommandSpec spec;

    @Mixin
    Options common;

    @Option(names = "--csv", paramLabel = "FILE",
            description = "Train on this CSV file (plain or gzip): numeric feature columns and a label column.")
    Path csv;

    @Option(names = "--label", paramLabel = "COLUMN", defaultValue = "-1",
            description = "The CSV's label column, by header name or 0-based index; -1 is the last (default: ${DEFAULT-VALUE}).")
    String label;

    @Option(names = "--no-header", description = "The CSV files have no header line.")
    boolean noHeader;

    @Option(names = "--regression",
            description = "Read the label column as a number to predict instead of as classes: mean squared error on the target "
                    + "standardised inside the model with the training set's mean and standard deviation ('predict' "
                    + "prints values in the target's units).")
    boolean regression;

    @Option(names = "--test", paramLabel = "FILE", description = "A CSV test set, scored once after training.")
    Path test;

    @Option(names = "--no-standardize", negatable = true, defaultValue = "true",
            description = "Standardise each CSV feature with the training set's mean and standard deviation, inside the model "
                    + "(so 'predict' applies them to raw inputs): the default; --no-standardize feeds the raw values. IDX "
                    + "images are always standardised, with one mean and deviation over all pixels.")
    boolean standardize;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Train on the IDX files in DIR (train-images-idx3-ubyte.gz and the like; the t10k files are the test "
                    + "set). Default, without --csv: Fashion-MNIST from /usr/share/datasets/fashion-mnist or "
                    + "~/.cache/myelin/fashion-mnist, fetched there with apt-get download if missing.")
    Path data;

    @Option(names = "--text", paramLabel = "FILE_OR_DIR",
            description = "Train a character-level language model on this text, read as bytes (tokens 0..255, vocabulary "
                    + "256): a file, or a folder's files in name order (each once; hidden files, subfolders and binary files "
                    + "such as fortune .dat indices left out). Samples are windows of --context + 1 bytes: the model predicts "
                    + "each next byte. The last --validation of the bytes (default 0.1) is held out and scored after every "
                    + "epoch, in nats per byte. --layers defaults to gpt:4:4:128; the optimizer's weight decay spares "
                    + "biases, normalization and embeddings.")
    Path text;

    @Option(names = "--context", paramLabel = "T", defaultValue = "128",
            description = "With --text: the tokens (bytes) a sample has (default: ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--windows", paramLabel = "N",
            description = "With --text: the random windows an epoch trains on, drawn afresh each epoch from the seed and the "
                    + "epoch (default: the training bytes / --context, so an epoch reads about as many bytes as the text "
                    + "has); steps per epoch = N / --batch-size, rounded up.")
    Integer windows;

    @Option(names = "--weight-decay", paramLabel = "W",
            description = "The decoupled weight decay of adamw (default: 0.01).")
    Float weightDecay;

    @Option(names = "--layers", paramLabel = "SPEC", defaultValue = "128:relu",
            description = "The layers, comma-separated: N (Dense of N units), N:ACT (with an activation: relu, leaky_relu, "
                    + "sigmoid, tanh, gelu), ACT, dropout:RATE, flatten, conv:F:KxK[:strideN][:padN][:nobias][:ACT], "
                    + "maxpool:K[:strideN], avgpool:K[:strideN][:padN], gap (global average pooling), bn[:momentumM][:epsE] "
                    + "(batch normalization), ln[:epsE] (layer normalization), embed:V:C, pos, attn:H, N:pp (per position), "
                    + "gpt:BLOCKS:HEADS:WIDTH[:MLP] (a GPT-style model on token ids), res(ITEMS) (a residual block x + f(x), a 1x1 "
                    + "convolution on the shortcut where f changes the shape); a Dense or conv item may end with an "
                    + "initialisation (he, xavier, fan_in_uniform). The output layer is added to fit the classes (default: "
                    + "${DEFAULT-VALUE}). Images are standardised first and flattened before a Dense layer.")
    String layers;

    @Option(names = "--epochs", paramLabel = "N", defaultValue = "10", description = "Epochs to train (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lr", paramLabel = "RATE",
            description = "Learning rate (default: 1e-3 for adam and adamw, 0.01 for sgd).")
    Float lr;

    @Option(names = "--optimizer", paramLabel = "NAME", defaultValue = "adam",
            description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}); sgd uses momentum 0.9, adamw weight decay 0.01.")
    OptimizerName optimizer;

    @Option(names = "--schedule", paramLabel = "NAME", defaultValue = "constant",
            description = "Learning-rate schedule: ${COMPLETION-CANDIDATES}; cosine goes down to 0 over --epochs (default: ${DEFAULT-VALUE}).")
    ScheduleName schedule;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of the weight initialisation, the shuffling and the validation split (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--validation", paramLabel = "FRACTION", defaultValue = "0",
            description = "Hold out this fraction of the training set for per-epoch validation and early stopping (default: none).")
    double validation;

    @Option(names = "--patience", paramLabel = "N",
            description = "Stop early when the validation loss (else the training loss) has not improved for N epochs, and "
                    + "restore the weights of the best epoch (default: never).")
    Integer patience;

    @Option(names = "--keep-last-weights",
            description = "With --patience, keep the weights of the last epoch instead of restoring the best epoch's.")
    boolean keepLastWeights;

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
        if (text != null) {
            return new TextTraining(this).call();
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Options.positive("--epochs", epochs);
        Options.positive("--batch-size", common.batchSize);
        if (patience != null) {
            Options.positive("--patience", patience);
        }
        if (!(validation >= 0 && validation < 1)) {
            throw new Main.UsageException("--validation must be a fraction in [0, 1), got " + validation);
        }
        float rate = rate();
        if (resume && checkpoint == null) {
            throw new Main.UsageException("--resume needs --checkpoint PATH");
        }
        Options.writable("--checkpoint", checkpoint);
        Options.writable("--report", report);
        Options.writable("--save", save);
        Options.Chosen backend = common.kernels();

        try (Sources.Data d = Sources.training(csv, label, !noHeader, regression, test, data, common.notes(err));
             Model model = model(backend, d.train());
             Trainer trainer = new Trainer(model, optimizer(rate)).batchSize(common.batchSize).seed(seed)
                     .validationSplit(validation).schedule(schedule == ScheduleName.cosine ? Schedule.cosine(epochs)
                             : Schedule.constant())) {
            heldOut(d.train().size());
            PrintWriter info = common.quiet ? new PrintWriter(Writer.nullWriter()) : out;
            info.printf(Locale.ROOT, "backend %s (%s): %s%n", backend.name(), backend.why(), backend.description());
            info.printf(Locale.ROOT, "data %s: %s%n", d.where(), d.train());
            info.printf(Locale.ROOT, "model %s, %,d parameters; %s lr %s, batch %d, %s%n", model, model.size(),
                    trainer.optimizer().name(), rate, common.batchSize, Threads.describe(common, backend));
            if (resume && Files.exists(checkpoint)) {
                Checkpoint.load(checkpoint, trainer);
                info.printf(Locale.ROOT, "resuming from %s after epoch %d (step %d)%n", checkpoint, trainer.epochs(),
                        trainer.steps());
            }
            List<TrainingListener> listeners = new ArrayList<>();
            if (!common.quiet) {
                listeners.add(new Progress(err));
            }
            listeners.add(new TrainingListener() {
                @Override
                public void onEpochEnd(EpochResult r, Trainer t) {
                    info.println(epochLine(r));
                }
            });
            if (checkpoint != null) {
                listeners.add(Checkpoint.everyEpoch(checkpoint));   // before early stopping: the last epoch's state
            }
            EarlyStopping early = null;
            if (patience != null) {
                early = new EarlyStopping(patience, 0);
                if (keepLastWeights) {
                    early.keepLastWeights();
                }
                listeners.add(early);
            }
            List<EpochResult> history = trainer.epochs() < epochs
                    ? trainer.fit(d.train(), epochs, listeners.toArray(TrainingListener[]::new)) : List.of();
            if (common.quiet && !history.isEmpty()) {
                out.println(epochLine(history.getLast()));
            }
            if (early != null && trainer.epochs() < epochs && !history.isEmpty()) {
                info.printf(Locale.ROOT, "stopped early: the %s loss has not improved for %d epochs; %s%n",
                        validation > 0 ? "validation" : "training", patience, early.restored()
                                ? String.format(Locale.ROOT, "restored the weights of epoch %d (loss %.4f)", early.bestEpoch(),
                                        early.bestLoss())
                                : "kept the weights of epoch " + trainer.epochs());
            }
            double testAccuracy = Double.NaN;
            Evaluation end = null;
            if (d.test() != null) {
                end = model.evaluate(d.test());
                testAccuracy = end.accuracy();
                out.printf(Locale.ROOT, "test %s(loss %.4f) after %d epochs%n", end.hasErrors() ? String.format(Locale.ROOT,
                        "rmse %.4f mae %.4f r2 %.4f ", end.rmse(), end.mae(), end.r2()) : Double.isNaN(testAccuracy) ? ""
                        : String.format(Locale.ROOT, "accuracy %.2f%% ", 100 * testAccuracy), end.loss(), trainer.epochs());
            }
            if (save != null) {
                model.save(save);
                info.printf(Locale.ROOT, "model saved to %s%n", save);
            }
            if (report != null) {
                Report r = Report.of(backend, backend.kernels().threads(), common.batchSize, trainer.optimizer().name(), rate, layers,
                        seed, model.toString(), history, end);
                Path png = r.write(report);
                info.printf(Locale.ROOT, "report %s, chart %s%n", report, png);
            }
        }
        return 0;
    }

    /** The line of one epoch: loss, accuracy, the validation scores, seconds. */
    private String epochLine(EpochResult r) {
        String acc = Double.isNaN(r.trainAccuracy()) ? "" : String.format(Locale.ROOT, "  accuracy %.2f%%",
                100 * r.trainAccuracy());
        String val = Double.isNaN(r.validationLoss()) ? "" : String.format(Locale.ROOT, "  validation loss %.4f",
                r.validationLoss()) + (Double.isNaN(r.validationAccuracy()) ? "" : String.format(Locale.ROOT,
                "  validation accuracy %.2f%%", 100 * r.validationAccuracy()));
        return String.format(Locale.ROOT, "epoch %2d/%d  loss %.4f%s%s  %.1f s", r.epoch(), epochs, r.trainLoss(), acc, val,
                r.seconds());
    }

    /**
     * Checks that --validation leaves a sample on each side of the split of {@code n} samples, by the trainer's
     * rule ({@code round(fraction * n)} held out), before anything is printed or trained.
     */
    private void heldOut(int n) {
        long held = Math.round(validation * n);
        if (validation > 0 && (held < 1 || held >= n)) {
            throw new Main.UsageException("--validation " + validation + " of " + n + " samples holds out " + held
                    + "; it must leave at least one sample for training and one for validation");
        }
    }

    /**
     * The model for the training data: images (rank above 1) are standardised by their pixel mean and standard
     * deviation first, CSV features (unless --no-standardize) by each feature's; then the --layers, ending in an output
     * layer for the classes (softmax cross-entropy) or the target (mean squared error), which the model standardises with
     * the training targets' mean and deviation. The model takes the data's
     * feature names (a CSV header), which its file keeps for 'evaluate' and 'predict' to match columns by.
     */
    private Model model(Options.Chosen backend, Dataset train) {
        boolean images = train.shape().rank() > 1;
        int outputs = regression ? 1 : train.classes();
        Node x = Node.input();
        if (images) {
            Dataset.Stats s = train.featureStats();
            x = x.then(new Standardize((float) s.mean(), (float) s.std()));
        } else if (standardize) {
            float[][] s = train.featureStatistics();
            x = x.then(Standardize.perFeature(s[0], s[1]));
        }
        Node output;
        try {
            output = Layers.parse(layers, x, train.shape(), outputs);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--layers: " + e.getMessage());
        }
        Model model = Model.of(backend.kernels(), train.shape(), regression ? Loss.MSE : Loss.SOFTMAX_CROSS_ENTROPY, seed,
                output);
        if (train.featureNames() != null) {
            model.featureNames(train.featureNames());
        }
        if (regression) {
            float[][] t = train.targetStatistics();
            model.standardizeTargets(t[0], t[1]);
        }
        return model;
    }

    /** The --lr value, or the optimizer's default: 1e-3 for adam and adamw, 0.01 for sgd. */
    float rate() {
        float rate = lr != null ? lr : optimizer == OptimizerName.sgd ? 0.01f : 1e-3f;
        if (!(rate > 0) || Float.isInfinite(rate)) {
            throw new Main.UsageException("--lr must be a positive number, got " + lr);
        }
        return rate;
    }

    Optimizer optimizer(float rate) {
        if (weightDecay == null) {
            return Optimizer.named(optimizer.name(), rate);
        }
        if (optimizer != OptimizerName.adamw) {
            throw new Main.UsageException("--weight-decay applies to adamw, not to " + optimizer);
        }
        if (!(weightDecay >= 0) || Float.isInfinite(weightDecay)) {
            throw new Main.UsageException("--weight-decay must be a number >= 0, got " + weightDecay);
        }
        return Adam.adamw(rate, weightDecay);
    }
}
