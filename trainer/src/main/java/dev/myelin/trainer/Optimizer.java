package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Updates a model's parameters from their gradients, one fused kernel call per parameter. Its state
 * (momentum and the like, off-heap, allocated once) and its step count go into checkpoints.
 */
public abstract sealed class Optimizer implements AutoCloseable permits Sgd, Adam {

    protected final Kernels k;
    protected final Parameter[] params;
    private final Arena arena = Arena.ofShared();
    private final List<Parameter> state = new ArrayList<>();
    private int steps;

    protected Optimizer(Sequential model) {
        this.k = model.kernels();
        this.params = model.parameters().toArray(Parameter[]::new);
    }

    /** A zeroed state tensor shaped like parameter {@code p}, named {@code <p.name>.<suffix>}. */
    protected final Matrix state(Parameter p, String suffix) {
        Matrix m = Matrix.allocate(arena, p.value().rows(), p.value().cols());
        state.add(new Parameter(p.name() + "." + suffix, m, null));
        return m;
    }

    /** Applies one update to every parameter, from the gradients of the last backward pass. */
    public final void step() {
        steps++;
        for (int i = 0; i < params.length; i++) {
            update(i, params[i], steps);
        }
    }

    /** Updates parameter {@code i}; {@code step} counts from 1. */
    protected abstract void update(int i, Parameter p, int step);

    /** {@code "sgd"}, {@code "adam"} or {@code "adamw"}. */
    public abstract String name();

    /** Updates applied so far. */
    public final int steps() {
        return steps;
    }

    /** Sets the step count (when resuming from a checkpoint). */
    public final void steps(int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0, got " + steps);
        }
        this.steps = steps;
    }

    /** The state tensors (their {@code grad} is null), in a fixed order. */
    public final List<Parameter> state() {
        return List.copyOf(state);
    }

    @Override
    public final void close() {
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
