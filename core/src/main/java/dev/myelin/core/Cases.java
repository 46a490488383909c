package dev.myelin.core;

import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded generators for property tests, public so users can test their own kernels the way Myelin
 * tests its backends. Sizes come first from an edge list relative to the lane count N
 * ({@code 1, N-1, N, N+1, 2N+1, 3N, 8N+2}), then at random. Every generated case carries its own seed
 * and prints it on failure, so one failing case can be rerun alone.
 *
 * <p>System properties: {@code myelin.seed} (the base seed; fixed in CI) and {@code myelin.cases}
 * (a multiplier for the number of random cases, default 1).
 */
public final class Cases {

    /** Base seed: {@code -Dmyelin.seed=...}, default 20261122. */
    public static final long SEED = Long.getLong("myelin.seed", 20261122L);

    /** Multiplier for the number of random cases: {@code -Dmyelin.cases=...}, default 1. */
    public static final int SCALE = Math.max(1, Integer.getInteger("myelin.cases", 1));

    private Cases() {
    }

    /**
     * The edge sizes for lane count {@code lanes}, deduplicated, all >= 1, in increasing order.
     *
     * @param lanes the lane count N of the vector species under test
     * @return {@code 1, N-1, N, N+1, 2N+1, 3N, 8N+2}, without duplicates or sizes below 1
     */
    public static int[] edgeSizes(int lanes) {
        int n = lanes;
        return java.util.stream.IntStream.of(1, n - 1, n, n + 1, 2 * n + 1, 3 * n, 8 * n + 2)
                .filter(s -> s >= 1).distinct().sorted().toArray();
    }

    /**
     * A generator for one case: derived from the base seed and the case's index.
     *
     * @param caseIndex the case's number within its property
     * @return a generator seeded from {@link #SEED} and {@code caseIndex}
     */
    public static SplittableRandom random(long caseIndex) {
        return new SplittableRandom(SEED * 0x9E3779B97F4A7C15L + caseIndex);
    }

    /**
     * A readable tag for a failure message: how to rerun.
     *
     * @param caseIndex the case's number within its property
     * @return the seed, the case and the option that reruns it
     */
    public static String tag(long caseIndex) {
        return "[seed " + SEED + ", case " + caseIndex + "; rerun with -Dmyelin.seed=" + SEED + "]";
    }

    /**
     * A {@code rows x cols} matrix in {@code arena}, filled with uniform values in {@code [-1, 1)}, placed
     * at random as a view: sometimes with a leading dimension larger than cols and an odd element
     * offset (a segment that is not vector-aligned), sometimes contiguous.
     *
     * @param arena the arena the memory comes from
     * @param rnd   the case's generator
     * @param rows  the number of rows, {@code >= 1}
     * @param cols  the number of columns, {@code >= 1}
     * @return the matrix, possibly a view into a larger one
     */
    public static Matrix matrix(Arena arena, SplittableRandom rnd, int rows, int cols) {
        Matrix m = layout(arena, rnd, rows, cols);
        fill(rnd, m, -1, 1);
        return m;
    }

    /**
     * A {@code rows x cols} view with a random layout (see {@link #matrix}), contents zero.
     *
     * @param arena the arena the memory comes from
     * @param rnd   the case's generator
     * @param rows  the number of rows, {@code >= 1}
     * @param cols  the number of columns, {@code >= 1}
     * @return the matrix, possibly a view whose surroundings hold large values that must never leak in
     */
    public static Matrix layout(Arena arena, SplittableRandom rnd, int rows, int cols) {
        if (rnd.nextInt(3) == 0) {
            return Matrix.allocate(arena, rows, cols);
        }
        int padCols = rnd.nextInt(1, 20);        // ld > cols
        int row0 = rnd.nextInt(0, 3);
        int col0 = 1 + 2 * rnd.nextInt(0, 4);    // odd offset: misaligned start
        Matrix parent = Matrix.allocate(arena, rows + row0 + 1, cols + col0 + padCols);
        fill(rnd, parent, -1e3f, 1e3f);          // garbage around the view must never leak in
        return parent.view(row0, col0, rows, cols);
    }

    /**
     * Fills {@code m} with uniform values in {@code [lo, hi)}.
     *
     * @param rnd the case's generator
     * @param m   the matrix to fill
     * @param lo  the lowest value (inclusive)
     * @param hi  the highest value (exclusive)
     */
    public static void fill(SplittableRandom rnd, Matrix m, float lo, float hi) {
        float[] v = new float[(int) m.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(lo, hi);
        }
        m.copyFrom(v);
    }

    /** Inputs every kernel must treat as IEEE 754 says: NaN, the infinities, both zeros, subnormals, the extremes. */
    private static final float[] SPECIALS = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
        Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL, 1e-40f, -1e-40f,
        Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f};

    /**
     * One special value, drawn uniformly from: NaN, +-Inf, +-0, +-{@code MIN_VALUE} (the smallest subnormal),
     * +-{@code MIN_NORMAL}, +-1e-40 (a subnormal), +-{@code MAX_VALUE}, +-1.
     *
     * @param rnd the case's generator
     * @return the value
     */
    public static float special(SplittableRandom rnd) {
        return SPECIALS[rnd.nextInt(SPECIALS.length)];
    }

    /**
     * {@code count} uniform values in {@code [lo, hi)}, each replaced with probability {@code pSpecial} by a
     * {@link #special} value.
     *
     * @param rnd      the case's generator
     * @param count    how many values, {@code >= 0}
     * @param lo       the lowest value (inclusive)
     * @param hi       the highest value (exclusive), {@code > lo}
     * @param pSpecial the probability of a special value, in {@code [0, 1]}
     * @return the values
     */
    public static float[] values(SplittableRandom rnd, int count, double lo, double hi, double pSpecial) {
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0, got " + count);
        }
        if (!(lo < hi)) {
            throw new IllegalArgumentException("lo must be < hi, got lo " + lo + ", hi " + hi);
        }
        if (!(pSpecial >= 0 && pSpecial <= 1)) {
            throw new IllegalArgumentException("pSpecial must be in [0, 1], got " + pSpecial);
        }
        float[] v = new float[count];
        for (int i = 0; i < count; i++) {
            v[i] = rnd.nextDouble() < pSpecial ? special(rnd) : (float) rnd.nextDouble(lo, hi);
        }
        return v;
    }

    /**
     * Sizes to test: every edge size, then {@code randomCount * SCALE} random sizes in {@code [1, max]}.
     *
     * @param lanes       the lane count N of the vector species under test
     * @param randomCount how many random sizes to add (multiplied by {@link #SCALE})
     * @param max         the largest random size
     * @param rnd         the generator of the random sizes
     * @return the sizes, edge sizes first
     */
    public static List<Integer> sizes(int lanes, int randomCount, int max, SplittableRandom rnd) {
        List<Integer> list = new ArrayList<>();
        for (int s : edgeSizes(lanes)) {
            list.add(s);
        }
        for (int i = 0; i < randomCount * SCALE; i++) {
            list.add(rnd.nextInt(1, max + 1));
        }
        return list;
    }
}
