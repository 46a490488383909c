package dev.myelin.cli;

import dev.myelin.trainer.Checkpoint;
import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Layers;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Node;
import dev.myelin.trainer.Schedule;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.TrainingListener;
import dev.myelin.trainer.data.Dataset;
import dev.myelin.trainer.data.TextCorpus;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ParseResult;

/**
 * {@code myelin train --text}: a byte-level language model on a text ({@link TextCorpus}). An epoch is
 * {@code --windows} random windows of {@code --context + 1} bytes from the text before its held-out tail, drawn afresh
 * each epoch from the seed and the epoch (so a run resumed from a checkpoint after epoch e draws what the whole run
 * would have); after each, the loss on the tail's consecutive windows, in nats per byte (the mean of {@code -ln p} of
 * each next byte). The model file records the byte tokenization ({@link Model#tokens()}).
 */
final class TextTraining {

    /** The preset a text model gets unless --layers is given: the GPT, 4 blocks, 4 heads, width 128. */
    static final String DEFAULT_LAYERS = "gpt:4:4:128";

    /** The options of 'train' that mean nothing for a text. */
    private static final List<String> NOT_FOR_TEXT = List.of("--csv", "--data", "--test", "--label", "--no-header",
            "--regression", "--no-standardize", "--patience", "--keep-last-weights");

    private final TrainCommand c;

    TextTraining(TrainCommand command) {
        this.c = command;
    }

    Integer call() throws Exception {
        PrintWriter out = c.spec.commandLine().getOut();
        PrintWriter err = c.spec.commandLine().getErr();
        ParseResult parsed = c.spec.commandLine().getParseResult();
        for (String o : NOT_FOR_TEXT) {
            if (parsed.hasMatchedOption(o)) {
                throw new Main.UsageException("--text cannot go with " + o);
            }
        }
        Options.positive("--epochs", c.epochs);
        Options.positive("--batch-size", c.common.batchSize);
        Options.positive("--context", c.context);
        if (c.windows != null) {
            Options.positive("--windows", c.windows);
        }
        double fraction = parsed.hasMatchedOption("--validation") ? c.validation : TextCorpus.VALIDATION;
        if (!(fraction > 0 && fraction < 1)) {
            throw new Main.UsageException("--validation must be a fraction in (0, 1) with --text (the held-out tail), got "
                    + fraction);
        }
        float rate = c.rate();
        if (c.resume && c.checkpoint == null) {
            throw new Main.UsageException("--resume needs --checkpoint PATH");
        }
        Options.writable("--checkpoint", c.checkpoint);
        Options.writable("--report", c.report);
        Options.writable("--save", c.save);
        if (!Files.exists(c.text)) {
            throw new Main.UsageException("--text " + c.text + ": no such file or folder");
        }
        String layers = parsed.hasMatchedOption("--layers") ? c.layers : DEFAULT_LAYERS;
        Options.Chosen backend = c.common.kernels();
        TextCorpus corpus = TextCorpus.read(c.text);
        int start = corpus.validationStart(fraction);
        int perEpoch = c.windows != null ? c.windows : Math.max(1, start / c.context);
        Dataset validation;
        try {
            validation = corpus.validation(c.context, fraction);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--text: " + e.getMessage());
        }
        try (validation;
             Model model = model(backend, layers);
             Trainer trainer = new Trainer(model, c.optimizer(rate).decayWeightsOnly()).batchSize(c.common.batchSize)
                     .seed(c.seed).schedule(c.schedule == TrainCommand.ScheduleName.cosine ? Schedule.cosine(c.epochs)
                             : Schedule.constant())) {
            PrintWriter info = c.common.quiet ? new PrintWriter(Writer.nullWriter()) : out;
            info.printf(Locale.ROOT, "backend %s (%s): %s%n", backend.name(), backend.why(), backend.description());
            info.printf(Locale.ROOT, "text %s: %,d bytes%s; training on the first %,d, validation on the last %,d (%,d "
                            + "windows of %d)%n", c.text, corpus.length(), corpus.files().size() > 1 ? " in " + corpus.files()
                            .size() + " files" : "", start, corpus.length() - start, validation.size(), c.context + 1);
            info.printf(Locale.ROOT, "model %s, %,d parameters; %s, batch %d, %,d windows an epoch (%,d steps), %s%n", layers,
                    model.size(), trainer.optimizer(), c.common.batchSize, perEpoch,
                    (perEpoch + c.common.batchSize - 1) / c.common.batchSize, Threads.describe(c.common, backend));
            if (c.resume && Files.exists(c.checkpoint)) {
                Checkpoint.load(c.checkpoint, trainer);
                info.printf(Locale.ROOT, "resuming from %s after epoch %d (step %d)%n", c.checkpoint, trainer.epochs(),
                        trainer.steps());
            }
            List<TrainingListener> listeners = new ArrayList<>();
            if (!c.common.quiet) {
                listeners.add(new Progress(err));
            }
            listeners.add(new TrainingListener() {
                @Override
                public void onEpochEnd(EpochResult r, Trainer t) {
                    info.println(epochLine(r));
                }
            });
            if (c.checkpoint != null) {
                listeners.add(Checkpoint.everyEpoch(c.checkpoint));
            }
            TrainingListener[] all = listeners.toArray(TrainingListener[]::new);
            List<EpochResult> history = new ArrayList<>();
            while (trainer.epochs() < c.epochs) {
                int e = trainer.epochs();
                try (Dataset train = corpus.training(c.context, fraction, perEpoch, c.seed, e)) {
                    history.addAll(trainer.fit(train, validation, e + 1, all));
                }
            }
            if (c.common.quiet && !history.isEmpty()) {
                out.println(epochLine(history.getLast()));
            }
            if (c.save != null) {
                model.save(c.save);
                info.printf(Locale.ROOT, "model saved to %s%n", c.save);
            }
            if (c.report != null) {
                Report r = Report.of(backend, backend.kernels().threads(), c.common.batchSize, trainer.optimizer().name(), rate,
                        layers, c.seed, model.toString(), history, null);
                info.printf(Locale.ROOT, "report %s, chart %s%n", c.report, r.write(c.report));
            }
        }
        return 0;
    }

