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
 * read the image through per-pixel offsets instead of a copied im2col matrix.
 *
 * <p><b>Forward</b> ({@code Y = conv(X, W) + b}). For each image, its pixels are copied once into a
 * per-thread {@code float[]} with the zero padding around them ({@code (H + 2 pH) x (W + 2 pW) x C}), so no
 * tap ever needs a bounds test. An output tile is {@code MR} consecutive output pixels by {@code NV}
 * vectors of filters; its micro-kernel walks the depth {@code (r, s, c)} in the reference's order: for tap
 * (r, s) it adds the tap's offset to each of the MR pixels' window corners, then for each channel c
 * broadcasts the MR input values and multiplies them into the NV vectors of the packed filter row
 * {@code W[(r*S + s)*C + c]} (one FMA per term, from +0). So each output element is the reference's fused
 * sum in the reference's order, padded taps included (they read the zeros), and the bias is added by one
 * rounding at the store: the results are bit for bit the reference's, for any depth.
 *
 * <p><b>Input gradient</b> ({@code dX = conv^T(dY, W)}): the same micro-kernel on dY. For each image, dY is
 * copied into a per-thread buffer with its rows and columns spread by the strides (zeros between) and
 * zero margins of the kernel's dilated size, so that input pixel (h, w) reaches, through tap (r, s), the
 * buffer's pixel {@code (h + pH + (R - 1) dH - r dH, w + pW + (S - 1) dW - s dW)}: the dY that the tap
 * carries there, or a zero where none does (the reference's zero terms). W is packed transposed, {@code
 * (r, s, k) x c}, so the depth runs {@code (r, s, k)} in the reference's order. Every image writes the same
 * positions of the buffer, so it is zeroed once per call and thread. With strides above 1 most of the
 * buffer is zeros and most of the FMAs add zero terms: correct, and slower than it could be ({@code sH sW}
 * times the work); the example network has stride 1. With few channels (C = 1: a tile of channels would be
 * almost all padding) the <b>planar</b> variant vectorises along a row of pixels instead: dY is transposed
 * into one spread plane per filter, a tile is MR rows by NV vectors of consecutive pixels of one channel,
 * and the depth {@code (r, s, k)}, still in the reference's order, broadcasts one weight per step.
 *
 * <p><b>Filter gradient</b> ({@code dW = sum_n col(X_n)^T dY_n}, {@code db = column sums of dY}). A tile is
 * MR rows {@code (r, s, c)} of dW by NV vectors of filters; the depth is every output pixel of every image,
 * in the reference's order (n, p, q). The images are taken in blocks of at most {@link #BLOCK_FLOATS}
 * floats: the threads first copy the block's padded images and dY rows into shared buffers (one image per
 * chunk), then split the tiles, which work through the block a few images at a time ({@link #L2_FLOATS}, so
 * what a tile re-reads stays in L2). Each tile's accumulators live in a {@code float[]} between calls of the
 * micro-kernel, so its sum is one chain of FMAs over (n, p, q) from +0, as in the reference, and
 * {@code dW = beta == 0 ? acc : dW + acc}. One more chunk adds the block's dY into db, in order of
 * (n, p, q) from +0, one lane per filter. Two pool runs per block: a few per call.
 *
 * <p>Tiles: the GEMM's ({@link Vectors#MR} x {@link Vectors#NV}) or, where the filters fit half as many
 * vectors with less padding (K = 32 at 512 bits), a twice as tall tile of half the width (12 x 2 with 32
 * registers). Every element is summed by one thread in one order, so results are bit-identical for any
 * thread count; the micro-kernels read only {@code float[]} and {@code int[]} scratch (a kernel with many
 * accumulators that reads MemorySegments can fail C1's compile, see {@link Gemm}).
 *
 * <p>Scratch, kept per calling thread between calls (a warm call allocates nothing): the packed filters
 * ({@code R S C} rounded-up-K floats), one padded image or spread dY per pool thread, the filter
 * gradient's accumulators ({@code R S C} x rounded-up K) and its block buffers (at most
 * {@link #BLOCK_FLOATS} floats, or one image if larger): bounded by the geometry, never by the batch.
 */
final class Convolution {

    /** The narrow tile, for filters that fill half the GEMM tile's vectors: 12 x 2 with 32 registers. */
    static final int NARROW_MR = Vectors.NV == 4 ? 12 : Vectors.MR;
    static final int NARROW_NV = Vectors.NV == 4 ? 2 : Vectors.NV;

    /** Floats of padded images and dY rows the filter gradient copies per block of images (2 MiB). */
    static final int BLOCK_FLOATS = 1 << 19;

    /** Floats of padded images and dY rows a range of filter-gradient tiles works through at a time (256 KiB). */
    static final int L2_FLOATS = 1 << 16;

    /** Below this many multiply-adds a call runs on the calling thread alone. */
    static final long PARALLEL_MIN_WORK = 1L << 20;

    /** Chunks per thread of the filter gradient's tiles, taken from a shared counter (see {@link Parallel}). */
    static final int CHUNKS_PER_THREAD = 4;

    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);

    private Convolution() {
    }

    // y is (N, P*Q*K), x is (N, H*W*C), w is (R*S*C, K), b is (1, K)
    static void conv2dForward(Matrix y, Matrix x, Matrix w, Matrix b, Conv2d g, Parallel pool) {
        JOBS.get().forward(y, x, w, b, g, pool);
    }

    // dX is (N, H*W*C), dY is (N, P*Q*K), w is (R*S*C, K)
    static void conv2dBackwardInput(Matrix dX, Matrix dY, Matrix w, Conv2d g, Parallel pool) {
        JOBS.get().backwardInput(dX, dY, w, g, pool);
    }

    // dW is (R*S*C, K), db is (1, K), dY is (N, P*Q*K), x is (N, H*W*C); beta is 0 or 1
    static void conv2dBackwardFilter(Matrix dW, Matrix db, Matrix dY, Matrix x, Conv2d g, float beta, Parallel pool) {
        JOBS.get().backwardFilter(dW, db, dY, x, g, beta, pool);
    }

    /** The tile for K filters: rows and vectors; the narrow one where it pads K to fewer columns. */
    private static int tileVectors(int k) {
        int wide = Vectors.NV * L;
        int narrow = NARROW_NV * L;
        return (k + narrow - 1) / narrow * narrow < (k + wide - 1) / wide * wide ? NARROW_NV : Vectors.NV;
    }

    private static int tileRows(int vectors) {
        return vectors == Vectors.NV ? Vectors.MR : NARROW_MR;
    }

    /**
     * The pool a call of {@code work} multiply-adds on these segments runs on: the kernels instance's, or the
     * caller alone ({@link Parallel#CALLER}) for small work or memory only the caller may touch.
     */
    private static Parallel poolFor(long work, Parallel pool, Matrix a, Matrix b, Matrix c) {
        boolean shared = Parallel.sharable(a.segment()) && Parallel.sharable(b.segment()) && Parallel.sharable(c.segment());
        return work < PARALLEL_MIN_WORK || !shared ? Parallel.CALLER : pool;
    }

    /** Runs the planar micro-kernel of the {@code mr}-row tile (contract below, before the micro-kernels). */
    private static void planar(int mr, int taps, int depth, int[] tapOff, int plane, float[] src, int[] base, float[] wv,
                               int wo, float[] tile) {
        if (mr == 6) {
            planar6x4(taps, depth, tapOff, plane, src, base, wv, wo, tile);
        } else if (mr == 12) {
            planar12x2(taps, depth, tapOff, plane, src, base, wv, wo, tile);
        } else {
            planar4x2(taps, depth, tapOff, plane, src, base, wv, wo, tile);
        }
    }

    /** Runs the implicit micro-kernel of the {@code mr}-row tile (contract below, before the micro-kernels). */
    private static void implicit(int mr, int taps, int run, int[] tapOff, float[] src, int[] base, float[] bp, int bo,
                                 float[] tile) {
        if (mr == 6) {
            implicit6x4(taps, run, tapOff, src, base, bp, bo, tile);
        } else if (mr == 12) {
            implicit12x2(taps, run, tapOff, src, base, bp, bo, tile);
        } else {
            implicit4x2(taps, run, tapOff, src, base, bp, bo, tile);
        }
    }

    /**
     * One call's state and scratch; its {@link #run} is the chunk of work {@link Parallel} hands a thread: an
     * image (forward, input gradient, the filter gradient's copies) or a range of filter-gradient tiles.
     */
    static final class Job implements Parallel.Job {

        private static final int FORWARD = 0;
        private static final int INPUT = 1;
        private static final int FILTER_COPY = 2;
        private static final int FILTER_TILES = 3;
        private static final int PLANAR = 4;

        private int mode;
        private Matrix out;
        private Matrix in;
        private Conv2d g;
        private int mr;
        private int nv;
        private int nr;
        private int panels;
        /** Depth of a forward or input-gradient element: R S C or R S K. */
        private int depth;
        /** Floats of one padded image (forward, filter) or spread dY (input gradient). */
        private int srcSize;
        /** Floats of one image's dY rows in the filter gradient's block buffer. */
        private int dySize;
        /** Filters rounded up to whole panels: floats per pixel in the filter gradient's dY buffer. */
        private int kp;
        /** Padded width (forward, filter) or spread width (input gradient), in pixels. */
        private int wp;
        private int rowPad;
        private int colPad;
        private Matrix dy;
        private int blockStart;
        private int blockImages;
        private int tiles;
        private int chunks;
        /** Floats of one filter's plane of the planar input gradient's spread dY. */
        private int plane;
        /** Counts calls, so that a thread knows whether its spread buffer was zeroed in this one. */
        private int call;

        // shared scratch
        private float[] bp = new float[0];
        private float[] bias = new float[0];
        private int[] pixBase = new int[0];
        private int[] tapOff = new int[0];
        private int[] rowOff = new int[0];
        private float[] acc = new float[0];
        private float[] accB = new float[0];
        private float[] blockSrc = new float[0];
        private float[] blockDy = new float[0];

        // per-thread scratch
        private final float[][] src = new float[Parallel.MAX_THREADS][0];
        private final float[][] tile = new float[Parallel.MAX_THREADS][Math.max(Vectors.MR * Vectors.NR, NARROW_MR * NARROW_NV * L)];
        private final int[][] base = new int[Parallel.MAX_THREADS][Math.max(Vectors.MR, NARROW_MR)];
        private final int[] stamp = new int[Parallel.MAX_THREADS];
        /** Per thread: an image's dY rows, before the planar input gradient transposes them. */
        private final float[][] dyRows = new float[Parallel.MAX_THREADS][0];

        private static float[] grow(float[] a, int size) {
            return a.length >= size ? a : new float[size];
        }

        private static int[] grow(int[] a, int size) {
            return a.length >= size ? a : new int[size];
        }

        private void tile(int k) {
            nv = tileVectors(k);
            mr = tileRows(nv);
            nr = nv * L;
            panels = (k + nr - 1) / nr;
        }

        /** Window corners of the output pixels and offsets of the taps in a padded image of width {@code wp}. */
        private void offsets(Conv2d g, int wp) {
            int c = g.channels();
            int q = g.outWidth();
            int pixels = g.outHeight() * q;
            pixBase = grow(pixBase, pixels);
            for (int m = 0; m < pixels; m++) {
                pixBase[m] = ((m / q) * g.strideHeight() * wp + (m % q) * g.strideWidth()) * c;
            }
            int taps = g.kernelHeight() * g.kernelWidth();
            tapOff = grow(tapOff, taps);
            for (int t = 0; t < taps; t++) {
                tapOff[t] = ((t / g.kernelWidth()) * g.dilationHeight() * wp + (t % g.kernelWidth()) * g.dilationWidth()) * c;
            }
        }

        void forward(Matrix y, Matrix x, Matrix w, Matrix b, Conv2d g, Parallel pool) {
            this.g = g;
            this.out = y;
            this.in = x;
            mode = FORWARD;
            tile(g.filters());
            depth = g.filterRows();
            rowPad = g.padHeight();
            colPad = g.padWidth();
            wp = g.width() + 2 * colPad;
            srcSize = (g.height() + 2 * rowPad) * wp * g.channels();
            offsets(g, wp);
            // W (depth x K) -> panels of nr filters: bp[(panel * depth + l) * nr + j] = W[l][panel * nr + j], zero past K
            bp = grow(bp, panels * depth * nr);
            int kk = g.filters();
            for (int panel = 0; panel < panels; panel++) {
                int j0 = panel * nr;
                int count = Math.min(nr, kk - j0);
                for (int l = 0; l < depth; l++) {
                    int at = (panel * depth + l) * nr;
                    Gemm.copyRow(w.segment(), Elementwise.row(w, l) + Elementwise.bytes(j0), bp, at, count);
                    Arrays.fill(bp, at + count, at + nr, 0f);
                }
            }
            bias = grow(bias, panels * nr);
            Gemm.copyRow(b.segment(), Elementwise.row(b, 0), bias, 0, kk);
            Arrays.fill(bias, kk, panels * nr, 0f);
            long work = (long) x.rows() * g.outputColumns() * depth;
            images(poolFor(work, pool, y, x, w), x.rows());
        }

        void backwardInput(Matrix dX, Matrix dY, Matrix w, Conv2d g, Parallel pool) {
            this.g = g;
            this.out = dX;
            this.in = dY;
            call++;
            int kk = g.filters();
            int cc = g.channels();
            int taps = g.kernelHeight() * g.kernelWidth();
            depth = taps * kk;
            // dY's pixel (p, q) goes to (p sH + rowPad, q sW + colPad) of the spread buffer; input pixel (h, w)
            // reads it through tap (r, s) at (h + pH + rowPad - r dH, w + pW + colPad - s dW)
            rowPad = (g.kernelHeight() - 1) * g.dilationHeight();
            colPad = (g.kernelWidth() - 1) * g.dilationWidth();
            int he = Math.max(g.height() + g.padHeight() + rowPad, (g.outHeight() - 1) * g.strideHeight() + rowPad + 1);
            wp = Math.max(g.width() + g.padWidth() + colPad, (g.outWidth() - 1) * g.strideWidth() + colPad + 1);
            tile(cc);
            int pnv = Vectors.NV == 4 && g.width() <= NARROW_NV * L ? NARROW_NV : Vectors.NV;
            int pmr = tileRows(pnv);
            double channelShare = (double) cc / (panels * nr);
            double planarShare = (double) g.width() / ((g.width() + pnv * L - 1) / (pnv * L) * pnv * L)
                    * g.height() / ((g.height() + pmr - 1) / pmr * pmr);
            mode = planarShare > channelShare ? PLANAR : INPUT;
            MemorySegment ws = w.segment();
            if (mode == PLANAR) {
                // one plane of he x wp floats per filter k, then a margin for the vectors of the last row's tail
                nv = pnv;
                mr = pmr;
                nr = nv * L;
                plane = he * wp;
                srcSize = kk * plane + nr;
                int pixels = g.height() * g.width();
                tapOff = grow(tapOff, taps);
                for (int t = 0; t < taps; t++) {
                    tapOff[t] = -((t / g.kernelWidth()) * g.dilationHeight() * wp + (t % g.kernelWidth()) * g.dilationWidth());
                }
                // bp[c * depth + t * K + k] = W[t * C + c][k]
                bp = grow(bp, cc * depth);
                for (int c = 0; c < cc; c++) {
                    for (int t = 0; t < taps; t++) {
                        Gemm.copyRow(ws, Elementwise.row(w, t * cc + c), bp, c * depth + t * kk, kk);
                    }
                }
                dySize = g.outHeight() * g.outWidth() * kk;
                long work = (long) dY.rows() * pixels * cc * depth;
                images(poolFor(work, pool, dX, dY, w), dY.rows());
                return;
            }
            srcSize = he * wp * kk;
            int pixels = g.height() * g.width();
            pixBase = grow(pixBase, pixels);
            for (int m = 0; m < pixels; m++) {
                pixBase[m] = ((m / g.width() + g.padHeight() + rowPad) * wp + m % g.width() + g.padWidth() + colPad) * kk;
            }
            tapOff = grow(tapOff, taps);
            for (int t = 0; t < taps; t++) {
                tapOff[t] = -((t / g.kernelWidth()) * g.dilationHeight() * wp + (t % g.kernelWidth()) * g.dilationWidth()) * kk;
            }
            // W transposed per tap: bp[(panel * depth + t * K + k) * nr + j] = W[t * C + panel * nr + j][k], zero past C
            bp = grow(bp, panels * depth * nr);
            for (int panel = 0; panel < panels; panel++) {
                for (int t = 0; t < taps; t++) {
                    for (int k = 0; k < kk; k++) {
                        int at = (panel * depth + t * kk + k) * nr;
                        for (int j = 0; j < nr; j++) {
                            int c = panel * nr + j;
                            bp[at + j] = c < cc ? ws.get(FL, Elementwise.row(w, t * cc + c) + Elementwise.bytes(k)) : 0f;
                        }
                    }
                }
            }
            long work = (long) dY.rows() * g.inputColumns() * depth;
            images(poolFor(work, pool, dX, dY, w), dY.rows());
        }

        void backwardFilter(Matrix dW, Matrix db, Matrix dY, Matrix x, Conv2d g, float beta, Parallel pool) {
            this.g = g;
            this.dy = dY;
            this.in = x;
            tile(g.filters());
            depth = g.filterRows();
            rowPad = g.padHeight();
            colPad = g.padWidth();
            wp = g.width() + 2 * colPad;
            srcSize = (g.height() + 2 * rowPad) * wp * g.channels();
            offsets(g, wp);
            int pixels = g.outHeight() * g.outWidth();
            kp = panels * nr;
            dySize = pixels * kp;
            int rowTiles = (depth + mr - 1) / mr;
            tiles = rowTiles * panels;
            rowOff = grow(rowOff, rowTiles * mr);
            int cc = g.channels();
            for (int l = 0; l < rowTiles * mr; l++) {
                rowOff[l] = l < depth ? tapOff[l / cc] + l % cc : 0;       // rows past R S C: computed, never stored
            }
            acc = grow(acc, tiles * mr * nr);
            Arrays.fill(acc, 0, tiles * mr * nr, 0f);
            accB = grow(accB, kp);
            Arrays.fill(accB, 0, kp, 0f);
            int n = x.rows();
            int block = Math.max(1, Math.min(n, BLOCK_FLOATS / (srcSize + dySize)));
            blockSrc = grow(blockSrc, block * srcSize);
            blockDy = grow(blockDy, block * dySize);
            long work = (long) n * pixels * depth * g.filters();
            Parallel used = poolFor(work, pool, dW, dY, x);
            chunks = Math.min(tiles, used.threads() == 1 ? 1 : CHUNKS_PER_THREAD * used.threads());
            for (blockStart = 0; blockStart < n; blockStart += block) {
                blockImages = Math.min(block, n - blockStart);
                mode = FILTER_COPY;
                used.run(this, blockImages);
                mode = FILTER_TILES;
                used.run(this, chunks + 1);                    // the last chunk sums the bias gradient
            }
            finish();
            // dW = beta == 0 ? acc : dW + acc, for the valid rows and filters of every tile
            MemorySegment ws = dW.segment();
            int kk = g.filters();
            for (int l = 0; l < depth; l++) {
                long row = Elementwise.row(dW, l);
                int t0 = (l / mr) * panels;
                for (int k = 0; k < kk; k++) {
                    float v = acc[((t0 + k / nr) * mr + l % mr) * nr + k % nr];
                    long at = row + Elementwise.bytes(k);
                    ws.set(FL, at, beta == 0 ? v : ws.get(FL, at) + v);
                }
            }
            MemorySegment bs = db.segment();
            for (int k = 0; k < kk; k++) {
                long at = Elementwise.row(db, 0) + Elementwise.bytes(k);
                bs.set(FL, at, beta == 0 ? accB[k] : bs.get(FL, at) + accB[k]);
            }
        }

        private void images(Parallel used, int images) {
            used.run(this, images);
            finish();
        }

        private void finish() {
            out = null;
            in = null;
            dy = null;
        }

        @Override
        public void run(int chunk, int thread) {
            switch (mode) {
                case FORWARD -> forwardImage(chunk, thread);
                case INPUT -> inputImage(chunk, thread);
                case PLANAR -> planarImage(chunk, thread);
                case FILTER_COPY -> {
                    int n = blockStart + chunk;
                    pad(in, n, blockSrc, chunk * srcSize);
                    spreadDy(dy, n, blockDy, chunk * dySize);
                }
                default -> {
                    if (chunk == chunks) {
                        biasSums();
                    } else {
                        filterTiles(chunk);
                    }
                }
            }
        }

        /** Copies image n of x into {@code dst[at ..]} with its zero padding: {@code (H + 2 rowPad) x wp x C} floats. */
        private void pad(Matrix x, int n, float[] dst, int at) {
            int cc = g.channels();
            int rowFloats = wp * cc;
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

        /**
         * Copies image n's dY rows into {@code dst[at ..]}, pixel by pixel, each pixel's K values padded with zeros
         * to {@code kp = panels * nr}: one copy of the whole image where K needs no padding.
         */
        private void spreadDy(Matrix dY, int n, float[] dst, int at) {
            int kk = g.filters();
            int pixels = g.outHeight() * g.outWidth();
            long from = Elementwise.row(dY, n);
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

        private void forwardImage(int n, int thread) {
            float[] s = src[thread] = grow(src[thread], srcSize);
            pad(in, n, s, 0);
            int pixels = g.outHeight() * g.outWidth();
            image(n, pixels, g.filters(), g.kernelHeight() * g.kernelWidth(), g.channels(), s, bias, thread);
        }

        /**
         * This thread's spread buffer of {@code srcSize} floats, all zero at the first image of a call: every image of
         * the call then writes the same positions (its dY values), so the zeros between and around them stay.
         */
        private float[] spread(int thread) {
            if (src[thread].length < srcSize) {
                src[thread] = new float[srcSize];
            } else if (stamp[thread] != call) {
                Arrays.fill(src[thread], 0, srcSize, 0f);
            }
            stamp[thread] = call;
            return src[thread];
        }

        private void inputImage(int n, int thread) {
            float[] s = spread(thread);
            int kk = g.filters();
            long from = Elementwise.row(in, n);
            for (int p = 0; p < g.outHeight(); p++) {
                for (int q = 0; q < g.outWidth(); q++) {
                    int to = ((p * g.strideHeight() + rowPad) * wp + q * g.strideWidth() + colPad) * kk;
                    Gemm.copyRow(in.segment(), from + Elementwise.bytes((p * g.outWidth() + q) * kk), s, to, kk);
                }
            }
            image(n, g.height() * g.width(), g.channels(), g.kernelHeight() * g.kernelWidth(), kk, s, null, thread);
        }

        /**
         * The planar input gradient of image n: dY transposed into one spread plane per filter, then for each channel
         * c, tiles of MR rows by NV vectors of consecutive pixels of a row, and their valid pixels stored to dX.
         */
        private void planarImage(int n, int thread) {
            float[] s = spread(thread);
            float[] rows = dyRows[thread] = grow(dyRows[thread], dySize);
            int kk = g.filters();
            int qq = g.outWidth();
            Gemm.copyRow(in.segment(), Elementwise.row(in, n), rows, 0, dySize);
            for (int p = 0; p < g.outHeight(); p++) {
                for (int q = 0; q < qq; q++) {
                    int to = (p * g.strideHeight() + rowPad) * wp + q * g.strideWidth() + colPad;
                    int from = (p * qq + q) * kk;
                    for (int k = 0; k < kk; k++) {
                        s[to + k * plane] = rows[from + k];
                    }
                }
            }
            float[] t = tile[thread];
            int[] b = base[thread];
            int hh = g.height(), ww = g.width(), cc = g.channels();
            int taps = g.kernelHeight() * g.kernelWidth();
            MemorySegment os = out.segment();
            long row = Elementwise.row(out, n);
            for (int c = 0; c < cc; c++) {
                for (int h0 = 0; h0 < hh; h0 += mr) {
                    int rowsHere = Math.min(mr, hh - h0);
                    for (int w0 = 0; w0 < ww; w0 += nr) {
                        for (int i = 0; i < mr; i++) {
                            int h = h0 + (i < rowsHere ? i : 0);
                            b[i] = (h + g.padHeight() + rowPad) * wp + w0 + g.padWidth() + colPad;
                        }
                        planar(mr, taps, kk, tapOff, plane, s, b, bp, c * depth, t);
                        int count = Math.min(nr, ww - w0);
                        for (int i = 0; i < rowsHere; i++) {
                            long at = row + Elementwise.bytes(((h0 + i) * ww + w0) * cc + c);
                            if (cc == 1) {
                                storeRow(os, at, t, i * nr, count, null, 0);
                            } else {
                                for (int j = 0; j < count; j++) {
                                    os.set(FL, at + Elementwise.bytes(j * cc), t[i * nr + j]);
                                }
                            }
                        }
                    }
                }
            }
        }

        /**
         * The tiles of image n of the output ({@code pixels} pixels of {@code width} channels): for each panel and
         * each run of MR pixels, the micro-kernel, then {@code out = tile (+ bias)} for the valid pixels and channels.
         */
        private void image(int n, int pixels, int width, int taps, int run, float[] s, float[] add, int thread) {
            float[] t = tile[thread];
            int[] b = base[thread];
            MemorySegment os = out.segment();
            long row = Elementwise.row(out, n);
            for (int panel = 0; panel < panels; panel++) {
                int bo = panel * depth * nr;
                for (int m0 = 0; m0 < pixels; m0 += mr) {
                    int rows = Math.min(mr, pixels - m0);
                    for (int i = 0; i < mr; i++) {
                        b[i] = pixBase[i < rows ? m0 + i : m0];
                    }
                    implicit(mr, taps, run, tapOff, s, b, bp, bo, t);
                    for (int i = 0; i < rows; i++) {
                        long at = row + Elementwise.bytes((m0 + i) * width + panel * nr);
                        storeRow(os, at, t, i * nr, Math.min(nr, width - panel * nr), add, panel * nr);
                    }
                }
            }
        }

        /**
         * A range of the filter gradient's tiles (row tile x panel) over the images of the current block, a few
         * images at a time ({@link #L2_FLOATS} of padded pixels and dY rows, which each tile of the range re-reads
         * from L2): each tile's chain continues in its accumulators.
         */
        private void filterTiles(int chunk) {
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
                    if (mr == 6) {
                        filter6x4(images, pixels, pixBase, blockSrc, so, srcSize, rowOff, ro, blockDy, po, dySize, kp, acc, ao);
                    } else if (mr == 12) {
                        filter12x2(images, pixels, pixBase, blockSrc, so, srcSize, rowOff, ro, blockDy, po, dySize, kp, acc, ao);
                    } else {
                        filter4x2(images, pixels, pixBase, blockSrc, so, srcSize, rowOff, ro, blockDy, po, dySize, kp, acc, ao);
                    }
                }
            }
        }
    }

    /**
     * {@code out[at ..] = t[from ..] (+ add[a0 ..])} for {@code count} floats (at most a tile row): whole vectors
     * inside the segment as vector stores, the rest lane by lane with the same addition.
     */
    private static void storeRow(MemorySegment os, long at, float[] t, int from, int count, float[] add, int a0) {
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

    // ---------------------------------------------------------------- micro-kernels

    /*
     * Implicit micro-kernels (forward, input gradient): tile[i*nr + j] = sum over taps t (in order) and c < run (in
     * order) of src[base[i] + tapOff[t] + c] * bp[bo + (t*run + c)*nr + j], one FMA per term from +0. Filter
     * micro-kernels (filter gradient): acc[ao + i*nr + j] += sum over images j' < images and their pixels m (in
     * order) of src[so + j'*srcStride + pixBase[m] + rowOff[ro + i]] * dy[dyo + j'*dyStride + m*dyPixel + j], one
     * FMA per term, continuing the chain held in acc. No loop over m or n of the output; only float[] and int[] are read.
     */

    /** The 6 x (4 vectors) implicit tile. */
    static void implicit6x4(int taps, int run, int[] tapOff, float[] src, int[] base, float[] bp, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00, c43 = c00;
        FloatVector c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        int x0 = base[0];
        int x1 = base[1];
        int x2 = base[2];
        int x3 = base[3];
        int x4 = base[4];
        int x5 = base[5];
        int l = bo;
        for (int t = 0; t < taps; t++) {
            int o = tapOff[t];
            int a0 = x0 + o, a1 = x1 + o, a2 = x2 + o, a3 = x3 + o, a4 = x4 + o, a5 = x5 + o;
            for (int c = 0; c < run; c++, l += 4 * L) {
                FloatVector b0 = FloatVector.fromArray(F, bp, l);
                FloatVector b1 = FloatVector.fromArray(F, bp, l + L);
                FloatVector b2 = FloatVector.fromArray(F, bp, l + 2 * L);
                FloatVector b3 = FloatVector.fromArray(F, bp, l + 3 * L);
                FloatVector x = FloatVector.broadcast(F, src[a0 + c]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02); c03 = b3.fma(x, c03);
                x = FloatVector.broadcast(F, src[a1 + c]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12); c13 = b3.fma(x, c13);
                x = FloatVector.broadcast(F, src[a2 + c]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22); c23 = b3.fma(x, c23);
                x = FloatVector.broadcast(F, src[a3 + c]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32); c33 = b3.fma(x, c33);
                x = FloatVector.broadcast(F, src[a4 + c]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42); c43 = b3.fma(x, c43);
                x = FloatVector.broadcast(F, src[a5 + c]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51); c52 = b2.fma(x, c52); c53 = b3.fma(x, c53);
            }
        }
        int r = 4 * L;
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, r); c11.intoArray(tile, r + L); c12.intoArray(tile, r + 2 * L); c13.intoArray(tile, r + 3 * L);
        c20.intoArray(tile, 2 * r); c21.intoArray(tile, 2 * r + L); c22.intoArray(tile, 2 * r + 2 * L); c23.intoArray(tile, 2 * r + 3 * L);
        c30.intoArray(tile, 3 * r); c31.intoArray(tile, 3 * r + L); c32.intoArray(tile, 3 * r + 2 * L); c33.intoArray(tile, 3 * r + 3 * L);
        c40.intoArray(tile, 4 * r); c41.intoArray(tile, 4 * r + L); c42.intoArray(tile, 4 * r + 2 * L); c43.intoArray(tile, 4 * r + 3 * L);
        c50.intoArray(tile, 5 * r); c51.intoArray(tile, 5 * r + L); c52.intoArray(tile, 5 * r + 2 * L); c53.intoArray(tile, 5 * r + 3 * L);
    }

    /** The 12 x (2 vectors) implicit tile. */
    static void implicit12x2(int taps, int run, int[] tapOff, float[] src, int[] base, float[] bp, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00;
        FloatVector c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00;
        FloatVector c70 = c00, c71 = c00;
        FloatVector c80 = c00, c81 = c00;
        FloatVector c90 = c00, c91 = c00;
        FloatVector c100 = c00, c101 = c00;
        FloatVector c110 = c00, c111 = c00;
        int x0 = base[0];
        int x1 = base[1];
        int x2 = base[2];
        int x3 = base[3];
        int x4 = base[4];
        int x5 = base[5];
        int x6 = base[6];
        int x7 = base[7];
        int x8 = base[8];
        int x9 = base[9];
        int x10 = base[10];
        int x11 = base[11];
        int l = bo;
        for (int t = 0; t < taps; t++) {
            int o = tapOff[t];
            int a0 = x0 + o, a1 = x1 + o, a2 = x2 + o, a3 = x3 + o, a4 = x4 + o, a5 = x5 + o, a6 = x6 + o, a7 = x7 + o, a8 = x8 + o, a9 = x9 + o, a10 = x10 + o, a11 = x11 + o;
            for (int c = 0; c < run; c++, l += 2 * L) {
                FloatVector b0 = FloatVector.fromArray(F, bp, l);
                FloatVector b1 = FloatVector.fromArray(F, bp, l + L);
                FloatVector x = FloatVector.broadcast(F, src[a0 + c]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
                x = FloatVector.broadcast(F, src[a1 + c]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
                x = FloatVector.broadcast(F, src[a2 + c]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
                x = FloatVector.broadcast(F, src[a3 + c]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
                x = FloatVector.broadcast(F, src[a4 + c]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
                x = FloatVector.broadcast(F, src[a5 + c]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
                x = FloatVector.broadcast(F, src[a6 + c]);
                c60 = b0.fma(x, c60); c61 = b1.fma(x, c61);
                x = FloatVector.broadcast(F, src[a7 + c]);
                c70 = b0.fma(x, c70); c71 = b1.fma(x, c71);
                x = FloatVector.broadcast(F, src[a8 + c]);
                c80 = b0.fma(x, c80); c81 = b1.fma(x, c81);
                x = FloatVector.broadcast(F, src[a9 + c]);
                c90 = b0.fma(x, c90); c91 = b1.fma(x, c91);
                x = FloatVector.broadcast(F, src[a10 + c]);
                c100 = b0.fma(x, c100); c101 = b1.fma(x, c101);
                x = FloatVector.broadcast(F, src[a11 + c]);
                c110 = b0.fma(x, c110); c111 = b1.fma(x, c111);
            }
        }
        int r = 2 * L;
        c00.intoArray(tile, 0); c01.intoArray(tile, L);
        c10.intoArray(tile, r); c11.intoArray(tile, r + L);
        c20.intoArray(tile, 2 * r); c21.intoArray(tile, 2 * r + L);
        c30.intoArray(tile, 3 * r); c31.intoArray(tile, 3 * r + L);
        c40.intoArray(tile, 4 * r); c41.intoArray(tile, 4 * r + L);
        c50.intoArray(tile, 5 * r); c51.intoArray(tile, 5 * r + L);
        c60.intoArray(tile, 6 * r); c61.intoArray(tile, 6 * r + L);
        c70.intoArray(tile, 7 * r); c71.intoArray(tile, 7 * r + L);
        c80.intoArray(tile, 8 * r); c81.intoArray(tile, 8 * r + L);
        c90.intoArray(tile, 9 * r); c91.intoArray(tile, 9 * r + L);
        c100.intoArray(tile, 10 * r); c101.intoArray(tile, 10 * r + L);
        c110.intoArray(tile, 11 * r); c111.intoArray(tile, 11 * r + L);
    }

    /** The 4 x (2 vectors) implicit tile. */
    static void implicit4x2(int taps, int run, int[] tapOff, float[] src, int[] base, float[] bp, int bo, float[] tile) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        int x0 = base[0];
        int x1 = base[1];
        int x2 = base[2];
        int x3 = base[3];
        int l = bo;
        for (int t = 0; t < taps; t++) {
            int o = tapOff[t];
            int a0 = x0 + o, a1 = x1 + o, a2 = x2 + o, a3 = x3 + o;
            for (int c = 0; c < run; c++, l += 2 * L) {
                FloatVector b0 = FloatVector.fromArray(F, bp, l);
                FloatVector b1 = FloatVector.fromArray(F, bp, l + L);
                FloatVector x = FloatVector.broadcast(F, src[a0 + c]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
                x = FloatVector.broadcast(F, src[a1 + c]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
                x = FloatVector.broadcast(F, src[a2 + c]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
                x = FloatVector.broadcast(F, src[a3 + c]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            }
        }
        int r = 2 * L;
        c00.intoArray(tile, 0); c01.intoArray(tile, L);
        c10.intoArray(tile, r); c11.intoArray(tile, r + L);
        c20.intoArray(tile, 2 * r); c21.intoArray(tile, 2 * r + L);
        c30.intoArray(tile, 3 * r); c31.intoArray(tile, 3 * r + L);
    }

    /** The 6 x (4 vectors) filter tile. */
    static void filter6x4(int images, int pixels, int[] pixBase, float[] src, int so, int srcStride, int[] rowOff, int ro,
                          float[] dy, int dyo, int dyStride, int dyPixel, float[] acc, int ao) {
        int r = 4 * L;
        FloatVector c00 = FloatVector.fromArray(F, acc, ao), c01 = FloatVector.fromArray(F, acc, ao + L), c02 = FloatVector.fromArray(F, acc, ao + 2 * L), c03 = FloatVector.fromArray(F, acc, ao + 3 * L);
        FloatVector c10 = FloatVector.fromArray(F, acc, ao + r), c11 = FloatVector.fromArray(F, acc, ao + r + L), c12 = FloatVector.fromArray(F, acc, ao + r + 2 * L), c13 = FloatVector.fromArray(F, acc, ao + r + 3 * L);
        FloatVector c20 = FloatVector.fromArray(F, acc, ao + 2 * r), c21 = FloatVector.fromArray(F, acc, ao + 2 * r + L), c22 = FloatVector.fromArray(F, acc, ao + 2 * r + 2 * L), c23 = FloatVector.fromArray(F, acc, ao + 2 * r + 3 * L);
        FloatVector c30 = FloatVector.fromArray(F, acc, ao + 3 * r), c31 = FloatVector.fromArray(F, acc, ao + 3 * r + L), c32 = FloatVector.fromArray(F, acc, ao + 3 * r + 2 * L), c33 = FloatVector.fromArray(F, acc, ao + 3 * r + 3 * L);
        FloatVector c40 = FloatVector.fromArray(F, acc, ao + 4 * r), c41 = FloatVector.fromArray(F, acc, ao + 4 * r + L), c42 = FloatVector.fromArray(F, acc, ao + 4 * r + 2 * L), c43 = FloatVector.fromArray(F, acc, ao + 4 * r + 3 * L);
        FloatVector c50 = FloatVector.fromArray(F, acc, ao + 5 * r), c51 = FloatVector.fromArray(F, acc, ao + 5 * r + L), c52 = FloatVector.fromArray(F, acc, ao + 5 * r + 2 * L), c53 = FloatVector.fromArray(F, acc, ao + 5 * r + 3 * L);
        int o0 = rowOff[ro + 0];
        int o1 = rowOff[ro + 1];
        int o2 = rowOff[ro + 2];
        int o3 = rowOff[ro + 3];
        int o4 = rowOff[ro + 4];
        int o5 = rowOff[ro + 5];
        for (int j = 0; j < images; j++) {
            int s = so + j * srcStride;
            for (int m = 0, d = dyo + j * dyStride; m < pixels; m++, d += dyPixel) {
                int a = s + pixBase[m];
                FloatVector b0 = FloatVector.fromArray(F, dy, d);
                FloatVector b1 = FloatVector.fromArray(F, dy, d + L);
                FloatVector b2 = FloatVector.fromArray(F, dy, d + 2 * L);
                FloatVector b3 = FloatVector.fromArray(F, dy, d + 3 * L);
                FloatVector x = FloatVector.broadcast(F, src[a + o0]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02); c03 = b3.fma(x, c03);
                x = FloatVector.broadcast(F, src[a + o1]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12); c13 = b3.fma(x, c13);
                x = FloatVector.broadcast(F, src[a + o2]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22); c23 = b3.fma(x, c23);
                x = FloatVector.broadcast(F, src[a + o3]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32); c33 = b3.fma(x, c33);
                x = FloatVector.broadcast(F, src[a + o4]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42); c43 = b3.fma(x, c43);
                x = FloatVector.broadcast(F, src[a + o5]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51); c52 = b2.fma(x, c52); c53 = b3.fma(x, c53);
            }
        }
        c00.intoArray(acc, ao); c01.intoArray(acc, ao + L); c02.intoArray(acc, ao + 2 * L); c03.intoArray(acc, ao + 3 * L);
        c10.intoArray(acc, ao + r); c11.intoArray(acc, ao + r + L); c12.intoArray(acc, ao + r + 2 * L); c13.intoArray(acc, ao + r + 3 * L);
        c20.intoArray(acc, ao + 2 * r); c21.intoArray(acc, ao + 2 * r + L); c22.intoArray(acc, ao + 2 * r + 2 * L); c23.intoArray(acc, ao + 2 * r + 3 * L);
        c30.intoArray(acc, ao + 3 * r); c31.intoArray(acc, ao + 3 * r + L); c32.intoArray(acc, ao + 3 * r + 2 * L); c33.intoArray(acc, ao + 3 * r + 3 * L);
        c40.intoArray(acc, ao + 4 * r); c41.intoArray(acc, ao + 4 * r + L); c42.intoArray(acc, ao + 4 * r + 2 * L); c43.intoArray(acc, ao + 4 * r + 3 * L);
        c50.intoArray(acc, ao + 5 * r); c51.intoArray(acc, ao + 5 * r + L); c52.intoArray(acc, ao + 5 * r + 2 * L); c53.intoArray(acc, ao + 5 * r + 3 * L);
    }

    /** The 12 x (2 vectors) filter tile. */
    static void filter12x2(int images, int pixels, int[] pixBase, float[] src, int so, int srcStride, int[] rowOff, int ro,
                          float[] dy, int dyo, int dyStride, int dyPixel, float[] acc, int ao) {
        int r = 2 * L;
        FloatVector c00 = FloatVector.fromArray(F, acc, ao), c01 = FloatVector.fromArray(F, acc, ao + L);
        FloatVector c10 = FloatVector.fromArray(F, acc, ao + r), c11 = FloatVector.fromArray(F, acc, ao + r + L);
        FloatVector c20 = FloatVector.fromArray(F, acc, ao + 2 * r), c21 = FloatVector.fromArray(F, acc, ao + 2 * r + L);
        FloatVector c30 = FloatVector.fromArray(F, acc, ao + 3 * r), c31 = FloatVector.fromArray(F, acc, ao + 3 * r + L);
        FloatVector c40 = FloatVector.fromArray(F, acc, ao + 4 * r), c41 = FloatVector.fromArray(F, acc, ao + 4 * r + L);
        FloatVector c50 = FloatVector.fromArray(F, acc, ao + 5 * r), c51 = FloatVector.fromArray(F, acc, ao + 5 * r + L);
        FloatVector c60 = FloatVector.fromArray(F, acc, ao + 6 * r), c61 = FloatVector.fromArray(F, acc, ao + 6 * r + L);
        FloatVector c70 = FloatVector.fromArray(F, acc, ao + 7 * r), c71 = FloatVector.fromArray(F, acc, ao + 7 * r + L);
        FloatVector c80 = FloatVector.fromArray(F, acc, ao + 8 * r), c81 = FloatVector.fromArray(F, acc, ao + 8 * r + L);
        FloatVector c90 = FloatVector.fromArray(F, acc, ao + 9 * r), c91 = FloatVector.fromArray(F, acc, ao + 9 * r + L);
        FloatVector c100 = FloatVector.fromArray(F, acc, ao + 10 * r), c101 = FloatVector.fromArray(F, acc, ao + 10 * r + L);
        FloatVector c110 = FloatVector.fromArray(F, acc, ao + 11 * r), c111 = FloatVector.fromArray(F, acc, ao + 11 * r + L);
        int o0 = rowOff[ro + 0];
        int o1 = rowOff[ro + 1];
        int o2 = rowOff[ro + 2];
        int o3 = rowOff[ro + 3];
        int o4 = rowOff[ro + 4];
        int o5 = rowOff[ro + 5];
        int o6 = rowOff[ro + 6];
        int o7 = rowOff[ro + 7];
        int o8 = rowOff[ro + 8];
        int o9 = rowOff[ro + 9];
        int o10 = rowOff[ro + 10];
        int o11 = rowOff[ro + 11];
        for (int j = 0; j < images; j++) {
            int s = so + j * srcStride;
            for (int m = 0, d = dyo + j * dyStride; m < pixels; m++, d += dyPixel) {
                int a = s + pixBase[m];
                FloatVector b0 = FloatVector.fromArray(F, dy, d);
                FloatVector b1 = FloatVector.fromArray(F, dy, d + L);
                FloatVector x = FloatVector.broadcast(F, src[a + o0]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
                x = FloatVector.broadcast(F, src[a + o1]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
                x = FloatVector.broadcast(F, src[a + o2]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
                x = FloatVector.broadcast(F, src[a + o3]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
                x = FloatVector.broadcast(F, src[a + o4]);
                c40 = b0.fma(x, c40); c41 = b1.fma(x, c41);
                x = FloatVector.broadcast(F, src[a + o5]);
                c50 = b0.fma(x, c50); c51 = b1.fma(x, c51);
                x = FloatVector.broadcast(F, src[a + o6]);
                c60 = b0.fma(x, c60); c61 = b1.fma(x, c61);
                x = FloatVector.broadcast(F, src[a + o7]);
                c70 = b0.fma(x, c70); c71 = b1.fma(x, c71);
                x = FloatVector.broadcast(F, src[a + o8]);
                c80 = b0.fma(x, c80); c81 = b1.fma(x, c81);
                x = FloatVector.broadcast(F, src[a + o9]);
                c90 = b0.fma(x, c90); c91 = b1.fma(x, c91);
                x = FloatVector.broadcast(F, src[a + o10]);
                c100 = b0.fma(x, c100); c101 = b1.fma(x, c101);
                x = FloatVector.broadcast(F, src[a + o11]);
                c110 = b0.fma(x, c110); c111 = b1.fma(x, c111);
            }
        }
        c00.intoArray(acc, ao); c01.intoArray(acc, ao + L);
        c10.intoArray(acc, ao + r); c11.intoArray(acc, ao + r + L);
        c20.intoArray(acc, ao + 2 * r); c21.intoArray(acc, ao + 2 * r + L);
        c30.intoArray(acc, ao + 3 * r); c31.intoArray(acc, ao + 3 * r + L);
        c40.intoArray(acc, ao + 4 * r); c41.intoArray(acc, ao + 4 * r + L);
        c50.intoArray(acc, ao + 5 * r); c51.intoArray(acc, ao + 5 * r + L);
        c60.intoArray(acc, ao + 6 * r); c61.intoArray(acc, ao + 6 * r + L);
        c70.intoArray(acc, ao + 7 * r); c71.intoArray(acc, ao + 7 * r + L);
        c80.intoArray(acc, ao + 8 * r); c81.intoArray(acc, ao + 8 * r + L);
        c90.intoArray(acc, ao + 9 * r); c91.intoArray(acc, ao + 9 * r + L);
        c100.intoArray(acc, ao + 10 * r); c101.intoArray(acc, ao + 10 * r + L);
        c110.intoArray(acc, ao + 11 * r); c111.intoArray(acc, ao + 11 * r + L);
    }

    /** The 4 x (2 vectors) filter tile. */
    static void filter4x2(int images, int pixels, int[] pixBase, float[] src, int so, int srcStride, int[] rowOff, int ro,
                          float[] dy, int dyo, int dyStride, int dyPixel, float[] acc, int ao) {
        int r = 2 * L;
        FloatVector c00 = FloatVector.fromArray(F, acc, ao), c01 = FloatVector.fromArray(F, acc, ao + L);
        FloatVector c10 = FloatVector.fromArray(F, acc, ao + r), c11 = FloatVector.fromArray(F, acc, ao + r + L);
        FloatVector c20 = FloatVector.fromArray(F, acc, ao + 2 * r), c21 = FloatVector.fromArray(F, acc, ao + 2 * r + L);
        FloatVector c30 = FloatVector.fromArray(F, acc, ao + 3 * r), c31 = FloatVector.fromArray(F, acc, ao + 3 * r + L);
        int o0 = rowOff[ro + 0];
        int o1 = rowOff[ro + 1];
        int o2 = rowOff[ro + 2];
        int o3 = rowOff[ro + 3];
        for (int j = 0; j < images; j++) {
            int s = so + j * srcStride;
            for (int m = 0, d = dyo + j * dyStride; m < pixels; m++, d += dyPixel) {
                int a = s + pixBase[m];
                FloatVector b0 = FloatVector.fromArray(F, dy, d);
                FloatVector b1 = FloatVector.fromArray(F, dy, d + L);
                FloatVector x = FloatVector.broadcast(F, src[a + o0]);
                c00 = b0.fma(x, c00); c01 = b1.fma(x, c01);
                x = FloatVector.broadcast(F, src[a + o1]);
                c10 = b0.fma(x, c10); c11 = b1.fma(x, c11);
                x = FloatVector.broadcast(F, src[a + o2]);
                c20 = b0.fma(x, c20); c21 = b1.fma(x, c21);
                x = FloatVector.broadcast(F, src[a + o3]);
                c30 = b0.fma(x, c30); c31 = b1.fma(x, c31);
            }
        }
        c00.intoArray(acc, ao); c01.intoArray(acc, ao + L);
        c10.intoArray(acc, ao + r); c11.intoArray(acc, ao + r + L);
        c20.intoArray(acc, ao + 2 * r); c21.intoArray(acc, ao + 2 * r + L);
        c30.intoArray(acc, ao + 3 * r); c31.intoArray(acc, ao + 3 * r + L);
    }

    /** The 6 x (4 vectors) planar tile. */
    static void planar6x4(int taps, int depth, int[] tapOff, int plane, float[] src, int[] base, float[] wv, int wo,
                           float[] tile) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        FloatVector c40 = c00, c41 = c00, c42 = c00, c43 = c00;
        FloatVector c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        int x0 = base[0];
        int x1 = base[1];
        int x2 = base[2];
        int x3 = base[3];
        int x4 = base[4];
        int x5 = base[5];
        for (int t = 0; t < taps; t++) {
            int o = tapOff[t];
            int l = wo + t * depth;
            for (int k = 0, p = o; k < depth; k++, p += plane) {
                FloatVector w = FloatVector.broadcast(F, wv[l + k]);
                int a0 = x0 + p;
                c00 = FloatVector.fromArray(F, src, a0).fma(w, c00);
                c01 = FloatVector.fromArray(F, src, a0 + L).fma(w, c01);
                c02 = FloatVector.fromArray(F, src, a0 + 2 * L).fma(w, c02);
                c03 = FloatVector.fromArray(F, src, a0 + 3 * L).fma(w, c03);
                int a1 = x1 + p;
                c10 = FloatVector.fromArray(F, src, a1).fma(w, c10);
                c11 = FloatVector.fromArray(F, src, a1 + L).fma(w, c11);
                c12 = FloatVector.fromArray(F, src, a1 + 2 * L).fma(w, c12);
                c13 = FloatVector.fromArray(F, src, a1 + 3 * L).fma(w, c13);
                int a2 = x2 + p;
                c20 = FloatVector.fromArray(F, src, a2).fma(w, c20);
                c21 = FloatVector.fromArray(F, src, a2 + L).fma(w, c21);
                c22 = FloatVector.fromArray(F, src, a2 + 2 * L).fma(w, c22);
                c23 = FloatVector.fromArray(F, src, a2 + 3 * L).fma(w, c23);
                int a3 = x3 + p;
                c30 = FloatVector.fromArray(F, src, a3).fma(w, c30);
                c31 = FloatVector.fromArray(F, src, a3 + L).fma(w, c31);
                c32 = FloatVector.fromArray(F, src, a3 + 2 * L).fma(w, c32);
                c33 = FloatVector.fromArray(F, src, a3 + 3 * L).fma(w, c33);
                int a4 = x4 + p;
                c40 = FloatVector.fromArray(F, src, a4).fma(w, c40);
                c41 = FloatVector.fromArray(F, src, a4 + L).fma(w, c41);
                c42 = FloatVector.fromArray(F, src, a4 + 2 * L).fma(w, c42);
                c43 = FloatVector.fromArray(F, src, a4 + 3 * L).fma(w, c43);
                int a5 = x5 + p;
                c50 = FloatVector.fromArray(F, src, a5).fma(w, c50);
                c51 = FloatVector.fromArray(F, src, a5 + L).fma(w, c51);
                c52 = FloatVector.fromArray(F, src, a5 + 2 * L).fma(w, c52);
                c53 = FloatVector.fromArray(F, src, a5 + 3 * L).fma(w, c53);
            }
        }
        int r = 4 * L;
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, r); c11.intoArray(tile, r + L); c12.intoArray(tile, r + 2 * L); c13.intoArray(tile, r + 3 * L);
        c20.intoArray(tile, 2 * r); c21.intoArray(tile, 2 * r + L); c22.intoArray(tile, 2 * r + 2 * L); c23.intoArray(tile, 2 * r + 3 * L);
        c30.intoArray(tile, 3 * r); c31.intoArray(tile, 3 * r + L); c32.intoArray(tile, 3 * r + 2 * L); c33.intoArray(tile, 3 * r + 3 * L);
        c40.intoArray(tile, 4 * r); c41.intoArray(tile, 4 * r + L); c42.intoArray(tile, 4 * r + 2 * L); c43.intoArray(tile, 4 * r + 3 * L);
        c50.intoArray(tile, 5 * r); c51.intoArray(tile, 5 * r + L); c52.intoArray(tile, 5 * r + 2 * L); c53.intoArray(tile, 5 * r + 3 * L);
    }

    /** The 12 x (2 vectors) planar tile. */
    static void planar12x2(int taps, int depth, int[] tapOff, int plane, float[] src, int[] base, float[] wv, int wo,
                           float[] tile) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        FloatVector c40 = c00, c41 = c00;
        FloatVector c50 = c00, c51 = c00;
        FloatVector c60 = c00, c61 = c00;
        FloatVector c70 = c00, c71 = c00;
        FloatVector c80 = c00, c81 = c00;
        FloatVector c90 = c00, c91 = c00;
        FloatVector c100 = c00, c101 = c00;
        FloatVector c110 = c00, c111 = c00;
        int x0 = base[0];
        int x1 = base[1];
        int x2 = base[2];
        int x3 = base[3];
        int x4 = base[4];
        int x5 = base[5];
        int x6 = base[6];
        int x7 = base[7];
        int x8 = base[8];
        int x9 = base[9];
        int x10 = base[10];
        int x11 = base[11];
        for (int t = 0; t < taps; t++) {
            int o = tapOff[t];
            int l = wo + t * depth;
            for (int k = 0, p = o; k < depth; k++, p += plane) {
                FloatVector w = FloatVector.broadcast(F, wv[l + k]);
                int a0 = x0 + p;
                c00 = FloatVector.fromArray(F, src, a0).fma(w, c00);
                c01 = FloatVector.fromArray(F, src, a0 + L).fma(w, c01);
                int a1 = x1 + p;
                c10 = FloatVector.fromArray(F, src, a1).fma(w, c10);
                c11 = FloatVector.fromArray(F, src, a1 + L).fma(w, c11);
                int a2 = x2 + p;
                c20 = FloatVector.fromArray(F, src, a2).fma(w, c20);
                c21 = FloatVector.fromArray(F, src, a2 + L).fma(w, c21);
                int a3 = x3 + p;
                c30 = FloatVector.fromArray(F, src, a3).fma(w, c30);
                c31 = FloatVector.fromArray(F, src, a3 + L).fma(w, c31);
                int a4 = x4 + p;
                c40 = FloatVector.fromArray(F, src, a4).fma(w, c40);
                c41 = FloatVector.fromArray(F, src, a4 + L).fma(w, c41);
                int a5 = x5 + p;
                c50 = FloatVector.fromArray(F, src, a5).fma(w, c50);
                c51 = FloatVector.fromArray(F, src, a5 + L).fma(w, c51);
                int a6 = x6 + p;
                c60 = FloatVector.fromArray(F, src, a6).fma(w, c60);
                c61 = FloatVector.fromArray(F, src, a6 + L).fma(w, c61);
                int a7 = x7 + p;
                c70 = FloatVector.fromArray(F, src, a7).fma(w, c70);
                c71 = FloatVector.fromArray(F, src, a7 + L).fma(w, c71);
                int a8 = x8 + p;
                c80 = FloatVector.fromArray(F, src, a8).fma(w, c80);
                c81 = FloatVector.fromArray(F, src, a8 + L).fma(w, c81);
                int a9 = x9 + p;
                c90 = FloatVector.fromArray(F, src, a9).fma(w, c90);
                c91 = FloatVector.fromArray(F, src, a9 + L).fma(w, c91);
                int a10 = x10 + p;
                c100 = FloatVector.fromArray(F, src, a10).fma(w, c100);
                c101 = FloatVector.fromArray(F, src, a10 + L).fma(w, c101);
                int a11 = x11 + p;
                c110 = FloatVector.fromArray(F, src, a11).fma(w, c110);
                c111 = FloatVector.fromArray(F, src, a11 + L).fma(w, c111);
            }
        }
        int r = 2 * L;
        c00.intoArray(tile, 0); c01.intoArray(tile, L);
        c10.intoArray(tile, r); c11.intoArray(tile, r + L);
        c20.intoArray(tile, 2 * r); c21.intoArray(tile, 2 * r + L);
        c30.intoArray(tile, 3 * r); c31.intoArray(tile, 3 * r + L);
        c40.intoArray(tile, 4 * r); c41.intoArray(tile, 4 * r + L);
        c50.intoArray(tile, 5 * r); c51.intoArray(tile, 5 * r + L);
        c60.intoArray(tile, 6 * r); c61.intoArray(tile, 6 * r + L);
        c70.intoArray(tile, 7 * r); c71.intoArray(tile, 7 * r + L);
        c80.intoArray(tile, 8 * r); c81.intoArray(tile, 8 * r + L);
        c90.intoArray(tile, 9 * r); c91.intoArray(tile, 9 * r + L);
        c100.intoArray(tile, 10 * r); c101.intoArray(tile, 10 * r + L);
        c110.intoArray(tile, 11 * r); c111.intoArray(tile, 11 * r + L);
    }

    /** The 4 x (2 vectors) planar tile. */
    static void planar4x2(int taps, int depth, int[] tapOff, int plane, float[] src, int[] base, float[] wv, int wo,
                           float[] tile) {
        FloatVector c00 = FloatVector.zero(F);
        FloatVector c01 = c00;
        FloatVector c10 = c00, c11 = c00;
        FloatVector c20 = c00, c21 = c00;
        FloatVector c30 = c00, c31 = c00;
        int x0 = base[0];
        int x1 = base[1];
        int x2 = base[2];
        int x3 = base[3];
        for (int t = 0; t < taps; t++) {
            int o = tapOff[t];
            int l = wo + t * depth;
            for (int k = 0, p = o; k < depth; k++, p += plane) {
                FloatVector w = FloatVector.broadcast(F, wv[l + k]);
                int a0 = x0 + p;
                c00 = FloatVector.fromArray(F, src, a0).fma(w, c00);
                c01 = FloatVector.fromArray(F, src, a0 + L).fma(w, c01);
                int a1 = x1 + p;
                c10 = FloatVector.fromArray(F, src, a1).fma(w, c10);
                c11 = FloatVector.fromArray(F, src, a1 + L).fma(w, c11);
                int a2 = x2 + p;
                c20 = FloatVector.fromArray(F, src, a2).fma(w, c20);
                c21 = FloatVector.fromArray(F, src, a2 + L).fma(w, c21);
                int a3 = x3 + p;
                c30 = FloatVector.fromArray(F, src, a3).fma(w, c30);
                c31 = FloatVector.fromArray(F, src, a3 + L).fma(w, c31);
            }
        }
        int r = 2 * L;
        c00.intoArray(tile, 0); c01.intoArray(tile, L);
        c10.intoArray(tile, r); c11.intoArray(tile, r + L);
        c20.intoArray(tile, 2 * r); c21.intoArray(tile, 2 * r + L);
        c30.intoArray(tile, 3 * r); c31.intoArray(tile, 3 * r + L);
    }
}
