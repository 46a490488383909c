package dev.myelin.trainer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * A model's layers in an order where each comes after its inputs, the last being the output, with the indices of
 * each layer's inputs ({@link #INPUT} for the model's input). A chain has {@code inputs[i] = {i - 1}}. Checked when
 * made: every index points to an earlier layer (so there is no cycle), a {@link Merge} has two or more inputs and
 * any other layer one, and every layer but the last feeds another (so each reaches the output).
 */
final class Graph {

    /** The index that stands for the model's input. */
    static final int INPUT = -1;

    private final Layer[] layers;
    private final int[][] inputs;

    private Graph(Layer[] layers, int[][] inputs) {
        this.layers = layers;
        this.inputs = inputs;
    }

    /** The chain {@code layers[0], layers[1], ...}. */
    static Graph chain(Layer[] layers) {
        int[][] inputs = new int[layers.length][];
        for (int i = 0; i < layers.length; i++) {
            inputs[i] = new int[] {i - 1};
        }
        return of(layers.clone(), inputs);
    }

    /**
     * The nodes {@code output} depends on, in depth-first order (inputs in order, each node after its inputs; a chain
     * keeps its order), as layers and input indices.
     *
     * @throws IllegalArgumentException if the nodes come from more than one {@link Node#input()}, or {@code output}
     *                                  is the input itself
     */
    static Graph of(Node output) {
        Map<Node, Integer> index = new IdentityHashMap<>();
        List<Node> order = new ArrayList<>();
        Node input = null;
        Deque<Node> stack = new ArrayDeque<>();
        Deque<Integer> next = new ArrayDeque<>();       // the next input of the node on top of the stack to visit
        stack.push(output);
        next.push(0);
        while (!stack.isEmpty()) {
            Node n = stack.peek();
            int k = next.pop();
            if (n.layer() == null) {
                if (input != null && input != n) {
                    throw new IllegalArgumentException("the graph has more than one input node; a model takes one "
                            + "(Node.input())");
                }
                input = n;
                stack.pop();
            } else if (k < n.inputs().size()) {
                next.push(k + 1);
                Node in = n.inputs().get(k);
                if (!index.containsKey(in)) {
                    stack.push(in);
                    next.push(0);
                }
            } else {
                stack.pop();
                if (!index.containsKey(n)) {
                    index.put(n, order.size());
                    order.add(n);
                }
            }
        }
        if (order.isEmpty()) {
            throw new IllegalArgumentException("the output is the input node itself; a model needs at least one layer");
        }
        Layer[] layers = new Layer[order.size()];
        int[][] inputs = new int[order.size()][];
        for (int i = 0; i < layers.length; i++) {
            Node n = order.get(i);
            layers[i] = n.layer();
            inputs[i] = n.inputs().stream().mapToInt(in -> in.layer() == null ? INPUT : index.get(in)).toArray();
        }
        return of(layers, inputs);
    }

    /**
     * {@code layers} with the inputs {@code inputs[i]} each, checked as the class says (for a model file, whose
     * indices are untrusted).
     *
     * @throws IllegalArgumentException naming the first layer that breaks a rule
     */
    static Graph of(Layer[] layers, int[][] inputs) {
        if (layers.length == 0) {
            throw new IllegalArgumentException("a model needs at least one layer");
        }
        if (inputs.length != layers.length) {
            throw new IllegalArgumentException(layers.length + " layers with inputs for " + inputs.length);
        }
        boolean[] used = new boolean[layers.length];
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] == null) {
                throw new NullPointerException("layer " + i + " is null");
            }
            int[] in = inputs[i];
            boolean merge = layers[i] instanceof Merge;
            if (merge ? in.length < 2 : in.length != 1) {
                throw new IllegalArgumentException("layer " + i + " (" + layers[i] + ") has " + in.length + " inputs; "
                        + (merge ? "a merge takes two or more" : "it takes one"));
            }
            for (int j : in) {
                if (j < INPUT || j >= i) {
                    throw new IllegalArgumentException("layer " + i + " (" + layers[i] + ") takes the output of layer " + j
                            + "; a layer takes the model's input (" + INPUT + ") or an earlier layer's output");
                }
                if (j >= 0) {
                    used[j] = true;
                }
            }
        }
        for (int i = 0; i < layers.length - 1; i++) {
            if (!used[i]) {
                throw new IllegalArgumentException("layer " + i + " (" + layers[i] + ") feeds no other layer and is not the "
                        + "output (the last layer)");
            }
        }
        return new Graph(layers, Arrays.stream(inputs).map(int[]::clone).toArray(int[][]::new));
    }

    /** {@return the number of layers} */
    int size() {
        return layers.length;
    }

    /** {@return layer {@code i}} */
    Layer layer(int i) {
        return layers[i];
    }

    /** {@return the layers, in order (a copy)} */
    Layer[] layers() {
        return layers.clone();
    }

    /** {@return the inputs of layer {@code i} (a copy): earlier layers' indices, or {@link #INPUT}} */
    int[] inputs(int i) {
        return inputs[i].clone();
    }

    /** {@return whether this is the chain of its layers: layer i takes layer i - 1's output} */
    boolean isChain() {
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].length != 1 || inputs[i][0] != i - 1) {
                return false;
            }
        }
        return true;
    }

    /** {@return how many inputs of later layers read each layer's output (a merge that takes it twice counts twice)} */
    int[] readers() {
        int[] n = new int[layers.length];
        for (int[] in : inputs) {
            for (int j : in) {
                if (j >= 0) {
                    n[j]++;
                }
            }
        }
        return n;
    }

    /**
     * Builds every layer in order ({@link Layer#build}, {@link Merge#build(List, Layer.Context)}) on the shapes of its
     * inputs, and returns each layer's output shape.
     *
     * @param input    the shape of one input sample
     * @param contexts the context of layer i
     * @throws IllegalArgumentException if a layer does not fit its inputs: the message names the layer, and for a
     *                                  layer that does not take the previous one's output, its inputs and their shapes
     */
    Shape[] build(Shape input, IntFunction<Layer.Context> contexts) {
        Shape[] shapes = new Shape[layers.length];
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            int[] in = inputs[i];
            try {
                if (l instanceof Merge m) {
                    List<Shape> s = new ArrayList<>();
                    for (int j : in) {
                        s.add(j == INPUT ? input : shapes[j]);
                    }
                    shapes[i] = m.build(s, contexts.apply(i));
                } else {
                    shapes[i] = l.build(in[0] == INPUT ? input : shapes[in[0]], contexts.apply(i));
                }
            } catch (IllegalArgumentException e) {
                String from = in.length == 1 && in[0] == i - 1 ? ""
                        : ", on " + String.join(" and ", Arrays.stream(in).mapToObj(j -> j == INPUT ? "the input " + input
                                : "layer " + j + "'s output " + shapes[j]).toList());
                throw new IllegalArgumentException("layer " + i + " (" + l + from + "): " + e.getMessage(), e);
            }
        }
        return shapes;
    }
}
