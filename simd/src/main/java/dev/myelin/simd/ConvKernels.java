package dev.myelin.simd;

import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;

import jdk.incubator.vector.FloatVector;

/**
 * The convolution's micro-kernels: three families, each unrolled for the three tiles (6 x 4 vectors with 32
 * registers, 4 x 2 with 16, and the narrow 12 x 2; see {@link Convolution#tileVectors}). No loop over the output's
 * rows or columns; they read only {@code float[]} and {@code int[]} (a kernel with many accumulators that reads
 * MemorySegments can fail C1's compile, see {@link Gemm}).
 * <ul>
 *   <li><b>Implicit</b> (forward, input gradient): {@code tile[i*nr + j] = sum over taps t (in order) and c < run
 *       (in order) of src[base[i] + tapOff[t] + c] * bp[bo + (t*run + c)*nr + j]}, one FMA per term from +0.
 *       Per step: NV vector loads of the packed filters, one broadcast per row.</li>
 *   <li><b>Filter</b> (filter gradient): {@code acc[ao + i*nr + j] += sum over images j' < images and their pixels
 *       m (in order) of src[so + j'*srcStride + pixBase[m] + rowOff[ro + i]] * dy[dyo + j'*dyStride + m*dyPixel + j]},
 *       one FMA per term, continuing the chain held in acc.</li>
 *   <li><b>Planar</b> (input gradient with few channels): {@code tile[i*nr + j] = sum over taps t (in order) and
 *       filters k < depth (in order) of src[base[i] + tapOff[t] + k*plane + j] * wv[wo + t*depth + k]}, one FMA
 *       per term from +0. Per step: one broadcast weight, MR x NV vector loads of the spread planes.</li>
 * </ul>
 *
 * <p>Why nine hand-unrolled bodies and not one shared per family: the Vector API keeps a vector in a register
 * only while C2 can see every use of it. Species are {@code static final} ({@link Vectors}), the accumulators are
 * named locals (an array of vectors is a heap array of boxed vectors), and a vector passed to or returned from a
 * helper that C2 does not inline is boxed, an allocation per call and a large slowdown ({@code
 * KernelAllocationTest} fails on it); we cannot force inlining ({@code @ForceInline} is JDK-internal). So a
 * shared piece must be a whole kernel parameterised by plain ints and arrays, and none of the pairs that
 * {@code duplicates} reports is one with the same compiled code:
 * <ul>
 *   <li>implicit and planar differ in which operand is broadcast (the image value per row, against one weight per
 *       step with a vector load per accumulator), not in how an address is computed: a different loop body;</li>
 *   <li>implicit and filter differ in the loop that carries the table: implicit's outer loop reads {@code tapOff}
 *       and its inner loop steps the channel by 1, filter's inner loop reads {@code pixBase} per pixel; and
 *       implicit starts its chains at +0 in registers where filter loads them from {@code acc}. One kernel for
 *       both would add a table load to implicit's inner loop (or an index table for the channels) and a load of
 *       zeros per accumulator: different code in the hottest loop, to be justified by a benchmark first;</li>
 *   <li>the tiles differ in their register count, which is what each is for.</li>
 * </ul>
 * What the copies share is their text (declarations and stores of the accumulators), and that only a generator
 * could remove.
 */
final class ConvKernels {

    private ConvKernels() {
    }

    /** Runs the implicit micro-kernel of the {@code mr}-row tile. */
    static void implicit(int mr, int taps, int run, int[] tapOff, float[] src, int[] base, float[] bp, int bo,
                         float[] tile) {
        if (mr == 6) {
            implicit6x4(taps, run, tapOff, src, base, bp, bo, tile);
        } else if (mr == 12) {
            implicit12x2(taps, run, tapOff, src, base, bp, bo, tile);
        } else {
            implicit4x2(taps, run, tapOff, src, base, bp, bo, tile);
        }
    }

    /** Runs the filter micro-kernel of the {@code mr}-row tile. */
    static void filter(int mr, int images, int pixels, int[] pixBase, float[] src, int so, int srcStride, int[] rowOff,
                       int ro, float[] dy, int dyo, int dyStride, int dyPixel, float[] acc, int ao) {
        if (mr == 6) {
            filter6x4(images, pixels, pixBase, src, so, srcStride, rowOff, ro, dy, dyo, dyStride, dyPixel, acc, ao);
        } else if (mr == 12) {
            filter12x2(images, pixels, pixBase, src, so, srcStride, rowOff, ro, dy, dyo, dyStride, dyPixel, acc, ao);
        } else {
            filter4x2(images, pixels, pixBase, src, so, srcStride, rowOff, ro, dy, dyo, dyStride, dyPixel, acc, ao);
        }
    }

    /** Runs the planar micro-kernel of the {@code mr}-row tile. */
    static void planar(int mr, int taps, int depth, int[] tapOff, int plane, float[] src, int[] base, float[] wv, int wo,
                       float[] tile) {
        if (mr == 6) {
            planar6x4(taps, depth, tapOff, plane, src, base, wv, wo, tile);
        } else if (mr == 12) {
            planar12x2(taps, depth, tapOff, plane, src, base, wv, wo, tile);
        } else {
            planar4x2(taps, depth, tapOff, plane, src, base, wv, wo, tile);
        }
    }

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
