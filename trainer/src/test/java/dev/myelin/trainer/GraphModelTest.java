package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.trainer.data.InvalidDataException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Models built as graphs ({@link Node}): the backward pass through fan-out, {@link Add} and {@link Concat} against
 * finite differences, the graph's checks, its model file, and the short syntax's residual blocks.
 */
class GraphModelTest {

    static final int BATCH = 3;
    static final int IN = 3;
    static final float H = 1e-2f;

    /**
     * x -> a = tanh(Dense(4) x), b = sigmoid(Dense(4) x); s = a + b + a (a read twice, x read twice);
     * c = concat(s, a) (a read a third time, 8 wide); y = Dense(2) tanh(c).
     */
    private static Node branches() {
        Node x = Node.input();
        Node a = x.then(new Dense(4, Init.XAVIER), Activation.tanh());
        Node b = x.then(new Dense(4, Init.XAVIER), Activation.sigmoid());
        Node s = Node.add(a, b, a);
        return Node.concat(s, a).then(Activation.tanh(), new Dense(2, Init.XAVIER));
    }

    @Test
    void backwardThroughFanOutAddAndConcatMatchesFiniteDifferences() {
        Kernels k = Backends.reference();
        SplittableRandom rnd = new SplittableRandom(11);
        try (Arena arena = Arena.ofConfined(); Model model = Model.of(k, Shape.of(IN), Loss.MSE, 5, branches())) {
            assertFalse(model.isChain());
            Matrix x = Matrix.allocate(arena, BATCH, IN);
            Matrix t = Matrix.allocate(arena, BATCH, 2);
            for (int i = 0; i < BATCH; i++) {
                for (int j = 0; j < IN; j++) {
                    x.set(i, j, (float) rnd.nextDouble(-2, 2));
                }
                for (int j = 0; j < 2; j++) {
                    t.set(i, j, (float) rnd.nextDouble(-1, 1));
                }
            }
            Matrix dOut = Matrix.allocate(arena, BATCH, 2);
            Supplier<Float> lossAt = () -> Loss.MSE.compute(k, dOut, model.forward(x, true), t, null);
            lossAt.get();
            model.backward(dOut, false);
            // Rounding: each float loss is within 128 u |L| of exact (a value passes through at most ~40 roundings
            // here: two dot products of length <= 8, biases, three activations of a few ulp, two sums of the Add, the loss
            // terms and their mean of 6). Every activation is smooth: nothing is skipped.
            int checked = FiniteDifferences.checkParameters(model.toString(), model.parameters(), lossAt, H, 128,
                    FiniteDifferences.NONE);
            assertEquals((IN + 1) * 4 * 2 + (8 + 1) * 2, checked);
        }
    }

    /**
     * The layers' dX memory ({@link Model#colourGradients}): in a chain each dX is busy from its layer's backward step
     * to the next one's, so two regions alternate; in a residual block the gradient that {@link Add} hands on to both
     * branches stays busy down to the block's input, so the branch's layers take regions of their own.
     */
    @Test
    void gradientMemoryIsSharedByLayersNeverNeededAtOnce() {
        Layer[] chain = {new Dense(4, Init.XAVIER), Activation.tanh(), new Dense(4, Init.XAVIER), Activation.tanh(),
                new Dense(2, Init.XAVIER)};
        int[][] chainInputs = {{Graph.INPUT}, {0}, {1}, {2}, {3}};
        assertArrayEquals(new int[] {0, 1, 0, 1, 0}, Model.colourGradients(chain, chainInputs));
        // 0 dense(x), 1 tanh(0), 2 dense(1), 3 add(2, 0), 4 dense(3): 4's dX reaches step 0 through the add, 3's is
        // the same memory (the add passes it on), 2's is read at step 1 and 1's at step 0; 0's, at step 0 alone, may
        // reuse 2's region
        Layer[] block = {new Dense(4, Init.XAVIER), Activation.tanh(), new Dense(4, Init.XAVIER), new Add(),
                new Dense(2, Init.XAVIER)};
        int[][] blockInputs = {{Graph.INPUT}, {0}, {1}, {2, 0}, {3}};
        assertArrayEquals(new int[] {2, 3, 2, 1, 0}, Model.colourGradients(block, blockInputs));
    }

