package dev.myelin.trainer;

import java.util.List;
import java.util.Objects;

/**
 * A value in a model's graph, for building models that are not a straight line: the model's input
 * ({@link #input()}), a layer applied to a node ({@link #then}), or a {@link Merge} of several nodes
 * ({@link #add}, {@link #concat}, {@link #merge}). Nodes are immutable and only refer to earlier nodes, so a
 * graph built from them has no cycles; a node may feed several others (the backward pass sums their gradients).
 * {@link Model#of(dev.myelin.core.Kernels, Shape, Loss, long, Node)} takes the output node and keeps every node
 * it depends on.
 *
 * <pre>{@code
 * Node x = Node.input();                                        // images of 16 channels, say
 * Node f = x.then(new Conv2D(16, 3, 3, 1, 1, 1, 1, Init.HE), Activation.relu(),
 *                 new Conv2D(16, 3, 3, 1, 1, 1, 1, Init.HE));
 * Node y = Node.add(f, x).then(Activation.relu());            // relu(x + f(x))
 * }</pre>
 */
public final class Node {

    private final Layer layer;          // null for the input
    private final List<Node> inputs;

    private Node(Layer layer, List<Node> inputs) {
        this.layer = layer;
        this.inputs = inputs;
    }

    /** {@return a new input node: one sample of the model's input shape} */
    public static Node input() {
        return new Node(null, List.of());
    }

    /**
     * {@code layers} applied in order to this node's output: {@code x.then(a, b)} is {@code b(a(x))}.
     *
     * @param layers one-input layers, each new (a layer instance belongs to one node of one model)
     * @return the node of the last layer's output (this node when {@code layers} is empty)
     * @throws IllegalArgumentException if one is a {@link Merge}, which joins nodes ({@link #merge})
     */
    public Node then(Layer... layers) {
        Node n = this;
        for (int i = 0; i < layers.length; i++) {
            int index = i;
            Layer l = Objects.requireNonNull(layers[i], () -> "layer " + index + " is null");
            if (l instanceof Merge) {
                throw new IllegalArgumentException(l + " joins several nodes: use Node.merge, Node.add or Node.concat");
            }
            n = new Node(l, List.of(n));
        }
        return n;
    }

    /**
     * The element-wise sum of {@code inputs}, each of one shape ({@link Add}).
     *
     * @param inputs two or more nodes
     * @return the sum's node
     */
    public static Node add(Node... inputs) {
        return merge(new Add(), inputs);
    }

    /**
     * {@code inputs} joined along the last axis ({@link Concat}).
     *
     * @param inputs two or more nodes
     * @return the concatenation's node
     */
    public static Node concat(Node... inputs) {
        return merge(new Concat(), inputs);
    }

    /**
     * {@code merge} applied to the outputs of {@code inputs}, in that order (a node may appear more than once).
     *
     * @param merge  the joining layer, new
     * @param inputs two or more nodes
     * @return the merge's node
     * @throws IllegalArgumentException if fewer than two inputs are given
     */
    public static Node merge(Merge merge, Node... inputs) {
        Objects.requireNonNull(merge, "merge is null");
        if (inputs.length < 2) {
            throw new IllegalArgumentException(merge + " joins two or more nodes, got " + inputs.length);
        }
        for (int i = 0; i < inputs.length; i++) {
            int index = i;
            Objects.requireNonNull(inputs[i], () -> "input " + index + " of " + merge + " is null");
        }
        return new Node(merge, List.of(inputs));
    }

    /** {@return the layer whose output this is, or null for the input} */
    Layer layer() {
        return layer;
    }

    /** {@return the nodes this one takes, in order: one for a layer, two or more for a merge, none for the input} */
    List<Node> inputs() {
        return inputs;
    }

    @Override
    public String toString() {
        return layer == null ? "input" : layer.toString();
    }
}
