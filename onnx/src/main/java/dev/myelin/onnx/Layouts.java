package dev.myelin.onnx;

/**
 * The conversions between Myelin's channels-last tensors and ONNX's channels-first ones. Each is a permutation:
 * values are moved, never computed, so an export followed by an import gives back the same bits.
 */
final class Layouts {

    /** GELU's cubic coefficient, as float. */
    static final float GELU_KAPPA = 0.044715f;
    /** GELU's {@code 2 sqrt(2 / pi)} (the sigmoid form's), as float. */
    static final float GELU_BETA2 = (float) (2 * Math.sqrt(2 / Math.PI));

    private Layouts() {
    }

    /**
     * Myelin's filters {@code (R S C, K)}, row {@code (r S + s) C + c}, as ONNX's {@code (K, C, R, S)}.
     */
    static float[] filtersToOnnx(float[] w, int filters, int channels, int kh, int kw) {
        float[] r = new float[w.length];
        for (int k = 0; k < filters; k++) {
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < kh; y++) {
                    for (int x = 0; x < kw; x++) {
                        r[((k * channels + c) * kh + y) * kw + x] = w[((y * kw + x) * channels + c) * filters + k];
                    }
                }
            }
        }
        return r;
    }

    /** ONNX's filters {@code (K, C, R, S)} as Myelin's {@code (R S C, K)}: the inverse of {@link #filtersToOnnx}. */
    static float[] filtersFromOnnx(float[] w, int filters, int channels, int kh, int kw) {
        float[] r = new float[w.length];
        for (int k = 0; k < filters; k++) {
            for (int c = 0; c < channels; c++) {
                for (int y = 0; y < kh; y++) {
                    for (int x = 0; x < kw; x++) {
                        r[((y * kw + x) * channels + c) * filters + k] = w[((k * channels + c) * kh + y) * kw + x];
                    }
                }
            }
        }
        return r;
    }

    /** Per-element values of an image in ONNX's {@code (C, H, W)} order, in Myelin's {@code (H, W, C)} order. */
    static float[] imageFromOnnx(float[] v, int h, int w, int c) {
        float[] r = new float[v.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    r[(y * w + x) * c + ch] = v[(ch * h + y) * w + x];
                }
            }
        }
        return r;
    }

    /** Per-element values of an image in Myelin's {@code (H, W, C)} order, in ONNX's {@code (C, H, W)} order. */
    static float[] imageToOnnx(float[] v, int h, int w, int c) {
        float[] r = new float[v.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    r[(ch * h + y) * w + x] = v[(y * w + x) * c + ch];
                }
            }
        }
        return r;
    }
}
