package dev.myelin.reference;

import static dev.myelin.reference.Elementwise.get;
import static dev.myelin.reference.Elementwise.set;

import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;

/**
 * Reference 2-D max and average pooling over channels-last images, forward and backward: the
 * specification. Plain loops over the image n, the output pixel (p, q) and the channel c, then the
 * window's rows r and columns s in scan order (top to bottom, each row left to right); the window of
 * (p, q) covers input pixels {@code (p*sH - pH + r, q*sW - pW + s)}, and only those inside the image take
 * part (every window holds at least one: {@link Pool2d} checks it). Layout as in {@link Convolution}:
 * pixel (h, w), channel c of image n is {@code X[n][(h*W + w)*C + c]}.
 *
 * <ul>
 *   <li>Max: {@link Math#max} from -Inf over the window's pixels (a NaN wins, +0.0 above -0.0); exact.
 *       Its backward recomputes each window's first maximum in scan order with
 *       {@link Elementwise#above} (the first NaN if there is one; the first +0.0 over an earlier -0.0) and
 *       adds dY there.</li>
 *   <li>Average: the float sum from +0 of the pixels inside the image in scan order, divided by
 *       {@code R*S} (padded cells count as zeros: PyTorch's {@code count_include_pad=True}). Its backward
 *       adds {@code dY / (R*S)}, rounded once, to every pixel of the window inside the image.</li>
 * </ul>
 * Both backwards start from a zeroed dX and add in order of (p, q), so a pixel of overlapping windows sums
 * its shares in that order. Every operation is a float operation of this fixed order, so the SIMD backend
 * reproduces all four kernels bit for bit. Arguments are checked by {@link dev.myelin.core.Kernels}.
 */
final class Pooling {

    private Pooling() {
    }

    // y is (N, P*Q*C), x is (N, H*W*C)
    static void maxPool2dForward(Matrix y, Matrix x, Pool2d g) {
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
    static void maxPool2dBackward(Matrix dX, Matrix dY, Matrix x, Pool2d g) {
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
                                    if (arg < 0 || Elementwise.above(xv, best)) {
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
    static void avgPool2dForward(Matrix y, Matrix x, Pool2d g) {
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
    static void avgPool2dBackward(Matrix dX, Matrix dY, Pool2d g) {
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
}
