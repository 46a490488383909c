package dev.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Progress off a terminal, on a made-up clock. */
class ProgressTest {

    @Test
    void offATerminalALongRunOfShortEpochsGetsALineAtMostEveryFiveSeconds() {
        StringWriter w = new StringWriter();
        long[] now = {0};
        Progress p = new Progress(new PrintWriter(w, true), false, Progress.LINE_INTERVAL_NANOS, () -> now[0]);
        // 200 epochs of 11 batches of 32 samples, 10 ms a batch: 22 s in all
        for (int e = 1; e <= 200; e++) {
            p.onEpochStart(e, 11);
            for (int b = 1; b <= 11; b++) {
                now[0] += 10_000_000L;
                p.onBatchEnd(e, b, 11, 32, 0.5f);
            }
            p.onEpochEnd(null, null);
        }
        // at 5, 10, 15 and 20 s: batch 500 (epoch 46, batch 5; 160 samples in 50 ms), 1000, 1500 and 2000
        assertEquals(List.of("  epoch 46  batch 5/11  loss 0.5000  3,200 samples/s",
                "  epoch 91  batch 10/11  loss 0.5000  3,200 samples/s",
                "  epoch 137  batch 4/11  loss 0.5000  3,200 samples/s",
                "  epoch 182  batch 9/11  loss 0.5000  3,200 samples/s"), w.toString().lines().toList());
    }
}
