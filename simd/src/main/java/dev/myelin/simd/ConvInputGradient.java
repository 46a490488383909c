package dev.myelin.simd;

import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Conv2d;
import dev.myelin.core.Matrix;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * The convolution's input gradient, {@code dX = conv^T(dY, W)} (see {@link Convolution}), by one of two strategies
 * that {@link #compute} picks by the share of a tile's lanes that hold real outputs:
 * <ul>
 *   <li>{@link Channels}: the forward's implicit micro-kernel on dY. For each image, dY is copied into a
 *       per-thread buffer with its rows and columns spread by the strides (zeros between) and zero margins of the
 *       kernel's dilated size, so that input pixel (h, w) reaches, through tap (r, s), the buffer's pixel {@code
 *       (h + pH + (R - 1) dH - r dH, w + pW + (S - 1) dW - s dW)}: the dY that the tap carries there, or a zero
 *       where none does (the reference's zero terms). W is packed transposed, {@code (r, s, k) x c}, so the depth
 *       runs {@code (r, s, k)} in the reference's order. A tile is MR input pixels by NV vectors of channels.</li>
 *   <li>{@link Planar}: with few channels (C = 1: a tile of channels would be almost all padding) it vectorises
 *       along a row of pixels instead: dY is transposed into one spread plane per filter, a tile is MR rows by NV
 *       vectors of consecutive pixels of one channel, and the depth {@code (r, s, k)}, still in the reference's
 *       order, broadcasts one weight per step ({@link ConvKernels#planar}).</li>
 * </ul>
 * Every image writes the same positions of the spread buffer, so it is zeroed once per call and thread
 * ({@link Spread}). With strides above 1 most of the buffer is zeros and most of the FMAs add zero terms: correct,
 * and slower than it could be ({@code sH sW} times the work); the example network has stride 1.
 *
 * <p>Scratch: the packed filters ({@code R S C K} floats, C rounded up to whole panels for {@link Channels}) and
 * one spread dY per pool thread (the planar strategy also one copy of an image's dY rows). One chunk of the pool
 * is one image.
 */
final class ConvInputGradient {

    private static final ThreadLocal<Channels> CHANNELS = ThreadLocal.withInitial(Channels::new);
    private static final ThreadLocal<Planar> PLANAR = ThreadLocal.withInitial(Planar::new);

    private ConvInputGradient() {
    }

    // dX is (N, H*W*C), dY is (N, P*Q*K), w is (R*S*C, K)
    static void compute(Matrix dX, Matrix dY, Matrix w, Conv2d g, Parallel pool) {
        int cc = g.channels();
        int wideNv = Convolution.tileVectors(cc);
        int nr = wideNv * L;
        double channelShare = (double) cc / ((cc + nr - 1) / nr * nr);
        int pnv = planarVectors(g);
        int pmr = Convolution.tileRows(pnv);
        double planarShare = (double) g.width() / ((g.width() + pnv * L - 1) / (pnv * L) * pnv * L)
                * g.height() / ((g.height() + pmr - 1) / pmr * pmr);
        if (planarShare > channelShare) {
            PLANAR.get().call(dX, dY, w, g, pool);
        } else {
            CHANNELS.get().call(dX, dY, w, g, pool);
        }
    }

    /** The planar tile's vectors: the narrow tile's where a row of the image fits in it. */
    private static int planarVectors(Conv2d g) {
        return Vectors.NV == 4 && g.width() <= Convolution.NARROW_NV * L ? Convolution.NARROW_NV : Vectors.NV;
    }

    /**
     * The spread dY buffers, one per pool thread, and their geometry: dY's pixel (p, q) goes to {@code (p sH +
     * rowPad, q sW + colPad)}, and input pixel (h, w) reads it through tap (r, s) at {@code (h + pH + rowPad - r dH,
     * w + pW + colPad - s dW)}; the buffer is {@code he x wp} pixels.
     */
    static final class Spread {

        int rowPad;
        int colPad;
        int he;
        int wp;
        /** Counts calls, so that a thread knows whether its buffer was zeroed in this one. */
        private int call;
        private final float[][] buffers = new float[Parallel.MAX_THREADS][0];
        private final int[] stamp = new int[Parallel.MAX_THREADS];

        /** Starts a call on geometry {@code g}. */
        void start(Conv2d g) {
            call++;
            rowPad = (g.kernelHeight() - 1) * g.dilationHeight();
            colPad = (g.kernelWidth() - 1) * g.dilationWidth();
            he = Math.max(g.height() + g.padHeight() + rowPad, (g.outHeight() - 1) * g.strideHeight() + rowPad + 1);
            wp = Math.max(g.width() + g.padWidth() + colPad, (g.outWidth() - 1) * g.strideWidth() + colPad + 1);
        }

        /** The position, in pixels of the buffer, of dY's pixel (p, q). */
        int at(Conv2d g, int p, int q) {
            return (p * g.strideHeight() + rowPad) * wp + q * g.strideWidth() + colPad;
        }

        /** The offset, in pixels of the buffer, of tap t from the position of the input pixel it serves. */
        int tap(Conv2d g, int t) {
            return -((t / g.kernelWidth()) * g.dilationHeight() * wp + (t % g.kernelWidth()) * g.dilationWidth());
        }

        /**
         * This thread's buffer of {@code size} floats, all zero at the first image of a call: every image of the call
         * then writes the same positions (its dY values), so the zeros between and around them stay.
         */
        float[] buffer(int thread, int size) {
            if (buffers[thread].length < size) {
                buffers[thread] = new float[size];
            } else if (stamp[thread] != call) {
                Arrays.fill(buffers[thread], 0, size, 0f);
            }
            stamp[thread] = call;
            return buffers[thread];
        }
    }

    /**
     * The channel-tiled strategy: {@link Convolution.Implicit} on the spread dY, {@code he x wp x K} floats per
     * image, W packed transposed per tap, {@code packed[(panel * depth + t * K + k) * nr + j] = W[t * C + panel * nr
     * + j][k]}, zero past C.
     */
    static final class Channels extends Convolution.ImageJob {

        private final Convolution.Implicit pass = new Convolution.Implicit();
        private final Spread spread = new Spread();

        private void call(Matrix dX, Matrix dY, Matrix w, Conv2d g, Parallel pool) {
            Spread sp = spread;
            sp.start(g);
            Convolution.Implicit p = pass;
            int kk = g.filters();
            int cc = g.channels();
            int taps = g.kernelHeight() * g.kernelWidth();
            p.tile(cc);
            p.depth = taps * kk;
            int pixels = g.height() * g.width();
            int[] corners = p.corners = Convolution.grow(p.corners, pixels);
            for (int m = 0; m < pixels; m++) {
                corners[m] = ((m / g.width() + g.padHeight() + sp.rowPad) * sp.wp + m % g.width() + g.padWidth() + sp.colPad) * kk;
            }
            int[] tapOff = p.tapOffsets = Convolution.grow(p.tapOffsets, taps);
            for (int t = 0; t < taps; t++) {
                tapOff[t] = sp.tap(g, t) * kk;
            }
            int nr = p.nr;
            int depth = p.depth;
            MemorySegment ws = w.segment();
            float[] bp = p.packed = Convolution.grow(p.packed, p.panels * depth * nr);
            for (int panel = 0; panel < p.panels; panel++) {
                for (int t = 0; t < taps; t++) {
                    for (int k = 0; k < kk; k++) {
                        int at = (panel * depth + t * kk + k) * nr;
                        for (int j = 0; j < nr; j++) {
                            int c = panel * nr + j;
                            bp[at + j] = c < cc ? ws.get(Convolution.FL, Elementwise.row(w, t * cc + c) + Elementwise.bytes(k)) : 0f;
                        }
                    }
                }
            }
            images(dX, dY, w, g, (long) dY.rows() * g.inputColumns() * depth, pool);
        }

        /** Image n: its dY spread into this thread's buffer, then its tiles. */
        @Override
        public void run(int n, int thread) {
            Spread sp = spread;
            int kk = g.filters();
            float[] s = sp.buffer(thread, sp.he * sp.wp * kk);
            long from = Elementwise.row(in, n);
            for (int p = 0; p < g.outHeight(); p++) {
                for (int q = 0; q < g.outWidth(); q++) {
                    Gemm.copyRow(in.segment(), from + Elementwise.bytes((p * g.outWidth() + q) * kk), s, sp.at(g, p, q) * kk, kk);
                }
            }
            pass.image(out.segment(), Elementwise.row(out, n), g.height() * g.width(), g.channels(),
                    g.kernelHeight() * g.kernelWidth(), kk, s, null, tile[thread], base[thread]);
        }
    }

    /**
     * The planar strategy: one spread plane of {@code he x wp} floats per filter k (then a margin for the vectors of
     * the last row's tail), weights {@code packed[c * depth + t * K + k] = W[t * C + c][k]}; a tile is MR rows by NV
     * vectors of consecutive pixels of one channel.
     */
    static final class Planar extends Convolution.ImageJob {

        private final Spread spread = new Spread();
        private int mr;
        private int nr;
        /** Depth of an element: R S K. */
        private int depth;
        /** Floats of one filter's plane. */
        private int plane;
        private int[] tapOffsets = new int[0];
        private float[] packed = new float[0];

        /** An image's dY rows, before they are transposed into the planes. */
        private final float[][] dyRows = new float[Parallel.MAX_THREADS][0];

        private void call(Matrix dX, Matrix dY, Matrix w, Conv2d g, Parallel pool) {
            Spread sp = spread;
            sp.start(g);
            int kk = g.filters();
            int cc = g.channels();
            int taps = g.kernelHeight() * g.kernelWidth();
            int nv = planarVectors(g);
            mr = Convolution.tileRows(nv);
            nr = nv * L;
            depth = taps * kk;
            plane = sp.he * sp.wp;
            tapOffsets = Convolution.grow(tapOffsets, taps);
            for (int t = 0; t < taps; t++) {
                tapOffsets[t] = sp.tap(g, t);
            }
            packed = Convolution.grow(packed, cc * depth);
            for (int c = 0; c < cc; c++) {
                for (int t = 0; t < taps; t++) {
                    Gemm.copyRow(w.segment(), Elementwise.row(w, t * cc + c), packed, c * depth + t * kk, kk);
                }
            }
            images(dX, dY, w, g, (long) dY.rows() * g.height() * g.width() * cc * depth, pool);
        }

        /**
         * Image n: dY transposed into one spread plane per filter, then for each channel c, tiles of MR rows by NV
         * vectors of consecutive pixels of a row, and their valid pixels stored to dX.
         */
        @Override
        public void run(int n, int thread) {
            Spread sp = spread;
            int kk = g.filters();
            int qq = g.outWidth();
            int dySize = g.outHeight() * qq * kk;
            float[] s = sp.buffer(thread, kk * plane + nr);
            float[] rows = dyRows[thread] = Convolution.grow(dyRows[thread], dySize);
            Gemm.copyRow(in.segment(), Elementwise.row(in, n), rows, 0, dySize);
            for (int p = 0; p < g.outHeight(); p++) {
                for (int q = 0; q < qq; q++) {
                    int to = sp.at(g, p, q);
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
                            b[i] = (h + g.padHeight() + sp.rowPad) * sp.wp + w0 + g.padWidth() + sp.colPad;
                        }
                        ConvKernels.planar(mr, taps, kk, tapOffsets, plane, s, b, packed, c * depth, t);
                        int count = Math.min(nr, ww - w0);
                        for (int i = 0; i < rowsHere; i++) {
                            long at = row + Elementwise.bytes(((h0 + i) * ww + w0) * cc + c);
                            if (cc == 1) {
                                Convolution.storeRow(os, at, t, i * nr, count, null, 0);
                            } else {
                                for (int j = 0; j < count; j++) {
                                    os.set(Convolution.FL, at + Elementwise.bytes(j * cc), t[i * nr + j]);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
