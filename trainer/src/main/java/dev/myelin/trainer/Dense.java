package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Trans;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Fully connected layer, {@code y = x W + b}. x is (B, in), W is (in, out), b is (1, out), y is (B, out).
 * Backward: {@code dW = x^T dY}, {@code db = column sums of dY}, {@code dX = dY W^T}; all three are
 * written ({@code =}), not accumulated.
 */
public final class Dense implements Layer {

    private final int outputs;
    private final Init init;
    private Kernels k;
    private Parameter w;
    private Parameter b;
    private Buffer y;
    private Buffer dX;
    private Matrix x;   // the last forward input, (B, in): dW needs it

    public Dense(int outputs, Init init) {
        if (outputs <= 0) {
            throw new IllegalArgumentException("outputs must be > 0, got " + outputs);
        }
        this.outputs = outputs;
        this.init = init;
    }

    @Override
    public int build(Kernels kernels, int inputs, Arena arena, SplittableRandom rnd) {
        this.k = kernels;
        Matrix wv = Matrix.of(arena, inputs, outputs, init.sample(inputs, outputs, rnd));
        w = new Parameter("W", wv, Matrix.allocate(arena, inputs, outputs));
        b = new Parameter("b", Matrix.allocate(arena, 1, outputs), Matrix.allocate(arena, 1, outputs));
        return outputs;
    }

    @Override
    public void reserve(Arena arena, int maxBatch) {
        y = new Buffer(arena, maxBatch, outputs);
        dX = new Buffer(arena, maxBatch, w.value().rows());
    }

    @Override
    public Matrix forward(Matrix x) {
        this.x = x;
        Matrix out = y.rows(x.rows());
        k.gemm(out, x, Trans.N, w.value(), Trans.N, 1f, 0f);    // y = x W
        k.addRowVector(out, b.value());                          // y += b
        return out;
    }

    @Override
    public Matrix backward(Matrix dY, boolean needInput) {
        k.gemm(w.grad(), x, Trans.T, dY, Trans.N, 1f, 0f);       // dW = x^T dY
        k.columnSums(b.grad(), dY, 0f);                           // db = sum_rows dY
        if (!needInput) {
            return null;
        }
        Matrix dx = dX.rows(dY.rows());
        k.gemm(dx, dY, Trans.N, w.value(), Trans.T, 1f, 0f);     // dX = dY W^T
        return dx;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(w, b);
    }

    @Override
    public String toString() {
        return w == null ? "Dense(" + outputs + ")" : "Dense(" + w.value().rows() + "->" + outputs + ")";
    }
}
