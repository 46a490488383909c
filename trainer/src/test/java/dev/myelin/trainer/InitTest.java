package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Each initialisation's distribution: its range and its first two moments over n = 200,000 draws.
 *
 * <p>Tolerances, 5 standard errors of the estimators: the sample mean's is {@code sigma / sqrt(n)}; the sample
 * variance's relative one is {@code sqrt((kappa - 1) / n)}, kappa the kurtosis (3 for a normal, 1.8 for a
 * uniform), so {@code 5 sqrt(2 / n) = 0.016} relative for the normal and {@code 5 sqrt(0.8 / n) = 0.010} for
 * the uniforms. The draws are seeded: the test is deterministic, and a wrong formula (a factor of 2 or a
 * swapped fan) moves the variance far beyond these.
 */
class InitTest {

    private static final int N = 200_000;
    private static final int FAN_IN = 50;
    private static final int FAN_OUT = 30;

    @ParameterizedTest
    @EnumSource(Init.class)
    void drawsTheDocumentedDistribution(Init init) {
        float[] w = init.sample(N, FAN_IN, FAN_OUT, new SplittableRandom(7));
        assertEquals(N, w.length);
        double variance = switch (init) {
            case HE -> 2.0 / FAN_IN;
            case XAVIER -> 6.0 / (FAN_IN + FAN_OUT) / 3;          // U(-a, a) has variance a^2 / 3
            case FAN_IN_UNIFORM -> 1.0 / FAN_IN / 3;
            case GPT2 -> 0.02 * 0.02;
        };
        double bound = switch (init) {
            case HE, GPT2 -> Double.POSITIVE_INFINITY;
            case XAVIER -> Math.sqrt(6.0 / (FAN_IN + FAN_OUT));
            case FAN_IN_UNIFORM -> 1 / Math.sqrt(FAN_IN);
        };
        double kurtosis = init == Init.HE || init == Init.GPT2 ? 3 : 1.8;
        double sum = 0;
        double squares = 0;
        for (float v : w) {
            assertTrue(Math.abs(v) <= bound, init + ": " + v + " outside +-" + bound);
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / N;
        double var = squares / N - mean * mean;
        assertTrue(Math.abs(mean) <= 5 * Math.sqrt(variance / N), init + ": mean " + mean);
        assertEquals(variance, var, 5 * Math.sqrt((kurtosis - 1) / N) * variance, init + ": variance");
    }
}
