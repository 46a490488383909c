package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.util.List;
import java.util.Locale;

/**
 * An update rule and its settings; immutable, so one instance may serve any number of trainers. The
 * {@link Trainer} keeps the rule's state (momentum and the like) in off-heap blocks of the model's slab
 * layout, so one update is one kernel call over every parameter of the model.
 */
public abstract sealed class Optimizer permits Sgd, Adam {

    private final float learningRate;

    /**
     * The settings every rule has; the subclasses check their own.
     *
     * @param learningRate the base learning rate, finite and {@code >= 0}
     * @throws IllegalArgumentException if the learning rate is negative, infinite or NaN
     */
    protected Optimizer(float learningRate) {
        if (!(learningRate >= 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and >= 0, got " + learningRate);
        }
        this.learningRate = learningRate;
    }

    /**
     * The optimizer by name, with the settings the command line and the Spark estimator share: {@code sgd}
     * (momentum 0.9), {@code adam}, {@code adamw} (decoupled weight decay 0.01). The name is case-insensitive.
     *
     * @param name         adam, adamw or sgd
     * @param learningRate the base learning rate, finite and {@code >= 0}
     * @return the optimizer
     * @throws IllegalArgumentException if the name is none of these, or the learning rate is negative, infinite or NaN
     */
    public static Optimizer named(String name, float learningRate) {
        if (name == null) {
            throw new NullPointerException("optimizer name is null");
        }
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "adam" -> Adam.adam(learningRate);
            case "adamw" -> Adam.adamw(learningRate, 0.01f);
            case "sgd" -> new Sgd(learningRate, 0.9f);
            default -> throw new IllegalArgumentException("optimizer must be adam, adamw or sgd, got '" + name + "'");
        };
    }

    /** {@return the base learning rate (a {@link Schedule} scales it per step)} */
    public final float learningRate() {
        return learningRate;
    }

    /** {@return the rule's name: {@code "sgd"}, {@code "adam"} or {@code "adamw"}} */
    public abstract String name();

    /** The names of the state blocks, each shaped like the model's value slab (e.g. {@code m} and {@code v}). */
    abstract List<String> stateNames();

    /**
     * One update of every parameter: {@code values} and {@code gradients} are the model's slabs, {@code state}
     * the blocks named by {@link #stateNames()}, {@code lr} this step's learning rate and {@code step} the
     * number of this update, from 1. One kernel call.
     */
    abstract void update(Kernels k, Matrix values, Matrix gradients, Matrix[] state, float lr, int step);

    /** The rule and every setting, e.g. {@code adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1.0E-8, weightDecay=0.0)}. */
    @Override
    public abstract String toString();
}
