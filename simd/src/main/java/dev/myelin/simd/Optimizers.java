package dev.myelin.simd;

import static dev.myelin.simd.Elementwise.FLOAT;
import static dev.myelin.simd.Elementwise.NATIVE;
import static dev.myelin.simd.Elementwise.bytes;
import static dev.myelin.simd.Vectors.F;
import static dev.myelin.simd.Vectors.L;

import dev.myelin.core.Matrix;
import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * SIMD optimizer updates: one fused pass per parameter buffer (read W, dW and the state once, write W
 * and the state once), and for AdamW a first pass that decays W. Each element goes through exactly the reference's float operations in the
 * reference's order, no FMA, and the per-call scalars are computed by the same formulas in double
 * ({@code bc1 = 1 - beta1^step}, {@code bc2 = 1 - beta2^step} with {@link StrictMath#pow}), so W, M and
 * V are bit for bit the reference's. The element loops are range functions that {@link Walker} calls; loops as in
 * {@link Elementwise}.
 */
final class Optimizers {

    private Optimizers() {
    }

    // w, v, dW are (m, n)
    static void sgdUpdate(Matrix w, Matrix v, Matrix dW, float lr, float momentum, float weightDecay, boolean nesterov,
                          Parallel pool) {
        Walker.Job job = Walker.job();
        job.lr = lr;
        job.momentum = momentum;
        job.decay = weightDecay;
        job.nesterov = nesterov;
        job.run(Walker.Kernel.SGD, pool, w, v, dW, null);
    }

    /** {@code n} elements of {@link #sgdUpdate}: W, V and dW from the byte offsets w0, v0, g0 of their segments. */
    static void sgd(MemorySegment ws, long w0, MemorySegment vs, long v0, MemorySegment gs, long g0, int n, float lr,
                    float momentum, float weightDecay, boolean nesterov) {
        // The choices are blends with masks fixed for the call, not branches: a vector picked by a branch has
        // no known class for C2 (see Elementwise), and branches nested as here (vj may be g, which may be gj)
        // left a compilation boxing every vector of the loop (3 KB per call). Both sides are computed.
        VectorMask<Float> noDecay = F.maskAll(weightDecay == 0);
        VectorMask<Float> noMomentum = F.maskAll(momentum == 0);
        VectorMask<Float> plain = F.maskAll(!nesterov);
        // with momentum 0, V is not read: the blend takes g, and the load reads dW again (in cache)
        MemorySegment vIn = momentum == 0 ? gs : vs;
        long vIn0 = momentum == 0 ? g0 : v0;
        int bound = F.loopBound(n);
        int j = 0;
        for (; j < bound; j += L) {
            long o = bytes(j);
            FloatVector wj = FloatVector.fromMemorySegment(F, ws, w0 + o, NATIVE);
            FloatVector gj = FloatVector.fromMemorySegment(F, gs, g0 + o, NATIVE);
            FloatVector g = gj.add(wj.mul(weightDecay)).blend(gj, noDecay);
            FloatVector vj = FloatVector.fromMemorySegment(F, vIn, vIn0 + o, NATIVE).mul(momentum).add(g).blend(g, noMomentum);
            FloatVector step = g.add(vj.mul(momentum)).blend(vj, plain);
            vj.intoMemorySegment(vs, v0 + o, NATIVE);
            wj.sub(step.mul(lr)).intoMemorySegment(ws, w0 + o, NATIVE);
        }
        for (; j < n; j++) {
            long o = bytes(j);
            float wj = ws.get(FLOAT, w0 + o);
            float g = weightDecay == 0 ? gs.get(FLOAT, g0 + o) : gs.get(FLOAT, g0 + o) + wj * weightDecay;
            float vj = momentum == 0 ? g : vs.get(FLOAT, v0 + o) * momentum + g;
            float step = nesterov ? g + vj * momentum : vj;
            vs.set(FLOAT, v0 + o, vj);
            ws.set(FLOAT, w0 + o, wj - step * lr);
        }
    }

    // w, mom, vel, dW are (m, n)
    static void adamUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                           float weightDecay, int step, Parallel pool) {
        adam(w, mom, vel, dW, stepSize(lr, beta1, step), invBc2(beta2, step), beta1, beta2, eps, weightDecay, pool);
    }

    // w, mom, vel, dW are (m, n)
    static void adamwUpdate(Matrix w, Matrix mom, Matrix vel, Matrix dW, float lr, float beta1, float beta2, float eps,
                            float weightDecay, int step, Parallel pool) {
        float decay = (float) ((double) lr * weightDecay);
        // The reference's first step, W = W - decay * W, as a pass of its own: axpy computes (-decay) * W + W,
        // the same float. With it inside adam's loop (a second blend and a branch in the tail), adam's C2
        // graph was about 20,000 nodes, past C2's inlining cutoff of 18,000, and one test run measured
        // 18 KB per warm call for over 5 s: the rate of the loop outside C2, where every vector is boxed.
        if (decay != 0) {
            Walker.run(Walker.Kernel.AXPY, pool, -decay, w, w, null);
        }
        adam(w, mom, vel, dW, stepSize(lr, beta1, step), invBc2(beta2, step), beta1, beta2, eps, 0f, pool);
    }

    /** {@code (float) (lr / (1 - beta1^step))}, as the reference. */
    private static float stepSize(float lr, float beta1, int step) {
        return (float) (lr / (1 - StrictMath.pow(beta1, step)));
    }

    /** {@code (float) (1 / (1 - beta2^step))}, as the reference. */
    private static float invBc2(float beta2, int step) {
        return (float) (1 / (1 - StrictMath.pow(beta2, step)));
    }

    /**
     * Adam with L2 decay {@code l2} in the gradient (AdamW has decayed W before and passes 0), through {@link Walker}
     * (on the pool where the operands are large). The element loop is a range function of its own, too large for
     * C2 to inline into its callers, so its graph (about 13,000 nodes) stays below the inlining cutoff however it is
     * called.
     */
    private static void adam(Matrix w, Matrix mom, Matrix vel, Matrix dW, float stepSize, float invBc2, float beta1,
                             float beta2, float eps, float l2, Parallel pool) {
        Walker.Job job = Walker.job();
        job.lr = stepSize;
        job.invBc2 = invBc2;
        job.beta1 = beta1;
        job.beta2 = beta2;
        job.eps = eps;
        job.decay = l2;
        job.run(Walker.Kernel.ADAM, pool, w, mom, vel, dW);
    }

    /** {@code n} elements of {@link #adam}: W, M, V and dW from the byte offsets w0, m0, v0, g0 of their segments. */
    static void adam(MemorySegment ws, long w0, MemorySegment ms, long m0, MemorySegment vs, long v0, MemorySegment gs, long g0,
                     int n, float stepSize, float invBc2, float beta1, float beta2, float eps, float l2) {
        float c1 = 1f - beta1;
        float c2 = 1f - beta2;
        VectorMask<Float> noL2 = F.maskAll(l2 == 0);                        // a blend, not a branch: see sgd
        int bound = F.loopBound(n);
        for (int j = 0; j < bound; j += L) {
            long o = bytes(j);
            FloatVector wj = FloatVector.fromMemorySegment(F, ws, w0 + o, NATIVE);
            FloatVector gj = FloatVector.fromMemorySegment(F, gs, g0 + o, NATIVE);
            FloatVector g = gj.add(wj.mul(l2)).blend(gj, noL2);
            FloatVector mj = FloatVector.fromMemorySegment(F, ms, m0 + o, NATIVE).mul(beta1).add(g.mul(c1));
            FloatVector vj = FloatVector.fromMemorySegment(F, vs, v0 + o, NATIVE).mul(beta2).add(g.mul(c2).mul(g));
            mj.intoMemorySegment(ms, m0 + o, NATIVE);
            vj.intoMemorySegment(vs, v0 + o, NATIVE);
            FloatVector denom = vj.mul(invBc2).lanewise(VectorOperators.SQRT).add(eps);
            wj.sub(mj.mul(stepSize).div(denom)).intoMemorySegment(ws, w0 + o, NATIVE);
        }
        for (int j = bound; j < n; j++) {
            adamScalar(ws, w0 + bytes(j), ms, m0 + bytes(j), vs, v0 + bytes(j), gs.get(FLOAT, g0 + bytes(j)),
                    stepSize, invBc2, beta1, beta2, eps, l2);
        }
    }

    /** One element of {@link #adam} (decay already applied), the lanes' operations in the same order. */
    private static void adamScalar(MemorySegment ws, long w, MemorySegment ms, long m, MemorySegment vs, long v,
                                   float dw, float stepSize, float invBc2, float beta1, float beta2, float eps, float l2) {
        float wj = ws.get(FLOAT, w);
        float g = l2 == 0 ? dw : dw + wj * l2;
        float mj = ms.get(FLOAT, m) * beta1 + g * (1f - beta1);
        float vj = vs.get(FLOAT, v) * beta2 + g * (1f - beta2) * g;
        ms.set(FLOAT, m, mj);
        vs.set(FLOAT, v, vj);
        float denom = (float) Math.sqrt(vj * invBc2) + eps;                    // SQRT is correctly rounded in both
        ws.set(FLOAT, w, wj - mj * stepSize / denom);
    }
}
