package dev.myelin.reference;

import static dev.myelin.reference.Elementwise.get;
import static dev.myelin.reference.Elementwise.set;

import dev.myelin.core.Matrix;
import dev.myelin.core.SelfAttention;

/**
 * Reference causal multi-head self-attention, forward and backward, in the three-step form (scores, softmax,
 * weighted sum): the specification, plain loops, one (sequence, head, token) at a time.
 *
 * <p>Layout ({@link SelfAttention}): token t of sequence b is row {@code b T + t} of Q, K, V, O; head h owns
 * columns {@code [h D, (h + 1) D)}; P's row {@code (b H + h) T + t} holds token t's weights over s in
 * {@code [0, T)}.
 *
 * <p>Evaluation, the rules of the other reference families:
 * <ul>
 *   <li>every dot product and weighted sum is a float accumulator from {@code +0} with one {@link Math#fma} per
 *       term, in the order of its index (d for {@code q . k} and {@code do . v}; s or t for the sums over tokens),
 *       as the reference GEMM; a scaled sum is then multiplied by scale, one rounding;</li>
 *   <li>the softmax is the reference softmax ({@link Activations#softmaxForward}) on the unmasked scores
 *       {@code s <= t}: the float maximum subtracted, each exp and the sum in double with {@link StrictMath},
 *       in order of s, each probability rounded once; the masked {@code s > t} are {@code +0};</li>
 *   <li>the softmax gradient is the reference softmax backward's float formula {@code p (dP - r)}, with r an
 *       FMA chain.</li>
 * </ul>
 * Masked positions are not terms of any sum (not zero terms): a NaN in K, V or dO reaches only the tokens that
 * attend to it. Arguments are checked by {@link dev.myelin.core.Kernels}.
 */
final class Attention {

    private Attention() {
    }

    // o, q, k, v are (B T, H D); p is (B H T, T)
    static void attentionForward(Matrix o, Matrix p, Matrix q, Matrix k, Matrix v, SelfAttention g, float scale) {
        int tn = g.length();
        int dn = g.headSize();
        double[] e = new double[tn];
        for (int b = 0; b < g.batch(); b++) {
            for (int h = 0; h < g.heads(); h++) {
                int c0 = h * dn;
                for (int t = 0; t < tn; t++) {
                    int row = b * tn + t;
                    int pr = (b * g.heads() + h) * tn + t;
                    // scores S_ts, s <= t, stored in P's row
                    for (int s = 0; s <= t; s++) {
                        float dot = 0f;
                        for (int d = 0; d < dn; d++) {
                            dot = Math.fma(get(q, row, c0 + d), get(k, b * tn + s, c0 + d), dot);
                        }
                        set(p, pr, s, scale * dot);
                    }
                    // softmax over s <= t, as Activations.softmaxForward
                    float max = get(p, pr, 0);
                    for (int s = 1; s <= t; s++) {
                        max = Math.max(max, get(p, pr, s));
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) {
                        e[s] = StrictMath.exp((double) get(p, pr, s) - max);
                        sum += e[s];
                    }
                    for (int s = 0; s <= t; s++) {
                        set(p, pr, s, (float) (e[s] / sum));
                    }
                    for (int s = t + 1; s < tn; s++) {
                        set(p, pr, s, 0f);
                    }
                    // o_t = sum_{s <= t} p_ts v_s
                    for (int d = 0; d < dn; d++) {
                        float acc = 0f;
                        for (int s = 0; s <= t; s++) {
                            acc = Math.fma(get(p, pr, s), get(v, b * tn + s, c0 + d), acc);
                        }
                        set(o, row, c0 + d, acc);
                    }
                }
            }
        }
    }

    // dQ, dK, dV, dO, q, k, v are (B T, H D); p is (B H T, T). dS is kept for one (b, h) in a T x T array.
    static void attentionBackward(Matrix dQ, Matrix dK, Matrix dV, Matrix dO, Matrix q, Matrix k, Matrix v, Matrix p,
                                  SelfAttention g, float scale) {
        int tn = g.length();
        int dn = g.headSize();
        float[] dS = new float[tn * tn];
        for (int b = 0; b < g.batch(); b++) {
            for (int h = 0; h < g.heads(); h++) {
                int c0 = h * dn;
                int p0 = (b * g.heads() + h) * tn;
                int r0 = b * tn;
                // dv_s = sum_{t >= s} p_ts do_t
                for (int s = 0; s < tn; s++) {
                    for (int d = 0; d < dn; d++) {
                        float acc = 0f;
                        for (int t = s; t < tn; t++) {
                            acc = Math.fma(get(p, p0 + t, s), get(dO, r0 + t, c0 + d), acc);
                        }
                        set(dV, r0 + s, c0 + d, acc);
                    }
                }
                // dP_ts = do_t . v_s; r_t = sum_s p_ts dP_ts; dS_ts = p_ts (dP_ts - r_t)
                for (int t = 0; t < tn; t++) {
                    for (int s = 0; s <= t; s++) {
                        float dot = 0f;
                        for (int d = 0; d < dn; d++) {
                            dot = Math.fma(get(dO, r0 + t, c0 + d), get(v, r0 + s, c0 + d), dot);
                        }
                        dS[t * tn + s] = dot;
                    }
                    float r = 0f;
                    for (int s = 0; s <= t; s++) {
                        r = Math.fma(get(p, p0 + t, s), dS[t * tn + s], r);
                    }
                    for (int s = 0; s <= t; s++) {
                        dS[t * tn + s] = get(p, p0 + t, s) * (dS[t * tn + s] - r);
                    }
                }
                // dq_t = scale sum_{s <= t} dS_ts k_s;  dk_s = scale sum_{t >= s} dS_ts q_t
                for (int t = 0; t < tn; t++) {
                    for (int d = 0; d < dn; d++) {
                        float acc = 0f;
                        for (int s = 0; s <= t; s++) {
                            acc = Math.fma(dS[t * tn + s], get(k, r0 + s, c0 + d), acc);
                        }
                        set(dQ, r0 + t, c0 + d, scale * acc);
                    }
                }
                for (int s = 0; s < tn; s++) {
                    for (int d = 0; d < dn; d++) {
                        float acc = 0f;
                        for (int t = s; t < tn; t++) {
                            acc = Math.fma(dS[t * tn + s], get(q, r0 + t, c0 + d), acc);
                        }
                        set(dK, r0 + s, c0 + d, scale * acc);
                    }
                }
            }
        }
    }
}
