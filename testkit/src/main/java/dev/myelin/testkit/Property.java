package dev.myelin.testkit;

import dev.myelin.core.Cases;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded property cases that say how to rerun themselves. Each case gets a generator derived from the base seed
 * ({@link Cases#SEED}, {@code -Dmyelin.seed}), the property's name and the case's index; when a case fails, its
 * {@link AssertionError} (or exception) is rethrown with the property, the size, the seed, the case and the
 * options that rerun that case alone: {@code -Dmyelin.seed=S -Dmyelin.case=I}. With {@code -Dmyelin.case=I} set,
 * every property runs its case I only.
 *
 * <pre>{@code
 * Property.forEachSize("dot", Cases.sizes(lanes, 20, 300, Cases.random(0)), c -> {
 *     float[] a = Cases.values(c.random(), c.size(), -1, 1, 0.05);
 *     ...
 *     Expect.within("dot n=" + c.size(), expected, actual, bound);
 * });
 * }</pre>
 */
public final class Property {

    /** The system property that selects one case to run alone: {@code -Dmyelin.case=I}. */
    public static final String CASE = "myelin.case";

    private Property() {
    }

    /**
     * One case of a property.
     *
     * @param property the property's name
     * @param index    the case's index within the property, what {@code -Dmyelin.case} selects
     * @param size     the size this case tests (0 for {@link #forAll})
     * @param random   the case's generator: draw every input from it, in a fixed order, so that the case reruns
     */
    public record Case(String property, int index, int size, SplittableRandom random) {

        /** {@return the seed, the case and the options that rerun this case alone} */
        public String tag() {
            return "[seed " + Cases.SEED + ", case " + index + "; rerun it alone with -Dmyelin.seed=" + Cases.SEED
                    + " -D" + CASE + "=" + index + "]";
        }
    }

    /** A property's check of one case: it throws (an {@link AssertionError} or any exception) to fail. */
    @FunctionalInterface
    public interface Body {
        /**
         * Checks one case.
         *
         * @param c the case: its size and generator
         * @throws Exception to fail the case
         */
        void check(Case c) throws Exception;
    }

    /**
     * Runs {@code body} once per size, in order: case i tests {@code sizes.get(i)}. Stops at the first failing
     * case and rethrows its failure as an {@link AssertionError} whose message starts with the property, the size
     * (when it is above 0) and {@link Case#tag()}.
     *
     * @param property the property's name, part of every case's seed
     * @param sizes    the sizes, e.g. {@link Cases#sizes}: the edge sizes around the lane count, then random ones
     * @param body     the check of one case
     * @return how many cases ran (1 or 0 when {@code -Dmyelin.case} selects one)
     * @throws AssertionError if a case fails
     */
    public static int forEachSize(String property, List<Integer> sizes, Body body) {
        long only = selected();
        int ran = 0;
        for (int i = 0; i < sizes.size(); i++) {
            if (only >= 0 && i != only) {
                continue;
            }
            Case c = new Case(property, i, sizes.get(i), Cases.random(((long) property.hashCode() << 32) + i));
            try {
                body.check(c);
            } catch (Exception | AssertionError e) {
                throw new AssertionError(property + (c.size() > 0 ? " n=" + c.size() : "") + " " + c.tag() + ": "
                        + e.getMessage(), e);
            }
            ran++;
        }
        return ran;
    }

    /**
     * Runs {@code count * }{@link Cases#SCALE} cases ({@code -Dmyelin.cases} multiplies them) of size 0, each
     * with its own generator, as {@link #forEachSize}.
     *
     * @param property the property's name, part of every case's seed
     * @param count    how many cases, {@code >= 1}
     * @param body     the check of one case
     * @return how many cases ran
     * @throws AssertionError if a case fails
     */
    public static int forAll(String property, int count, Body body) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1, got " + count);
        }
        return forEachSize(property, java.util.Collections.nCopies(count * Cases.SCALE, 0), body);
    }

    /** The case {@code -Dmyelin.case} selects, or -1 for all. */
    private static long selected() {
        String v = System.getProperty(CASE);
        if (v == null || v.isBlank()) {
            return -1;
        }
        try {
            long i = Long.parseLong(v.trim());
            if (i >= 0) {
                return i;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + CASE + " must be a case index >= 0, got '" + v + "'");
    }
}
