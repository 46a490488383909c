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
    private final boolean weightsOnly;

    /**
     * The settings every rule has; the subclasses check their own.
     *
     * @param learningRate the base learning rate, finite and {@code >= 0}
     * @param weightsOnly  whether weight decay spares the parameters made {@link Parameter#withoutDecay}
     * @throws IllegalArgumentException if the learning rate is negative, infinite or NaN
     */
    Optimizer(float learningRate, boolean weightsOnly) {
        if (!(learningRate >= 0) || Float.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be finite and >= 0, got " + learningRate);
        }
        this.learningRate = learningRate;
        this.weightsOnly = weightsOnly;
    }

    /**
     * This rule with weight decay on the weights only: the parameters made {@link Parameter#withoutDecay} (biases,
     * normalization scales and shifts, embedding tables) are updated without it, as GPT-2 and nanoGPT train (PyTorch's
     * AdamW with two parameter groups, one of {@code weight_decay=0}). Without this, the decay applies to every
     * parameter, as PyTorch's optimizers do with one group. Without a decay it changes nothing. The trainer then updates
     * the model in one kernel call per run of neighbouring parameters of the same kind, each with its own decay (or 0).
     *
     * @return the rule with the same settings, decaying the weights only
     */
    public abstract Optimizer decayWeightsOnly();

    /** {@return whether the weight decay spares the {@link Parameter#withoutDecay} parameters ({@link #decayWeightsOnly})} */
    public final boolean decaysWeightsOnly() {
        return weightsOnly;
    }

    /** {@code ", weights only"} when the decay spares some parameters, for {@link #toString()}; else empty. */
    final String decayScope() {
        return weightsOnly ? ", decay on weights only" : "";
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
     * One update of every parameter in {@code values}: the model's slab, or a run of it, {@code gradients} and
     * {@code state} (the blocks named by {@link #stateNames()}) the same run of theirs, {@code lr} this step's learning
     * rate and {@code step} the number of this update, from 1; with the rule's weight decay if {@code decay}, else
     * none. One kernel call.
     */
    abstract void update(Kernels k, Matrix values, Matrix gradients, Matrix[] state, float lr, int step, boolean decay);

    /** The rule and every setting, e.g. {@code adam(lr=0.001, beta1=0.9, beta2=0.999, eps=1.0E-8, weightDecay=0.0)}. */
    @Override
    public abstract String toString();
}
