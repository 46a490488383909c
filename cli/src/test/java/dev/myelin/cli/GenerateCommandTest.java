package dev.myelin.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.trainer.Activation;
import dev.myelin.trainer.CausalSelfAttention;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.Embedding;
import dev.myelin.trainer.Generator;
import dev.myelin.trainer.Init;
import dev.myelin.trainer.LayerNorm;
import dev.myelin.trainer.Loss;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Node;
import dev.myelin.trainer.PositionEmbedding;
import dev.myelin.trainer.Shape;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code myelin generate} on a tiny untrained byte-level model written in the test. */
class GenerateCommandTest {

    @TempDir
    Path dir;
    Path model;

    /** One pre-normalization block on windows of 12 bytes, width 8, two heads. */
    static Model tiny(Kernels k) {
        Node x = Node.input().then(new Embedding(256, 8), new PositionEmbedding(12));
        x = Node.add(x.then(new LayerNorm(), new CausalSelfAttention(2)), x);
        x = Node.add(x.then(new LayerNorm(), Dense.perPosition(16, Init.GPT2), Activation.gelu(),
                Dense.perPosition(8, Init.GPT2)), x);
        return Model.of(k, Shape.of(12), Loss.MSE, 5, x.then(new LayerNorm(), Dense.perPosition(256, Init.GPT2)));
    }

    @BeforeEach
    void modelFile() throws IOException {
        model = dir.resolve("tiny.myelin");
        try (Model m = tiny(Backends.reference())) {
            m.save(model);
        }
    }

    /**
     * The text is the prompt and the library's bytes for the same arguments, decoded as UTF-8 (an untrained model
     * emits any byte: malformed sequences show as U+FFFD, as String's decoding does); the same seed prints the same
     * text; the speeds go to standard error.
     */
    @Test
    void printsThePromptAndTheGeneratedTextAndTheSpeeds() throws IOException {
        String prompt = "Größe";        // 7 bytes in UTF-8
        MainTest.Run r = MainTest.run("generate", "--model", model.toString(), "--prompt", prompt, "--tokens", "40",
                "--temperature", "0.8", "--seed", "7", "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Model m = Model.load(model, Backends.reference()); Generator g = Generator.of(m)) {
            g.generate(prompt.getBytes(StandardCharsets.UTF_8), 40, 0.8, 7, bytes::write);
        }
        assertEquals(prompt + new String(bytes.toByteArray(), StandardCharsets.UTF_8) + System.lineSeparator(), r.out());
        assertTrue(r.err().matches("prompt: 7 tokens in [0-9.]+ ms, [0-9,]+ tokens/s; generation: 40 tokens in [0-9.]+ ms, "
                + "[0-9,]+ tokens/s; backend reference, threads.*\\R"), r.err());
        assertEquals(r.out(), MainTest.run("generate", "--model", model.toString(), "--prompt", prompt, "--tokens", "40",
                "--temperature", "0.8", "--seed", "7", "--backend", "reference", "-q").out());
        MainTest.Run q = MainTest.run("generate", "--model", model.toString(), "--tokens", "30", "--temperature", "0", "-q");
        assertEquals(0, q.code(), q.err());
        assertEquals("", q.err(), "--quiet: no speeds");
    }

    @Test
    void badArgumentsAreOneLineAndExitCode2() throws IOException {
        String m = model.toString();
        assertBad("--tokens must be > 0, got 0", "generate", "--model", m, "--tokens", "0");
        assertBad("--temperature must be a finite number >= 0 (0: the most likely byte), got -1.0", "generate", "--model",
                m, "--temperature", "-1");
        assertBad("--temperature must be a finite number >= 0 (0: the most likely byte), got NaN", "generate", "--model", m,
                "--temperature", "NaN");
        assertBad("--prompt is 14 bytes in UTF-8, more than the model's window of 12", "generate", "--model", m, "--prompt",
                "éééééééé".substring(1));
        assertBad("Missing required option: '--model=MODEL'", "generate");
        Path flat = dir.resolve("flat.myelin");
        try (Model f = Model.of(Backends.reference(), Shape.of(12), Loss.SOFTMAX_CROSS_ENTROPY, 1, new Dense(256))) {
            f.save(flat);
        }
        assertBad("the model is not a byte-level text model (input (T) byte ids, first layer Embedding(256, C), output "
                + "(T, 256) logits): it takes (12), gives (256), and its first layer is Dense(12->256)", "generate", "--model",
                flat.toString());
    }

    private static void assertBad(String expected, String... args) {
        MainTest.Run r = MainTest.run(args);
        assertEquals(2, r.code(), r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains(expected) && r.err().lines().count() == 1, r.err());
    }

    /** Bytes of a split character, a malformed byte and a character cut off at the end. */
    @Test
    void bytesAreDecodedAsUtf8AsTheyCome() {
        StringWriter s = new StringWriter();
        GenerateCommand.Utf8 u = new GenerateCommand.Utf8(new PrintWriter(s));
        u.write('a');
        u.write(0xC3);
        assertEquals("a", s.toString(), "half a character: nothing yet");
        u.write(0xA9);
        u.write(0xFF);
        u.write('b');
        u.write(0xE2);
        u.write(0x82);
        u.finish();
        assertEquals("a\u00e9\ufffdb\ufffd", s.toString());
    }
}
