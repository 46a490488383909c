package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Conv2d;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;
import dev.myelin.core.SelfAttention;
import dev.myelin.core.Trans;
import java.lang.foreign.Arena;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Once warm, no kernel of the SIMD backend allocates on the heap, also where a tail vector would reach
 * past the end of its segment (a masked access there takes the JDK's allocating slow path; see
 * {@link Elementwise}'s class comment). Every {@link Kernels} method is called on {@code ROWS x (L + 3)}
 * operands whose last row ends exactly at the end of their segment: contiguous ones, which the kernels
 * walk as one row of {@code ROWS * (L + 3)} elements (not a multiple of L), and views at column 2 of a
 * {@code ROWS x (L + 5)} matrix, walked row by row. GEMM is called on each of its paths (narrow, one row, packed,
 * transposes, alpha = 0), SGD with and without momentum, the convolution and pooling kernels on small
 * images of as many rows (channels and filters that end in a partial vector, strides, dilation, padding,
 * overlapping windows), the embedding kernels on a table of as many rows, attention on one sequence of as many
 * tokens with one head of {@code L + 3} and one of {@code 2L + 3} columns.
 *
 * <p>Measured: the heap bytes the calling thread allocates ({@code com.sun.management.ThreadMXBean}) over
 * windows of {@link #CALLS} calls, after {@link #WARM} warm-up calls. The bound is 0 bytes, with no
 * tolerance, but the warm state has to be waited for: C2 compiles a kernel in the background some time
 * after it is hot, and until then (and for a while after a deoptimisation) the interpreter and C1 box every
 * vector. Each call is warmed together with every other call of the same kernel (its settings and both layouts,
 * in turn), so the code C2 compiles has seen all the kernel's paths: warmed on one setting and layout alone, a
 * kernel's first call on another was an uncommon trap, and the code C2 compiled after it was seen to box vectors
 * for good (400-1120 bytes per call: GEMM's and the convolutions' view cases, log-softmax backward's float path
 * after its reference path, in some runs and not others). So windows are measured until one
 * allocates nothing, for up to {@link #PATIENCE_NANOS}. A kernel that allocates on every call allocates at
 * least 16 bytes (the smallest object) times {@link #CALLS} in every window, and never passes. The
 * patience is long because the wait can be: with the other test classes run before it in the same JVM,
 * Adam was once seen recompiled eight times in 3.6 s (C2's code dropped at an uncommon trap every
 * ~0.5 s, C1's boxing code running meanwhile), and twice a 5 s patience ran out with the kernel still
 * outside C2. A window that passes ends the wait, so a passing kernel costs no more time. The shapes
 * are small, so GEMM runs on the calling thread alone and no allocation hides on a pool worker.
 */
class KernelAllocationTest {

    static final int ROWS = 7;
    static final int WARM = 20_000;
    static final int CALLS = 1_000;
    static final long PATIENCE_NANOS = 30_000_000_000L;

    /** One kernel call on fixed operands; {@code kernel} is the {@link Kernels} method it calls. */
    record Call(String kernel, String setting, Runnable body) {
    }

    /** Operands of one layout, all from one arena: closing it frees them all. */
    static final class Operands implements AutoCloseable {
        final Arena arena = Arena.ofShared();
        final SplittableRandom rnd = new SplittableRandom(20261122);
        final boolean strided;
        /** Rows of the operands (GEMM's inner dimension is 5 regardless). */
        final int rows;
        /** Values are drawn from [-range, range). */
        final double range;
        /** Every matrix made, in order. */
        final List<Matrix> all = new ArrayList<>();

        Operands(boolean strided) {
            this(strided, ROWS, 2);
        }

        Operands(boolean strided, int rows, double range) {
            this.strided = strided;
            this.rows = rows;
            this.range = range;
        }

        /**
         * A rows x cols matrix of values in [-range, range) whose last element is the last float of its segment:
         * contiguous, or (strided) the view at column 2 of a rows x (cols + 2) matrix, ld = cols + 2.
         */
        Matrix matrix(int rows, int cols) {
            Matrix m = strided ? Matrix.allocate(arena, rows, cols + 2).view(0, 2, rows, cols) : Matrix.allocate(arena, rows, cols);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    m.set(i, j, (float) rnd.nextDouble(-range, range));
                }
            }
            all.add(m);
            return m;
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    /** Calls of every kernel on operands of one layout. */
    static List<Call> calls(Kernels k, Operands o) {
        int n = Vectors.L + 3;
        String layout = o.strided ? "views, ld " + (n + 2) : "contiguous";
        Matrix x = o.matrix(o.rows, n);
        Matrix y = o.matrix(o.rows, n);
        Matrix z = o.matrix(o.rows, n);
        Matrix dX = o.matrix(o.rows, n);
        Matrix row = o.matrix(1, n);
        Matrix column = o.matrix(o.rows, 1);
        int[] index = new int[o.rows];
        int[] labels = new int[o.rows];
        for (int i = 0; i < o.rows; i++) {
            labels[i] = (i * 5) % n;
        }
        Matrix w = o.matrix(o.rows, n);
        Matrix mom = o.matrix(o.rows, n);
        Matrix vel = o.matrix(o.rows, n);
        Matrix dW = o.matrix(o.rows, n);
        vel.fill(0.25f);                                                     // Adam's second moment is >= 0
        Matrix a = o.matrix(o.rows, 5);
        Matrix b = o.matrix(5, n);
        Matrix bWide = o.matrix(5, 2 * Vectors.L + 3);
        Matrix cWide = o.matrix(o.rows, 2 * Vectors.L + 3);
        Matrix aRow = o.matrix(1, 5);
        Matrix cWideRow = o.matrix(1, 2 * Vectors.L + 3);
        Matrix cT = o.matrix(5, n);
        Matrix bT = o.matrix(5, n);
        Matrix cNT = o.matrix(o.rows, 5);
        // convolution: 2 channels of 4x5 pixels, L + 1 filters (a partial vector) of 3x3, padding 1; and a strided,
        // dilated one with 2 filters; pooling: L + 3 channels of 4x6 pixels, 2x2 windows (no overlap) and 3x3
        // windows at stride 1 with padding 1 (overlapping, padded)
        Conv2d conv = Conv2d.of(2, 4, 5, Vectors.L + 1, 3, 1, 1);
        Conv2d strided = new Conv2d(2, 6, 7, 2, 2, 3, 2, 3, 2, 1, 2, 2);
        Matrix cx = o.matrix(o.rows, conv.inputColumns());
        Matrix cy = o.matrix(o.rows, conv.outputColumns());
        Matrix cw = o.matrix(conv.filterRows(), conv.filters());
        Matrix cb = o.matrix(1, conv.filters());
        Matrix cdX = o.matrix(o.rows, conv.inputColumns());
        Matrix cdW = o.matrix(conv.filterRows(), conv.filters());
        Matrix sx = o.matrix(o.rows, strided.inputColumns());
        Matrix sy = o.matrix(o.rows, strided.outputColumns());
        Matrix sw = o.matrix(strided.filterRows(), strided.filters());
        Matrix sb = o.matrix(1, strided.filters());
        Matrix sdX = o.matrix(o.rows, strided.inputColumns());
        Pool2d halve = Pool2d.of(Vectors.L + 3, 4, 6, 2, 2, 0);
        Pool2d overlap = Pool2d.of(Vectors.L + 3, 4, 6, 3, 1, 1);
        Matrix px = o.matrix(o.rows, halve.inputColumns());
        Matrix pdX = o.matrix(o.rows, halve.inputColumns());
        Matrix py = o.matrix(o.rows, halve.outputColumns());
        Matrix oy = o.matrix(o.rows, overlap.outputColumns());
        // normalization: per-column statistics, scale and shift, their gradients; per-row statistics
        Matrix mean = o.matrix(1, n);
        Matrix var = o.matrix(1, n);
        Matrix gamma = o.matrix(1, n);
        Matrix beta = o.matrix(1, n);
        Matrix dGamma = o.matrix(1, n);
        Matrix dBeta = o.matrix(1, n);
        Matrix runMean = o.matrix(1, n);
        Matrix runVar = o.matrix(1, n);
        Matrix rowMean = o.matrix(o.rows, 1);
        Matrix rowRstd = o.matrix(o.rows, 1);
        Matrix logP = o.matrix(o.rows, n);                                   // log-probabilities, <= 0
        for (int i = 0; i < o.rows; i++) {
            for (int j = 0; j < n; j++) {
                logP.set(i, j, -Math.abs(logP.get(i, j)));
            }
        }

        // embedding: a table of ROWS rows, ids repeating; attention: one sequence of ROWS tokens, one head of L + 3
        // columns (a vector and a scalar tail) and one of 2L + 3 (the two-vector loop too)
        int[] ids = new int[o.rows];
        for (int i = 0; i < o.rows; i++) {
            ids[i] = (i * 3) % 4;
        }
        Matrix table = o.matrix(o.rows, n);
        Matrix dTable = o.matrix(o.rows, n);
        SelfAttention narrowHead = new SelfAttention(1, o.rows, 1, n);
        SelfAttention wideHead = new SelfAttention(1, o.rows, 1, 2 * Vectors.L + 3);
        Matrix[] att = new Matrix[8];
        Matrix[] wide = new Matrix[8];
        for (int i = 0; i < 8; i++) {
            att[i] = o.matrix(o.rows, n);
            wide[i] = o.matrix(o.rows, 2 * Vectors.L + 3);
        }
        Matrix attP = o.matrix(o.rows, o.rows);
        Matrix wideP = o.matrix(o.rows, o.rows);
        List<Call> list = new ArrayList<>();
        list.add(new Call("gemm", "narrow, op(A) = A, op(B) = B, beta 0", () -> k.gemm(z, a, Trans.N, b, Trans.N, 1f, 0f)));
        list.add(new Call("gemm", "packed, op(A) = A, op(B) = B, beta 0.5", () -> k.gemm(cWide, a, Trans.N, bWide, Trans.N, 1f, 0.5f)));
        list.add(new Call("gemm", "op(A) = A^T, op(B) = B, beta 0", () -> k.gemm(cT, a, Trans.T, y, Trans.N, 1f, 0f)));
        list.add(new Call("gemm", "op(A) = A, op(B) = B^T, beta 1", () -> k.gemm(cNT, x, Trans.N, bT, Trans.T, 1f, 1f)));
        list.add(new Call("gemm", "alpha 0, beta 0.5", () -> k.gemm(z, a, Trans.N, b, Trans.N, 0f, 0.5f)));
        list.add(new Call("gemm", "one row, unpacked, beta 1", () -> k.gemm(cWideRow, aRow, Trans.N, bWide, Trans.N, 1f, 1f)));
        list.add(new Call("fill", "", () -> k.fill(z, 0.5f)));
        list.add(new Call("copy", "", () -> k.copy(z, x)));
        list.add(new Call("scale", "", () -> k.scale(z, -1f)));
        list.add(new Call("axpy", "", () -> k.axpy(z, 0.5f, x)));
        list.add(new Call("mul", "", () -> k.mul(z, x, y)));
        list.add(new Call("addRowVector", "", () -> k.addRowVector(z, row)));
        list.add(new Call("mulRowVector", "", () -> k.mulRowVector(z, row)));
        list.add(new Call("columnSums", "beta 0.5", () -> k.columnSums(row, x, 0.5f)));
        list.add(new Call("rowMax", "", () -> k.rowMax(column, x)));
        list.add(new Call("rowArgmax", "", () -> k.rowArgmax(index, x)));
        list.add(new Call("identityForward", "", () -> k.identityForward(z, x)));
        list.add(new Call("identityBackward", "", () -> k.identityBackward(dX, y)));
        list.add(new Call("reluForward", "", () -> k.reluForward(z, x)));
        list.add(new Call("reluBackward", "", () -> k.reluBackward(dX, y, x)));
        list.add(new Call("leakyReluForward", "", () -> k.leakyReluForward(z, x, 0.01f)));
        list.add(new Call("leakyReluBackward", "", () -> k.leakyReluBackward(dX, y, x, 0.01f)));
        list.add(new Call("sigmoidForward", "", () -> k.sigmoidForward(z, x)));
        list.add(new Call("sigmoidBackward", "", () -> k.sigmoidBackward(dX, y, x)));
        list.add(new Call("tanhForward", "", () -> k.tanhForward(z, x)));
        list.add(new Call("tanhBackward", "", () -> k.tanhBackward(dX, y, x)));
        list.add(new Call("geluForward", "", () -> k.geluForward(z, x)));
        list.add(new Call("geluBackward", "", () -> k.geluBackward(dX, y, x)));
        list.add(new Call("softmaxForward", "", () -> k.softmaxForward(z, x)));
        list.add(new Call("softmaxBackward", "", () -> k.softmaxBackward(dX, y, x)));
        list.add(new Call("logSoftmaxForward", "", () -> k.logSoftmaxForward(z, x)));
        list.add(new Call("logSoftmaxBackward", "Y <= 0: the float path", () -> k.logSoftmaxBackward(dX, y, logP)));
        list.add(new Call("logSoftmaxBackward", "some Y > 0: the reference's path", () -> k.logSoftmaxBackward(dX, y, x)));
        list.add(new Call("conv2dForward", "3x3, padding 1", () -> k.conv2dForward(cy, cx, cw, cb, conv)));
        list.add(new Call("conv2dForward", "2x3, strides 2x3, dilation 2", () -> k.conv2dForward(sy, sx, sw, sb, strided)));
        list.add(new Call("conv2dBackwardInput", "3x3, padding 1", () -> k.conv2dBackwardInput(cdX, cy, cw, conv)));
        list.add(new Call("conv2dBackwardInput", "2x3, strides 2x3, dilation 2", () -> k.conv2dBackwardInput(sdX, sy, sw, strided)));
        list.add(new Call("conv2dBackwardFilter", "beta 0", () -> k.conv2dBackwardFilter(cdW, cb, cy, cx, conv, 0f)));
        list.add(new Call("conv2dBackwardFilter", "beta 1", () -> k.conv2dBackwardFilter(cdW, cb, cy, cx, conv, 1f)));
        list.add(new Call("maxPool2dForward", "2x2, stride 2", () -> k.maxPool2dForward(py, px, halve)));
        list.add(new Call("maxPool2dForward", "3x3, stride 1, padding 1", () -> k.maxPool2dForward(oy, px, overlap)));
        list.add(new Call("maxPool2dBackward", "2x2, stride 2", () -> k.maxPool2dBackward(pdX, py, px, halve)));
        list.add(new Call("maxPool2dBackward", "3x3, stride 1, padding 1", () -> k.maxPool2dBackward(pdX, oy, px, overlap)));
        list.add(new Call("avgPool2dForward", "2x2, stride 2", () -> k.avgPool2dForward(py, px, halve)));
        list.add(new Call("avgPool2dForward", "3x3, stride 1, padding 1", () -> k.avgPool2dForward(oy, px, overlap)));
        list.add(new Call("avgPool2dBackward", "2x2, stride 2", () -> k.avgPool2dBackward(pdX, py, halve)));
        list.add(new Call("avgPool2dBackward", "3x3, stride 1, padding 1", () -> k.avgPool2dBackward(pdX, oy, overlap)));
        list.add(new Call("batchNormStatistics", "", () -> k.batchNormStatistics(mean, var, x)));
        list.add(new Call("batchNormForward", "", () -> k.batchNormForward(z, x, mean, var, gamma, beta, 1e-5f)));
        list.add(new Call("batchNormBackward", "beta 0",
                () -> k.batchNormBackward(dX, dGamma, dBeta, y, x, mean, var, gamma, 1e-5f, 0f)));
        list.add(new Call("batchNormBackward", "beta 1",
                () -> k.batchNormBackward(dX, dGamma, dBeta, y, x, mean, var, gamma, 1e-5f, 1f)));
        list.add(new Call("batchNormRunningUpdate", "", () -> k.batchNormRunningUpdate(runMean, runVar, mean, var, 2, 0.1f)));
        list.add(new Call("layerNormForward", "", () -> k.layerNormForward(z, rowMean, rowRstd, x, gamma, beta, 1e-5f)));
        list.add(new Call("layerNormBackward", "beta 0",
                () -> k.layerNormBackward(dX, dGamma, dBeta, y, x, rowMean, rowRstd, gamma, 0f)));
        list.add(new Call("layerNormBackward", "beta 1",
                () -> k.layerNormBackward(dX, dGamma, dBeta, y, x, rowMean, rowRstd, gamma, 1f)));
        list.add(new Call("embeddingForward", "", () -> k.embeddingForward(z, table, ids)));
        list.add(new Call("embeddingBackward", "beta 0", () -> k.embeddingBackward(dTable, y, ids, 0f)));
        list.add(new Call("embeddingBackward", "beta 1", () -> k.embeddingBackward(dTable, y, ids, 1f)));
        list.add(new Call("attentionForward", "D = L + 3",
                () -> k.attentionForward(att[0], attP, att[1], att[2], att[3], narrowHead, 0.25f)));
        list.add(new Call("attentionForward", "D = 2L + 3",
                () -> k.attentionForward(wide[0], wideP, wide[1], wide[2], wide[3], wideHead, 0.25f)));
        list.add(new Call("attentionBackward", "D = L + 3",
                () -> k.attentionBackward(att[4], att[5], att[6], att[7], att[1], att[2], att[3], attP, narrowHead, 0.25f)));
        list.add(new Call("attentionBackward", "D = 2L + 3",
                () -> k.attentionBackward(wide[4], wide[5], wide[6], wide[7], wide[1], wide[2], wide[3], wideP, wideHead, 0.25f)));
        list.add(new Call("mseLoss", "", () -> k.mseLoss(dX, x, y)));
        list.add(new Call("bceWithLogitsLoss", "", () -> k.bceWithLogitsLoss(dX, x, y)));
        list.add(new Call("softmaxCrossEntropyLoss", "", () -> k.softmaxCrossEntropyLoss(dX, x, labels)));
        list.add(new Call("sgdUpdate", "momentum 0.9, decay, nesterov", () -> k.sgdUpdate(w, mom, dW, 1e-3f, 0.9f, 1e-4f, true)));
        list.add(new Call("sgdUpdate", "momentum 0", () -> k.sgdUpdate(w, mom, dW, 1e-3f, 0f, 0f, false)));
        list.add(new Call("adamUpdate", "", () -> k.adamUpdate(w, mom, vel, dW, 1e-3f, 0.9f, 0.999f, 1e-8f, 1e-4f, 10)));
        list.add(new Call("adamwUpdate", "", () -> k.adamwUpdate(w, mom, vel, dW, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 10)));
        return list.stream()
                .map(c -> new Call(c.kernel(), (c.setting().isEmpty() ? "" : c.setting() + ", ") + layout, c.body()))
                .toList();
    }

    @TestFactory
    Stream<DynamicTest> aWarmCallAllocatesNothing() {
        Kernels k = SimdTesting.simd();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "skipped: this JVM does not measure a thread's allocated bytes");
        Operands contiguous = new Operands(false);
        Operands strided = new Operands(true);
        List<Call> calls = new ArrayList<>(calls(k, contiguous));
        calls.addAll(calls(k, strided));
        return calls.stream().map(c -> {
            List<Call> siblings = calls.stream().filter(o -> o.kernel().equals(c.kernel())).toList();
            return DynamicTest.dynamicTest(c.kernel() + " (" + c.setting() + ") " + SimdTesting.setting(), () -> {
                    for (int i = 0; i < WARM; i++) {                 // every setting and layout of the kernel, in turn
                        for (Call o : siblings) {
                            o.body().run();
                        }
                    }
                    List<Long> windows = new ArrayList<>();
                    var jit = ManagementFactory.getCompilationMXBean();
                    long jitStart = jit.getTotalCompilationTime();
                    long start = System.nanoTime();
                    long bytes;
                    do {
                        long before = threads.getCurrentThreadAllocatedBytes();
                        for (int i = 0; i < CALLS; i++) {
                            c.body().run();
                        }
                        bytes = threads.getCurrentThreadAllocatedBytes() - before;
                        windows.add(bytes);
                    } while (bytes > 0 && System.nanoTime() - start < PATIENCE_NANOS);
                    long last = bytes;
                    assertTrue(last == 0, () -> c.kernel() + " (" + c.setting() + ") allocates " + last / CALLS
                            + " bytes per warm call; bytes per window of " + CALLS + " calls: " + firstAndLast(windows)
                            + "; JIT compiler time meanwhile: " + (jit.getTotalCompilationTime() - jitStart) + " ms");
                });
        }).onClose(() -> {
                    contiguous.close();
                    strided.close();
                });
    }

    /** Every kernel ({@link SimdTesting#kernelNames}) is among the calls measured above. */
    @Test
    void everyKernelIsCalled() {
        Kernels k = SimdTesting.simd();
        try (Operands o = new Operands(false)) {
            Set<String> called = calls(k, o).stream().map(Call::kernel).collect(Collectors.toSet());
            Set<String> missing = new TreeSet<>(SimdTesting.kernelNames());
            missing.removeAll(called);
            assertTrue(missing.isEmpty(), "Kernels methods without an allocation check: " + missing);
        }
    }

    /** The first three and the last three windows of a long list. */
    private static String firstAndLast(List<Long> windows) {
        return windows.size() <= 6 ? windows.toString()
                : windows.subList(0, 3) + " ... (" + windows.size() + " windows) ... " + windows.subList(windows.size() - 3, windows.size());
    }
}
