package dev.myelin.simd;

import dev.myelin.core.Cases;
import dev.myelin.core.Conv2d;
import dev.myelin.core.Pool2d;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded geometries for the convolution and pooling properties. First the channel counts around the lane
 * count ({@link Cases#edgeSizes}, up to 64 for a convolution's channels and filters) crossed on a small
 * image (for pooling: gapped, overlapping and padded windows, and windows that tile the image exactly),
 * then random geometries: channels 1 to 64, kernels 1x1 to 7x7 (windows 1x1 to 5x5), strides 1 to 3,
 * padding 0 to 3, dilation 2 one time in four, image sides of 1 to 20 pixels and batches of 1 to 17. A
 * random convolution whose reference work ({@code N P Q K R S C} multiply-adds) exceeds {@link #MAX_WORK}
 * is shrunk (batch first, then the largest of the image, channels and filters) so a case stays fast.
 */
final class ImageCases {

    /** Multiply-adds a random convolution case may cost the reference. */
    static final long MAX_WORK = 1_500_000;

    private ImageCases() {
    }

    /** A convolution case: its index (for the seed), batch size and geometry. */
    record Conv(long index, int batch, Conv2d g) {
        String describe() {
            return "N=" + batch + " " + g + " " + SimdTesting.setting() + " " + Cases.tag(index);
        }
    }

    /** A pooling case. */
    record Pool(long index, int batch, Pool2d g) {
        String describe() {
            return "N=" + batch + " " + g + " " + SimdTesting.setting() + " " + Cases.tag(index);
        }
    }

    static List<Conv> convolutions(long base, int random) {
        List<Conv> list = new ArrayList<>();
        long index = base;
        int[] edges = java.util.Arrays.stream(Cases.edgeSizes(SimdTesting.lanes())).filter(e -> e <= 64).toArray();
        for (int c : edges) {
            for (int k : edges) {
                list.add(new Conv(index++, 2, Conv2d.of(c, 5, 6, k, 3, 1, 1)));
            }
        }
        for (int i = 0; i < random * Cases.SCALE; i++) {
            long at = index++;
            list.add(randomConvolution(at, Cases.random(at)));
        }
        return list;
    }

    private static int channels(SplittableRandom rnd) {
        int[] edges = Cases.edgeSizes(SimdTesting.lanes());
        int pick = rnd.nextInt(3) == 0 ? edges[rnd.nextInt(edges.length)] : rnd.nextInt(1, 65);
        return Math.min(64, pick);
    }

    private static Conv randomConvolution(long index, SplittableRandom rnd) {
        int c = channels(rnd);
        int k = channels(rnd);
        int r = rnd.nextInt(1, 8);
        int s = rnd.nextInt(1, 8);
        int sH = rnd.nextInt(1, 4);
        int sW = rnd.nextInt(1, 4);
        int pH = rnd.nextInt(0, 4);
        int pW = rnd.nextInt(0, 4);
        int dH = rnd.nextInt(4) == 0 ? 2 : 1;
        int dW = rnd.nextInt(4) == 0 ? 2 : 1;
        int minH = Math.max(1, dH * (r - 1) + 1 - 2 * pH);
        int minW = Math.max(1, dW * (s - 1) + 1 - 2 * pW);
        int h = Math.max(minH, rnd.nextInt(1, 21));
        int w = Math.max(minW, rnd.nextInt(1, 21));
        int n = rnd.nextInt(1, 18);
        while (true) {
            Conv2d g = new Conv2d(c, h, w, k, r, s, sH, sW, pH, pW, dH, dW);
            long work = (long) n * g.outHeight() * g.outWidth() * k * r * s * c;
            if (work <= MAX_WORK) {
                return new Conv(index, n, g);
            }
            if (n > 1) {
                n = (n + 1) / 2;
            } else if (h * w > 4 * Math.max(c, k) && (h > minH || w > minW)) {
                h = Math.max(minH, h * 3 / 4);
                w = Math.max(minW, w * 3 / 4);
            } else if (c >= k && c > 1) {
                c = (c + 1) / 2;
            } else if (k > 1) {
                k = (k + 1) / 2;
            } else {
                return new Conv(index, n, g);
            }
        }
    }

    static List<Pool> poolings(long base, int random) {
        List<Pool> list = new ArrayList<>();
        long index = base;
        for (int c : Cases.edgeSizes(SimdTesting.lanes())) {
            list.add(new Pool(index++, 2, Pool2d.of(c, 6, 5, 2, 2, 0)));
            list.add(new Pool(index++, 1, Pool2d.of(c, 5, 7, 3, 1, 1)));
            list.add(new Pool(index++, 3, Pool2d.of(c, 4, 6, 2, 2, 0)));                 // windows that tile the image
            list.add(new Pool(index++, 1, new Pool2d(c, 6, 3, 3, 1, 3, 1, 0, 0)));
        }
        for (int i = 0; i < random * Cases.SCALE; i++) {
            long at = index++;
            SplittableRandom rnd = Cases.random(at);
            int c = channels(rnd);
            int r = rnd.nextInt(1, 6);
            int s = rnd.nextInt(1, 6);
            int pH = rnd.nextInt(0, Math.min(4, r));
            int pW = rnd.nextInt(0, Math.min(4, s));
            int h = Math.max(Math.max(1, r - 2 * pH), rnd.nextInt(1, 21));
            int w = Math.max(Math.max(1, s - 2 * pW), rnd.nextInt(1, 21));
            list.add(new Pool(at, rnd.nextInt(1, 18), new Pool2d(c, h, w, r, s, rnd.nextInt(1, 4), rnd.nextInt(1, 4), pH, pW)));
        }
        return list;
    }
}
