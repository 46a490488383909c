package dev.myelin.examples;

import dev.myelin.trainer.data.Dataset;
import java.util.SplittableRandom;

/** Generators for the small problems of the examples. Same seed, same data. */
public final class ToyData {

    private ToyData() {
    }

    /**
     * {@code y = 3 x + 2 + e}, x and e uniform in {@code [0, 1)}: the least-squares line is {@code 3 x + 2.5}.
     *
     * @param n    the number of samples, {@code >= 1}
     * @param seed the seed of x and e
     * @return a regression dataset of n samples, width 1, target width 1
     */
    public static Dataset line(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextDouble();
            y[i] = 3 * x[i] + 2 + (float) rnd.nextDouble();
        }
        return Dataset.regression("line", x, 1, y, 1);
    }

    /**
     * The four XOR points, with 0/1 float targets and 0/1 labels.
     *
     * @return the dataset: 4 samples of width 2, float targets of width 1 and 2 classes
     */
    public static Dataset xor() {
        float[] x = {0, 0, 0, 1, 1, 0, 1, 1};
        float[] t = {0, 1, 1, 0};
        int[] y = {0, 1, 1, 0};
        return Dataset.of("xor", x, 2, t, 1, y, 2);
    }

    /**
     * {@code y = sin(x)} at n evenly spaced x in {@code [-pi, pi]}.
     *
     * @param n the number of samples, {@code >= 2}
     * @return a regression dataset of n samples, width 1, target width 1
     */
    public static Dataset sine(int n) {
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (-Math.PI + 2 * Math.PI * i / (n - 1));
            y[i] = (float) Math.sin(x[i]);
        }
        return Dataset.regression("sine", x, 1, y, 1);
    }

    /**
     * n samples of width d with a known covariance: {@code x = z L^T} where z is standard normal and L
     * lower triangular with ones on and below the diagonal, so {@code E[x x^T] = L L^T}.
     *
     * @param n    the number of samples
     * @param d    the width of a sample
     * @param seed the seed of z
     * @return {@code n * d} values, row-major
     */
    public static float[] correlated(int n, int d, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * d];
        double[] z = new double[d];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < d; k++) {
                z[k] = rnd.nextGaussian();
            }
            for (int j = 0; j < d; j++) {
                double s = 0;
                for (int k = 0; k <= j; k++) {
                    s += z[k];
                }
                x[i * d + j] = (float) s;
            }
        }
        return x;
    }
}
