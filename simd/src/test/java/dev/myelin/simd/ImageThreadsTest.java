package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.myelin.core.Backends;
import dev.myelin.core.Cases;
import dev.myelin.core.Conv2d;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The convolution and pooling kernels give bit-identical results on one thread and on all of them: every
 * element is summed in one order whichever thread computes it. The geometries are large enough to run in
 * parallel (the example network's two layers and its pooling, a one-channel input gradient that takes
 * the planar path, a strided one), and the filter gradients' batches span several of its image blocks.
 */
class ImageThreadsTest {

    private static final List<Conv2d> CONVOLUTIONS = List.of(Conv2d.of(1, 28, 28, 32, 3, 1, 1), Conv2d.of(32, 14, 14, 64, 3, 1, 1),
            new Conv2d(8, 28, 28, 16, 5, 3, 2, 1, 2, 1, 1, 2), Conv2d.of(3, 30, 30, 40, 7, 1, 3));

    private static final List<Pool2d> POOLINGS = List.of(Pool2d.of(32, 28, 28, 2, 2, 0), Pool2d.of(19, 20, 20, 3, 1, 1));

    private static final int BATCH = 48;

    @TestFactory
    Stream<DynamicTest> oneAndManyThreadsAgreeExactly() {
        Kernels one = Backends.get("simd", 1);
        Kernels all = Backends.get("simd", Runtime.getRuntime().availableProcessors());
        Stream<DynamicTest> conv = CONVOLUTIONS.stream().map(g -> DynamicTest.dynamicTest("convolution " + g + " "
                + SimdTesting.setting(), () -> {
            SimdTesting.simd();
            try (Arena arena = Arena.ofShared()) {
                SplittableRandom rnd = Cases.random(g.hashCode());
                Matrix x = Cases.matrix(arena, rnd, BATCH, g.inputColumns());
                Matrix w = Cases.matrix(arena, rnd, g.filterRows(), g.filters());
                Matrix b = Cases.matrix(arena, rnd, 1, g.filters());
                Matrix dY = Cases.matrix(arena, rnd, BATCH, g.outputColumns());
                float[][] r = new float[4][];
                float[][] s = new float[4][];
                Kernels[] backends = {one, all};
                for (int k = 0; k < 2; k++) {
                    Matrix y = Cases.layout(arena, rnd, BATCH, g.outputColumns());
                    Matrix dX = Cases.layout(arena, rnd, BATCH, g.inputColumns());
                    Matrix dW = Cases.layout(arena, rnd, g.filterRows(), g.filters());
                    Matrix db = Cases.layout(arena, rnd, 1, g.filters());
                    backends[k].conv2dForward(y, x, w, b, g);
                    backends[k].conv2dBackwardInput(dX, dY, w, g);
                    backends[k].conv2dBackwardFilter(dW, db, dY, x, g, 0f);
                    backends[k].conv2dBackwardFilter(dW, db, dY, x, g, 1f);
                    float[][] out = k == 0 ? r : s;
                    out[0] = y.toArray();
                    out[1] = dX.toArray();
                    out[2] = dW.toArray();
                    out[3] = db.toArray();
                }
                for (int o = 0; o < 4; o++) {
                    assertArrayEquals(r[o], s[o], "output " + o + " of " + g);
                }
            }
        }));
        Stream<DynamicTest> pool = POOLINGS.stream().map(g -> DynamicTest.dynamicTest("pooling " + g + " "
                + SimdTesting.setting(), () -> {
            SimdTesting.simd();
            try (Arena arena = Arena.ofShared()) {
                SplittableRandom rnd = Cases.random(g.hashCode());
                Matrix x = Cases.matrix(arena, rnd, BATCH, g.inputColumns());
                Matrix dY = Cases.matrix(arena, rnd, BATCH, g.outputColumns());
                float[][][] r = new float[2][4][];
                Kernels[] backends = {one, all};
                for (int k = 0; k < 2; k++) {
                    Matrix y = Cases.layout(arena, rnd, BATCH, g.outputColumns());
                    Matrix dX = Cases.layout(arena, rnd, BATCH, g.inputColumns());
                    backends[k].maxPool2dForward(y, x, g);
                    r[k][0] = y.toArray();
                    backends[k].maxPool2dBackward(dX, dY, x, g);
                    r[k][1] = dX.toArray();
                    backends[k].avgPool2dForward(y, x, g);
                    r[k][2] = y.toArray();
                    backends[k].avgPool2dBackward(dX, dY, g);
                    r[k][3] = dX.toArray();
                }
                for (int o = 0; o < 4; o++) {
                    assertArrayEquals(r[0][o], r[1][o], "output " + o + " of " + g);
                }
            }
        }));
        return Stream.concat(conv, pool);
    }
}
