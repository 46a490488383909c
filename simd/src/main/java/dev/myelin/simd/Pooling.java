package dev.myelin.simd;

import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;

/**
 * The SIMD backend's {@link dev.myelin.core.Pool2d} kernels, for now the reference's loops run as they are
 * (scalar, the same operations in the same order, so bit for bit the reference's results), until the
 * vector kernels replace them. {@code threads} is not used yet.
 */
final class Pooling {

    private Pooling() {
    }

    // y is (N, P*Q*C), x is (N, H*W*C)
    static void maxPool2dForward(Matrix y, Matrix x, Pool2d g, int threads) {
        int hh = g.height(), ww = g.width(), cc = g.channels(), pp = g.outHeight(), qq = g.outWidth();
        for (int n = 0; n < x.rows(); n++) {
            for (int p = 0; p < pp; p++) {
                for (int q = 0; q < qq; q++) {
                    for (int c = 0; c < cc; c++) {
                        float m = Float.NEGATIVE_INFINITY;
                        for (int r = 0; r < g.windowHeight(); r++) {
                            for (int s = 0; s < g.windowWidth(); s++) {
                                int h = p * g.strideHeight() - g.padHeight() + r;
                                int v = q * g.strideWidth() - g.padWidth() + s;
                                if (h >= 0 && h < hh && v >= 0 && v < ww) {
                                    m = Math.max(m, get(x, n, (h * ww + v) * cc + c));
                                }
                            }
                        }
                        set(y, n, (p * qq + q) * cc + c, m);
                    }
                }
            }
        }
    }

    // dX, x are (N, H*W*C), dY is (N, P*Q*C)
    static void maxPool2dBackward(Matrix dX, Matrix dY, Matrix x, Pool2d g, int threads) {
        int hh = g.height(), ww = g.width(), cc = g.channels(), pp = g.outHeight(), qq = g.outWidth();
        Elementwise.fill(dX, 0f);
        for (int n = 0; n < x.rows(); n++) {
            for (int p = 0; p < pp; p++) {
                for (int q = 0; q < qq; q++) {
                    for (int c = 0; c < cc; c++) {
                        int arg = -1;
                        float best = 0f;
                        for (int r = 0; r < g.windowHeight(); r++) {
                            for (int s = 0; s < g.windowWidth(); s++) {
                                int h = p * g.strideHeight() - g.padHeight() + r;
                                int v = q * g.strideWidth() - g.padWidth() + s;
                                if (h >= 0 && h < hh && v >= 0 && v < ww) {
                                    int at = (h * ww + v) * cc + c;
                                    float xv = get(x, n, at);
                                    if (arg < 0 || above(xv, best)) {
                                        arg = at;
                                        best = xv;
                                    }
                                }
                            }
                        }
                        set(dX, n, arg, get(dX, n, arg) + get(dY, n, (p * qq + q) * cc + c));
                    }
                }
            }
        }
    }

    // y is (N, P*Q*C), x is (N, H*W*C)
    static void avgPool2dForward(Matrix y, Matrix x, Pool2d g, int threads) {
        int hh = g.height(), ww = g.width(), cc = g.channels(), pp = g.outHeight(), qq = g.outWidth();
        float size = g.windowHeight() * g.windowWidth();
        for (int n = 0; n < x.rows(); n++) {
            for (int p = 0; p < pp; p++) {
                for (int q = 0; q < qq; q++) {
                    for (int c = 0; c < cc; c++) {
                        float t = 0f;
                        for (int r = 0; r < g.windowHeight(); r++) {
                            for (int s = 0; s < g.windowWidth(); s++) {
                                int h = p * g.strideHeight() - g.padHeight() + r;
                                int v = q * g.strideWidth() - g.padWidth() + s;
                                if (h >= 0 && h < hh && v >= 0 && v < ww) {
                                    t += get(x, n, (h * ww + v) * cc + c);
                                }
                            }
                        }
                        set(y, n, (p * qq + q) * cc + c, t / size);
                    }
                }
            }
        }
    }

    // dX is (N, H*W*C), dY is (N, P*Q*C)
    static void avgPool2dBackward(Matrix dX, Matrix dY, Pool2d g, int threads) {
        int hh = g.height(), ww = g.width(), cc = g.channels(), pp = g.outHeight(), qq = g.outWidth();
        float size = g.windowHeight() * g.windowWidth();
        Elementwise.fill(dX, 0f);
        for (int n = 0; n < dY.rows(); n++) {
            for (int p = 0; p < pp; p++) {
                for (int q = 0; q < qq; q++) {
                    for (int c = 0; c < cc; c++) {
                        float share = get(dY, n, (p * qq + q) * cc + c) / size;
                        for (int r = 0; r < g.windowHeight(); r++) {
                            for (int s = 0; s < g.windowWidth(); s++) {
                                int h = p * g.strideHeight() - g.padHeight() + r;
                                int v = q * g.strideWidth() - g.padWidth() + s;
                                if (h >= 0 && h < hh && v >= 0 && v < ww) {
                                    int at = (h * ww + v) * cc + c;
                                    set(dX, n, at, get(dX, n, at) + share);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private static float get(Matrix m, int i, int j) {
        return m.segment().getAtIndex(Elementwise.FLOAT, m.offset() + (long) i * m.ld() + j);
    }

    private static void set(Matrix m, int i, int j, float v) {
        m.segment().setAtIndex(Elementwise.FLOAT, m.offset() + (long) i * m.ld() + j, v);
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
