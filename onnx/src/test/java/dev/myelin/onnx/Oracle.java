package dev.myelin.onnx;

import dev.myelin.core.ErrorBounds;
import dev.myelin.trainer.Activation;
import dev.myelin.trainer.AvgPool2D;
import dev.myelin.trainer.Conv2D;
import dev.myelin.trainer.Dense;
import dev.myelin.trainer.Dropout;
import dev.myelin.trainer.Flatten;
import dev.myelin.trainer.Layer;
import dev.myelin.trainer.MaxPool2D;
import dev.myelin.trainer.Model;
import dev.myelin.trainer.Shape;
import dev.myelin.trainer.Standardize;
import java.util.Map;

/**
 * A model's forward pass for one sample in double, with a per-element bound on the error of ANY float32 evaluation of
 * it that rounds each operation once and sums in any order, with or without FMA (Myelin's, ONNX Runtime's):
 * {@code |computed - value| <= bound} element by element. Two such evaluations are then within {@code 2 bound} of
 * each other. The rules, layer by layer, for an input known within {@code e} of its value {@code v}:
 * <ul>
 *   <li>a dot product of length k plus a bias (Dense, Conv2D): {@code gamma(k + 2) (sum |w| (|v| + e) + |b|)} for the
 *       rounding of the float evaluation (Higham's bound, for any order; the 2 covers the bias and one spare),
 *       {@code + sum |w| e} for the error carried in, {@code + gamma_D(k + 2) sum |w| |v|} for this oracle's own
 *       rounding in double;</li>
 *   <li>ReLU and max pooling are exact and 1-Lipschitz: the bound carries over (the window's largest);</li>
 *   <li>leaky ReLU: {@code |slope| e + u |slope| (|v| + e)} below 0 (one rounding of the product);</li>
 *   <li>average pooling of a window of n cells: {@code gamma(n + 2) mean(|v| + e) + mean(e)};</li>
 *   <li>Standardize {@code (x - mean) / std}: Myelin multiplies by {@code fl(1 / std)}, ONNX divides: at most three
 *       roundings, {@code gamma(3) (|y| + e / std) + e / std};</li>
 *   <li>Dropout (inference), Flatten, identity: exact.</li>
 * </ul>
 * Sigmoid, tanh and GELU are not covered (their float evaluations call approximations of exp and tanh whose error is
 * measured, not derived): the model must not hold them.
 */
final class Oracle {

    final double[] value;
    final double[] bound;

    private Oracle(double[] value, double[] bound) {
        this.value = value;
        this.bound = bound;
    }

