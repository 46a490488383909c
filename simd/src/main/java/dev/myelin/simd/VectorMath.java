package dev.myelin.simd;

import static dev.myelin.simd.Elementwise.NATIVE;
import static dev.myelin.simd.Vectors.F;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

/**
 * exp, tanh and log1p of one vector, built from exactly rounded operations only (add, multiply, divide,
 * FMA, min, max, compare, blend, integer shifts and bit reinterpretation), so that a kernel gives the same
 * floats whether it runs interpreted, in C1 or in C2. The Vector API's {@code EXP}, {@code TANH} and
 * {@code LOG1P} do not: before C2 compiles a kernel they run a Java fallback, after it an intrinsic (SVML on
 * x86), and the two disagree in the last bit (measured: 144 of 4,096 EXP lanes), so training results moved
 * with JIT timing from one launch to the next.
 *
 * <p>Each method reads one vector at byte {@code xAt} of xs and writes the result to byte {@code yAt} of ys
 * (which may be the same place): segments in, not vectors, as every helper of this package (see
 * {@link Elementwise}: a vector passed to a method C2 does not inline is boxed). The error bounds are
 * measured by UlpSweepTest and listed in docs/kernels.md.
 */
final class VectorMath {

    /** exp's input range: below, the result is 0 in float (exp(-103.98) < 2^-150); above, +Inf. */
    private static final float EXP_LO = -104f;
    private static final float EXP_HI = 89f;
    private static final float LOG2E = (float) (1 / Math.log(2));
    /** ln 2 in two parts: hi = ln 2 rounded to float, lo = the rest (the FMAs multiply k by each exactly). */
    private static final float LN2_HI = (float) Math.log(2);
    private static final float LN2_LO = (float) (Math.log(2) - LN2_HI);
    /** 1.5 * 2^23: adding it rounds |v| < 2^22 to an integer k (ties to even), held in its low mantissa bits. */
    private static final float ROUND = 0x1.8p23f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);

    /** exp(r) = sum r^n / n!, n <= 7, on |r| <= ln2 / 2 (truncation below 2^-26 relative). */
    private static final float E2 = 1f / 2;
    private static final float E3 = 1f / 6;
    private static final float E4 = 1f / 24;
    private static final float E5 = 1f / 120;
    private static final float E6 = 1f / 720;
    private static final float E7 = 1f / 5040;

    /** |x| below which tanh uses its series: up to x^17, truncation below 2^-27 relative. */
    private static final float TANH_SERIES = 0.55f;
    /** 2|x| beyond which tanh(x) is +-1 in float (tanh(10) = 1 - 4e-9). */
    private static final float TANH_FLAT = 20f;
    /** tanh(x) = x + x^3 (T1 + T2 x^2 + ... + T8 x^14), the Taylor series. */
    private static final float T1 = (float) (-1.0 / 3);
    private static final float T2 = (float) (2.0 / 15);
    private static final float T3 = (float) (-17.0 / 315);
    private static final float T4 = (float) (62.0 / 2835);
    private static final float T5 = (float) (-1382.0 / 155925);
    private static final float T6 = (float) (21844.0 / 6081075);
    private static final float T7 = (float) (-929569.0 / 638512875);
    private static final float T8 = (float) (6404582.0 / 10854718875.0);

    /** log1p(u) = 2 atanh(s) = 2 (s + s^3/3 + ... + s^15/15), s = u / (2 + u) <= 1/3 for u <= 1. */
    private static final float L3 = 1f / 3;
    private static final float L5 = 1f / 5;
    private static final float L7 = 1f / 7;
    private static final float L9 = 1f / 9;
    private static final float L11 = 1f / 11;
    private static final float L13 = 1f / 13;
    private static final float L15 = 1f / 15;

    private VectorMath() {
    }

    /**
     * y = exp(x). x is clamped to [-104, 89] (NaN stays NaN), k = rint(x log2 e), r = x - k ln2 with ln 2 in
     * two parts, exp(r) by its Taylor polynomial (FMA Horner), then times 2^k as two exact powers of two
     * 2^(k/2) and 2^(k - k/2), so the one rounding of a subnormal result is the last multiply's.
     */
    static void exp(MemorySegment ys, long yAt, MemorySegment xs, long xAt) {
        FloatVector x = FloatVector.fromMemorySegment(F, xs, xAt, NATIVE)
                .lanewise(VectorOperators.MAX, EXP_LO).lanewise(VectorOperators.MIN, EXP_HI);
        FloatVector kRound = x.mul(LOG2E).add(ROUND);                     // ROUND + k, exactly
        FloatVector k = kRound.sub(ROUND);
        // x - k LN2_HI is exact: a multiple of 2^-24 (LN2_HI's ulp; x's is larger once k != 0) below 0.35 + 2^-9
        FloatVector r = k.fma(FloatVector.broadcast(F, -LN2_HI), x);
        r = k.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.fma(E7, E6);
        p = p.fma(r, FloatVector.broadcast(F, E5));
        p = p.fma(r, FloatVector.broadcast(F, E4));
        p = p.fma(r, FloatVector.broadcast(F, E3));
        p = p.fma(r, FloatVector.broadcast(F, E2));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        IntVector ki = kRound.reinterpretAsInts().sub(ROUND_BITS);
        IntVector k1 = ki.lanewise(VectorOperators.ASHR, 1);
        IntVector k2 = ki.sub(k1);
        FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        p.mul(s1).mul(s2).intoMemorySegment(ys, yAt, NATIVE);
    }

    /**
     * y = tanh(x): for |x| < 0.55 its series, {@code x + x (x^2 Q(x^2))} with one FMA (and +-0 kept);
     * beyond, {@code +-(1 - 2 / (E + 2))} with {@code E = expm1(2|x|)}, 2|x| clamped to 20 (where the
     * result is 1 in float). E is exp's reduction and polynomial without its 1, scaled in one FMA,
     * {@code E = 2^k expm1(r) + (2^k - 1)} (2^k - 1 is exact). Through exp(2|x|) instead, whose error
     * {@code 1 - 2 / (exp(2|x|) + 1)} doubles near 0.55, the worst case was 2.0 ulp; this one measured 1.47.
     */
    static void tanh(MemorySegment ys, long yAt, MemorySegment xs, long xAt) {
        FloatVector x = FloatVector.fromMemorySegment(F, xs, xAt, NATIVE);
        FloatVector a = x.lanewise(VectorOperators.ABS);
        // beyond the series: expm1(z), z = 2|x| in [1.1, 20], as exp does it (k >= 2, so 2^k is normal).
        // Written out, not shared with exp: a shared helper would pass vectors (boxed where C2 does not
        // inline) or make exp too large for C2 to inline into the softmax and sigmoid loops.
        FloatVector z = a.add(a).lanewise(VectorOperators.MIN, TANH_FLAT);
        FloatVector kRound = z.mul(LOG2E).add(ROUND);
        FloatVector k = kRound.sub(ROUND);
        FloatVector r = k.fma(FloatVector.broadcast(F, -LN2_HI), z);
        r = k.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = r.fma(E7, E6);
        p = p.fma(r, FloatVector.broadcast(F, E5));
        p = p.fma(r, FloatVector.broadcast(F, E4));
        p = p.fma(r, FloatVector.broadcast(F, E3));
        p = p.fma(r, FloatVector.broadcast(F, E2));
        FloatVector em1 = r.mul(r).fma(p, r);                              // expm1(r) = r + r^2 p
        FloatVector scale = kRound.reinterpretAsInts().sub(ROUND_BITS).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector e = scale.fma(em1, scale.sub(1f));
        FloatVector big = FloatVector.broadcast(F, 1f).sub(FloatVector.broadcast(F, 2f).div(e.add(2f)));
        big = big.blend(big.neg(), x.compare(VectorOperators.LT, 0f));
        // the series
        FloatVector w = x.mul(x);
        FloatVector q = w.fma(T8, T7);
        q = q.fma(w, FloatVector.broadcast(F, T6));
        q = q.fma(w, FloatVector.broadcast(F, T5));
        q = q.fma(w, FloatVector.broadcast(F, T4));
        q = q.fma(w, FloatVector.broadcast(F, T3));
        q = q.fma(w, FloatVector.broadcast(F, T2));
        q = q.fma(w, FloatVector.broadcast(F, T1));
        FloatVector small = x.fma(w.mul(q), x).blend(x, x.compare(VectorOperators.EQ, 0f));   // -0 + +0 would be +0
        big.blend(small, a.compare(VectorOperators.LT, TANH_SERIES)).intoMemorySegment(ys, yAt, NATIVE);
    }

    /**
     * y = log1p(u) for u in [0, 1] (and NaN), the range binary cross-entropy needs (u = exp(-|x|)):
     * {@code t + t w Q(w)} with t = 2s, s = u / (2 + u), w = s^2, Q the atanh series after its first term.
     */
    static void log1p(MemorySegment ys, long yAt, MemorySegment us, long uAt) {
        FloatVector u = FloatVector.fromMemorySegment(F, us, uAt, NATIVE);
        FloatVector d = u.add(2f);
        FloatVector c = u.sub(d.sub(2f));                                  // 2 + u = d + c exactly (d - 2 is exact)
        FloatVector s = u.div(d);
        s = s.neg().fma(c.div(d), s);                                      // u / (d + c) = s (1 - c/d + ...)
        FloatVector t = s.add(s);
        FloatVector w = s.mul(s);
        FloatVector q = w.fma(L15, L13);
        q = q.fma(w, FloatVector.broadcast(F, L11));
        q = q.fma(w, FloatVector.broadcast(F, L9));
        q = q.fma(w, FloatVector.broadcast(F, L7));
        q = q.fma(w, FloatVector.broadcast(F, L5));
        q = q.fma(w, FloatVector.broadcast(F, L3));
        t.mul(w).fma(q, t).intoMemorySegment(ys, yAt, NATIVE);
    }
}
