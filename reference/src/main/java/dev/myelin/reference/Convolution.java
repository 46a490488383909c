package dev.myelin.reference;

import static dev.myelin.reference.Elementwise.get;
import static dev.myelin.reference.Elementwise.set;

import dev.myelin.core.Conv2d;
import dev.myelin.core.Matrix;

/**
 * Reference 2-D convolution over channels-last images, forward and both backwards: the specification.
 *
 * <p>Seven plain loops per kernel, no blocking, no unrolling, no copies: the four outer loops visit the
 * elements written, the three inner ones sum that element's terms. Images are rows of the batch matrices:
 * pixel (h, w), channel c of image n is {@code X[n][(h*W + w)*C + c]}; filter tap (r, s) of input channel
 * c for output channel k is {@code W[(r*S + s)*C + c][k]}; output pixel (p, q), channel k is
 * {@code Y[n][(p*Q + q)*K + k]} ({@link Conv2d}). Input pixel {@code (h, w) = (p*sH - pH + r*dH,
 * q*sW - pW + s*dW)} meets output pixel (p, q) through tap (r, s).
 *
 * <p>Summation order, for every kernel: one float accumulator from +0, each term fused into it with
 * {@link Math#fma} (the product exact, one rounding per term), terms in the order of the three inner
 * loops as written. <b>Every term of the index range is summed</b>, also those that fall into the zero
 * padding (they add {@code 0 * W} or {@code 0 * dY}), so the depth of each sum is fixed by the geometry
 * alone: {@code R*S*C} for the forward pass, {@code R*S*K} for the input gradient, {@code N*P*Q} for the
 * filter gradient. Error bounds (docs/kernels.md, "conv2d"): as for a GEMM of that depth, {@code
 * gamma(depth + 2)} times the sum of the terms' magnitudes (plus the bias or the old gradient).
 * Arguments are checked by {@link dev.myelin.core.Kernels}.
 */
final class Convolution {

    private Convolution() {
    }

    // y is (N, P*Q*K), x is (N, H*W*C), w is (R*S*C, K), b is (1, K)
    // y[n][p,q,k] = (sum over r, s, c in order of fma(x[n][h,w,c], w[r,s,c][k])) + b[k]; x outside the image is +0
    static void conv2dForward(Matrix y, Matrix x, Matrix w, Matrix b, Conv2d g) {
        int hh = g.height(), ww = g.width(), cc = g.channels(), kk = g.filters();
        int rr = g.kernelHeight(), ss = g.kernelWidth(), pp = g.outHeight(), qq = g.outWidth();
        for (int n = 0; n < x.rows(); n++) {
            for (int p = 0; p < pp; p++) {
                for (int q = 0; q < qq; q++) {
                    for (int k = 0; k < kk; k++) {
                        float t = 0f;
                        for (int r = 0; r < rr; r++) {
                            for (int s = 0; s < ss; s++) {
                                for (int c = 0; c < cc; c++) {
                                    int h = p * g.strideHeight() - g.padHeight() + r * g.dilationHeight();
                                    int v = q * g.strideWidth() - g.padWidth() + s * g.dilationWidth();
                                    boolean inside = h >= 0 && h < hh && v >= 0 && v < ww;
                                    float xv = inside ? get(x, n, (h * ww + v) * cc + c) : 0f;
                                    t = Math.fma(xv, get(w, (r * ss + s) * cc + c, k), t);
                                }
                            }
                        }
                        set(y, n, (p * qq + q) * kk + k, t + get(b, 0, k));
                    }
                }
            }
        }
    }

    // dX is (N, H*W*C), dY is (N, P*Q*K), w is (R*S*C, K)
    // dX[n][h,w,c] = sum over r, s, k in order of fma(dY[n][p,q,k], w[r,s,c][k]), where p*sH = h + pH - r*dH and
    // q*sW = w + pW - s*dW; a tap with no such (p, q) inside the output adds +0 * w
    static void conv2dBackwardInput(Matrix dX, Matrix dY, Matrix w, Conv2d g) {
        int hh = g.height(), ww = g.width(), cc = g.channels(), kk = g.filters();
        int rr = g.kernelHeight(), ss = g.kernelWidth(), pp = g.outHeight(), qq = g.outWidth();
        for (int n = 0; n < dY.rows(); n++) {
            for (int h = 0; h < hh; h++) {
                for (int v = 0; v < ww; v++) {
                    for (int c = 0; c < cc; c++) {
                        float t = 0f;
                        for (int r = 0; r < rr; r++) {
                            for (int s = 0; s < ss; s++) {
                                for (int k = 0; k < kk; k++) {
                                    int ph = h + g.padHeight() - r * g.dilationHeight();
                                    int qv = v + g.padWidth() - s * g.dilationWidth();
                                    boolean reaches = ph >= 0 && ph % g.strideHeight() == 0 && ph / g.strideHeight() < pp
                                            && qv >= 0 && qv % g.strideWidth() == 0 && qv / g.strideWidth() < qq;
                                    float dy = reaches
                                            ? get(dY, n, ((ph / g.strideHeight()) * qq + qv / g.strideWidth()) * kk + k) : 0f;
                                    t = Math.fma(dy, get(w, (r * ss + s) * cc + c, k), t);
                                }
                            }
                        }
                        set(dX, n, (h * ww + v) * cc + c, t);
                    }
                }
            }
        }
    }

    // dW is (R*S*C, K), db is (1, K), dY is (N, P*Q*K), x is (N, H*W*C); beta is 0 or 1
    // dW[r,s,c][k] = (beta == 0 ? t : dW + t), t = sum over n, p, q in order of fma(x[n][h,w,c], dY[n][p,q,k]),
    // x outside the image +0; db[k] = (beta == 0 ? u : db + u), u = +0 + dY[0][0,0,k] + ... in order of n, p, q
    static void conv2dBackwardFilter(Matrix dW, Matrix db, Matrix dY, Matrix x, Conv2d g, float beta) {
        int hh = g.height(), ww = g.width(), cc = g.channels(), kk = g.filters();
        int rr = g.kernelHeight(), ss = g.kernelWidth(), pp = g.outHeight(), qq = g.outWidth();
        for (int r = 0; r < rr; r++) {
            for (int s = 0; s < ss; s++) {
                for (int c = 0; c < cc; c++) {
                    for (int k = 0; k < kk; k++) {
                        float t = 0f;
                        for (int n = 0; n < x.rows(); n++) {
                            for (int p = 0; p < pp; p++) {
                                for (int q = 0; q < qq; q++) {
                                    int h = p * g.strideHeight() - g.padHeight() + r * g.dilationHeight();
                                    int v = q * g.strideWidth() - g.padWidth() + s * g.dilationWidth();
                                    boolean inside = h >= 0 && h < hh && v >= 0 && v < ww;
                                    float xv = inside ? get(x, n, (h * ww + v) * cc + c) : 0f;
                                    t = Math.fma(xv, get(dY, n, (p * qq + q) * kk + k), t);
                                }
                            }
                        }
                        int row = (r * ss + s) * cc + c;
                        set(dW, row, k, beta == 0 ? t : get(dW, row, k) + t);
                    }
                }
            }
        }
        for (int k = 0; k < kk; k++) {
            float u = 0f;
            for (int n = 0; n < dY.rows(); n++) {
                for (int p = 0; p < pp; p++) {
                    for (int q = 0; q < qq; q++) {
                        u += get(dY, n, (p * qq + q) * kk + k);
                    }
                }
            }
            set(db, 0, k, beta == 0 ? u : get(db, 0, k) + u);
        }
    }
}
