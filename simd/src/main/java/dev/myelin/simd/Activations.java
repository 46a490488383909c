package dev.myelin.simd;

import static dev.myelin.simd.Elementwise.NATIVE;
import static dev.myelin.simd.Elementwise.bytes;
import static dev.myelin.simd.Elementwise.flat;
import static dev.myelin.simd.Elementwise.load;
import static dev.myelin.simd.Elementwise.row;
import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Matrix;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * SIMD activations, forward and backward. Loops as in {@link Elementwise}: loopBound, vector main loop,
 * one masked tail; elementwise kernels walk a contiguous matrix as one row, row-wise kernels (softmax,
 * log-softmax) work one row at a time.
 *
 * <p>Exact kernels (bit for bit the reference): relu, leaky relu, and the sigmoid and tanh backward,
 * which perform the reference's float operations in its order. The others compute in float with the
 * Vector API's {@code EXP} and {@code TANH} (SVML on x86) and are within the bounds of docs/kernels.md:
 * <ul>
 *   <li>sigmoid, in the stable form {@code s = (x >= 0 ? 1 : e) / (1 + e)}, {@code e = exp(-|x|)}: e never
 *       overflows, so results stay accurate down to the subnormals (1 / (1 + exp(-x)) flushes to 0 below
 *       x = -88.7);</li>
 *   <li>gelu as {@code x * sigmoid(z)}, {@code z = x (A + B x^2)}, {@code A = 2 sqrt(2/pi)},
 *       {@code B = A * 0.044715} (the tanh form, without its cancellation); gelu' as
 *       {@code s + x q z'} with {@code q = s (1 - s) = e / (1 + e)^2} and {@code z' = A + 3B x^2}, on x
 *       clamped to [-20, 20] (beyond, q is 0 in float and gelu' rounds to s, 1 or 0, exactly; the clamp
 *       only keeps x^2 finite);</li>
 *   <li>softmax and log-softmax per row: max (exact), then {@code sum exp(x - max)} in float with one
 *       vector accumulator (lane l sums elements l, l+L, l+2L, ... in order, then the lanes are added in
 *       an unspecified order), then the division or subtraction; softmax backward's {@code sum dY Y} is
 *       summed the same way with FMA, log-softmax backward's {@code sum dY} too.</li>
 * </ul>
 * Special values are the reference's (see its class comment): the same NaN positions, the same results
 * for +-Inf and -0.0, no flush to zero.
 */
final class Activations {

    /** 2 sqrt(2/pi) in float: z = 2u for the GELU tanh-form argument u. */
    static final float GELU_A = (float) (2 * Math.sqrt(2 / Math.PI));
    /** 2 sqrt(2/pi) * 0.044715 in float. */
    static final float GELU_B = (float) (2 * Math.sqrt(2 / Math.PI) * 0.044715);
    /** 3 * GELU_B, for z' = A + 3B x^2. */
    static final float GELU_B3 = (float) (2 * Math.sqrt(2 / Math.PI) * 3 * 0.044715);
    /** |x| beyond which gelu' is exactly 0 or 1 in float (see the class comment). */
    static final float GELU_CLAMP = 20f;

    private Activations() {
    }

    // ---------------------------------------------------------------- relu, leaky relu (exact)

