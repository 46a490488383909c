package dev.myelin.simd;

import dev.myelin.core.Backends;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.util.List;

/**
 * Run by {@link JitIndependenceTest} in a child JVM: calls every kernel of the SIMD backend once, in
 * {@link KernelAllocationTest}'s calls (every path, contiguous and strided) on fresh seeded operands of {@link #ROWS} rows, values in [-8, 8), and
 * prints one line per call with a digest of every operand's bits after it. With the argument
 * {@code warm}, it first runs each call {@link KernelAllocationTest#WARM} times on the same operands
 * (restored before the printed call), so that the JIT has compiled the kernel before it.
 */
public final class KernelProbe {

    /**
     * Rows of every operand: enough elements that a function's differences show (EXP's: 1 lane in 28, so about 9 of
     * the 24 x (L + 3) elements at L = 8). 24, not 64: the compiled child's 20,000 warm-up calls of every kernel took
     * 96 s at 64 rows on a Zen 3, the longest test of the module.
     */
    static final int ROWS = 24;

    private KernelProbe() {
    }

    public static void main(String[] args) {
        Kernels k = Backends.get("simd", 1);
        boolean warm = args.length > 0 && args[0].equals("warm");
        for (boolean strided : new boolean[] {false, true}) {
            try (KernelAllocationTest.Operands o = new KernelAllocationTest.Operands(strided, ROWS, 8)) {
                for (KernelAllocationTest.Call c : KernelAllocationTest.calls(k, o)) {
                    if (warm) {
                        // warm up on these very operands, restored every 64 calls (so values stay in range
                        // and the branches taken are the measured call's), then restore them once more
                        List<float[]> before = o.all.stream().map(Matrix::toArray).toList();
                        for (int i = 0; i < KernelAllocationTest.WARM; i++) {
                            if (i % 64 == 0) {
                                restore(o.all, before);
                            }
                            c.body().run();
                        }
                        restore(o.all, before);
                    }
                    c.body().run();
                    System.out.printf("%s (%s): %016x%n", c.kernel(), c.setting(), digest(o.all));
                }
                // the losses' values (the calls above drop them)
                Matrix p = o.matrix(ROWS, Vectors.L + 3);
                Matrix t = o.matrix(ROWS, Vectors.L + 3);
                Matrix d = o.matrix(ROWS, Vectors.L + 3);
                int[] labels = new int[ROWS];
                System.out.printf("loss values (%s): mse %08x, bce %08x, softmax cross-entropy %08x%n", strided ? "strided" : "contiguous",
                        Float.floatToRawIntBits(k.mseLoss(d, p, t)), Float.floatToRawIntBits(k.bceWithLogitsLoss(d, p, t)),
                        Float.floatToRawIntBits(k.softmaxCrossEntropyLoss(d, p, labels)));
            }
        }
    }

    private static void restore(List<Matrix> matrices, List<float[]> values) {
        for (int i = 0; i < matrices.size(); i++) {
            matrices.get(i).copyFrom(values.get(i));
        }
    }

    /** FNV-1a over the bits of every element of every matrix, in order. */
    static long digest(List<Matrix> matrices) {
        long h = 0xcbf29ce484222325L;
        for (Matrix m : matrices) {
            for (int i = 0; i < m.rows(); i++) {
                for (int j = 0; j < m.cols(); j++) {
                    h = (h ^ Float.floatToRawIntBits(m.get(i, j))) * 0x100000001b3L;
                }
            }
        }
        return h;
    }
}
