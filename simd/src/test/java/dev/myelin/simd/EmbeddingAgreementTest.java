package dev.myelin.simd;

import static dev.myelin.simd.Agree.exact;

import dev.myelin.core.Cases;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Property: the SIMD embedding lookup and its gradient equal the reference's bit for bit. Both are exact by
 * construction: the lookup copies, and the gradient performs the reference's additions in the reference's order
 * (each table row from +0 or its old value, then the rows of dY that name it in increasing position; docs/kernels.md),
 * so no tolerance applies. Widths from {@link Agree#shapes} (around the lane count, up to 300), contiguous matrices and
 * views, vocabularies of 1 to 40 rows (so ids repeat often), dY with one special value in twenty (NaN, infinities,
 * signed zeros, subnormals, MAX_VALUE: their sums must agree too), the old dTable filled with NaN for beta 0 (never
 * read) and with values for beta 1.
 */
class EmbeddingAgreementTest {

    private static final int RANDOM = 16;

    private interface Op {
        void apply(Kernels k, Matrix out, Matrix in, int[] ids);
    }

    /** For each shape (rows n, width d): a vocabulary, ids, the input and the old output; both backends, compared exactly. */
    private static Stream<DynamicTest> property(String kernel, long base, boolean backward, float beta) {
        return Agree.shapes(base, RANDOM, false).stream().map(s -> {
            SplittableRandom rnd = Cases.random(s.index());
            int vocabulary = rnd.nextInt(1, 41);
            String name = kernel + " vocabulary " + vocabulary + (backward ? " beta " + beta : "") + " " + s.describe();
            return DynamicTest.dynamicTest(name, () -> {
                int n = s.rows();
                int d = s.cols();
                int[] ids = new int[n + rnd.nextInt(3)];                        // longer arrays: the tail is ignored
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = i < n ? rnd.nextInt(vocabulary) : -1;
                }
                int inRows = backward ? n : vocabulary;
                int outRows = backward ? vocabulary : n;
                float[] in = Cases.values(rnd, inRows * d, -4, 4, 0.05);
                float[] old = Cases.values(rnd, outRows * d, -4, 4, 0.05);
                float[][] out = new float[2][];
                Kernels[] backends = {SimdTesting.REFERENCE, SimdTesting.simd()};
                for (int b = 0; b < 2; b++) {
                    try (Arena arena = Arena.ofConfined()) {
                        Matrix input = Agree.matrix(arena, rnd, inRows, d, in);
                        Matrix output = beta == 0 ? Agree.output(arena, rnd, outRows, d) : Agree.matrix(arena, rnd, outRows, d, old);
                        if (backward) {
                            backends[b].embeddingBackward(output, input, ids, beta);
                        } else {
                            backends[b].embeddingForward(output, input, ids);
                        }
                        out[b] = output.toArray();
                    }
                }
                exact(name, out[0], out[1], d);
            });
        });
    }

    @TestFactory
    Stream<DynamicTest> embeddingForward() {
        return property("embeddingForward", 90_000_000L, false, 0f);
    }

    @TestFactory
    Stream<DynamicTest> embeddingBackward() {
        return Stream.concat(property("embeddingBackward", 91_000_000L, true, 0f),
                property("embeddingBackward", 92_000_000L, true, 1f));
    }
}
