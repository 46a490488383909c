package dev.myelin.simd;

import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Conv2d;
import dev.myelin.core.Matrix;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * SIMD 2-D convolution over channels-last images: direct kernels on the GEMM's register tiles, which
 * read the image through per-pixel offsets instead of a copied im2col matrix. This file holds the three entry
 * points and what their parts share; each part is a file with a job of its own:
 * <ul>
 *   <li>{@link ConvForward}: {@code Y = conv(X, W) + b}, the implicit micro-kernel over each padded image;</li>
 *   <li>{@link ConvInputGradient}: {@code dX = conv^T(dY, W)}, the implicit micro-kernel over dY spread by the
 *       strides, or the planar one (vectorised along a row of pixels) where the channels are few;</li>
 *   <li>{@link ConvFilterGradient}: {@code dW = sum_n col(X_n)^T dY_n}, {@code db = column sums of dY}, over
 *       blocks of images copied into shared buffers;</li>
 *   <li>{@link ConvKernels}: the micro-kernels, their contracts, and why each tile has its own unrolled body.</li>
 * </ul>
 *
 * <p>Every part walks each element's depth in the reference's order with one FMA per term from +0, the zero
 * terms included (they read the zeros its buffers hold at the padding), and adds the bias, {@code beta dW} and db
 * the reference's way: the results are bit for bit the reference's, for any geometry, tile and thread count.
 * Every element is summed by one thread in one order.
 *
 * <p>Tiles: the GEMM's ({@link Vectors#MR} x {@link Vectors#NV}) or, where the filters fit half as many
 * vectors with less padding (K = 32 at 512 bits), a twice as tall tile of half the width (12 x 2 with 32
 * registers): {@link #tileVectors}, {@link #tileRows}.
 *
 * <p>Scratch, kept per calling thread in each part's job between calls (a warm call allocates nothing): bounded
 * by the geometry, never by the batch; each part's comment lists its own.
 */
final class Convolution {

    /** The narrow tile, for filters that fill half the GEMM tile's vectors: 12 x 2 with 32 registers. */
    static final int NARROW_MR = Vectors.NV == 4 ? 12 : Vectors.MR;
    static final int NARROW_NV = Vectors.NV == 4 ? 2 : Vectors.NV;

    /** Floats of a tile, the widest of the two: each pool thread's micro-kernel output. */
    static final int TILE_FLOATS = Math.max(Vectors.MR * Vectors.NR, NARROW_MR * NARROW_NV * L);

    /** Below this many multiply-adds a call runs on the calling thread alone. */
    static final long PARALLEL_MIN_WORK = 1L << 20;

    static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private Convolution() {
    }

    // y is (N, P*Q*K), x is (N, H*W*C), w is (R*S*C, K), b is (1, K)
    static void conv2dForward(Matrix y, Matrix x, Matrix w, Matrix b, Conv2d g, Parallel pool) {
        ConvForward.compute(y, x, w, b, g, pool);
    }

    // dX is (N, H*W*C), dY is (N, P*Q*K), w is (R*S*C, K)
    static void conv2dBackwardInput(Matrix dX, Matrix dY, Matrix w, Conv2d g, Parallel pool) {
        ConvInputGradient.compute(dX, dY, w, g, pool);
    }

    // dW is (R*S*C, K), db is (1, K), dY is (N, P*Q*K), x is (N, H*W*C); beta is 0 or 1
    static void conv2dBackwardFilter(Matrix dW, Matrix db, Matrix dY, Matrix x, Conv2d g, float beta, Parallel pool) {
        ConvFilterGradient.compute(dW, db, dY, x, g, beta, pool);
    }

    /** The tile's vectors for K filters (or C channels): the narrow tile's where it pads to fewer columns. */
    static int tileVectors(int k) {
        int wide = Vectors.NV * L;
        int narrow = NARROW_NV * L;
        return (k + narrow - 1) / narrow * narrow < (k + wide - 1) / wide * wide ? NARROW_NV : Vectors.NV;
    }

    /** The tile's rows for a tile of {@code vectors} vectors. */
    static int tileRows(int vectors) {
        return vectors == Vectors.NV ? Vectors.MR : NARROW_MR;
    }

    /**
     * The pool a call of {@code work} multiply-adds on these segments runs on: the kernels instance's, or the
     * caller alone ({@link Parallel#CALLER}) for small work or memory only the caller may touch.
     */
    static Parallel poolFor(long work, Parallel pool, Matrix a, Matrix b, Matrix c) {
        boolean shared = Parallel.sharable(a.segment()) && Parallel.sharable(b.segment()) && Parallel.sharable(c.segment());
        return work < PARALLEL_MIN_WORK || !shared ? Parallel.CALLER : pool;
    }

    static float[] grow(float[] a, int size) {
        return a.length >= size ? a : new float[size];
    }

    static int[] grow(int[] a, int size) {
        return a.length >= size ? a : new int[size];
    }

    /** Width in pixels of a padded image: {@code W + 2 pW}. */
    static int paddedWidth(Conv2d g) {
        return g.width() + 2 * g.padWidth();
    }

    /** Floats of a padded image: {@code (H + 2 pH) x (W + 2 pW) x C}. */
    static int paddedSize(Conv2d g) {
        return (g.height() + 2 * g.padHeight()) * paddedWidth(g) * g.channels();
    }

    /** Copies image n of x into {@code dst[at ..]} with its zero padding: {@link #paddedSize} floats. */
    static void pad(Conv2d g, Matrix x, int n, float[] dst, int at) {
        int cc = g.channels();
        int rowPad = g.padHeight();
        int colPad = g.padWidth();
        int rowFloats = paddedWidth(g) * cc;
        int hp = g.height() + 2 * rowPad;
        Arrays.fill(dst, at, at + rowPad * rowFloats, 0f);
        Arrays.fill(dst, at + (rowPad + g.height()) * rowFloats, at + hp * rowFloats, 0f);
        int inner = g.width() * cc;
        long from = Elementwise.row(x, n);
        for (int h = 0; h < g.height(); h++) {
            int row = at + (rowPad + h) * rowFloats;
            Arrays.fill(dst, row, row + colPad * cc, 0f);
            Gemm.copyRow(x.segment(), from + Elementwise.bytes(h * inner), dst, row + colPad * cc, inner);
            Arrays.fill(dst, row + colPad * cc + inner, row + rowFloats, 0f);
        }
    }

    /** The window corners of the output pixels in a padded image ({@link #paddedWidth}): in {@code into} or a larger array. */
    static int[] corners(Conv2d g, int[] into) {
        int c = g.channels();
        int q = g.outWidth();
        int wp = paddedWidth(g);
        int pixels = g.outHeight() * q;
        int[] pixBase = grow(into, pixels);
        for (int m = 0; m < pixels; m++) {
            pixBase[m] = ((m / q) * g.strideHeight() * wp + (m % q) * g.strideWidth()) * c;
        }
        return pixBase;
    }

    /** The offsets of the taps from a window corner in a padded image: in {@code into} or a larger array. */
    static int[] taps(Conv2d g, int[] into) {
        int c = g.channels();
        int wp = paddedWidth(g);
        int taps = g.kernelHeight() * g.kernelWidth();
        int[] tapOff = grow(into, taps);
        for (int t = 0; t < taps; t++) {
            tapOff[t] = ((t / g.kernelWidth()) * g.dilationHeight() * wp + (t % g.kernelWidth()) * g.dilationWidth()) * c;
        }
        return tapOff;
    }

    /**
     * {@code out[at ..] = t[from ..] (+ add[a0 ..])} for {@code count} floats (at most a tile row): whole vectors
     * inside the segment as vector stores, the rest lane by lane with the same addition.
     */
    static void storeRow(MemorySegment os, long at, float[] t, int from, int count, float[] add, int a0) {
        int j = 0;
        for (; j + L <= count && at + Elementwise.bytes(j + L) <= os.byteSize(); j += L) {
            if (add != null) {                                               // no vector is picked by a branch (Elementwise)
                FloatVector.fromArray(F, t, from + j).add(FloatVector.fromArray(F, add, a0 + j))
                        .intoMemorySegment(os, at + Elementwise.bytes(j), NATIVE);
            } else {
                FloatVector.fromArray(F, t, from + j).intoMemorySegment(os, at + Elementwise.bytes(j), NATIVE);
            }
        }
        for (; j < count; j++) {
            os.set(FL, at + Elementwise.bytes(j), add != null ? t[from + j] + add[a0 + j] : t[from + j]);
        }
    }

    /**
     * A job whose chunk is one image of {@code in}, writing that image's row of {@code out} (Y and X forward, dX and
     * dY for the input gradient); with each pool thread's micro-kernel tile and window bases.
     */
    abstract static class ImageJob implements Parallel.Job {

        Matrix out;
        Matrix in;
        Conv2d g;
        final float[][] tile = new float[Parallel.MAX_THREADS][TILE_FLOATS];
        final int[][] base = new int[Parallel.MAX_THREADS][Math.max(Vectors.MR, NARROW_MR)];

        /** Runs every image of {@code in}: on {@code pool} unless {@link #poolFor} says the caller alone. */
        final void images(Matrix out, Matrix in, Matrix w, Conv2d g, long work, Parallel pool) {
            this.out = out;
            this.in = in;
            this.g = g;
            try {
                poolFor(work, pool, out, in, w).run(this, in.rows());
            } finally {
                this.out = null;
                this.in = null;
            }
        }
    }

    /**
     * The implicit pass that the forward and the channel-tiled input gradient share: the tile, the operand packed
     * in panels of {@code nr} columns ({@code packed[(panel * depth + l) * nr + j]}), the window corners of the output
     * pixels and the offsets of the taps; and {@link #image}, which runs the implicit micro-kernel over one image.
     */
    static final class Implicit {

        int mr;
        int nr;
        int panels;
        /** Depth of an output element: R S C (forward) or R S K (input gradient). */
        int depth;
        int[] corners = new int[0];
        int[] tapOffsets = new int[0];
        float[] packed = new float[0];

        /** Sets the tile for outputs of {@code width} columns per pixel, and the panels that cover them. */
        void tile(int width) {
            int nv = tileVectors(width);
            mr = tileRows(nv);
            nr = nv * L;
            panels = (width + nr - 1) / nr;
        }

        /**
         * The tiles of one image of the output, at byte {@code row} of {@code os} ({@code pixels} pixels of
         * {@code width} channels): for each panel and each run of MR pixels, the micro-kernel on {@code src}, then
         * {@code out = tile (+ add)} for the valid pixels and channels. {@code tile} and {@code base} are the calling
         * thread's.
         */
        void image(MemorySegment os, long row, int pixels, int width, int taps, int run, float[] src, float[] add,
                   float[] tile, int[] base) {
            for (int panel = 0; panel < panels; panel++) {
                int bo = panel * depth * nr;
                for (int m0 = 0; m0 < pixels; m0 += mr) {
                    int rows = Math.min(mr, pixels - m0);
                    for (int i = 0; i < mr; i++) {
                        base[i] = corners[i < rows ? m0 + i : m0];
                    }
                    ConvKernels.implicit(mr, taps, run, tapOffsets, src, base, packed, bo, tile);
                    for (int i = 0; i < rows; i++) {
                        long at = row + Elementwise.bytes((m0 + i) * width + panel * nr);
                        storeRow(os, at, tile, i * nr, Math.min(nr, width - panel * nr), add, panel * nr);
                    }
                }
            }
        }
    }
}
