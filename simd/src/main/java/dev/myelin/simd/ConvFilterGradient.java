package dev.myelin.simd;

import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Conv2d;
import dev.myelin.core.Matrix;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * The convolution's filter gradient, {@code dW = sum_n col(X_n)^T dY_n} and {@code db = column sums of dY} (see
 * {@link Convolution}). A tile is MR rows {@code (r, s, c)} of dW by NV vectors of filters; the depth is every
 * output pixel of every image, in the reference's order (n, p, q). The images are taken in blocks of at most
 * {@link #BLOCK_FLOATS} floats: the threads first copy the block's padded images and dY rows into shared buffers
 * (one image per chunk), then split the tiles, which work through the block a few images at a time ({@link
 * #L2_FLOATS}, so what a tile re-reads stays in L2). Each tile's accumulators live in a {@code float[]} between
 * calls of the micro-kernel ({@link ConvKernels#filter}), so its sum is one chain of FMAs over (n, p, q) from +0,
 * as in the reference, and {@code dW = beta == 0 ? acc : dW + acc}. One more chunk adds the block's dY into db, in
 * order of (n, p, q) from +0, one lane per filter. Two pool runs per block: a few per call.
 *
 * <p>Scratch: the accumulators ({@code R S C} rounded up to whole tiles x K rounded up to whole panels) and the
 * block buffers (at most {@link #BLOCK_FLOATS} floats, or one image if larger).
 */
final class ConvFilterGradient implements Parallel.Job {

    /** Floats of padded images and dY rows copied per block of images (2 MiB). */
    static final int BLOCK_FLOATS = 1 << 19;

    /** Floats of padded images and dY rows a range of tiles works through at a time (256 KiB). */
    static final int L2_FLOATS = 1 << 16;

    /** Chunks per thread of the tiles, taken from a shared counter (see {@link Parallel}). */
    static final int CHUNKS_PER_THREAD = 4;

    private static final ThreadLocal<ConvFilterGradient> JOBS = ThreadLocal.withInitial(ConvFilterGradient::new);

    // the tile and the geometry of one call
    private int mr;
    private int nr;
    private int panels;
    /** Rows of dW: R S C. */
    private int depth;
    /** Filters rounded up to whole panels: floats per pixel in the dY buffer. */
    private int kp;
    /** Floats of one padded image in the image buffer. */
    private int srcSize;
    /** Floats of one image's dY rows in the dY buffer. */
    private int dySize;
    private int tiles;
    private int chunks;
    private int[] corners = new int[0];
    private int[] tapOffsets = new int[0];
    /** Offset of row l = (r, s, c) of dW from a window corner (rows past R S C: 0, computed and never stored). */
    private int[] rowOffsets = new int[0];

    // the tiles' accumulators: tile t's element (i, j) at acc[(t * mr + i) * nr + j]; the bias's, one per filter
    private float[] acc = new float[0];
    private float[] accB = new float[0];

    // the current block: its images' padded pixels and dY rows, and which images they are
    private float[] blockSrc = new float[0];
    private float[] blockDy = new float[0];
    private int blockStart;
    private int blockImages;
    /** True while the pool copies the block; false while it runs the tiles. */
    private boolean copying;

    // one call's operands
    private Matrix dY;
    private Matrix x;
    private Conv2d g;

    private ConvFilterGradient() {
    }

    // dW is (R*S*C, K), db is (1, K), dY is (N, P*Q*K), x is (N, H*W*C); beta is 0 or 1
    static void compute(Matrix dW, Matrix db, Matrix dY, Matrix x, Conv2d g, float beta, Parallel pool) {
        JOBS.get().call(dW, db, dY, x, g, beta, pool);
    }

    private void call(Matrix dW, Matrix db, Matrix dY, Matrix x, Conv2d g, float beta, Parallel pool) {
        int nv = Convolution.tileVectors(g.filters());
        mr = Convolution.tileRows(nv);
        nr = nv * L;
        panels = (g.filters() + nr - 1) / nr;
        depth = g.filterRows();
        srcSize = Convolution.paddedSize(g);
        corners = Convolution.corners(g, corners);
        tapOffsets = Convolution.taps(g, tapOffsets);
        int pixels = g.outHeight() * g.outWidth();
        kp = panels * nr;
        dySize = pixels * kp;
        int rowTiles = (depth + mr - 1) / mr;
        tiles = rowTiles * panels;
        rowOffsets = Convolution.grow(rowOffsets, rowTiles * mr);
        int cc = g.channels();
        for (int l = 0; l < rowTiles * mr; l++) {
            rowOffsets[l] = l < depth ? tapOffsets[l / cc] + l % cc : 0;
        }
        acc = Convolution.grow(acc, tiles * mr * nr);
        Arrays.fill(acc, 0, tiles * mr * nr, 0f);
        accB = Convolution.grow(accB, kp);
        Arrays.fill(accB, 0, kp, 0f);
        int n = x.rows();
        int block = Math.max(1, Math.min(n, BLOCK_FLOATS / (srcSize + dySize)));
        blockSrc = Convolution.grow(blockSrc, block * srcSize);
        blockDy = Convolution.grow(blockDy, block * dySize);
        long work = (long) n * pixels * depth * g.filters();
        Parallel used = Convolution.poolFor(work, pool, dW, dY, x);
        chunks = Math.min(tiles, used.threads() == 1 ? 1 : CHUNKS_PER_THREAD * used.threads());
        this.dY = dY;
        this.x = x;
        this.g = g;
        try {
            for (blockStart = 0; blockStart < n; blockStart += block) {
                blockImages = Math.min(block, n - blockStart);
                copying = true;
                used.run(this, blockImages);
                copying = false;
                used.run(this, chunks + 1);                    // the last chunk sums the bias gradient
            }
        } finally {
            this.dY = null;
            this.x = null;
        }
        // dW = beta == 0 ? acc : dW + acc, for the valid rows and filters of every tile
        MemorySegment ws = dW.segment();
        int kk = g.filters();
        for (int l = 0; l < depth; l++) {
            long row = Elementwise.row(dW, l);
            int t0 = (l / mr) * panels;
            for (int k = 0; k < kk; k++) {
                float v = acc[((t0 + k / nr) * mr + l % mr) * nr + k % nr];
                long at = row + Elementwise.bytes(k);
                ws.set(Convolution.FL, at, beta == 0 ? v : ws.get(Convolution.FL, at) + v);
            }
        }
        MemorySegment bs = db.segment();
        for (int k = 0; k < kk; k++) {
            long at = Elementwise.row(db, 0) + Elementwise.bytes(k);
            bs.set(Convolution.FL, at, beta == 0 ? accB[k] : bs.get(Convolution.FL, at) + accB[k]);
        }
    }

    /** While copying: image {@code chunk} of the block. Else: a range of tiles, or the bias (the last chunk). */
    @Override
    public void run(int chunk, int thread) {
        if (copying) {
            int n = blockStart + chunk;
            Convolution.pad(g, x, n, blockSrc, chunk * srcSize);
            spreadDy(n, chunk * dySize);
        } else if (chunk == chunks) {
            biasSums();
        } else {
            tiles(chunk);
        }
    }

    /**
     * Copies image n's dY rows into {@code blockDy[at ..]}, pixel by pixel, each pixel's K values padded with zeros
     * to {@code kp = panels * nr}: one copy of the whole image where K needs no padding.
     */
    private void spreadDy(int n, int at) {
        int kk = g.filters();
        int pixels = g.outHeight() * g.outWidth();
        long from = Elementwise.row(dY, n);
        float[] dst = blockDy;
        if (kk == kp) {
            Gemm.copyRow(dY.segment(), from, dst, at, pixels * kk);
            return;
        }
        for (int m = 0; m < pixels; m++) {
            int to = at + m * kp;
            Gemm.copyRow(dY.segment(), from + Elementwise.bytes(m * kk), dst, to, kk);
            Arrays.fill(dst, to + kk, to + kp, 0f);
        }
    }

    /**
     * The bias gradient's share of the current block: {@code accB[k] += dY} over its images and pixels in order,
     * one lane per filter (the padded filters add zeros to lanes that are never stored).
     */
    private void biasSums() {
        int pixels = g.outHeight() * g.outWidth();
        for (int k = 0; k < kp; k += L) {
            FloatVector u = FloatVector.fromArray(F, accB, k);
            for (int j = 0; j < blockImages; j++) {
                for (int m = 0, d = j * dySize + k; m < pixels; m++, d += kp) {
                    u = FloatVector.fromArray(F, blockDy, d).add(u);     // the fresh vector is the receiver (Elementwise)
                }
            }
            FloatVector.broadcast(F, -0f).add(u).intoArray(accB, k);     // -0 + u = u, of a known class
        }
    }

    /**
     * A range of the tiles (row tile x panel) over the images of the current block, a few images at a time ({@link
     * #L2_FLOATS} of padded pixels and dY rows, which each tile of the range re-reads from L2): each tile's chain
     * continues in its accumulators.
     */
    private void tiles(int chunk) {
        int t0 = (int) ((long) tiles * chunk / chunks);
        int t1 = (int) ((long) tiles * (chunk + 1) / chunks);
        int pixels = g.outHeight() * g.outWidth();
        int step = Math.max(1, L2_FLOATS / (srcSize + dySize));
        for (int j0 = 0; j0 < blockImages; j0 += step) {
            int images = Math.min(step, blockImages - j0);
            int so = j0 * srcSize;
            int dyo = j0 * dySize;
            for (int t = t0; t < t1; t++) {
                int ro = (t / panels) * mr;
                int po = dyo + (t % panels) * nr;
                int ao = t * mr * nr;
                ConvKernels.filter(mr, images, pixels, corners, blockSrc, so, srcSize, rowOffsets, ro, blockDy, po, dySize,
                        kp, acc, ao);
            }
        }
    }
}
