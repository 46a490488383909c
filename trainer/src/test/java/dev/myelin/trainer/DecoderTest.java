package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decoder against the model's full forward pass: every step's logits are the full pass's row at that position, bit
 * for bit. Not a tolerance: each layer's step runs its forward pass's kernels on one row, and every kernel involved
 * computes a row (GEMM: an element) from that row alone, in an order fixed by its length; the attention step's two
 * GEMMs and softmax are attentionForward's own operations on its row while the heads' size and the window are at most
 * one SIMD GEMM k block (384; every shape here is). Then a known answer, the window's end and the refusals.
 */
class DecoderTest {

    /** A GPT-style model: embedding, positions, {@code blocks} pre-normalization blocks, a final norm and logits. */
    static Model transformer(Kernels k, int vocabulary, int length, int heads, int headSize, int blocks, long seed) {
        int c = heads * headSize;
        Node x = Node.input().then(new Embedding(vocabulary, c), new PositionEmbedding(length));
        for (int b = 0; b < blocks; b++) {
            x = Node.add(x.then(new LayerNorm(), new CausalSelfAttention(heads)), x);
            x = Node.add(x.then(new LayerNorm(), Dense.perPosition(2 * c + 1, Init.GPT2), Activation.gelu(), new Dropout(0.25f),
                    Dense.perPosition(c, Init.GPT2)), x);
        }
        Node logits = x.then(new LayerNorm(), Dense.perPosition(vocabulary, Init.GPT2));
        Model m = Model.of(k, Shape.of(length), Loss.MSE, seed, logits);
        // parameters of order 1 (gamma about 1) rather than GPT-2's 0.02, so attention is far from uniform
        SplittableRandom r = new SplittableRandom(seed);
        for (Parameter p : m.parameters()) {
            float[] v = new float[Math.toIntExact(p.size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * 0.7 + (p.name().endsWith("gamma") ? 1 : 0));
            }
            p.value().copyFrom(v);
        }
        return m;
    }

