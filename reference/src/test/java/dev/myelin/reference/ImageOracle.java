package dev.myelin.reference;

import dev.myelin.core.Conv2d;
import dev.myelin.core.Pool2d;

/**
 * The convolution and pooling formulas in double precision, written another way than the reference (through
 * an explicit im2col matrix and matrix products, as a GEMM-based convolution computes them), for the
 * reference's oracle and finite-difference tests. Arrays are row-major with the batch layout of the kernels:
 * x is {@code N x (H*W*C)}, y {@code N x (P*Q*K)}, w {@code (R*S*C) x K}.
 */
final class ImageOracle {

    private ImageOracle() {
    }

    /**
     * The columns of image n: row {@code p*Q + q}, column {@code (r*S + s)*C + c} holds the pixel tap (r, s)
     * of output pixel (p, q) reads in channel c, or 0 where it falls into the padding.
     */
    static double[][] im2col(double[] x, int n, Conv2d g) {
        int cols = g.filterRows();
        double[][] col = new double[g.outHeight() * g.outWidth()][cols];
        for (int p = 0; p < g.outHeight(); p++) {
            for (int q = 0; q < g.outWidth(); q++) {
                for (int r = 0; r < g.kernelHeight(); r++) {
                    for (int s = 0; s < g.kernelWidth(); s++) {
                        int h = p * g.strideHeight() - g.padHeight() + r * g.dilationHeight();
                        int w = q * g.strideWidth() - g.padWidth() + s * g.dilationWidth();
                        if (h < 0 || h >= g.height() || w < 0 || w >= g.width()) {
                            continue;
                        }
                        for (int c = 0; c < g.channels(); c++) {
                            col[p * g.outWidth() + q][(r * g.kernelWidth() + s) * g.channels() + c] =
                                    x[n * g.inputColumns() + (h * g.width() + w) * g.channels() + c];
                        }
                    }
                }
            }
        }
        return col;
    }

    /** y = col(x) w + b for every image; with {@code abs}, the same with every value replaced by its magnitude. */
    static double[] forward(double[] x, double[] w, double[] b, int batch, Conv2d g, boolean abs) {
        int kk = g.filters();
        double[] y = new double[batch * g.outputColumns()];
        for (int n = 0; n < batch; n++) {
            double[][] col = im2col(x, n, g);
            for (int i = 0; i < col.length; i++) {
                for (int k = 0; k < kk; k++) {
                    double t = abs ? Math.abs(b[k]) : b[k];
                    for (int l = 0; l < col[i].length; l++) {
                        double term = col[i][l] * w[l * kk + k];
                        t += abs ? Math.abs(term) : term;
                    }
                    y[n * g.outputColumns() + i * kk + k] = t;
                }
            }
        }
        return y;
    }

    /** dX = col2im(dY w^T), the transpose of the im2col product; with {@code abs}, on magnitudes. */
    static double[] backwardInput(double[] dY, double[] w, int batch, Conv2d g, boolean abs) {
        int kk = g.filters();
        double[] dX = new double[batch * g.inputColumns()];
        for (int n = 0; n < batch; n++) {
            for (int p = 0; p < g.outHeight(); p++) {
                for (int q = 0; q < g.outWidth(); q++) {
                    for (int r = 0; r < g.kernelHeight(); r++) {
                        for (int s = 0; s < g.kernelWidth(); s++) {
                            int h = p * g.strideHeight() - g.padHeight() + r * g.dilationHeight();
                            int v = q * g.strideWidth() - g.padWidth() + s * g.dilationWidth();
                            if (h < 0 || h >= g.height() || v < 0 || v >= g.width()) {
                                continue;
                            }
                            for (int c = 0; c < g.channels(); c++) {
                                double t = 0;
                                for (int k = 0; k < kk; k++) {
                                    double term = dY[n * g.outputColumns() + (p * g.outWidth() + q) * kk + k]
                                            * w[((r * g.kernelWidth() + s) * g.channels() + c) * kk + k];
                                    t += abs ? Math.abs(term) : term;
                                }
                                dX[n * g.inputColumns() + (h * g.width() + v) * g.channels() + c] += t;
                            }
                        }
                    }
                }
            }
        }
        return dX;
    }

    /** dW = sum over images of col(x)^T dY; with {@code abs}, on magnitudes. */
    static double[] backwardFilter(double[] x, double[] dY, int batch, Conv2d g, boolean abs) {
        int kk = g.filters();
        double[] dW = new double[g.filterRows() * kk];
        for (int n = 0; n < batch; n++) {
            double[][] col = im2col(x, n, g);
            for (int i = 0; i < col.length; i++) {
                for (int l = 0; l < col[i].length; l++) {
                    for (int k = 0; k < kk; k++) {
                        double term = col[i][l] * dY[n * g.outputColumns() + i * kk + k];
                        dW[l * kk + k] += abs ? Math.abs(term) : term;
                    }
                }
            }
        }
        return dW;
    }

    /** The window maximum (NaN-free inputs) per channel. */
    static double[] maxPool(double[] x, int batch, Pool2d g) {
        return pool(x, batch, g, true);
    }

    /** The window sum over the pixels inside the image, divided by R*S. */
    static double[] avgPool(double[] x, int batch, Pool2d g) {
        return pool(x, batch, g, false);
    }

    private static double[] pool(double[] x, int batch, Pool2d g, boolean max) {
        double[] y = new double[batch * g.outputColumns()];
        int cc = g.channels();
        for (int n = 0; n < batch; n++) {
            for (int p = 0; p < g.outHeight(); p++) {
                for (int q = 0; q < g.outWidth(); q++) {
                    for (int c = 0; c < cc; c++) {
                        double t = max ? Double.NEGATIVE_INFINITY : 0;
                        for (int r = 0; r < g.windowHeight(); r++) {
                            for (int s = 0; s < g.windowWidth(); s++) {
                                int h = p * g.strideHeight() - g.padHeight() + r;
                                int v = q * g.strideWidth() - g.padWidth() + s;
                                if (h >= 0 && h < g.height() && v >= 0 && v < g.width()) {
                                    double e = x[n * g.inputColumns() + (h * g.width() + v) * cc + c];
                                    t = max ? Math.max(t, e) : t + e;
                                }
                            }
                        }
                        y[n * g.outputColumns() + (p * g.outWidth() + q) * cc + c] =
                                max ? t : t / (g.windowHeight() * g.windowWidth());
                    }
                }
            }
        }
        return y;
    }

    /** sum_e a_e b_e: a loss that weights every output. */
    static double dot(double[] a, double[] b) {
        double t = 0;
        for (int e = 0; e < a.length; e++) {
            t += a[e] * b[e];
        }
        return t;
    }
}