    /** A layer that hands its dY on as dX without saying so would corrupt shared gradient memory: it is refused. */
    @Test
    void aLayerReturningItsDyUnannouncedIsRefused() {
        Kernels k = Backends.reference();
        Layer unannounced = new Layer() {
            @Override
            public Shape build(Shape input, Context context) {
                return input;
            }

            @Override
            public void reserve(Arena arena, Arena gradients, int maxBatch) {
            }

            @Override
            public Matrix forward(Matrix x, boolean training) {
                return x;
            }

            @Override
            public Matrix backward(Matrix dY, boolean needInput, boolean accumulate) {
                return needInput ? dY : null;
            }

            @Override
            public String type() {
                return "unannounced";
            }

            @Override
            public String toString() {
                return "Unannounced";
            }
        };
        try (Arena arena = Arena.ofConfined();
             Model model = Model.of(k, Shape.of(IN), Loss.MSE, 5, new Dense(4, Init.XAVIER), unannounced,
                     new Dense(2, Init.XAVIER))) {
            model.reserve(BATCH);
            Matrix x = Matrix.allocate(arena, BATCH, IN);
            model.forward(x, true);
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> model.backward(Matrix.allocate(arena, BATCH, 2), false));
            assertEquals("layer 1 (Unannounced) returned its dY's memory as dX but does not say so (Layer.passesGradient)",
                    e.getMessage());
        }
    }

    @Test
    void addAndConcatForwardAndBackwardKnownAnswers() {
        Kernels k = Backends.reference();
        // Concat of images (1, 2, 2) and (1, 2, 1): channels of input 0 first at each position.
        Concat concat = new Concat();
        assertEquals(Shape.of(1, 2, 3), concat.build(List.of(Shape.of(1, 2, 2), Shape.of(1, 2, 1)), new Ctx(k)));
        Add add = new Add();
        assertEquals(Shape.of(2), add.build(List.of(Shape.of(2), Shape.of(2), Shape.of(2)), new Ctx(k)));
        try (Arena arena = Arena.ofConfined()) {
            concat.reserve(arena, arena, 2);
            add.reserve(arena, arena, 2);
            Matrix a = Matrix.of(arena, 2, 4, 1, 2, 3, 4, 5, 6, 7, 8);
            Matrix b = Matrix.of(arena, 2, 2, -1, -2, -5, -6);
            Matrix y = concat.forward(List.of(a, b), true);
            assertArrayEquals(new float[] {1, 2, -1, 3, 4, -2, 5, 6, -5, 7, 8, -6}, y.toArray());
            Matrix dY = Matrix.of(arena, 2, 6, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120);
            assertArrayEquals(new float[] {10, 20, 40, 50, 70, 80, 100, 110}, concat.backward(dY, 0).toArray());
            assertArrayEquals(new float[] {30, 60, 90, 120}, concat.backward(dY, 1).toArray());

            Matrix p = Matrix.of(arena, 2, 2, 1, 2, 3, 4);
            Matrix q = Matrix.of(arena, 2, 2, 0.5f, -2, 1e-8f, 0);
            Matrix r = Matrix.of(arena, 2, 2, 0.25f, 1, -3, 1e30f);
            // left to right, one rounding each: (3 + 1e-8) rounds to 3, then 3 - 3 = 0; (4 + 0) + 1e30 = 1e30
            assertArrayEquals(new float[] {1.75f, 1, 0, 1e30f}, add.forward(List.of(p, q, r), true).toArray());
            Matrix d = Matrix.of(arena, 2, 2, 1, 2, 3, 4);
            assertTrue(add.backward(d, 2) == d, "Add hands dY itself to each input");
        }
    }

    @Test
    void theGraphIsCheckedWhenTheModelIsBuilt() {
        Kernels k = Backends.reference();
        Node x = Node.input();
        Node wide = x.then(new Dense(4));
        Node narrow = x.then(new Dense(3));
        assertEquals("layer 2 (Add, on layer 0's output (4) and layer 1's output (3)): Add takes inputs of one shape, got (4) "
                + "(input 0) and (3) (input 1)", assertThrows(IllegalArgumentException.class,
                () -> Model.of(k, Shape.of(2), Loss.MSE, 1, Node.add(wide, narrow))).getMessage());
        Node other = Node.input().then(new Dense(4));
        assertEquals("the graph has more than one input node; a model takes one (Node.input())",
                assertThrows(IllegalArgumentException.class,
                        () -> Model.of(k, Shape.of(2), Loss.MSE, 1, Node.add(x.then(new Dense(4)), other))).getMessage());
        assertEquals("the output is the input node itself; a model needs at least one layer",
                assertThrows(IllegalArgumentException.class, () -> Model.of(k, Shape.of(2), Loss.MSE, 1, x)).getMessage());
        assertEquals("Add joins several nodes: use Node.merge, Node.add or Node.concat",
                assertThrows(IllegalArgumentException.class, () -> x.then(new Add())).getMessage());
        assertEquals("Add joins two or more nodes, got 1",
                assertThrows(IllegalArgumentException.class, () -> Node.add(x)).getMessage());
        assertEquals("layer 1 (Concat, on the input (2, 2, 1) and layer 0's output (1, 1, 3)): Concat joins inputs that differ "
                + "in the last axis only, got (2, 2, 1) (input 0) and (1, 1, 3) (input 1)",
                assertThrows(IllegalArgumentException.class, () -> Model.of(k, Shape.image(2, 2, 1), Loss.MSE, 1,
                        Node.concat(x, x.then(new Conv2D(3, 2, 2, 1, 1, 0, 0, Init.HE))))).getMessage());
    }

    @Test
    void aChainBuiltFromNodesIsTheSameModelAsAListOfLayers() {
        Kernels k = Backends.reference();
        try (Model list = Model.of(k, Shape.of(3), Loss.SOFTMAX_CROSS_ENTROPY, 9, new Dense(5), Activation.relu(), new Dense(2));
             Model nodes = Model.of(k, Shape.of(3), Loss.SOFTMAX_CROSS_ENTROPY, 9,
                     Node.input().then(new Dense(5), Activation.relu(), new Dense(2)))) {
            assertTrue(nodes.isChain());
            assertArrayEquals(list.toBytes(), nodes.toBytes(), "the same file, without a graph section");
        }
    }

    @Test
    void aGraphModelSurvivesItsFileAndPredictsTheSame(@TempDir Path dir) throws IOException {
        Kernels k = Backends.reference();
        try (Arena arena = Arena.ofConfined(); Model model = Model.of(k, Shape.of(IN), Loss.MSE, 5, branches())) {
            Path file = dir.resolve("graph.model");
            model.save(file);
            Matrix x = Matrix.of(arena, 2, IN, 0.5f, -1, 2, 3, 0, -0.25f);
            try (Model loaded = Model.load(file, k)) {
                assertFalse(loaded.isChain());
                for (int i = 0; i < model.layers().size(); i++) {
                    assertArrayEquals(model.inputsOf(i), loaded.inputsOf(i), "layer " + i);
                }
                assertEquals(model.toString(), loaded.toString());
                try (Matrix a = model.predict(x); Matrix b = loaded.predict(x)) {
                    assertArrayEquals(a.toArray(), b.toArray());
                }
            }
        }
    }

    @Test
    void aCraftedGraphSectionIsRefused(@TempDir Path dir) throws IOException {
        Kernels k = Backends.reference();
        byte[] chain;
        try (Model m = Model.of(k, Shape.of(2), Loss.MSE, 1, new Dense(3), Activation.relu(), new Dense(1))) {
            chain = m.toBytes();
        }
        assertEquals("malformed: layer 1 takes the output of layer 2; a layer takes the model's input (-1) or an earlier layer's "
                + "output", refused(dir, chain, new int[][] {{-1}, {2}, {1}}));
        assertEquals("malformed: a graph of 2 layers for 3", refused(dir, chain, new int[][] {{-1}, {0}}));
        assertEquals("holds a model this version cannot build: layer 0 (Dense(3)) feeds no other layer and is not the output "
                + "(the last layer)", refused(dir, chain, new int[][] {{-1}, {-1}, {1}}));
        assertEquals("holds a model this version cannot build: layer 1 (ReLU) has 2 inputs; it takes one",
                refused(dir, chain, new int[][] {{-1}, {0, 0}, {1}}));
        // the chain written out as a graph is the chain
        Path same = dir.resolve("same.model");
        Files.write(same, withSections(chain, out -> writeGraph(out, new int[][] {{-1}, {0}, {1}})));
        try (Model m = Model.load(same, k)) {
            assertTrue(m.isChain());
        }
    }

    private static String refused(Path dir, byte[] chain, int[][] graph) throws IOException {
        Path f = dir.resolve("crafted.model");
        Files.write(f, withSections(chain, out -> writeGraph(out, graph)));
        String message = assertThrows(InvalidDataException.class, () -> Model.load(f, Backends.reference())).getMessage();
        String prefix = f + ": ";
        assertTrue(message.startsWith(prefix) || message.contains(f.toString()), message);
        return message.substring(message.indexOf(f.toString()) + prefix.length());
    }

    /** A model file with the body of {@code file} (one without sections) and {@code sections} after it, framed again. */
    private static byte[] withSections(byte[] file, Framing.Body sections) throws IOException {
        return Framing.frame(ModelFile.MAGIC, ModelFile.VERSION, out -> {
            out.write(file, Framing.HEADER, file.length - Framing.HEADER - Framing.TRAILER);
            sections.write(out);
        });
    }

    private static void writeGraph(java.io.DataOutputStream out, int[][] graph) throws IOException {
        out.writeUTF("graph");
        out.writeInt(graph.length);
        for (int[] in : graph) {
            out.writeInt(in.length);
            for (int j : in) {
                out.writeInt(j);
            }
        }
    }

    @Test
    void aResidualBlockInTheShortSyntax() {
        Kernels k = Backends.reference();
        Node out = Layers.parse("conv:4:3x3:pad1:relu,res(conv:4:3x3:pad1:relu,conv:4:3x3:pad1),relu,"
                + "res(conv:8:3x3:stride2:pad1:fan_in_uniform,relu,conv:8:3x3:pad1),relu", Node.input(), Shape.image(6, 6, 1), 3);
        try (Model m = Model.of(k, Shape.image(6, 6, 1), Loss.SOFTMAX_CROSS_ENTROPY, 3, out)) {
            assertEquals("Conv2D(1->4, 3x3, pad 1) -> ReLU -> Conv2D(4->4, 3x3, pad 1) -> ReLU -> Conv2D(4->4, 3x3, pad 1) "
                    + "-> Add<-4,1 -> ReLU -> Conv2D(4->8, 3x3, stride 2, pad 1) -> ReLU -> Conv2D(8->8, 3x3, pad 1) "
                    + "-> Conv2D(4->8, 1x1, stride 2)<-6 -> Add<-9,10 -> ReLU -> Flatten(3, 3, 8) -> Dense(72->3)", m.toString());
            assertEquals("fan_in_uniform", m.layers().get(10).config().get("init"), "the shortcut has the block's settings");
        }
        assertEquals("layer 'res(8)' in 'res(8)': the block changes the shape from (2, 2, 3) to (8), which a 1x1 convolution on "
                + "the shortcut (of the block's first convolution: it has none) cannot match",
                assertThrows(IllegalArgumentException.class, () -> Layers.parse("res(8)", Node.input(), Shape.image(2, 2, 3), 2))
                        .getMessage());
        assertEquals("'res(4' has a '(' without its ')'", assertThrows(IllegalArgumentException.class,
                () -> Layers.parse("res(4", Node.input(), Shape.of(2), 2)).getMessage());
        assertEquals("layer 'res()' in 'res()': a residual block needs at least one item: res(ITEMS)",
                assertThrows(IllegalArgumentException.class, () -> Layers.parse("res()", Node.input(), Shape.of(2), 2)).getMessage());
    }

    /** A context for building a lone layer. */
    private record Ctx(Kernels kernels) implements Layer.Context {
        @Override
        public int index() {
            return 0;
        }

        @Override
        public long passKey() {
            return 0;
        }
    }
}
