package dev.myelin.simd;

import dev.myelin.core.Conv2d;
import dev.myelin.core.Matrix;
import java.util.Arrays;

/**
 * The convolution's forward, {@code Y = conv(X, W) + b} (see {@link Convolution}). For each image, its pixels are
 * copied once into a per-thread {@code float[]} with the zero padding around them ({@code (H + 2 pH) x (W + 2 pW) x
 * C}), so no tap ever needs a bounds test. An output tile is {@code MR} consecutive output pixels by {@code NV}
 * vectors of filters; its micro-kernel ({@link ConvKernels#implicit}) walks the depth {@code (r, s, c)} in the
 * reference's order: for tap (r, s) it adds the tap's offset to each of the MR pixels' window corners, then for
 * each channel c broadcasts the MR input values and multiplies them into the NV vectors of the packed filter row
 * {@code W[(r*S + s)*C + c]} (one FMA per term, from +0). So each output element is the reference's fused sum in
 * the reference's order, padded taps included (they read the zeros), and the bias is added by one rounding at the
 * store: the results are bit for bit the reference's, for any depth.
 *
 * <p>Scratch: the packed filters ({@code R S C} x K rounded up to whole panels), the packed bias, and one padded
 * image per pool thread. One chunk of the pool is one image.
 */
final class ConvForward extends Convolution.ImageJob {

    private static final ThreadLocal<ConvForward> JOBS = ThreadLocal.withInitial(ConvForward::new);

    private final Convolution.Implicit pass = new Convolution.Implicit();
    /** The bias, zero past K to whole panels. */
    private float[] bias = new float[0];

    /** Per pool thread: the padded image. */
    private final float[][] padded = new float[Parallel.MAX_THREADS][0];

    private ConvForward() {
    }

    // y is (N, P*Q*K), x is (N, H*W*C), w is (R*S*C, K), b is (1, K)
    static void compute(Matrix y, Matrix x, Matrix w, Matrix b, Conv2d g, Parallel pool) {
        JOBS.get().call(y, x, w, b, g, pool);
    }

    private void call(Matrix y, Matrix x, Matrix w, Matrix b, Conv2d g, Parallel pool) {
        Convolution.Implicit p = pass;
        p.tile(g.filters());
        p.depth = g.filterRows();
        p.corners = Convolution.corners(g, p.corners);
        p.tapOffsets = Convolution.taps(g, p.tapOffsets);
        int nr = p.nr;
        int panels = p.panels;
        int depth = p.depth;
        // W (depth x K) -> panels of nr filters: packed[(panel * depth + l) * nr + j] = W[l][panel * nr + j], zero past K
        float[] bp = p.packed = Convolution.grow(p.packed, panels * depth * nr);
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
        bias = Convolution.grow(bias, panels * nr);
        Gemm.copyRow(b.segment(), Elementwise.row(b, 0), bias, 0, kk);
        Arrays.fill(bias, kk, panels * nr, 0f);
        images(y, x, w, g, (long) x.rows() * g.outputColumns() * depth, pool);
    }

    /** Image n: padded into this thread's buffer, then its tiles. */
    @Override
    public void run(int n, int thread) {
        float[] s = padded[thread] = Convolution.grow(padded[thread], Convolution.paddedSize(g));
        Convolution.pad(g, in, n, s, 0);
        pass.image(out.segment(), Elementwise.row(out, n), g.outHeight() * g.outWidth(), g.filters(),
                g.kernelHeight() * g.kernelWidth(), g.channels(), s, bias, tile[thread], base[thread]);
    }
}
