package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The short layer syntax of the command line. */
class LayersTest {

    private static String parse(String spec, Shape input, int outputs) {
        return Layers.parse(spec, input, outputs).stream().map(l -> l.type() + (l.config().isEmpty() ? "" : ModelFile.spec(l)
                .config().toString())).toList().toString();
    }

    @Test
    void itemsBecomeLayersAndTheOutputLayerIsAddedUnlessGiven() {
        assertEquals("[dense{init=he, units=128}, relu, dense{init=xavier, units=10}]", parse("128:relu", Shape.of(784), 10));
        assertEquals("[dense{init=he, units=128}, relu, dense{init=xavier, units=10}]", parse("128:relu,10", Shape.of(784), 10));
        assertEquals("[flatten, dense{init=he, units=64}, gelu, dropout{rate=0.2}, dense{init=xavier, units=32}, tanh, "
                + "dense{init=xavier, units=3}]", parse(" 64:gelu, dropout:0.2, 32:tanh ", Shape.image(8, 8, 1), 3));
        assertEquals("[dense{init=xavier, units=2}]", parse("", Shape.of(5), 2));
        assertEquals("[flatten, dense{init=xavier, units=2}]", parse("", Shape.image(2, 2, 3), 2));
        assertEquals("[dense{init=he, units=10}, relu, dense{init=xavier, units=10}]", parse("10:relu", Shape.of(4), 10),
                "a hidden layer as wide as the output, but with an activation, is not the output layer");
    }

    @Test
    void aBadItemIsQuoted() {
        assertEquals("layer '12:swish' in '12:swish': expected N or N:ACTIVATION with ACTIVATION one of "
                + "[identity, relu, leaky_relu, sigmoid, tanh, gelu]",
                assertThrows(IllegalArgumentException.class, () -> Layers.parse("12:swish", Shape.of(3), 2)).getMessage());
        assertEquals("layer 'dropout:x' in 'dropout:x': not a number",
                assertThrows(IllegalArgumentException.class, () -> Layers.parse("dropout:x", Shape.of(3), 2)).getMessage());
        assertEquals("layer 'conv' in '8,conv': expected N, N:ACTIVATION, ACTIVATION, dropout:RATE or flatten",
                assertThrows(IllegalArgumentException.class, () -> Layers.parse("8,conv", Shape.of(3), 2)).getMessage());
        assertEquals("layer '0' in '0': outputs must be > 0, got 0",
                assertThrows(IllegalArgumentException.class, () -> Layers.parse("0", Shape.of(3), 2)).getMessage());
    }
}
