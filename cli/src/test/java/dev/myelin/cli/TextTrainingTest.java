package dev.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.trainer.ModelFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code myelin train --text}, end to end, on a small made-up text in a temp folder. */
class TextTrainingTest {

    @TempDir
    Path dir;
    Path text;

    /** Two files of a repeated verse (3,840 bytes in all) and a strfile-like index with a NUL byte, left out. */
    @BeforeEach
    void text() throws IOException {
        text = Files.createDirectory(dir.resolve("text"));
        String verse = "the cat sat on the mat. the dog sat on the log.\n";
        Files.writeString(text.resolve("a"), verse.repeat(40));
        Files.writeString(text.resolve("b"), verse.repeat(40));
        Files.write(text.resolve("a.dat"), new byte[] {0, 0, 0, 2});
    }

    private static List<Double> validationLosses(String out) {
        Matcher m = Pattern.compile("validation loss (\\d+\\.\\d+) nats/byte").matcher(out);
        return m.results().map(r -> Double.parseDouble(r.group(1))).toList();
    }

    /** 'train' on the text with a tiny GPT, 128 windows of 8 bytes an epoch; {@code more} adds options or overrides these. */
    private MainTest.Run train(String... more) {
        String[] defaults = {"--text", text.toString(), "--context", "8", "--layers", "gpt:1:2:16", "--windows", "128",
            "--batch-size", "16", "--optimizer", "adamw", "--lr", "0.01", "--weight-decay", "0.1", "--backend", "reference"};
        List<String> given = List.of(more);
        List<String> args = new java.util.ArrayList<>(List.of("train"));
        for (int i = 0; i < defaults.length; i += 2) {
            if (!given.contains(defaults[i])) {
                args.add(defaults[i]);
                args.add(defaults[i + 1]);
            }
        }
        args.addAll(given);
        return MainTest.run(args.toArray(String[]::new));
    }

    /**
     * Four epochs of 8 steps learn the verse: the validation loss per byte falls from about ln 256 = 5.55 (a uniform
     * guess) below 1.5, under the 2.40 nats of the verse's byte frequencies alone (what a model blind to the context
     * could reach): measured 0.86, 0.85, 0.93 and 1.08 at seeds 42, 1, 2 and 3. The model file records the byte
     * tokenization.
     */
    @Test
    void trainsAByteModelAndRecordsItsTokens() throws IOException {
        Path model = dir.resolve("text.model");
        MainTest.Run r = train("--epochs", "4", "--save", model.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("text " + text + ": 3,840 bytes in 2 files; training on the first 3,456, validation on "
                + "the last 384 (47 windows of 9)"), r.out());
        assertTrue(r.out().contains("adamw(lr=0.01, beta1=0.9, beta2=0.999, eps=1.0E-8, weightDecay=0.1, decay on weights "
                + "only), batch 16, 128 windows an epoch (8 steps)"), r.out());
        List<Double> losses = validationLosses(r.out());
        assertEquals(4, losses.size(), r.out());
        assertTrue(losses.get(3) < 1.5, "learns: " + losses);
        assertEquals(Optional.of("bytes"), ModelFile.read(model).tokens());
    }

    /**
     * A run resumed from the checkpoint after epoch 2 ends with the same model file, bit for bit, as a run of 3 epochs
     * straight through: epoch e's windows depend on the seed and e alone.
     */
    @Test
    void aResumedRunDrawsTheSameWindows() throws IOException {
        Path straight = dir.resolve("straight.model");
        Path resumed = dir.resolve("resumed.model");
        Path checkpoint = dir.resolve("run.ckpt");
        assertEquals(0, train("--epochs", "3", "--save", straight.toString()).code());
        assertEquals(0, train("--epochs", "2", "--checkpoint", checkpoint.toString()).code());
        MainTest.Run r = train("--epochs", "3", "--checkpoint", checkpoint.toString(), "--resume", "--save",
                resumed.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("after epoch 2"), r.out());
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(resumed));
    }

    @Test
    void badInputIsNamed() throws IOException {
        Path tiny = Files.writeString(dir.resolve("tiny.txt"), "0123456789");
        String[][] cases = {
            {"--text " + dir.resolve("none"), "myelin: --text " + dir.resolve("none") + ": no such file or folder"},
            {"--context 0", "myelin: --context must be > 0, got 0"},
            {"--windows -1", "myelin: --windows must be > 0, got -1"},
            {"--csv x.csv", "myelin: --text cannot go with --csv"},
            {"--validation 0", "myelin: --validation must be a fraction in (0, 1) with --text (the held-out tail), got 0.0"},
            {"--optimizer adam", "myelin: --weight-decay applies to adamw, not to adam"},
            {"--layers 16:relu", "myelin: --layers 16:relu: the model's output is (256); a text model predicts the next byte "
                    + "at each position, (8, 256): start with embed:256:C and keep the sequence, as gpt:4:4:128 does"},
            {"--text " + tiny + " --context 9", "myelin: --text: " + tiny + " has 10 bytes; its held-out tail (the last 1, 0.1 "
                    + "of it) is shorter than a window of context + 1 = 10 bytes"},
        };
        for (String[] c : cases) {
            MainTest.Run r = train(c[0].split(" "));
            assertEquals(2, r.code(), c[0] + ": " + r.err());
            assertEquals(c[1], r.err().strip(), c[0]);
        }
    }
}