    // y, x are (m, n)
    static void reluForward(Matrix y, Matrix x) {
        boolean flat = flat(y, x);
        int rows = flat ? 1 : x.rows();
        int n = flat ? (int) x.size() : x.cols();
        MemorySegment ys = y.segment();
        MemorySegment xs = x.segment();
        for (int i = 0; i < rows; i++) {
            long y0 = row(y, i);
            long x0 = row(x, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                relu(load(xs, x0 + bytes(j))).intoMemorySegment(ys, y0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                relu(load(xs, x0 + bytes(j), m)).intoMemorySegment(ys, y0 + bytes(j), NATIVE, m);
            }
        }
    }

    /** max(x, 0) with Math.max semantics: NaN stays NaN, -0.0 becomes +0.0. */
    private static FloatVector relu(FloatVector x) {
        return x.lanewise(VectorOperators.MAX, 0f);
    }

    // dX, dY, x are (m, n)
    static void reluBackward(Matrix dX, Matrix dY, Matrix x) {
        boolean flat = flat(dX, dY, x);
        int rows = flat ? 1 : x.rows();
        int n = flat ? (int) x.size() : x.cols();
        MemorySegment ds = dX.segment();
        MemorySegment gs = dY.segment();
        MemorySegment xs = x.segment();
        for (int i = 0; i < rows; i++) {
            long d0 = row(dX, i);
            long g0 = row(dY, i);
            long x0 = row(x, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                reluBack(load(gs, g0 + bytes(j)), load(xs, x0 + bytes(j))).intoMemorySegment(ds, d0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                reluBack(load(gs, g0 + bytes(j), m), load(xs, x0 + bytes(j), m)).intoMemorySegment(ds, d0 + bytes(j), NATIVE, m);
            }
        }
    }

    /** x > 0 ? dy : (x is NaN ? x : 0). */
    private static FloatVector reluBack(FloatVector dy, FloatVector x) {
        return FloatVector.zero(F).blend(dy, x.compare(VectorOperators.GT, 0f)).blend(x, x.test(VectorOperators.IS_NAN));
    }

    // y, x are (m, n)
    static void leakyReluForward(Matrix y, Matrix x, float slope) {
        boolean flat = flat(y, x);
        int rows = flat ? 1 : x.rows();
        int n = flat ? (int) x.size() : x.cols();
        MemorySegment ys = y.segment();
        MemorySegment xs = x.segment();
        for (int i = 0; i < rows; i++) {
            long y0 = row(y, i);
            long x0 = row(x, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                leaky(load(xs, x0 + bytes(j)), slope).intoMemorySegment(ys, y0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                leaky(load(xs, x0 + bytes(j), m), slope).intoMemorySegment(ys, y0 + bytes(j), NATIVE, m);
            }
        }
    }

    /** x > 0 ? x : slope * x (NaN: slope * NaN = NaN). */
    private static FloatVector leaky(FloatVector x, float slope) {
        return x.mul(slope).blend(x, x.compare(VectorOperators.GT, 0f));
    }

    // dX, dY, x are (m, n)
    static void leakyReluBackward(Matrix dX, Matrix dY, Matrix x, float slope) {
        boolean flat = flat(dX, dY, x);
        int rows = flat ? 1 : x.rows();
        int n = flat ? (int) x.size() : x.cols();
        MemorySegment ds = dX.segment();
        MemorySegment gs = dY.segment();
        MemorySegment xs = x.segment();
        for (int i = 0; i < rows; i++) {
            long d0 = row(dX, i);
            long g0 = row(dY, i);
            long x0 = row(x, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                leakyBack(load(gs, g0 + bytes(j)), load(xs, x0 + bytes(j)), slope).intoMemorySegment(ds, d0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                leakyBack(load(gs, g0 + bytes(j), m), load(xs, x0 + bytes(j), m), slope).intoMemorySegment(ds, d0 + bytes(j), NATIVE, m);
            }
        }
    }

    /** x > 0 ? dy : (x is NaN ? x : slope * dy). */
    private static FloatVector leakyBack(FloatVector dy, FloatVector x, float slope) {
        return dy.mul(slope).blend(dy, x.compare(VectorOperators.GT, 0f)).blend(x, x.test(VectorOperators.IS_NAN));
    }

    // ---------------------------------------------------------------- sigmoid, tanh

    // y, x are (m, n)
    static void sigmoidForward(Matrix y, Matrix x) {
        boolean flat = flat(y, x);
        int rows = flat ? 1 : x.rows();
        int n = flat ? (int) x.size() : x.cols();
        MemorySegment ys = y.segment();
        MemorySegment xs = x.segment();
        for (int i = 0; i < rows; i++) {
            long y0 = row(y, i);
            long x0 = row(x, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                sigmoid(load(xs, x0 + bytes(j))).intoMemorySegment(ys, y0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                sigmoid(load(xs, x0 + bytes(j), m)).intoMemorySegment(ys, y0 + bytes(j), NATIVE, m);
            }
        }
    }

    /** Stable sigmoid: e = exp(-|x|) in (0, 1]; (x >= 0 ? 1 : e) / (1 + e). NaN gives NaN. */
    static FloatVector sigmoid(FloatVector x) {
        FloatVector e = x.lanewise(VectorOperators.ABS).neg().lanewise(VectorOperators.EXP);
        return e.blend(1f, x.compare(VectorOperators.GE, 0f)).div(e.add(1f));
    }

    // dX, dY, y are (m, n): (dY * Y) * (1 - Y), the reference's operations
    static void sigmoidBackward(Matrix dX, Matrix dY, Matrix y) {
        boolean flat = flat(dX, dY, y);
        int rows = flat ? 1 : y.rows();
        int n = flat ? (int) y.size() : y.cols();
        MemorySegment ds = dX.segment();
        MemorySegment gs = dY.segment();
        MemorySegment ys = y.segment();
        for (int i = 0; i < rows; i++) {
            long d0 = row(dX, i);
            long g0 = row(dY, i);
            long y0 = row(y, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector v = load(ys, y0 + bytes(j));
                load(gs, g0 + bytes(j)).mul(v).mul(FloatVector.broadcast(F, 1f).sub(v)).intoMemorySegment(ds, d0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector v = load(ys, y0 + bytes(j), m);
                load(gs, g0 + bytes(j), m).mul(v).mul(FloatVector.broadcast(F, 1f).sub(v)).intoMemorySegment(ds, d0 + bytes(j), NATIVE, m);
            }
        }
    }

    // y, x are (m, n)
    static void tanhForward(Matrix y, Matrix x) {
        boolean flat = flat(y, x);
        int rows = flat ? 1 : x.rows();
        int n = flat ? (int) x.size() : x.cols();
        MemorySegment ys = y.segment();
        MemorySegment xs = x.segment();
        for (int i = 0; i < rows; i++) {
            long y0 = row(y, i);
            long x0 = row(x, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                load(xs, x0 + bytes(j)).lanewise(VectorOperators.TANH).intoMemorySegment(ys, y0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                load(xs, x0 + bytes(j), m).lanewise(VectorOperators.TANH).intoMemorySegment(ys, y0 + bytes(j), NATIVE, m);
            }
        }
    }

    // dX, dY, y are (m, n): dY * (1 - Y * Y), the reference's operations
    static void tanhBackward(Matrix dX, Matrix dY, Matrix y) {
        boolean flat = flat(dX, dY, y);
        int rows = flat ? 1 : y.rows();
        int n = flat ? (int) y.size() : y.cols();
        MemorySegment ds = dX.segment();
        MemorySegment gs = dY.segment();
        MemorySegment ys = y.segment();
        for (int i = 0; i < rows; i++) {
            long d0 = row(dX, i);
            long g0 = row(dY, i);
            long y0 = row(y, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector v = load(ys, y0 + bytes(j));
                load(gs, g0 + bytes(j)).mul(FloatVector.broadcast(F, 1f).sub(v.mul(v))).intoMemorySegment(ds, d0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector v = load(ys, y0 + bytes(j), m);
                load(gs, g0 + bytes(j), m).mul(FloatVector.broadcast(F, 1f).sub(v.mul(v))).intoMemorySegment(ds, d0 + bytes(j), NATIVE, m);
            }
        }
    }

    // ---------------------------------------------------------------- gelu

    // y, x are (m, n)
    static void geluForward(Matrix y, Matrix x) {
        boolean flat = flat(y, x);
        int rows = flat ? 1 : x.rows();
        int n = flat ? (int) x.size() : x.cols();
        MemorySegment ys = y.segment();
        MemorySegment xs = x.segment();
        for (int i = 0; i < rows; i++) {
            long y0 = row(y, i);
            long x0 = row(x, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                gelu(load(xs, x0 + bytes(j))).intoMemorySegment(ys, y0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                gelu(load(xs, x0 + bytes(j), m)).intoMemorySegment(ys, y0 + bytes(j), NATIVE, m);
            }
        }
    }

    /** x * sigmoid(x (A + B x^2)); gelu(-Inf) = -0.0 (the limit, where the product would be -Inf * 0). */
    private static FloatVector gelu(FloatVector x) {
        FloatVector z = x.mul(x).mul(GELU_B).add(GELU_A).mul(x);
        FloatVector y = x.mul(sigmoid(z));
        return y.blend(-0f, x.compare(VectorOperators.EQ, Float.NEGATIVE_INFINITY));
    }

    // dX, dY, x are (m, n)
    static void geluBackward(Matrix dX, Matrix dY, Matrix x) {
        boolean flat = flat(dX, dY, x);
        int rows = flat ? 1 : x.rows();
        int n = flat ? (int) x.size() : x.cols();
        MemorySegment ds = dX.segment();
        MemorySegment gs = dY.segment();
        MemorySegment xs = x.segment();
        for (int i = 0; i < rows; i++) {
            long d0 = row(dX, i);
            long g0 = row(dY, i);
            long x0 = row(x, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                load(gs, g0 + bytes(j)).mul(geluPrime(load(xs, x0 + bytes(j)))).intoMemorySegment(ds, d0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                load(gs, g0 + bytes(j), m).mul(geluPrime(load(xs, x0 + bytes(j), m))).intoMemorySegment(ds, d0 + bytes(j), NATIVE, m);
            }
        }
    }

    /** gelu'(x) = s + x q z' on x clamped to [-20, 20]: s = sigmoid(z), q = e / (1 + e)^2, e = exp(-|z|). */
    private static FloatVector geluPrime(FloatVector x) {
        FloatVector c = x.lanewise(VectorOperators.MIN, GELU_CLAMP).lanewise(VectorOperators.MAX, -GELU_CLAMP);
        FloatVector c2 = c.mul(c);
        FloatVector z = c2.mul(GELU_B).add(GELU_A).mul(c);
        FloatVector e = z.lanewise(VectorOperators.ABS).neg().lanewise(VectorOperators.EXP);
        FloatVector onePlusE = e.add(1f);
        FloatVector s = e.blend(1f, z.compare(VectorOperators.GE, 0f)).div(onePlusE);
        FloatVector q = e.div(onePlusE.mul(onePlusE));
        FloatVector dz = c2.mul(GELU_B3).add(GELU_A);
        return c.mul(q).mul(dz).add(s);
    }

    // ---------------------------------------------------------------- softmax, log-softmax (per row)

    // y, x are (m, n); y may be x itself
    static void softmaxForward(Matrix y, Matrix x) {
        int n = x.cols();
        MemorySegment ys = y.segment();
        MemorySegment xs = x.segment();
        for (int i = 0; i < x.rows(); i++) {
            long x0 = row(x, i);
            long y0 = row(y, i);
            float max = Elementwise.rowMax(xs, x0, n);
            // pass 2: e = exp(x - max) into y, summed in one vector accumulator
            FloatVector acc = FloatVector.zero(F);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                FloatVector e = load(xs, x0 + bytes(j)).sub(max).lanewise(VectorOperators.EXP);
                e.intoMemorySegment(ys, y0 + bytes(j), NATIVE);
                acc = acc.add(e);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector e = load(xs, x0 + bytes(j), m).sub(max).lanewise(VectorOperators.EXP);
                e.intoMemorySegment(ys, y0 + bytes(j), NATIVE, m);
                acc = acc.add(e, m);
            }
            float sum = acc.reduceLanes(VectorOperators.ADD);
            // pass 3: y = e / sum
            j = 0;
            for (; j < bound; j += L) {
                long at = y0 + bytes(j);
                load(ys, at).div(sum).intoMemorySegment(ys, at, NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                long at = y0 + bytes(j);
                load(ys, at, m).div(sum).intoMemorySegment(ys, at, NATIVE, m);
            }
        }
    }

    /** {@code sum exp(x - max)} over n elements from x0 in float, one vector accumulator (lane order, then the lanes). */
    static float sumExp(MemorySegment xs, long x0, int n, float max) {
        FloatVector acc = FloatVector.zero(F);
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            acc = acc.add(load(xs, x0 + bytes(j)).sub(max).lanewise(VectorOperators.EXP));
        }
        if (j < n) {
            VectorMask<Float> m = F.indexInRange(j, n);
            acc = acc.add(load(xs, x0 + bytes(j), m).sub(max).lanewise(VectorOperators.EXP), m);
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    // dX, dY, y are (m, n): s = sum dY Y (FMA, one accumulator); dX = Y * (dY - s)
    static void softmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        int n = y.cols();
        MemorySegment ds = dX.segment();
        MemorySegment gs = dY.segment();
        MemorySegment ys = y.segment();
        for (int i = 0; i < y.rows(); i++) {
            long d0 = row(dX, i);
            long g0 = row(dY, i);
            long y0 = row(y, i);
            FloatVector acc = FloatVector.zero(F);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                acc = load(gs, g0 + bytes(j)).fma(load(ys, y0 + bytes(j)), acc);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                acc = load(gs, g0 + bytes(j), m).fma(load(ys, y0 + bytes(j), m), acc);   // masked lanes add 0 * 0
            }
            float s = acc.reduceLanes(VectorOperators.ADD);
            j = 0;
            for (; j < bound; j += L) {
                load(ys, y0 + bytes(j)).mul(load(gs, g0 + bytes(j)).sub(s)).intoMemorySegment(ds, d0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                load(ys, y0 + bytes(j), m).mul(load(gs, g0 + bytes(j), m).sub(s)).intoMemorySegment(ds, d0 + bytes(j), NATIVE, m);
            }
        }
    }

    // y, x are (m, n); y may be x itself: y = (x - max) - log(sum exp(x - max))
    static void logSoftmaxForward(Matrix y, Matrix x) {
        int n = x.cols();
        MemorySegment ys = y.segment();
        MemorySegment xs = x.segment();
        for (int i = 0; i < x.rows(); i++) {
            long x0 = row(x, i);
            long y0 = row(y, i);
            float max = Elementwise.rowMax(xs, x0, n);
            float logSum = (float) Math.log(sumExp(xs, x0, n, max));
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                load(xs, x0 + bytes(j)).sub(max).sub(logSum).intoMemorySegment(ys, y0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                load(xs, x0 + bytes(j), m).sub(max).sub(logSum).intoMemorySegment(ys, y0 + bytes(j), NATIVE, m);
            }
        }
    }

    // dX, dY, y are (m, n): s = sum dY (one accumulator); dX = dY - exp(Y) * s
    static void logSoftmaxBackward(Matrix dX, Matrix dY, Matrix y) {
        int n = y.cols();
        MemorySegment ds = dX.segment();
        MemorySegment gs = dY.segment();
        MemorySegment ys = y.segment();
        for (int i = 0; i < y.rows(); i++) {
            long d0 = row(dX, i);
            long g0 = row(dY, i);
            long y0 = row(y, i);
            FloatVector acc = FloatVector.zero(F);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                acc = acc.add(load(gs, g0 + bytes(j)));
            }
            if (j < n) {
                acc = acc.add(load(gs, g0 + bytes(j), F.indexInRange(j, n)));        // masked lanes read 0
            }
            float s = acc.reduceLanes(VectorOperators.ADD);
            j = 0;
            for (; j < bound; j += L) {
                FloatVector g = load(gs, g0 + bytes(j));
                g.sub(load(ys, y0 + bytes(j)).lanewise(VectorOperators.EXP).mul(s)).intoMemorySegment(ds, d0 + bytes(j), NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                FloatVector g = load(gs, g0 + bytes(j), m);
                g.sub(load(ys, y0 + bytes(j), m).lanewise(VectorOperators.EXP).mul(s)).intoMemorySegment(ds, d0 + bytes(j), NATIVE, m);
            }
        }
    }
}
