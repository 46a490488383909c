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
 * SIMD optimizer updates: one fused pass per parameter buffer (read W, dW and the state once, write W
 * and the state once). Each element goes through exactly the reference's float operations in the
 * reference's order, no FMA, and the per-call scalars are computed by the same formulas in double
 * ({@code bc1 = 1 - beta1^step}, {@code bc2 = 1 - beta2^step} with {@link StrictMath#pow}), so W, M and
 * V are bit for bit the reference's. Loops as in {@link Elementwise}.
 */
final class Optimizers {

    private Optimizers() {
    }

    // w, v, dW are (m, n)
    static void sgdUpdate(Matrix w, Matrix v, Matrix dW, float lr, float momentum, float weightDecay, boolean nesterov) {
        boolean flat = flat(w, v, dW);
        int rows = flat ? 1 : w.rows();
        int n = flat ? (int) w.size() : w.cols();
        MemorySegment ws = w.segment();
        MemorySegment vs = v.segment();
        MemorySegment gs = dW.segment();
        for (int i = 0; i < rows; i++) {
            long w0 = row(w, i);
            long v0 = row(v, i);
            long g0 = row(dW, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                long o = bytes(j);
                FloatVector wj = load(ws, w0 + o);
                FloatVector g = weightDecay == 0 ? load(gs, g0 + o) : load(gs, g0 + o).add(wj.mul(weightDecay));
                FloatVector vj = momentum == 0 ? g : load(vs, v0 + o).mul(momentum).add(g);
                FloatVector step = nesterov ? g.add(vj.mul(momentum)) : vj;
                vj.intoMemorySegment(vs, v0 + o, NATIVE);
                wj.sub(step.mul(lr)).intoMemorySegment(ws, w0 + o, NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                long o = bytes(j);
                FloatVector wj = load(ws, w0 + o, m);
                FloatVector g = weightDecay == 0 ? load(gs, g0 + o, m) : load(gs, g0 + o, m).add(wj.mul(weightDecay));
                FloatVector vj = momentum == 0 ? g : load(vs, v0 + o, m).mul(momentum).add(g);
                FloatVector step = nesterov ? g.add(vj.mul(momentum)) : vj;
                vj.intoMemorySegment(vs, v0 + o, NATIVE, m);
                wj.sub(step.mul(lr)).intoMemorySegment(ws, w0 + o, NATIVE, m);
            }
        }
    }

    // w, mom, vel, dW are (m, n)
    static void adamUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                           float weightDecay, int step) {
        adam(w, mom, vel, dW, stepSize(lr, beta1, step), invBc2(beta2, step), beta1, beta2, eps, weightDecay, 0f);
    }

    // w, mom, vel, dW are (m, n)
    static void adamwUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                            float weightDecay, int step) {
        adam(w, mom, vel, dW, stepSize(lr, beta1, step), invBc2(beta2, step), beta1, beta2, eps, 0f,
                (float) ((double) lr * weightDecay));
    }

    /** {@code (float) (lr / (1 - beta1^step))}, as the reference. */
    private static float stepSize(float lr, float beta1, int step) {
        return (float) (lr / (1 - StrictMath.pow(beta1, step)));
    }

    /** {@code (float) (1 / (1 - beta2^step))}, as the reference. */
    private static float invBc2(float beta2, int step) {
        return (float) (1 / (1 - StrictMath.pow(beta2, step)));
    }

    /** Adam with L2 decay {@code l2} in the gradient and decoupled decay {@code decay} on W (one of them 0). */
    private static void adam(Matrix w, Matrix mom, Matrix vel, Matrix dW, float stepSize, float invBc2, float beta1,
                             float beta2, float eps, float l2, float decay) {
        float c1 = 1f - beta1;
        float c2 = 1f - beta2;
        boolean flat = flat(w, mom, vel, dW);
        int rows = flat ? 1 : w.rows();
        int n = flat ? (int) w.size() : w.cols();
        MemorySegment ws = w.segment();
        MemorySegment ms = mom.segment();
        MemorySegment vs = vel.segment();
        MemorySegment gs = dW.segment();
        for (int i = 0; i < rows; i++) {
            long w0 = row(w, i);
            long m0 = row(mom, i);
            long v0 = row(vel, i);
            long g0 = row(dW, i);
            int bound = F.loopBound(n);
            int j = 0;
            for (; j < bound; j += L) {
                long o = bytes(j);
                FloatVector wj = load(ws, w0 + o);
                if (decay != 0) {
                    wj = wj.sub(wj.mul(decay));
                }
                FloatVector g = l2 == 0 ? load(gs, g0 + o) : load(gs, g0 + o).add(wj.mul(l2));
                FloatVector mj = load(ms, m0 + o).mul(beta1).add(g.mul(c1));
                FloatVector vj = load(vs, v0 + o).mul(beta2).add(g.mul(c2).mul(g));
                mj.intoMemorySegment(ms, m0 + o, NATIVE);
                vj.intoMemorySegment(vs, v0 + o, NATIVE);
                FloatVector denom = vj.mul(invBc2).lanewise(VectorOperators.SQRT).add(eps);
                wj.sub(mj.mul(stepSize).div(denom)).intoMemorySegment(ws, w0 + o, NATIVE);
            }
            if (j < n) {
                VectorMask<Float> m = F.indexInRange(j, n);
                long o = bytes(j);
                FloatVector wj = load(ws, w0 + o, m);
                if (decay != 0) {
                    wj = wj.sub(wj.mul(decay));
                }
                FloatVector g = l2 == 0 ? load(gs, g0 + o, m) : load(gs, g0 + o, m).add(wj.mul(l2));
                FloatVector mj = load(ms, m0 + o, m).mul(beta1).add(g.mul(c1));
                FloatVector vj = load(vs, v0 + o, m).mul(beta2).add(g.mul(c2).mul(g));
                mj.intoMemorySegment(ms, m0 + o, NATIVE, m);
                vj.intoMemorySegment(vs, v0 + o, NATIVE, m);
                FloatVector denom = vj.mul(invBc2).lanewise(VectorOperators.SQRT).add(eps);
                wj.sub(mj.mul(stepSize).div(denom)).intoMemorySegment(ws, w0 + o, NATIVE, m);
            }
        }
    }
}
