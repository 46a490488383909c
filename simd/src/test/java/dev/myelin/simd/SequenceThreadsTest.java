package dev.myelin.simd;

import static dev.myelin.simd.Agree.exact;

import dev.myelin.core.Backends;
import dev.myelin.core.Cases;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The embedding gradient (a scatter-add) gives the same bits at 1, 2 and 7 threads (capped at
 * the processors the JVM sees: the {@code threads-8} execution runs this class with {@code -XX:ActiveProcessorCount=8},
 * so 7 threads run there on 2 cores, workers preempted mid-chunk). The sizes are large enough to split over the
 * pool ({@link Embedding#PARALLEL_MIN_ELEMENTS}); the ids repeat heavily (a
 * vocabulary of 61 for 4096 positions, uniform), so every chunk of table rows gathers from all over the batch.
 * Each thread count runs three times on the same inputs.
 */
class SequenceThreadsTest {

    private static final int[] THREADS = {1, 2, 7};

    @TestFactory
    Stream<DynamicTest> theSameBitsAtAnyThreadCount() {
        return Stream.of(
                DynamicTest.dynamicTest("embeddingBackward 4096 x 97 into 61 rows, beta 0 and 1 " + SimdTesting.setting(),
                        SequenceThreadsTest::embedding));
    }

    private static void embedding() {
        SimdTesting.simd();
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = Cases.random(93_000_000L);
            int n = 4096;
            int d = 97;
            int vocabulary = 61;
            int[] ids = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = rnd.nextInt(vocabulary);
            }
            Matrix dY = Cases.matrix(arena, rnd, n, d);
            Matrix start = Cases.matrix(arena, rnd, vocabulary, d);
            float[] first = null;
            for (int t : THREADS) {
                Kernels k = Backends.get("simd", t);
                for (int rep = 0; rep < 3; rep++) {
                    Matrix dTable = Cases.layout(arena, rnd, vocabulary, d);
                    k.embeddingBackward(dTable, dY, ids, 0f);
                    Matrix acc = Cases.layout(arena, rnd, vocabulary, d);
                    k.copy(acc, start);
                    k.embeddingBackward(acc, dY, ids, 1f);
                    float[] both = concat(dTable.toArray(), acc.toArray());
                    if (first == null) {
                        first = both;
                    } else {
                        exact("embeddingBackward at " + k, first, both, d);
                    }
                }
            }
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = new float[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
