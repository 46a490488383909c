package dev.myelin.trainer;

import dev.myelin.core.Matrix;

/**
 * The fit loop's synchronisation point: called once per optimizer step, after the backward pass (and all
 * micro-batches of an accumulated step) and before the update, with the model's whole gradient slab. On one
 * machine it does nothing ({@link #LOCAL}); data-parallel training replaces the slab's contents with the
 * average over the replicas (an all-reduce), and nothing else in the loop changes.
 */
@FunctionalInterface
public interface GradientSync {

    /** One machine: the gradients stay as they are. */
    GradientSync LOCAL = (gradients, step) -> { };

    /**
     * Makes {@code gradients} (the model's gradient slab, (1, P), see {@link Model#gradients()}) hold the
     * gradients to apply at optimizer step {@code step} (0-based), in place.
     *
     * @param gradients the model's gradient slab, {@code (1, P)}: read and overwritten in place
     * @param step      the optimizer step the gradients are for, from 0
     */
    void synchronize(Matrix gradients, long step);
}
