package dev.myelin.trainer;

/**
 * A learning-rate schedule: the rate of each optimizer step as a function of the base rate, the step's
 * index (from 0) and the steps per epoch, and of nothing else, so a run resumed from a checkpoint (which
 * records the step count) continues on the same rates. The {@link Trainer} applies it before every step.
 * Rates are computed in double with {@link StrictMath} and rounded to float once: the same bits in any JVM.
 */
public interface Schedule {

    /**
     * The learning rate of step {@code step} (0-based).
     *
     * @param base          the optimizer's base learning rate
     * @param step          the step's index, from 0
     * @param stepsPerEpoch the optimizer steps an epoch takes, {@code >= 1}
     * @return the learning rate of the step
     */
    float rate(float base, long step, int stepsPerEpoch);

    /**
     * The base rate throughout.
     *
     * @return the schedule
     */
    static Schedule constant() {
        return new Constant();
    }

    /**
     * The base rate times {@code factor} for every {@code everyEpochs} epochs completed (step decay).
     *
     * @param everyEpochs the epochs between two decays, {@code >= 1}
     * @param factor      the factor of each decay, in (0, 1]
     * @return the schedule
     */
    static Schedule stepDecay(int everyEpochs, float factor) {
        return new StepDecay(everyEpochs, factor);
    }

    /**
     * Cosine annealing from the base rate down to {@code floor * base} over {@code epochs} epochs:
     * {@code base * (floor + (1 - floor) (1 + cos(pi t / T)) / 2)} with t the step and T the steps in
     * {@code epochs} epochs; {@code floor * base} after that.
     *
     * @param epochs the epochs the annealing lasts, {@code >= 1}
     * @param floor  the final rate as a fraction of the base rate, in [0, 1]
     * @return the schedule
     */
    static Schedule cosine(int epochs, float floor) {
        return new Cosine(epochs, floor);
    }

    /**
     * Cosine annealing to 0 over {@code epochs} epochs.
     *
     * @param epochs the epochs the annealing lasts, {@code >= 1}
     * @return the schedule
     */
    static Schedule cosine(int epochs) {
        return cosine(epochs, 0f);
    }

    /**
     * Linear warm-up: step t of the first {@code steps} gets {@code base * (t + 1) / steps}; afterwards
     * {@code then} takes over, counting its steps from the end of the warm-up.
     *
     * @param steps the warm-up steps, {@code >= 1}
     * @param then  the schedule after the warm-up
     * @return the schedule
     */
    static Schedule warmup(int steps, Schedule then) {
        return new Warmup(steps, then);
    }

    /** See {@link Schedule#constant()}. */
    record Constant() implements Schedule {
        @Override
        public float rate(float base, long step, int stepsPerEpoch) {
            return base;
        }
    }

    /**
     * See {@link Schedule#stepDecay(int, float)}.
     *
     * @param everyEpochs the epochs between two decays, {@code >= 1}
     * @param factor      the factor of each decay, in (0, 1]
     */
    record StepDecay(int everyEpochs, float factor) implements Schedule {
        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException if a setting is out of range
         */
        public StepDecay {
            if (everyEpochs < 1) {
                throw new IllegalArgumentException("everyEpochs must be >= 1, got " + everyEpochs);
            }
            if (!(factor > 0 && factor <= 1)) {
                throw new IllegalArgumentException("factor must be in (0, 1], got " + factor);
            }
        }

        @Override
        public float rate(float base, long step, int stepsPerEpoch) {
            long decays = step / ((long) everyEpochs * stepsPerEpoch);
            return (float) (base * StrictMath.pow(factor, decays));
        }
    }

    /**
     * See {@link Schedule#cosine(int, float)}.
     *
     * @param epochs the epochs the annealing lasts, {@code >= 1}
     * @param floor  the final rate as a fraction of the base rate, in [0, 1]
     */
    record Cosine(int epochs, float floor) implements Schedule {
        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException if a setting is out of range
         */
        public Cosine {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            }
            if (!(floor >= 0 && floor <= 1)) {
                throw new IllegalArgumentException("floor must be in [0, 1], got " + floor);
            }
        }

        @Override
        public float rate(float base, long step, int stepsPerEpoch) {
            long total = (long) epochs * stepsPerEpoch;
            double t = Math.min(step, total);
            double f = floor + (1.0 - floor) * 0.5 * (1.0 + StrictMath.cos(StrictMath.PI * t / total));
            return (float) (base * f);
        }
    }

    /**
     * See {@link Schedule#warmup(int, Schedule)}.
     *
     * @param steps the warm-up steps, {@code >= 1}
     * @param then  the schedule after the warm-up, its steps counted from the end of the warm-up
     */
    record Warmup(int steps, Schedule then) implements Schedule {
        /**
         * Checks the settings.
         *
         * @throws IllegalArgumentException if {@code steps < 1}
         */
        public Warmup {
            if (steps < 1) {
                throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            }
            if (then == null) {
                throw new NullPointerException("then is null");
            }
        }

        @Override
        public float rate(float base, long step, int stepsPerEpoch) {
            if (step < steps) {
                return (float) ((double) base * (step + 1) / steps);
            }
            return then.rate(base, step - steps, stepsPerEpoch);
        }
    }
}