    /**
     * The model on samples of {@code --context} token ids: the layers, ending (unless they do) in a per-position output
     * of the 256 byte values; it must predict one byte a position.
     */
    private Model model(Options.Chosen backend, String layers) {
        Shape input = Shape.of(c.context);
        Node output;
        try {
            output = Layers.parse(layers, Node.input(), input, TextCorpus.VOCABULARY);
        } catch (IllegalArgumentException e) {
            throw new Main.UsageException("--layers: " + e.getMessage());
        }
        Model model = Model.of(backend.kernels(), input, Loss.SOFTMAX_CROSS_ENTROPY, c.seed, output);
        if (model.positions() != c.context || model.classes() != TextCorpus.VOCABULARY) {
            model.close();
            throw new Main.UsageException("--layers " + layers + ": the model's output is " + model.outputShape() + "; a text "
                    + "model predicts the next byte at each position, (" + c.context + ", " + TextCorpus.VOCABULARY + "): "
                    + "start with embed:256:C and keep the sequence, as " + DEFAULT_LAYERS + " does");
        }
        model.tokens(TextCorpus.TOKENS);
        return model;
    }

    /** The line of one epoch: the training loss and accuracy per byte, the validation's, seconds and tokens a second. */
    private String epochLine(EpochResult r) {
        return String.format(Locale.ROOT, "epoch %2d/%d  loss %.4f  accuracy %.2f%%  validation loss %.4f nats/byte  "
                        + "validation accuracy %.2f%%  %.1f s  %,.0f tokens/s", r.epoch(), c.epochs, r.trainLoss(),
                100 * r.trainAccuracy(), r.validationLoss(), 100 * r.validationAccuracy(), r.seconds(),
                r.samplesPerSecond() * c.context);
    }
}
