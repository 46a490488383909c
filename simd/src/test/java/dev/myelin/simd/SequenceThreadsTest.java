package dev.myelin.simd;

import static dev.myelin.simd.Agree.exact;

import dev.myelin.core.Backends;
import dev.myelin.core.Cases;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.SelfAttention;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The embedding gradient (a scatter-add) and the attention kernels give the same bits at 1, 2 and 7 threads (capped at
 * the processors the JVM sees: the {@code threads-8} execution runs this class with {@code -XX:ActiveProcessorCount=8},
 * so 7 threads run there on 2 cores, workers preempted mid-chunk). The sizes are large enough to split over the
 * pool ({@link Embedding#PARALLEL_MIN_ELEMENTS}, {@link Attention#PARALLEL_MIN_WORK}); the ids repeat heavily (a
 * vocabulary of 61 for 4096 positions, uniform), so every chunk of table rows gathers from all over the batch.
 * Each thread count runs three times on the same inputs.
 */
class SequenceThreadsTest {

    private static final int[] THREADS = {1, 2, 7};

    @TestFactory
    Stream<DynamicTest> theSameBitsAtAnyThreadCount() {
        return Stream.of(
                DynamicTest.dynamicTest("embeddingBackward 4096 x 97 into 61 rows, beta 0 and 1 " + SimdTesting.setting(),
                        SequenceThreadsTest::embedding),
                DynamicTest.dynamicTest("attention forward and backward " + new SelfAttention(3, 70, 4, 24) + " "
                        + SimdTesting.setting(), () -> attention(new SelfAttention(3, 70, 4, 24))));
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

    private static void attention(SelfAttention g) {
        SimdTesting.simd();
        try (Arena arena = Arena.ofShared()) {
            SplittableRandom rnd = Cases.random(94_000_000L);
            Matrix q = Cases.matrix(arena, rnd, g.rows(), g.cols());
            Matrix k = Cases.matrix(arena, rnd, g.rows(), g.cols());
            Matrix v = Cases.matrix(arena, rnd, g.rows(), g.cols());
            Matrix dO = Cases.matrix(arena, rnd, g.rows(), g.cols());
            float scale = (float) (1 / Math.sqrt(g.headSize()));
            float[] first = null;
            for (int t : THREADS) {
                Kernels kernels = Backends.get("simd", t);
                for (int rep = 0; rep < 3; rep++) {
                    Matrix o = Cases.layout(arena, rnd, g.rows(), g.cols());
                    Matrix p = Cases.layout(arena, rnd, g.probabilityRows(), g.length());
                    Matrix dQ = Cases.layout(arena, rnd, g.rows(), g.cols());
                    Matrix dK = Cases.layout(arena, rnd, g.rows(), g.cols());
                    Matrix dV = Cases.layout(arena, rnd, g.rows(), g.cols());
                    kernels.attentionForward(o, p, q, k, v, g, scale);
                    kernels.attentionBackward(dQ, dK, dV, dO, q, k, v, p, g, scale);
                    float[] all = concat(concat(o.toArray(), p.toArray()), concat(dQ.toArray(), concat(dK.toArray(), dV.toArray())));
                    if (first == null) {
                        first = all;
                    } else {
                        exact("attention at " + kernels, first, all, 1);
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
