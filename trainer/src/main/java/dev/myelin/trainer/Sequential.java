package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.StringJoiner;

/**
 * Layers applied in order. Parameters are allocated and initialised at construction (from {@code seed}),
 * batch buffers by {@link #reserve} (once per batch size); both live off-heap until {@link #close()}.
 *
 * <pre>{@code
 * try (var model = new Sequential(Backends.get(), 784, 42,
 *         new Flatten(28, 28), new Dense(128, Init.HE), Activation.relu(), new Dense(10, Init.XAVIER))) { ... }
 * }</pre>
 */
public final class Sequential implements AutoCloseable {

    private final Kernels kernels;
    private final int inputs;
    private final int outputs;
    private final Layer[] layers;
    private final List<Parameter> parameters;
    private final int firstTrainable;        // backward computes dX only for layers after this one
    private final Arena parameterArena = Arena.ofShared();
    private Arena batchArena;
    private int maxBatch;

    public Sequential(Kernels kernels, int inputs, long seed, Layer... layers) {
        if (layers.length == 0) {
            throw new IllegalArgumentException("a model needs at least one layer");
        }
        this.kernels = kernels;
        this.inputs = inputs;
        this.layers = layers.clone();
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Parameter> all = new ArrayList<>();
        int width = inputs;
        int first = layers.length;
        for (int i = 0; i < layers.length; i++) {
            width = layers[i].build(kernels, width, parameterArena, rnd);
            for (Parameter p : layers[i].parameters()) {
                all.add(new Parameter("layer" + i + "." + p.name(), p.value(), p.grad()));
                first = Math.min(first, i);
            }
        }
        this.outputs = width;
        this.parameters = List.copyOf(all);
        this.firstTrainable = first;
    }

    /** Allocates the batch buffers of every layer for batches of up to {@code maxBatch} rows (again only if it grows). */
    public void reserve(int maxBatch) {
        if (maxBatch <= this.maxBatch) {
            return;
        }
        Arena arena = Arena.ofShared();
        for (Layer l : layers) {
            l.reserve(arena, maxBatch);
        }
        if (batchArena != null) {
            batchArena.close();
        }
        batchArena = arena;
        this.maxBatch = maxBatch;
    }

    /** The output (B, outputs) for the input x (B, inputs); a view into the last layer's buffer. */
    public Matrix forward(Matrix x) {
        if (x.rows() > maxBatch) {
            throw new IllegalArgumentException("batch of " + x.rows() + " rows, the model is reserved for " + maxBatch
                    + "; call reserve(" + x.rows() + ") first");
        }
        if (x.cols() != inputs) {
            throw new IllegalArgumentException("input has " + x.cols() + " columns, the model takes " + inputs);
        }
        for (Layer l : layers) {
            x = l.forward(x);
        }
        return x;
    }

    /** Backpropagates {@code dOut = dLoss/dOutput} of the last forward pass; writes every parameter gradient. */
    public void backward(Matrix dOut) {
        Matrix d = dOut;
        for (int i = layers.length - 1; i >= firstTrainable; i--) {
            d = layers[i].backward(d, i > firstTrainable);
        }
    }

    /** Every trainable parameter, named {@code layer<i>.<name>}, in layer order. */
    public List<Parameter> parameters() {
        return parameters;
    }

    public List<Layer> layers() {
        return List.of(layers);
    }

    public Kernels kernels() {
        return kernels;
    }

    public int inputs() {
        return inputs;
    }

    public int outputs() {
        return outputs;
    }

    /** Total number of trainable values. */
    public long size() {
        return parameters.stream().mapToLong(p -> p.value().size()).sum();
    }

    @Override
    public void close() {
        if (batchArena != null) {
            batchArena.close();
            batchArena = null;
        }
        if (parameterArena.scope().isAlive()) {
            parameterArena.close();
        }
    }

    /** The layers, e.g. {@code Flatten(28x28) -> Dense(784->128) -> ReLU -> Dense(128->10)}. */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(" -> ");
        for (Layer l : layers) {
            j.add(l.toString());
        }
        return j.toString();
    }
}
