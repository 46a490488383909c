package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Weight decay on the weights only: AdamW and SGD set to {@link Optimizer#decayWeightsOnly()} update the weights
 * exactly as with decay everywhere, and the biases, normalization parameters and embedding tables exactly as with no
 * decay (each run of the slab goes through the same kernel with its own decay, so the comparison is exact).
 */
class DecayWeightsOnlyTest {

    /** Embedding, LayerNorm, per-position Dense, attention: every kind of parameter, alternating along the slab. */
    private static Model model(Kernels k) {
        return Model.of(k, Shape.of(3), Loss.SOFTMAX_CROSS_ENTROPY, 5, new Embedding(7, 4), new LayerNorm(),
                new CausalSelfAttention(2), Dense.perPosition(7, Init.GPT2));
    }

    @Test
    void theDecaySparesBiasesNormalizationAndEmbeddingsAndOnlyThem() {
        for (Kernels k : List.of(Backends.reference(), Backends.get())) {
            for (Optimizer o : List.of(Adam.adamw(1e-2f, 0.5f), new Sgd(1e-2f, 0.9f, 0.5f))) {
                try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined();
                     Model some = model(k); Model all = model(k); Model none = model(k);
                     Trainer ts = new Trainer(some, o.decayWeightsOnly());
                     Trainer ta = new Trainer(all, o);
                     Trainer tn = new Trainer(none, o instanceof Adam ? Adam.adamw(1e-2f, 0f) : new Sgd(1e-2f, 0.9f, 0f))) {
                    float[] g = ModelTest.random(arena, 1, some.gradients().cols(), 3).toArray();
                    for (int step = 0; step < 3; step++) {
                        for (Model m : List.of(some, all, none)) {
                            m.gradients().copyFrom(g);
                        }
                        ts.update();
                        ta.update();
                        tn.update();
                    }
                    List<String> decayed = new java.util.ArrayList<>();
                    for (int i = 0; i < some.parameters().size(); i++) {
                        Parameter p = some.parameters().get(i);
                        Model expected = p.decays() ? all : none;
                        if (p.decays()) {
                            decayed.add(p.name());
                        }
                        assertArrayEquals(expected.parameters().get(i).value().toArray(), p.value().toArray(), o + " " + p);
                        if (!p.decays()) {
                            assertFalse(java.util.Arrays.equals(all.parameters().get(i).value().toArray(), p.value().toArray()),
                                    "the decay changes " + p + " when it applies");
                        }
                    }
                    assertEquals(List.of("layer2.W_qkv", "layer2.W_o", "layer3.W"), decayed);
                    assertTrue(o.decayWeightsOnly().toString().endsWith(", decay on weights only)"));
                }
            }
        }
    }
}
