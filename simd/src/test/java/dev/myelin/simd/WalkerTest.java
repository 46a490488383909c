package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Backends;
import dev.myelin.core.Cases;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The walks split over the pool ({@link Walker}: the activations forward and backward, softmax, Adam, layer
 * normalization) give the bits
 * of one thread, and where the kernel is exact between backends (relu, the sigmoid and tanh backward, Adam: the same
 * float operations per element) the reference's; the others' agreement with the reference is ActivationsAgreementTest's. The shapes are above
 * {@link Walker#MIN_ELEMENTS}, so the split path runs when the machine has two cores or more: contiguous operands
 * (cut into ranges of elements, one of them not a multiple of the vector length) and views with a leading
 * dimension (cut into rows). Inputs hold exact zeros of both signs and NaNs, where relu's backward picks.
 */
class WalkerTest {

    /** rows, cols: 1 x (2^16 + 5) and 300 x 301 elements, and a single long row. */
    private static final List<int[]> SHAPES = List.of(new int[] {1, (1 << 16) + 5}, new int[] {300, 301}, new int[] {257, 512});

    @TestFactory
    Stream<DynamicTest> oneThreadManyThreadsAndTheReferenceAgreeExactly() {
        Kernels one = Backends.get("simd", 1);
        Kernels all = Backends.get("simd", Runtime.getRuntime().availableProcessors());
        Kernels ref = Backends.reference();
        return SHAPES.stream().flatMap(s -> Stream.of(true, false).map(contiguous -> DynamicTest.dynamicTest(
                s[0] + "x" + s[1] + (contiguous ? " contiguous" : " views") + " " + SimdTesting.setting(), () -> {
                    SimdTesting.simd();
                    assertTrue((long) s[0] * s[1] >= Walker.MIN_ELEMENTS, "the shape must take the split path");
                    try (Arena arena = Arena.ofShared()) {
                        SplittableRandom rnd = Cases.random(31L * s[0] + s[1] + (contiguous ? 1 : 0));
                        Matrix x = make(arena, rnd, s, contiguous);
                        Cases.fill(rnd, x, -1, 1);
                        for (int k = 0; k < 64; k++) {                        // zeros of both signs and NaNs
                            x.set(rnd.nextInt(s[0]), rnd.nextInt(s[1]), k % 3 == 0 ? 0f : k % 3 == 1 ? -0f : Float.NaN);
                        }
                        Matrix dY = make(arena, rnd, s, contiguous);
                        Cases.fill(rnd, dY, -1, 1);
                        float[][][] out = new float[3][][];
                        Kernels[] backends = {one, all, ref};
                        for (int b = 0; b < 3; b++) {
                            Matrix y = make(arena, rnd, s, contiguous);
                            Matrix dX = make(arena, rnd, s, contiguous);
                            Matrix w = make(arena, new SplittableRandom(5), s, contiguous);
                            Matrix m = make(arena, new SplittableRandom(6), s, contiguous);
                            Matrix v = make(arena, new SplittableRandom(7), s, contiguous);
                            Cases.fill(new SplittableRandom(8), w, -1, 1);
                            Cases.fill(new SplittableRandom(9), m, -0.1f, 0.1f);
                            Cases.fill(new SplittableRandom(10), v, 0, 0.01f);
                            backends[b].reluForward(y, x);
                            backends[b].reluBackward(dX, dY, x);
                            backends[b].adamUpdate(w, m, v, dY, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 3);
                            float[][] o = new float[16][];
                            o[0] = y.toArray();
                            o[1] = dX.toArray();
                            o[2] = w.toArray();
                            o[3] = m.toArray();
                            o[4] = v.toArray();
                            backends[b].sigmoidForward(y, x);
                            o[5] = y.toArray();
                            backends[b].sigmoidBackward(dX, dY, y);
                            o[6] = dX.toArray();
                            backends[b].tanhForward(y, x);
                            o[7] = y.toArray();
                            backends[b].tanhBackward(dX, dY, y);
                            o[8] = dX.toArray();
                            backends[b].geluForward(y, x);
                            o[9] = y.toArray();
                            backends[b].geluBackward(dX, dY, x);
                            o[10] = dX.toArray();
                            backends[b].softmaxForward(y, x);
                            o[11] = y.toArray();
                            Matrix gamma = Matrix.allocate(arena, 1, s[1]);
                            Matrix beta = Matrix.allocate(arena, 1, s[1]);
                            Cases.fill(new SplittableRandom(11), gamma, -2, 2);
                            Cases.fill(new SplittableRandom(12), beta, -1, 1);
                            Matrix mean = Matrix.allocate(arena, s[0], 1);
                            Matrix rstd = Matrix.allocate(arena, s[0], 1);
                            backends[b].layerNormForward(y, mean, rstd, x, gamma, beta, 1e-5f);
                            o[12] = y.toArray();
                            o[13] = mean.toArray();
                            o[14] = rstd.toArray();
                            backends[b].layerNormBackward(dX, Matrix.allocate(arena, 1, s[1]), Matrix.allocate(arena, 1, s[1]),
                                    dY, x, mean, rstd, gamma, 0f);
                            o[15] = dX.toArray();
                            out[b] = o;
                        }
                        String[] names = {"relu forward", "relu backward", "adam W", "adam M", "adam V", "sigmoid forward",
                            "sigmoid backward", "tanh forward", "tanh backward", "gelu forward", "gelu backward", "softmax forward",
                            "layer norm forward Y", "layer norm forward mean", "layer norm forward rstd", "layer norm backward dX"};
                        for (int o = 0; o < names.length; o++) {
                            assertArrayEquals(out[0][o], out[1][o], names[o] + ": one thread against " + all.threads());
                        }
                        for (int o = 0; o < 5; o++) {
                            assertArrayEquals(out[2][o], out[1][o], names[o] + ": the reference against " + all.threads() + " threads");
                        }
                    }
                })));
    }

    /** A contiguous matrix, or a view with a leading dimension larger than its columns and an odd offset. */
    private static Matrix make(Arena arena, SplittableRandom rnd, int[] s, boolean contiguous) {
        if (contiguous) {
            return Matrix.allocate(arena, s[0], s[1]);
        }
        Matrix parent = Matrix.allocate(arena, s[0] + 1, s[1] + 3 + rnd.nextInt(1, 9));
        Cases.fill(rnd, parent, -1e3f, 1e3f);
        return parent.view(1, 3, s[0], s[1]);
    }
}
