package dev.myelin.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Each schedule's rate at known steps: computed in double and rounded once, so compared exactly. */
class ScheduleTest {

    @Test
    void constantKeepsTheBaseRate() {
        assertEquals(0.1f, Schedule.constant().rate(0.1f, 12345, 10));
    }

    @Test
    void stepDecayMultipliesByTheFactorEveryFewEpochs() {
        Schedule s = Schedule.stepDecay(2, 0.5f);        // 10 steps an epoch: halve at steps 20, 40, ...
        assertEquals(0.1f, s.rate(0.1f, 0, 10));
        assertEquals(0.1f, s.rate(0.1f, 19, 10));
        assertEquals((float) (0.1f * 0.5), s.rate(0.1f, 20, 10));
        assertEquals((float) (0.1f * 0.25), s.rate(0.1f, 45, 10));
    }

    @Test
    void cosineRunsFromTheBaseToTheFloorOverItsEpochs() {
        Schedule s = Schedule.cosine(2, 0.1f);            // 2 epochs of 5 steps: T = 10
        assertEquals(1f, s.rate(1f, 0, 5));
        assertEquals((float) (0.1 + 0.9 * 0.5 * (1 + StrictMath.cos(StrictMath.PI * 5 / 10))), s.rate(1f, 5, 5));
        assertEquals(0.55f, s.rate(1f, 5, 5), Math.ulp(0.55f));     // halfway: (1 + 0.1) / 2
        assertEquals(0.1f, s.rate(1f, 10, 5));
        assertEquals(0.1f, s.rate(1f, 99, 5), "the floor after the last epoch");
    }

    @Test
    void warmupRisesLinearlyThenHandsOver() {
        Schedule s = Schedule.warmup(4, Schedule.stepDecay(1, 0.5f));
        assertEquals(0.25f, s.rate(1f, 0, 10));
        assertEquals(0.5f, s.rate(1f, 1, 10));
        assertEquals(1f, s.rate(1f, 3, 10));
        assertEquals(1f, s.rate(1f, 4, 10), "the decay counts from the end of the warm-up");
        assertEquals(0.5f, s.rate(1f, 14, 10));
    }

    @Test
    void badSettingsNameThemselves() {
        assertEquals("epochs must be >= 1, got 0", assertThrows(IllegalArgumentException.class, () -> Schedule.cosine(0)).getMessage());
        assertEquals("factor must be in (0, 1], got 2.0",
                assertThrows(IllegalArgumentException.class, () -> Schedule.stepDecay(1, 2f)).getMessage());
        assertEquals("steps must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> Schedule.warmup(0, Schedule.constant())).getMessage());
    }
}