    /** Token ids, as the model takes them: {@code (n, length)} floats. */
    private static Matrix ids(Arena arena, SplittableRandom r, int n, int length, int vocabulary) {
        Matrix x = Matrix.allocate(arena, n, length);
        for (int i = 0; i < n; i++) {
            for (int t = 0; t < length; t++) {
                x.set(i, t, r.nextInt(vocabulary));
            }
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void everyStepIsTheFullForwardPassAtItsPosition(String backend) {
        Kernels k = Backends.get(backend);
        SplittableRandom r = new SplittableRandom(22);
        int[][] shapes = {     // vocabulary, length, heads, head size, blocks
            {5, 1, 1, 1, 1}, {7, 2, 2, 3, 1}, {11, 9, 3, 4, 2}, {256, 17, 2, 8, 1}, {3, 33, 1, 17, 2}, {40, 24, 4, 5, 1}};
        for (int[] s : shapes) {
            int v = s[0];
            int t = s[1];
            String shape = Arrays.toString(s);
            try (Arena arena = Arena.ofConfined(); Model m = transformer(k, v, t, s[2], s[3], s[4], r.nextLong());
                 Decoder d = Decoder.of(m)) {
                Matrix x = ids(arena, r, 3, t, v);
                Matrix full = Matrix.allocate(arena, 3, t * v);
                m.logits(x, full);
                for (int i = 0; i < 3; i++) {      // three sequences through one decoder: reset overwrites the caches
                    d.reset();
                    for (int p = 0; p < t; p++) {
                        assertEquals(p, d.position());
                        float[] step = d.next((int) x.get(i, p)).toArray();
                        float[] expected = full.view(i, p * v, 1, v).toArray();
                        assertArrayEquals(expected, step, shape + ", sequence " + i + ", position " + p);
                    }
                }
            }
        }
    }

    /**
     * Embedding(3, 2), positions, one head whose query weights are zero (every score 0: the probabilities are uniform,
     * {@code 1 / (t + 1)}), V = its input, W_o and the last Dense the identity: position t's output is the mean of the
     * rows {@code table[id_s] + pos[s]}, s <= t. With ids 0, 1, 2, 1, rows (1, 0), (0, 1 + 4), (2, 2 + 8), (0, 1 + 12):
     * means (1, 0), (0.5, 2.5), (1, 5) and (0.75, 7). Positions 0, 1 and 3 weigh by 1, 1/2 and 1/4 and sum small
     * integers and halves: exact. Position 2's weight is fl(1/3) (the softmax rounds 1/3 once), and its outputs are that
     * weight's FMA chain over the three rows, computed here in the same order.
     */
    @ParameterizedTest
    @ValueSource(strings = {"reference", "simd"})
    void knownAnswerTheRunningMeanOfV(String backend) {
        Kernels k = Backends.get(backend);
        Embedding e = new Embedding(3, 2);
        PositionEmbedding pe = new PositionEmbedding(4);
        CausalSelfAttention a = new CausalSelfAttention(1);
        Dense out = Dense.perPosition(2, Init.GPT2);
        try (Model m = Model.of(k, Shape.of(4), Loss.MSE, 1, e, pe, a, out); Decoder d = Decoder.of(m)) {
            e.parameters().get(0).value().copyFrom(new float[] {1, 0, 0, 1, 2, 2});
            pe.parameters().get(0).value().copyFrom(new float[] {0, 0, 0, 4, 0, 8, 0, 12});
            float[] qkv = new float[2 * 6];         // W_qkv (2, 6): Q's columns 0, K's and V's the identity
            qkv[2] = 1;
            qkv[6 + 3] = 1;
            qkv[4] = 1;
            qkv[6 + 5] = 1;
            a.parameters().get(0).value().copyFrom(qkv);
            a.parameters().get(1).value().fill(0f);
            a.parameters().get(2).value().copyFrom(new float[] {1, 0, 0, 1});
            a.parameters().get(3).value().fill(0f);
            out.parameters().get(0).value().copyFrom(new float[] {1, 0, 0, 1});
            out.parameters().get(1).value().fill(0f);
            float third = (float) (1.0 / 3);
            float[][] expected = {{1, 0}, {0.5f, 2.5f},
                {Math.fma(third, 2f, Math.fma(third, 0f, third * 1f)), Math.fma(third, 10f, Math.fma(third, 5f, third * 0f))},
                {0.75f, 7}};
            int[] tokens = {0, 1, 2, 1};
            for (int p = 0; p < 4; p++) {
                assertArrayEquals(expected[p], d.next(tokens[p]).toArray(), "position " + p);
            }
            assertEquals("the window of 4 positions is full; reset() to start again",
                    assertThrows(IllegalStateException.class, () -> d.next(0)).getMessage());
            d.reset();
            assertArrayEquals(new float[] {2, 2}, d.next(2).toArray(), "after reset, position 0 again");
            assertEquals("Embedding(3, 2): the token id at sample 0, position 1 is 3.0; ids are integers in [0, 3)",
                    assertThrows(IllegalArgumentException.class, () -> d.next(3)).getMessage());
        }
    }

    @Test
    void layersThatMixPositionsOrHoldBatchStatisticsAreRefusedByName() {
        Kernels k = Backends.reference();
        refused("layer 2 (Flatten(4, 2)) cannot run one position at a time: a decoder steps Embedding, PositionEmbedding, "
                + "CausalSelfAttention, LayerNorm, per-position Dense, activations, Dropout and Add",
                Model.of(k, Shape.of(4), Loss.MSE, 1, new Embedding(3, 2), new PositionEmbedding(4), new Flatten(),
                        new Dense(3)));
        refused("layer 1 (BatchNorm(2)) cannot run one position at a time: a decoder steps Embedding, PositionEmbedding, "
                + "CausalSelfAttention, LayerNorm, per-position Dense, activations, Dropout and Add",
                Model.of(k, Shape.of(4), Loss.MSE, 1, new Embedding(3, 2), new BatchNorm()));
        refused("a decoder runs models on sequences of token ids, input shape (length); this model takes (4, 2)",
                Model.of(k, Shape.of(4, 2), Loss.MSE, 1, new LayerNorm()));
        refused("layer 0 (Dense(4->3, per position)) takes the model's token ids; in a decoder only an Embedding may",
                Model.of(k, Shape.of(4), Loss.MSE, 1, Dense.perPosition(3, Init.GPT2)));
        Node ids = Node.input();
        Node a = ids.then(new Embedding(3, 2));
        refused("layer 2 (Concat) cannot run one position at a time: a decoder steps Embedding, PositionEmbedding, "
                + "CausalSelfAttention, LayerNorm, per-position Dense, activations, Dropout and Add",
                Model.of(k, Shape.of(4), Loss.MSE, 1, Node.concat(a, a.then(new LayerNorm()))));
    }

    private static void refused(String message, Model m) {
        try (m) {
            assertEquals(message, assertThrows(IllegalArgumentException.class, () -> Decoder.of(m)).getMessage());
        }
    }
}