    /** The logits of {@code model} for one sample {@code x} (Myelin's memory order). */
    static Oracle logits(Model model, float[] x) {
        double[] v = new double[x.length];
        double[] e = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            v[i] = x[i];
        }
        Shape shape = model.inputShape();
        for (int l = 0; l < model.layers().size(); l++) {
            Layer layer = model.layers().get(l);
            Shape out = model.outputShape(l);
            double[][] r = switch (layer) {
                case Dense d -> dense(d, v, e);
                case Conv2D c -> conv(c, shape, out, v, e);
                case MaxPool2D p -> pool(p.config(), shape, out, v, e, true);
                case AvgPool2D p -> pool(p.config(), shape, out, v, e, false);
                case Standardize s -> standardize(s, v, e);
                case Activation a -> activation(a, v, e);
                case Dropout d -> new double[][] {v, e};
                case Flatten f -> new double[][] {v, e};
                default -> throw new IllegalArgumentException("no oracle for " + layer);
            };
            v = r[0];
            e = r[1];
            shape = out;
        }
        return new Oracle(v, e);
    }

    private static double[][] dense(Dense d, double[] v, double[] e) {
        float[] w = d.parameters().get(0).value().toArray();
        float[] b = d.parameters().get(1).value().toArray();
        int in = v.length;
        int out = b.length;
        double[] y = new double[out];
        double[] bound = new double[out];
        double g = ErrorBounds.gamma(in + 2);
        double gd = ErrorBounds.gammaD(in + 2);
        for (int j = 0; j < out; j++) {
            double s = b[j];
            double abs = 0;
            double carried = 0;
            double mag = 0;
            for (int i = 0; i < in; i++) {
                double wij = w[i * out + j];
                s += v[i] * wij;
                abs += Math.abs(wij) * (Math.abs(v[i]) + e[i]);
                carried += Math.abs(wij) * e[i];
                mag += Math.abs(wij * v[i]);
            }
            y[j] = s;
            bound[j] = g * (abs + Math.abs(b[j])) + carried + gd * (mag + Math.abs(b[j]));
        }
        return new double[][] {y, bound};
    }

    private static double[][] conv(Conv2D c, Shape in, Shape outShape, double[] v, double[] e) {
        Map<String, String> cf = c.config();
        int kh = Integer.parseInt(cf.get("kernel_height"));
        int kw = Integer.parseInt(cf.get("kernel_width"));
        int sh = Integer.parseInt(cf.get("stride_height"));
        int sw = Integer.parseInt(cf.get("stride_width"));
        int ph = Integer.parseInt(cf.get("pad_height"));
        int pw = Integer.parseInt(cf.get("pad_width"));
        int h = in.dim(0);
        int wd = in.dim(1);
        int ch = in.dim(2);
        int p = outShape.dim(0);
        int q = outShape.dim(1);
        int k = outShape.dim(2);
        float[] w = c.parameters().get(0).value().toArray();
        float[] b = c.hasBias() ? c.parameters().get(1).value().toArray() : new float[k];
        double g = ErrorBounds.gamma(kh * kw * ch + 2);
        double gd = ErrorBounds.gammaD(kh * kw * ch + 2);
        double[] y = new double[p * q * k];
        double[] bound = new double[y.length];
        for (int oy = 0; oy < p; oy++) {
            for (int ox = 0; ox < q; ox++) {
                for (int f = 0; f < k; f++) {
                    double s = b[f];
                    double abs = 0;
                    double carried = 0;
                    double mag = 0;
                    for (int r = 0; r < kh; r++) {
                        int iy = oy * sh - ph + r;
                        for (int t = 0; t < kw; t++) {
                            int ix = ox * sw - pw + t;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) {
                                continue;
                            }
                            for (int cc = 0; cc < ch; cc++) {
                                int xi = (iy * wd + ix) * ch + cc;
                                double wv = w[((r * kw + t) * ch + cc) * k + f];
                                s += v[xi] * wv;
                                abs += Math.abs(wv) * (Math.abs(v[xi]) + e[xi]);
                                carried += Math.abs(wv) * e[xi];
                                mag += Math.abs(wv * v[xi]);
                            }
                        }
                    }
                    int o = (oy * q + ox) * k + f;
                    y[o] = s;
                    bound[o] = g * (abs + Math.abs(b[f])) + carried + gd * (mag + Math.abs(b[f]));
                }
            }
        }
        return new double[][] {y, bound};
    }

    private static double[][] pool(Map<String, String> cf, Shape in, Shape outShape, double[] v, double[] e, boolean max) {
        int window = Integer.parseInt(cf.get("window"));
        int stride = Integer.parseInt(cf.get("stride"));
        int pad = Integer.parseInt(cf.get("padding"));
        int h = in.dim(0);
        int wd = in.dim(1);
        int ch = in.dim(2);
        int p = outShape.dim(0);
        int q = outShape.dim(1);
        int n = window * window;
        double g = ErrorBounds.gamma(n + 2);
        double[] y = new double[p * q * ch];
        double[] bound = new double[y.length];
        for (int oy = 0; oy < p; oy++) {
            for (int ox = 0; ox < q; ox++) {
                for (int c = 0; c < ch; c++) {
                    double m = Double.NEGATIVE_INFINITY;
                    double me = 0;
                    double s = 0;
                    double abs = 0;
                    double carried = 0;
                    for (int r = 0; r < window; r++) {
                        for (int t = 0; t < window; t++) {
                            int iy = oy * stride - pad + r;
                            int ix = ox * stride - pad + t;
                            if (iy < 0 || iy >= h || ix < 0 || ix >= wd) {
                                continue;    // a padded cell: 0, counted in the average's divisor
                            }
                            int xi = (iy * wd + ix) * ch + c;
                            m = Math.max(m, v[xi]);
                            me = Math.max(me, e[xi]);
                            s += v[xi];
                            abs += Math.abs(v[xi]) + e[xi];
                            carried += e[xi];
                        }
                    }
                    int o = (oy * q + ox) * ch + c;
                    y[o] = max ? m : s / n;
                    bound[o] = max ? me : g * abs / n + carried / n;
                }
            }
        }
        return new double[][] {y, bound};
    }

    private static double[][] standardize(Standardize st, double[] v, double[] e) {
        String[] mean = st.config().get("mean").split(",");
        String[] std = st.config().get("std").split(",");
        double[] y = new double[v.length];
        double[] bound = new double[v.length];
        double g = ErrorBounds.gamma(3);
        for (int i = 0; i < v.length; i++) {
            double m = Float.parseFloat(mean[mean.length == 1 ? 0 : i]);
            double s = Float.parseFloat(std[std.length == 1 ? 0 : i]);
            y[i] = (v[i] - m) / s;
            bound[i] = g * (Math.abs(y[i]) + e[i] / s) + e[i] / s;
        }
        return new double[][] {y, bound};
    }

    private static double[][] activation(Activation a, double[] v, double[] e) {
        double[] y = new double[v.length];
        double[] bound = new double[v.length];
        switch (a.kind()) {
            case IDENTITY -> {
                System.arraycopy(v, 0, y, 0, v.length);
                System.arraycopy(e, 0, bound, 0, v.length);
            }
            case RELU -> {
                for (int i = 0; i < v.length; i++) {
                    y[i] = Math.max(v[i], 0);
                    bound[i] = e[i];
                }
            }
            case LEAKY_RELU -> {
                double slope = Float.parseFloat(a.config().get("slope"));
                for (int i = 0; i < v.length; i++) {
                    y[i] = v[i] > 0 ? v[i] : slope * v[i];
                    double lip = Math.max(1, Math.abs(slope));
                    bound[i] = lip * e[i] + ErrorBounds.U * Math.abs(slope) * (Math.abs(v[i]) + e[i]);
                }
            }
            default -> throw new IllegalArgumentException("no derived bound for " + a + " (its exp and tanh are approximations)");
        }
        return new double[][] {y, bound};
    }
}
