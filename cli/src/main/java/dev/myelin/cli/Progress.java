package dev.myelin.cli;

import dev.myelin.trainer.EpochResult;
import dev.myelin.trainer.Trainer;
import dev.myelin.trainer.TrainingListener;
import java.io.Console;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Per-batch progress: the running loss and samples per second. On a terminal, a progress bar
 * (me.tongfei:progressbar) redrawn in place on stderr; otherwise (a pipe, a file, CI) a plain line to
 * {@code lines} at most every {@link #LINE_INTERVAL_NANOS} (none for a run shorter than that), so a log of a long
 * run of short epochs stays short.
 */
final class Progress implements TrainingListener {

    /** Off a terminal, the least time between two progress lines, and from the start to the first: 5 s. */
    static final long LINE_INTERVAL_NANOS = 5_000_000_000L;

    private final PrintWriter lines;
    private final boolean terminal;
    private final long interval;
    private final LongSupplier clock;
    private ProgressBar bar;
    private long epochStart;
    private long lastMessage;
    private long lastLine = Long.MIN_VALUE;
    private long samples;

    Progress(PrintWriter lines) {
        this(lines, terminal(), LINE_INTERVAL_NANOS, System::nanoTime);
    }

    /** Progress to {@code lines}, on a terminal or not, with lines at least {@code interval} ns apart by {@code clock}. */
    Progress(PrintWriter lines, boolean terminal, long interval, LongSupplier clock) {
        this.lines = lines;
        this.terminal = terminal;
        this.interval = interval;
        this.clock = clock;
    }

    private static boolean terminal() {
        Console console = System.console();
        return console != null && console.isTerminal();
    }

    @Override
    public void onEpochStart(int epoch, int batches) {
        epochStart = clock.getAsLong();
        samples = 0;
        if (lastLine == Long.MIN_VALUE) {
            lastLine = epochStart;
        }
        if (terminal) {
            bar = new ProgressBarBuilder().setTaskName("epoch " + epoch).setInitialMax(batches)
                    .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(200).setUnit(" batches", 1)
                    .setConsumer(new ConsoleProgressBarConsumer(System.err)).hideEta().build();
        }
    }

    @Override
    public void onBatchEnd(int epoch, int batch, int batches, int count, float loss) {
        samples += count;
        long now = clock.getAsLong();
        double rate = samples / ((now - epochStart) * 1e-9);
        if (terminal) {
            bar.stepTo(batch);
            if (now - lastMessage > 200_000_000L || batch == batches) {
                bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f  %,.0f samples/s", loss, rate));
                lastMessage = now;
            }
        } else if (now - lastLine >= interval && batch != batches) {
            lastLine = now;
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
