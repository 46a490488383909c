package dev.myelin.simd;

import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * SIMD 2-D max and average pooling over channels-last images, vectorised over the channels: a pixel's C
 * channels are contiguous, so each output pixel takes {@code C / L} vectors, each the lane-wise maximum or
 * sum over the window's pixels inside the image, in the reference's scan order (rows top to bottom, each
 * row left to right); the last {@code C mod L} channels run the reference's scalar code. Every lane
 * performs the reference's float operations in its order, so the results are bit for bit the reference's:
 * <ul>
 *   <li>Max: {@code MAX} (Math.max semantics) from -Inf over the pixels inside the window.</li>
 *   <li>Max backward: the window maximum m again, then the pixels in scan order: a lane hits where the pixel
 *       has m's bits (so +0.0 is not taken for -0.0) or both are NaN; {@code rem}, dY until the lane's first
 *       hit and 0 after, is added to dX at every pixel. dX starts at +0 and only ever adds dY values, so it
 *       is never -0.0 and adding +0 leaves it unchanged: dX gets dY at the first maximum only, as in the
 *       reference.</li>
 *   <li>Average: the sum from +0 in scan order, divided by R*S; backward: {@code share = dY / (R*S)} added
 *       in order of (p, q) to the window's pixels of a zeroed dX.</li>
 * </ul>
 * Where the windows tile the image exactly ({@link #tiles}), each pixel of dX belongs to one window, and the
 * backward kernels write it once as {@code +0 + share} (the reference's one addition into its zeroed dX)
 * instead of zeroing dX and reading it back.
 * No vector carried round a loop is the receiver of a call and none is picked by a branch (see
 * {@link Elementwise}); the loads never reach past a row's C channels, so no access is masked. Images run in
 * parallel (each writes its own row of the output), on one thread below {@link #PARALLEL_MIN_WORK}.
 *
 * <p>Each kernel writes out its own walk over the windows (the window's bounds clipped to the image, the same few
 * lines in all four, and the window's maximum in both max kernels): the walk is the loop around the kernel's
 * vector code, and sharing it would put a call per window (a callback or a switch) inside that loop, or return the
 * window's maximum vector from a helper, which is boxed unless C2 inlines it (see {@link ConvKernels}). Four short
 * loops cost less to read than that would cost to check.
 */
final class Pooling {

    /** Below this many window reads (output elements times window size) a call runs on the calling thread. */
    static final long PARALLEL_MIN_WORK = 1L << 18;

    private static final ValueLayout.OfFloat FL = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ByteOrder NATIVE = ByteOrder.nativeOrder();

    private static final ThreadLocal<Job> JOBS = ThreadLocal.withInitial(Job::new);

    private Pooling() {
    }

    // y is (N, P*Q*C), x is (N, H*W*C)
    static void maxPool2dForward(Matrix y, Matrix x, Pool2d g, Parallel pool) {
        JOBS.get().start(Kernel.MAX_FORWARD, y, x, null, g, pool);
    }

    // dX, x are (N, H*W*C), dY is (N, P*Q*C)
    static void maxPool2dBackward(Matrix dX, Matrix dY, Matrix x, Pool2d g, Parallel pool) {
        JOBS.get().start(Kernel.MAX_BACKWARD, dX, x, dY, g, pool);
    }

    // y is (N, P*Q*C), x is (N, H*W*C)
    static void avgPool2dForward(Matrix y, Matrix x, Pool2d g, Parallel pool) {
        JOBS.get().start(Kernel.AVG_FORWARD, y, x, null, g, pool);
    }

    // dX is (N, H*W*C), dY is (N, P*Q*C)
    static void avgPool2dBackward(Matrix dX, Matrix dY, Pool2d g, Parallel pool) {
        JOBS.get().start(Kernel.AVG_BACKWARD, dX, dY, null, g, pool);
    }

    /** The four kernels, each over one image: {@code out} is Y or dX, {@code in} is X (dY for the average's backward). */
    private enum Kernel {
        MAX_FORWARD,
        MAX_BACKWARD,
        AVG_FORWARD,
        AVG_BACKWARD
    }

    /** One call: the kernel, its operands, and {@link #run} for one image. */
    static final class Job implements Parallel.Job {

        private Kernel kernel;
        private Matrix out;
        private Matrix in;
        /** dY, for the max's backward only (which also reads X). */
        private Matrix dy;
        private Pool2d g;

        void start(Kernel kernel, Matrix out, Matrix in, Matrix dy, Pool2d g, Parallel pool) {
            this.kernel = kernel;
            this.out = out;
            this.in = in;
            this.dy = dy;
            this.g = g;
            int n = in.rows();
            long work = (long) n * g.outputColumns() * g.windowHeight() * g.windowWidth();
            boolean shared = Parallel.sharable(out.segment()) && Parallel.sharable(in.segment())
                    && (dy == null || Parallel.sharable(dy.segment()));
            Parallel used = work < PARALLEL_MIN_WORK || !shared ? Parallel.CALLER : pool;
            try {
                used.run(this, n);
            } finally {
                this.out = null;
                this.in = null;
                this.dy = null;
            }
        }

        @Override
        public void run(int n, int thread) {
            switch (kernel) {
                case MAX_FORWARD -> maxForward(out, in, g, n);
                case MAX_BACKWARD -> maxBackward(out, dy, in, g, n);
                case AVG_FORWARD -> avgForward(out, in, g, n);
                case AVG_BACKWARD -> avgBackward(out, in, g, n);
            }
        }
    }

    /** Byte offset of channel c of pixel (h, w) in row n of an image batch with W columns of C channels. */
    private static long pixel(long row, int h, int w, int width, int c, int channels) {
        return row + ((long) (h * width + w) * channels + c) * Float.BYTES;
    }

    private static void maxForward(Matrix y, Matrix x, Pool2d g, int n) {
        int cc = g.channels(), hh = g.height(), ww = g.width();
        MemorySegment xs = x.segment();
        MemorySegment ys = y.segment();
        long x0 = Elementwise.row(x, n);
        long y0 = Elementwise.row(y, n);
        int bound = F.loopBound(cc);
        for (int p = 0; p < g.outHeight(); p++) {
            int h0 = p * g.strideHeight() - g.padHeight();
            int r0 = Math.max(0, -h0), r1 = Math.min(g.windowHeight(), hh - h0);
            for (int q = 0; q < g.outWidth(); q++) {
                int w0 = q * g.strideWidth() - g.padWidth();
                int s0 = Math.max(0, -w0), s1 = Math.min(g.windowWidth(), ww - w0);
                long to = y0 + (long) (p * g.outWidth() + q) * cc * Float.BYTES;
                int c = 0;
                for (; c < bound; c += L) {                                  // main: L channels at a time
                    FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
                    for (int r = r0; r < r1; r++) {
                        for (int s = s0; s < s1; s++) {
                            m = FloatVector.fromMemorySegment(F, xs, pixel(x0, h0 + r, w0 + s, ww, c, cc), NATIVE)
                                    .lanewise(VectorOperators.MAX, m);
                        }
                    }
                    FloatVector.broadcast(F, Float.NEGATIVE_INFINITY).lanewise(VectorOperators.MAX, m)
                            .intoMemorySegment(ys, to + Elementwise.bytes(c), NATIVE);
                }
                for (; c < cc; c++) {                                        // tail: the reference's loop
                    float m = Float.NEGATIVE_INFINITY;
                    for (int r = r0; r < r1; r++) {
                        for (int s = s0; s < s1; s++) {
                            m = Math.max(m, xs.get(FL, pixel(x0, h0 + r, w0 + s, ww, c, cc)));
                        }
                    }
                    ys.set(FL, to + Elementwise.bytes(c), m);
                }
            }
        }
    }

    private static void maxBackward(Matrix dX, Matrix dY, Matrix x, Pool2d g, int n) {
        int cc = g.channels(), hh = g.height(), ww = g.width();
        MemorySegment xs = x.segment();
        MemorySegment ds = dX.segment();
        MemorySegment gs = dY.segment();
        long x0 = Elementwise.row(x, n);
        long d0 = Elementwise.row(dX, n);
        long g0 = Elementwise.row(dY, n);
        boolean tiling = tiles(g);
        if (!tiling) {
            zero(ds, d0, g.inputColumns());
        }
        int bound = F.loopBound(cc);
        FloatVector zero = FloatVector.zero(F);
        for (int p = 0; p < g.outHeight(); p++) {
            int h0 = p * g.strideHeight() - g.padHeight();
            int r0 = Math.max(0, -h0), r1 = Math.min(g.windowHeight(), hh - h0);
            for (int q = 0; q < g.outWidth(); q++) {
                int w0 = q * g.strideWidth() - g.padWidth();
                int s0 = Math.max(0, -w0), s1 = Math.min(g.windowWidth(), ww - w0);
                long from = g0 + (long) (p * g.outWidth() + q) * cc * Float.BYTES;
                int c = 0;
                for (; c < bound; c += L) {                                  // main: L channels at a time
                    FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
                    for (int r = r0; r < r1; r++) {
                        for (int s = s0; s < s1; s++) {
                            m = FloatVector.fromMemorySegment(F, xs, pixel(x0, h0 + r, w0 + s, ww, c, cc), NATIVE)
                                    .lanewise(VectorOperators.MAX, m);
                        }
                    }
                    FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY).lanewise(VectorOperators.MAX, m);
                    VectorMask<Float> maxIsNaN = max.test(VectorOperators.IS_NAN);
                    FloatVector rem = FloatVector.fromMemorySegment(F, gs, from + Elementwise.bytes(c), NATIVE);
                    for (int r = r0; r < r1; r++) {
                        for (int s = s0; s < s1; s++) {
                            long at = pixel(x0, h0 + r, w0 + s, ww, c, cc);
                            long dAt = pixel(d0, h0 + r, w0 + s, ww, c, cc);
                            FloatVector v = FloatVector.fromMemorySegment(F, xs, at, NATIVE);
                            VectorMask<Float> hit = v.reinterpretAsInts().compare(VectorOperators.EQ, max.reinterpretAsInts()).cast(F)
                                    .or(v.test(VectorOperators.IS_NAN).and(maxIsNaN));
                            if (tiling) {                                    // the pixel's only window: dX = +0 + (dY or +0)
                                zero.add(zero.blend(rem, hit)).intoMemorySegment(ds, dAt, NATIVE);
                            } else {
                                FloatVector.fromMemorySegment(F, ds, dAt, NATIVE).add(zero.blend(rem, hit)).intoMemorySegment(ds, dAt, NATIVE);
                            }
                            rem = zero.blend(rem, hit.not());
                        }
                    }
                }
                for (; c < cc; c++) {                                        // tail: the reference's loop
                    long arg = -1;
                    float best = 0f;
                    for (int r = r0; r < r1; r++) {
                        for (int s = s0; s < s1; s++) {
                            long at = pixel(x0, h0 + r, w0 + s, ww, c, cc);
                            float v = xs.get(FL, at);
                            if (arg < 0 || above(v, best)) {
                                arg = at - x0;
                                best = v;
                            }
                        }
                    }
                    if (tiling) {                                            // the window's other pixels get +0
                        for (int r = r0; r < r1; r++) {
                            for (int s = s0; s < s1; s++) {
                                ds.set(FL, pixel(d0, h0 + r, w0 + s, ww, c, cc), 0f);
                            }
                        }
                    }
                    long dAt = d0 + arg;
                    ds.set(FL, dAt, (tiling ? 0f : ds.get(FL, dAt)) + gs.get(FL, from + Elementwise.bytes(c)));
                }
            }
        }
    }

    private static void avgForward(Matrix y, Matrix x, Pool2d g, int n) {
        int cc = g.channels(), hh = g.height(), ww = g.width();
        float size = g.windowHeight() * g.windowWidth();
        MemorySegment xs = x.segment();
        MemorySegment ys = y.segment();
        long x0 = Elementwise.row(x, n);
        long y0 = Elementwise.row(y, n);
        int bound = F.loopBound(cc);
        for (int p = 0; p < g.outHeight(); p++) {
            int h0 = p * g.strideHeight() - g.padHeight();
            int r0 = Math.max(0, -h0), r1 = Math.min(g.windowHeight(), hh - h0);
            for (int q = 0; q < g.outWidth(); q++) {
                int w0 = q * g.strideWidth() - g.padWidth();
                int s0 = Math.max(0, -w0), s1 = Math.min(g.windowWidth(), ww - w0);
                long to = y0 + (long) (p * g.outWidth() + q) * cc * Float.BYTES;
                int c = 0;
                for (; c < bound; c += L) {                                  // main: L channels at a time
                    FloatVector t = FloatVector.zero(F);
                    for (int r = r0; r < r1; r++) {
                        for (int s = s0; s < s1; s++) {
                            t = FloatVector.fromMemorySegment(F, xs, pixel(x0, h0 + r, w0 + s, ww, c, cc), NATIVE).add(t);
                        }
                    }
                    // -0 + t = t (also for t = +-0), of a known class (Elementwise)
                    FloatVector.broadcast(F, -0f).add(t).div(size).intoMemorySegment(ys, to + Elementwise.bytes(c), NATIVE);
                }
                for (; c < cc; c++) {                                        // tail: the reference's loop
                    float t = 0f;
                    for (int r = r0; r < r1; r++) {
                        for (int s = s0; s < s1; s++) {
                            t += xs.get(FL, pixel(x0, h0 + r, w0 + s, ww, c, cc));
                        }
                    }
                    ys.set(FL, to + Elementwise.bytes(c), t / size);
                }
            }
        }
    }

    private static void avgBackward(Matrix dX, Matrix dY, Pool2d g, int n) {
        int cc = g.channels(), hh = g.height(), ww = g.width();
        float size = g.windowHeight() * g.windowWidth();
        MemorySegment ds = dX.segment();
        MemorySegment gs = dY.segment();
        long d0 = Elementwise.row(dX, n);
        long g0 = Elementwise.row(dY, n);
        boolean tiling = tiles(g);
        if (!tiling) {
            zero(ds, d0, g.inputColumns());
        }
        FloatVector zero = FloatVector.zero(F);
        int bound = F.loopBound(cc);
        for (int p = 0; p < g.outHeight(); p++) {
            int h0 = p * g.strideHeight() - g.padHeight();
            int r0 = Math.max(0, -h0), r1 = Math.min(g.windowHeight(), hh - h0);
            for (int q = 0; q < g.outWidth(); q++) {
                int w0 = q * g.strideWidth() - g.padWidth();
                int s0 = Math.max(0, -w0), s1 = Math.min(g.windowWidth(), ww - w0);
                long from = g0 + (long) (p * g.outWidth() + q) * cc * Float.BYTES;
                int c = 0;
                for (; c < bound; c += L) {                                  // main: L channels at a time
                    FloatVector share = FloatVector.fromMemorySegment(F, gs, from + Elementwise.bytes(c), NATIVE).div(size);
                    for (int r = r0; r < r1; r++) {
                        for (int s = s0; s < s1; s++) {
                            long at = pixel(d0, h0 + r, w0 + s, ww, c, cc);
                            if (tiling) {                                    // the pixel's only window: dX = +0 + share
                                zero.add(share).intoMemorySegment(ds, at, NATIVE);
                            } else {
                                FloatVector.fromMemorySegment(F, ds, at, NATIVE).add(share).intoMemorySegment(ds, at, NATIVE);
                            }
                        }
                    }
                }
                for (; c < cc; c++) {                                        // tail: the reference's loop
                    float share = gs.get(FL, from + Elementwise.bytes(c)) / size;
                    for (int r = r0; r < r1; r++) {
                        for (int s = s0; s < s1; s++) {
                            long at = pixel(d0, h0 + r, w0 + s, ww, c, cc);
                            ds.set(FL, at, (tiling ? 0f : ds.get(FL, at)) + share);
                        }
                    }
                }
            }
        }
    }

    /**
     * True if the windows tile the image exactly (stride = window, no padding, the windows cover every pixel), as in
     * the usual 2x2 pooling of an even image: then every pixel lies in exactly one window, and the backward kernels
     * write each pixel once, as {@code +0 + share}, the reference's first and only addition into its zeroed dX,
     * instead of zeroing dX first and adding.
     */
    private static boolean tiles(Pool2d g) {
        return g.strideHeight() == g.windowHeight() && g.strideWidth() == g.windowWidth() && g.padHeight() == 0
                && g.padWidth() == 0 && g.outHeight() * g.windowHeight() == g.height() && g.outWidth() * g.windowWidth() == g.width();
    }

    /** Zeroes {@code count} floats from byte {@code at} of s: vectors, then single floats. */
    private static void zero(MemorySegment s, long at, int count) {
        FloatVector z = FloatVector.zero(F);
        int bound = F.loopBound(count);
        int j = 0;
        for (; j < bound; j += L) {
            z.intoMemorySegment(s, at + Elementwise.bytes(j), NATIVE);
        }
        for (; j < count; j++) {
            s.set(FL, at + Elementwise.bytes(j), 0f);
        }
    }

    /** True if {@code v} is strictly above {@code best} in {@link Math#max} order: NaN on top, +0.0 above -0.0. */
    private static boolean above(float v, float best) {
        if (Float.isNaN(best)) {
            return false;
        }
        if (Float.isNaN(v)) {
            return true;
        }
        if (v == 0 && best == 0) {
            return Float.floatToRawIntBits(best) < 0 && Float.floatToRawIntBits(v) == 0;
        }
        return v > best;
    }
}
