package dev.myelin.cli;

import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.TrainingListener;
import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Per-batch progress: the running loss and samples per second. On a terminal, a progress bar
 * (me.tongfei:progressbar) redrawn in place on stderr; otherwise (a pipe, a file, CI) a plain line to
 * {@code lines} at every tenth of an epoch, so logs stay readable.
 */
final class Progress implements TrainingListener {

    private final PrintWriter lines;
    private final boolean terminal;
    private ProgressBar bar;
    private long epochStart;
    private long lastMessage;
    private long samples;
    private int every;

    Progress(PrintWriter lines) {
        this.lines = lines;
        Console console = System.console();
        this.terminal = console != null && console.isTerminal();
    }

    @Override
    public void onEpochStart(int epoch, int batches) {
        epochStart = System.nanoTime();
        samples = 0;
        every = Math.max(1, batches / 10);
        if (terminal) {
            bar = new ProgressBarBuilder().setTaskName("epoch " + epoch).setInitialMax(batches)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).setUnit(" batches", 1)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).hideEta().build();
        }
    }

    @Override
    public void onBatchEnd(int epoch, int batch, int batches, int count, float loss) {
        samples += count;
        long now = System.nanoTime();
        double rate = samples / ((now - epochStart) * 1e-9);
        if (terminal) {
            bar.stepTo(batch);
            if (now - lastMessage > 200_000_000L || batch == batches) {
                bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f  %,.0f samples/s", loss, rate));
                lastMessage = now;
            }
        } else if (batch % every == 0 && batch != batches) {
            lines.printf(Locale.ROOT, "  epoch %d  batch %d/%d  loss %.4f  %,.0f samples/s%n", epoch, batch, batches, loss, rate);
        }
    }

    @Override
    public void onEpochEnd(EpochResult result, Trainer trainer) {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
