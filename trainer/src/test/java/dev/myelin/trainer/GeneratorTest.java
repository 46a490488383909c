package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Sampling, the window's restarts and the argument checks of {@link Generator}, on small random byte-level models. */
class GeneratorTest {

    private static byte[] generate(Generator g, byte[] prompt, int tokens, double temperature, long seed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Generator.Timing t = g.generate(prompt, tokens, temperature, seed, out::write);
        assertEquals(tokens, t.generatedTokens());
        assertEquals(Math.max(1, prompt.length), t.promptTokens());
        return out.toByteArray();
    }

    /**
     * Greedy generation against an independent reading of the rules: each byte is the argmax of the model's full
     * forward pass ({@link Model#logits}) over the bytes since the last restart, the window restarting on the latest
     * T / 2 bytes and the new one whenever it would overflow. Window 5, 23 bytes from a 3-byte prompt: six restarts.
     * The decoder's logits are the full pass's bits (DecoderTest), so the argmaxes are equal: compared exactly.
     */
    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void greedyIsTheFullForwardPassesArgmaxAcrossWindowRestarts(String backend) {
        Kernels k = Backends.get(backend);
        int t = 5;
        try (Arena arena = Arena.ofConfined(); Model m = DecoderTest.transformer(k, 256, t, 2, 4, 1, 7);
             Generator g = Generator.of(m)) {
            byte[] prompt = {'a', (byte) 0xC3, (byte) 0xA9};
            byte[] got = generate(g, prompt, 23, 0, 1);
            byte[] context = prompt.clone();
            Matrix x = Matrix.allocate(arena, 1, t);
            Matrix logits = Matrix.allocate(arena, 1, t * 256);
            byte[] expected = new byte[23];
            for (int n = 0; n < expected.length; n++) {
                x.fill(0f);                                  // causal: what follows the context changes nothing
                for (int i = 0; i < context.length; i++) {
                    x.set(0, i, context[i] & 0xFF);
                }
                m.logits(x, logits);
                float[] row = logits.view(0, (context.length - 1) * 256, 1, 256).toArray();
                int best = 0;
                for (int j = 1; j < 256; j++) {
                    best = row[j] > row[best] ? j : best;
                }
                expected[n] = (byte) best;
                context = Arrays.copyOf(context, context.length + 1);
                context[context.length - 1] = (byte) best;
                if (context.length > t) {
                    context = Arrays.copyOfRange(context, context.length - 1 - t / 2, context.length);
                }
            }
            assertArrayEquals(expected, got);
        }
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnEmptyPromptIsANewline() {
        try (Model m = DecoderTest.transformer(Backends.get(), 256, 16, 2, 4, 1, 3); Generator g = Generator.of(m)) {
            byte[] a = generate(g, new byte[] {'x', 'y'}, 40, 1.0, 42);
            assertArrayEquals(a, generate(g, new byte[] {'x', 'y'}, 40, 1.0, 42), "seed 42 again");
            assertNotEquals(Arrays.toString(a), Arrays.toString(generate(g, new byte[] {'x', 'y'}, 40, 1.0, 43)),
                    "seed 43: other draws, other bytes (a sampler that ignored its seed would fail here)");
            assertArrayEquals(generate(g, new byte[] {'\n'}, 30, 0.8, 5), generate(g, new byte[0], 30, 0.8, 5));
        }
    }

    /**
     * {@link Generator#draw}: the first index whose running sum exceeds {@code u * total}, skipping zero weights, and the
     * last nonzero one when rounding leaves the sum short. Every weight and sum is a small dyadic rational: exact.
     */
    @Test
    void drawPicksByRunningSums() {
        double[] w = {0.25, 0, 0.5, 0.25, 0};
        assertEquals(0, Generator.draw(w, 1, 0));
        assertEquals(0, Generator.draw(w, 1, 0.249));
        assertEquals(2, Generator.draw(w, 1, 0.25));
        assertEquals(3, Generator.draw(w, 1, 0.75));
        assertEquals(3, Generator.draw(w, 1.5, 0.9), "0.9 x 1.5 is past the sum 1: the last nonzero weight");
    }

    /**
     * Temperature scales the logits before the softmax: a model whose last layer's weights are zero and whose bias is
     * {@code ln 3} for byte 'b' and 0 elsewhere (all 256 logits exact) gives byte 'b' probability 3 / 258 at temperature
     * 1, and 9 / 264 at 0.5 (ln 3 / 0.5 = ln 9). 20,000 draws each: the count of 'b' is binomial, standard deviation
     * about 25 and 26; the bound is 6 of them (a false failure has probability 2e-9, and the seed is fixed).
     */
    @Test
    void temperatureDividesTheLogits() {
        try (Model m = DecoderTest.transformer(Backends.get(), 256, 4, 1, 4, 1, 9); Generator g = Generator.of(m)) {
            Layer last = m.layers().get(m.layers().size() - 1);
            last.parameters().get(0).value().fill(0f);
            float[] bias = new float[256];
            bias['b'] = (float) Math.log(3);
            last.parameters().get(1).value().copyFrom(bias);
            double[] temperatures = {1, 0.5};
            for (double tau : temperatures) {
                double e = Math.exp(Math.log(3) / tau);         // as the logit is rounded to float: within 1e-7
                double p = e / (e + 255);
                int n = 20_000;
                byte[] out = generate(g, new byte[] {'a'}, n, tau, 11);
                long count = 0;
                for (byte b : out) {
                    count += b == 'b' ? 1 : 0;
                }
                double sd = Math.sqrt(n * p * (1 - p));
                assertTrue(Math.abs(count - n * p) <= 6 * sd, "temperature " + tau + ": " + count + " 'b' in " + n
                        + ", expected " + n * p + " +- " + 6 * sd);
            }
        }
    }

    @Test
    void badArgumentsAreRefusedByNameAndValue() {
        try (Model m = DecoderTest.transformer(Backends.reference(), 256, 4, 1, 2, 1, 1); Generator g = Generator.of(m)) {
            byte[] p = {'a'};
            assertEquals("tokens must be >= 1, got 0",
                    assertThrows(IllegalArgumentException.class, () -> g.generate(p, 0, 1, 1, b -> { })).getMessage());
            assertEquals("tokens must be >= 1, got -3",
                    assertThrows(IllegalArgumentException.class, () -> g.generate(p, -3, 1, 1, b -> { })).getMessage());
            for (double bad : new double[] {-0.5, Double.NaN, Double.POSITIVE_INFINITY}) {
                assertEquals("temperature must be finite and >= 0, got " + bad,
                        assertThrows(IllegalArgumentException.class, () -> g.generate(p, 1, bad, 1, b -> { })).getMessage());
            }
            assertEquals("the prompt is 5 bytes, more than the model's window of 4",
                    assertThrows(IllegalArgumentException.class, () -> g.generate(new byte[5], 1, 1, 1, b -> { })).getMessage());
            assertEquals("prompt is null",
                    assertThrows(NullPointerException.class, () -> g.generate(null, 1, 1, 1, b -> { })).getMessage());
            assertEquals(4, generate(g, new byte[4], 4, 0, 1).length, "a prompt of a whole window");
        }
        try (Model m = DecoderTest.transformer(Backends.reference(), 7, 4, 1, 2, 1, 1)) {
            assertEquals("the model is not a byte-level text model (input (T) byte ids, first layer Embedding(256, C), "
                    + "output (T, 256) logits): it takes (4), gives (4, 7), and its first layer is Embedding(7, 2)",
                    assertThrows(IllegalArgumentException.class, () -> Generator.of(m)).getMessage());
        }
        try (Model m = Model.of(Backends.reference(), Shape.of(4), Loss.MSE, 1, new Dense(256))) {
            assertEquals("the model is not a byte-level text model (input (T) byte ids, first layer Embedding(256, C), "
                    + "output (T, 256) logits): it takes (4), gives (256), and its first layer is Dense(4->256)",
                    assertThrows(IllegalArgumentException.class, () -> Generator.of(m)).getMessage());
        }
    }
}
