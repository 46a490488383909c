package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The short layer syntax of the command line. */
class LayersTest {

    private static String parse(String spec, Shape input, int outputs) {
        return List.of(Graph.of(Layers.parse(spec, Node.input(), input, outputs)).layers()).stream().map(l -> l.type() + (l.config().isEmpty() ? "" : ModelFile.spec(l)
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
    void convolutionAndPoolingItems() {
        assertEquals("[conv2d{filters=32, init=he, kernel_height=3, kernel_width=3, pad_height=1, pad_width=1, stride_height=1, "
                + "stride_width=1}, relu, max_pool2d{padding=0, stride=2, window=2}, conv2d{filters=64, init=he, kernel_height=3, "
                + "kernel_width=5, pad_height=0, pad_width=0, stride_height=2, stride_width=2}, avg_pool2d{padding=1, stride=1, "
                + "window=3}, flatten, dense{init=he, units=128}, relu, dense{init=xavier, units=10}]",
                parse("conv:32:3x3:pad1:relu, maxpool:2, conv:64:3x5:stride2, avgpool:3:stride1:pad1, 128:relu",
                        Shape.image(28, 28, 1), 10));
        assertEquals("layer 'conv:8' in 'conv:8': expected conv:FILTERS:KxK[:strideN][:padN][:nobias][:ACTIVATION][:INIT]",
                assertThrows(IllegalArgumentException.class, () -> parse("conv:8", Shape.image(4, 4, 1), 2)).getMessage());
        assertEquals("layer 'conv:8:3:he:xavier' in 'conv:8:3:he:xavier': expected strideN, padN, nobias, an activation or an "
                + "initialisation [he, xavier, fan_in_uniform, gpt2], got 'xavier'",
                assertThrows(IllegalArgumentException.class, () -> parse("conv:8:3:he:xavier", Shape.image(4, 4, 1), 2))
                        .getMessage());
        assertEquals("layer 'maxpool:2:pad1' in 'maxpool:2:pad1': unexpected 'pad1'",
                assertThrows(IllegalArgumentException.class, () -> parse("maxpool:2:pad1", Shape.image(4, 4, 1), 2))
                        .getMessage());
    }

    @Test
    void anItemMayNameItsInitialisation() {
        assertEquals("[conv2d{filters=4, init=fan_in_uniform, kernel_height=3, kernel_width=3, pad_height=1, pad_width=1, "
                + "stride_height=1, stride_width=1}, relu, flatten, dense{init=fan_in_uniform, units=8}, relu, "
                + "dense{init=fan_in_uniform, units=2}]",
                parse("conv:4:3x3:pad1:relu:fan_in_uniform, 8:relu:fan_in_uniform, 2:fan_in_uniform", Shape.image(4, 4, 1), 2),
                "an output layer with an initialisation and no activation is the output layer");
        assertEquals("[dense{init=xavier, units=8}, relu, dense{init=xavier, units=2}]", parse("8:relu:xavier", Shape.of(3), 2));
        assertEquals("layer '8:he:relu' in '8:he:relu': expected N[:ACTIVATION][:INIT][:pp] with ACTIVATION one of "
                + "[identity, relu, leaky_relu, sigmoid, tanh, gelu] and INIT one of [he, xavier, fan_in_uniform, gpt2]",
                assertThrows(IllegalArgumentException.class, () -> parse("8:he:relu", Shape.of(3), 2)).getMessage(),
                "the activation comes before the initialisation");
    }

    @Test
    void aBadItemIsQuoted() {
        assertEquals("layer '12:swish' in '12:swish': expected N[:ACTIVATION][:INIT][:pp] with ACTIVATION one of "
                + "[identity, relu, leaky_relu, sigmoid, tanh, gelu] and INIT one of [he, xavier, fan_in_uniform, gpt2]",
                assertThrows(IllegalArgumentException.class, () -> parse("12:swish", Shape.of(3), 2)).getMessage());
        assertEquals("layer 'dropout:x' in 'dropout:x': not a number",
                assertThrows(IllegalArgumentException.class, () -> parse("dropout:x", Shape.of(3), 2)).getMessage());
        assertEquals("layer 'convolve' in '8,convolve': expected N, N:ACTIVATION, ACTIVATION, dropout:RATE, flatten, conv:..., "
                + "maxpool:K, avgpool:K, gap, bn, ln, embed:V:C, pos, attn:H or res(...)",
                assertThrows(IllegalArgumentException.class, () -> parse("8,convolve", Shape.of(3), 2)).getMessage());
        assertEquals("layer '0' in '0': outputs must be > 0, got 0",
                assertThrows(IllegalArgumentException.class, () -> parse("0", Shape.of(3), 2)).getMessage());
    }

    @Test
    void normalizationGlobalPoolingAndConvolutionWithoutBias() {
        assertEquals("[conv2d{bias=false, filters=16, init=he, kernel_height=3, kernel_width=3, pad_height=1, pad_width=1, "
                + "stride_height=1, stride_width=1}, batch_norm{eps=1.0E-5, momentum=0.1}, relu, global_avg_pool, "
                + "layer_norm{eps=1.0E-5}, dense{init=xavier, units=10}]",
                parse("conv:16:3x3:pad1:nobias, bn, relu, gap, ln", Shape.image(8, 8, 1), 10),
                "after gap the samples are vectors: no Flatten before the output layer");
        assertEquals("[batch_norm{eps=0.001, momentum=0.01}, layer_norm{eps=1.0E-6}, dense{init=xavier, units=2}]",
                parse("bn:momentum0.01:eps1e-3, ln:eps1e-6", Shape.of(4), 2));
        assertEquals("layer 'bn:eps0.1:eps0.2' in 'bn:eps0.1:eps0.2': unexpected 'eps0.2'; expected bn[:momentumM][:epsE]",
                assertThrows(IllegalArgumentException.class, () -> parse("bn:eps0.1:eps0.2", Shape.of(3), 2)).getMessage());
        assertEquals("layer 'ln:momentum0.1' in 'ln:momentum0.1': unexpected 'momentum0.1'; expected ln[:epsE]",
                assertThrows(IllegalArgumentException.class, () -> parse("ln:momentum0.1", Shape.of(3), 2)).getMessage());
        assertEquals("layer 'bn:momentum2' in 'bn:momentum2': momentum must be in [0, 1], got 2.0",
                assertThrows(IllegalArgumentException.class, () -> parse("bn:momentum2", Shape.of(3), 2)).getMessage());
        assertEquals("layer 'ln:eps0' in 'ln:eps0': eps must be finite and > 0, got 0.0",
                assertThrows(IllegalArgumentException.class, () -> parse("ln:eps0", Shape.of(3), 2)).getMessage());
        assertEquals("layer 'bn:epsx' in 'bn:epsx': not a number",
                assertThrows(IllegalArgumentException.class, () -> parse("bn:epsx", Shape.of(3), 2)).getMessage());
        assertEquals("layer 'conv:8:3:nobias:nobias' in 'conv:8:3:nobias:nobias': expected strideN, padN, nobias, an "
                + "activation or an initialisation [he, xavier, fan_in_uniform, gpt2], got 'nobias'",
                assertThrows(IllegalArgumentException.class, () -> parse("conv:8:3:nobias:nobias", Shape.image(4, 4, 1), 2))
                        .getMessage());
        assertEquals("the layer setting bias=maybe is not true or false",
                assertThrows(IllegalArgumentException.class, () -> Layers.create("conv2d", java.util.Map.of("bias", "maybe")))
                        .getMessage());
        for (Layer l : Graph.of(Layers.parse("conv:4:3:nobias,bn:momentum0.2:eps0.01,ln:eps0.5,gap", Node.input(),
                Shape.image(4, 4, 1), 2)).layers()) {
            assertEquals(ModelFile.spec(l), ModelFile.spec(Layers.create(l.type(), l.config())), "the model file rebuilds " + l);
        }
    }
}
