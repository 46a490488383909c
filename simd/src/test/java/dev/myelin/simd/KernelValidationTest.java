package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Conv2d;
import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import dev.myelin.core.Pool2d;
import dev.myelin.core.SelfAttention;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Bad arguments are rejected by both backends, before anything is written, with an exception whose
 * message names the argument and its value. Each case calls a kernel with one bad argument, checks the
 * exception type and that the message holds the given fragments, and checks that the output matrix
 * (filled with 7) is unchanged.
 */
class KernelValidationTest {

    /** A call with one bad argument; {@code out} is the output to watch. */
    private interface Call {
        void run(Kernels k, Arena arena, Matrix out);
    }

    private record Bad(String what, Class<? extends Throwable> type, List<String> fragments, int outRows, int outCols,
                       Call call) {
    }

    /** 2 channels of 4x4 pixels, 3 filters of 3x3 with padding 1: X has 32 columns, Y 48, W is 18x3. */
    private static final Conv2d CONV = Conv2d.of(2, 4, 4, 3, 3, 1, 1);

    /** 2 channels of 4x4 pixels, 2x2 windows, stride 2: X has 32 columns, Y 8. */
    private static final Pool2d POOL = Pool2d.of(2, 4, 4, 2, 2, 0);

    private static Matrix m(Arena arena, int rows, int cols) {
        return Matrix.allocate(arena, rows, cols).fill(0.5f);
    }

    private static List<Bad> cases() {
        return List.of(
                new Bad("shape mismatch", IllegalArgumentException.class, List.of("Y is 2x3", "X is 3x2"), 2, 3,
                        (k, a, out) -> k.copy(out, m(a, 3, 2))),
                new Bad("partial overlap", IllegalArgumentException.class, List.of("output Y", "partially overlaps input X"), 3, 3,
                        (k, a, out) -> {
                            Matrix parent = m(a, 5, 5);
                            k.reluForward(parent.view(0, 0, 3, 3), parent.view(1, 1, 3, 3));
                        }),
                new Bad("partial overlap, backward", IllegalArgumentException.class, List.of("dX", "partially overlaps input dY"),
                        2, 2, (k, a, out) -> {
                            Matrix parent = m(a, 3, 4);
                            k.sigmoidBackward(parent.view(0, 0, 2, 2), parent.view(0, 1, 2, 2), m(a, 2, 2));
                        }),
                new Bad("closed memory", IllegalStateException.class, List.of("X (2x2)", "closed"), 2, 2,
                        (k, a, out) -> {
                            Matrix closed = Matrix.allocate(2, 2);
                            closed.close();
                            k.tanhForward(out, closed);
                        }),
                new Bad("null input", NullPointerException.class, List.of("X is null"), 2, 2,
                        (k, a, out) -> k.geluForward(out, null)),
                new Bad("rowMax shape", IllegalArgumentException.class, List.of("max must be 3x1", "got 3x2"), 3, 2,
                        (k, a, out) -> k.rowMax(out, m(a, 3, 4))),
                new Bad("columnSums shape", IllegalArgumentException.class, List.of("s must be 1x4", "got 2x4"), 2, 4,
                        (k, a, out) -> k.columnSums(out, m(a, 3, 4), 0f)),
                new Bad("addRowVector shape", IllegalArgumentException.class, List.of("b must be 1x4", "got 1x3"), 2, 4,
                        (k, a, out) -> k.addRowVector(out, m(a, 1, 3))),
                new Bad("argmax index length", IllegalArgumentException.class, List.of("index has length 2", "at least 3"), 1, 1,
                        (k, a, out) -> k.rowArgmax(new int[2], m(a, 3, 4))),
                new Bad("leaky slope", IllegalArgumentException.class, List.of("slope", "NaN"), 2, 2,
                        (k, a, out) -> k.leakyReluForward(out, m(a, 2, 2), Float.NaN)),
                new Bad("embedding id out of range", IllegalArgumentException.class, List.of("id 4", "position 2", "[0, 4)"),
                        3, 2, (k, a, out) -> k.embeddingForward(out, m(a, 4, 2), new int[] {0, 3, 4})),
                new Bad("negative embedding id", IllegalArgumentException.class, List.of("id -1", "position 0", "[0, 4)"),
                        4, 2, (k, a, out) -> k.embeddingBackward(out, m(a, 3, 2), new int[] {-1, 0, 1}, 0f)),
                new Bad("embedding ids too short", IllegalArgumentException.class, List.of("ids has length 2", "at least 3"),
                        3, 2, (k, a, out) -> k.embeddingForward(out, m(a, 4, 2), new int[] {0, 1})),
                new Bad("embedding width", IllegalArgumentException.class, List.of("Y is 3x2", "table is 4x3"), 3, 2,
                        (k, a, out) -> k.embeddingForward(out, m(a, 4, 3), new int[] {0, 1, 2})),
                new Bad("embedding beta", IllegalArgumentException.class, List.of("beta", "0.5"), 4, 2,
                        (k, a, out) -> k.embeddingBackward(out, m(a, 3, 2), new int[] {0, 1, 2}, 0.5f)),
                new Bad("attention P shape", IllegalArgumentException.class, List.of("P must be 12x3", "heads 2", "got 6x3"),
                        6, 8, (k, a, out) -> k.attentionForward(out, m(a, 6, 3), m(a, 6, 8), m(a, 6, 8), m(a, 6, 8),
                                new SelfAttention(2, 3, 2, 4), 0.5f)),
                new Bad("attention Q shape", IllegalArgumentException.class, List.of("Q must be 6x8", "headSize 4", "got 6x6"),
                        6, 8, (k, a, out) -> k.attentionForward(out, m(a, 12, 3), m(a, 6, 6), m(a, 6, 8), m(a, 6, 8),
                                new SelfAttention(2, 3, 2, 4), 0.5f)),
                new Bad("attention scale", IllegalArgumentException.class, List.of("scale", "Infinity"), 6, 8,
                        (k, a, out) -> k.attentionBackward(out, m(a, 6, 8), m(a, 6, 8), m(a, 6, 8), m(a, 6, 8), m(a, 6, 8),
                                m(a, 6, 8), m(a, 12, 3), new SelfAttention(2, 3, 2, 4), Float.POSITIVE_INFINITY)),
                new Bad("attention output overlaps an input", IllegalArgumentException.class, List.of("output dK", "input K"),
                        6, 8, (k, a, out) -> {
                            Matrix shared = m(a, 6, 8);
                            k.attentionBackward(out, shared, m(a, 6, 8), m(a, 6, 8), m(a, 6, 8), shared, m(a, 6, 8),
                                    m(a, 12, 3), new SelfAttention(2, 3, 2, 4), 0.5f);
                        }),
                new Bad("attention shape", IllegalArgumentException.class, List.of("heads must be >= 1", "got 0"), 1, 1,
                        (k, a, out) -> new SelfAttention(1, 1, 0, 1)),
                new Bad("label out of range", IllegalArgumentException.class, List.of("label 5", "row 1", "[0, 3)"), 2, 3,
                        (k, a, out) -> k.softmaxCrossEntropyLoss(out, m(a, 2, 3), new int[] {0, 5})),
                new Bad("negative label", IllegalArgumentException.class, List.of("label -1", "row 0"), 2, 3,
                        (k, a, out) -> k.softmaxCrossEntropyLoss(out, m(a, 2, 3), new int[] {-1, 0})),
                new Bad("labels too short", IllegalArgumentException.class, List.of("labels has length 1", "at least 2"), 2, 3,
                        (k, a, out) -> k.softmaxCrossEntropyLoss(out, m(a, 2, 3), new int[] {0})),
                new Bad("loss target shape", IllegalArgumentException.class, List.of("dP is 2x3", "T is 3x3"), 2, 3,
                        (k, a, out) -> k.mseLoss(out, m(a, 2, 3), m(a, 3, 3))),
                new Bad("adam step 0", IllegalArgumentException.class, List.of("step", "got 0"), 2, 2,
                        (k, a, out) -> k.adamUpdate(out, m(a, 2, 2), m(a, 2, 2), m(a, 2, 2), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 0)),
                new Bad("adam beta1 = 1", IllegalArgumentException.class, List.of("beta1 must be in [0, 1)", "got 1.0"), 2, 2,
                        (k, a, out) -> k.adamwUpdate(out, m(a, 2, 2), m(a, 2, 2), m(a, 2, 2), 1e-3f, 1f, 0.999f, 1e-8f, 0f, 1)),
                new Bad("adam eps = 0", IllegalArgumentException.class, List.of("eps must be finite and > 0", "got 0.0"), 2, 2,
                        (k, a, out) -> k.adamUpdate(out, m(a, 2, 2), m(a, 2, 2), m(a, 2, 2), 1e-3f, 0.9f, 0.999f, 0f, 0f, 1)),
                new Bad("sgd lr NaN", IllegalArgumentException.class, List.of("lr must be finite and >= 0", "got NaN"), 2, 2,
                        (k, a, out) -> k.sgdUpdate(out, m(a, 2, 2), m(a, 2, 2), Float.NaN, 0.9f, 0f, false)),
                new Bad("sgd nesterov without momentum", IllegalArgumentException.class, List.of("nesterov", "momentum 0.0"), 2, 2,
                        (k, a, out) -> k.sgdUpdate(out, m(a, 2, 2), m(a, 2, 2), 0.1f, 0f, 0f, true)),
                new Bad("optimizer buffers alias", IllegalArgumentException.class, List.of("W (2x2) and dW (2x2) share memory"), 2, 2,
                        (k, a, out) -> k.sgdUpdate(out, m(a, 2, 2), out, 0.1f, 0.9f, 0f, false)),
                new Bad("optimizer shape", IllegalArgumentException.class, List.of("W is 2x2", "M is 2x3"), 2, 2,
                        (k, a, out) -> k.adamUpdate(out, m(a, 2, 3), m(a, 2, 2), m(a, 2, 2), 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, 1)),
                new Bad("mulRowVector shape", IllegalArgumentException.class, List.of("s must be 1x4", "got 1x3"), 2, 4,
                        (k, a, out) -> k.mulRowVector(out, m(a, 1, 3))),
                new Bad("mulRowVector partial overlap", IllegalArgumentException.class, List.of("output Y", "partially overlaps input s"),
                        2, 4, (k, a, out) -> {
                            Matrix parent = m(a, 3, 4);
                            k.mulRowVector(parent.view(0, 0, 2, 4), parent.view(1, 0, 1, 4));
                        }),
                // convolution: C = 2 channels of 4x4 pixels, K = 3 filters of 3x3, padding 1: X 32 columns, Y 4x4x3 = 48, W 18x3
                new Bad("conv2d Y columns", IllegalArgumentException.class,
                        List.of("Y must have 48 columns (outHeight 4 x outWidth 4 x filters 3), got 2x47"), 2, 47,
                        (k, a, out) -> k.conv2dForward(out, m(a, 2, 32), m(a, 18, 3), m(a, 1, 3), CONV)),
                new Bad("conv2d X columns", IllegalArgumentException.class,
                        List.of("X must have 32 columns (height 4 x width 4 x channels 2), got 2x33"), 2, 48,
                        (k, a, out) -> k.conv2dForward(out, m(a, 2, 33), m(a, 18, 3), m(a, 1, 3), CONV)),
                new Bad("conv2d batch", IllegalArgumentException.class,
                        List.of("Y is 3x48 but X has 2 rows", "same number of rows"), 3, 48,
                        (k, a, out) -> k.conv2dForward(out, m(a, 2, 32), m(a, 18, 3), m(a, 1, 3), CONV)),
                new Bad("conv2d W shape", IllegalArgumentException.class,
                        List.of("W must be 18x3 (kernelHeight 3 x kernelWidth 3 x channels 2 rows, filters 3 columns), got 18x4"), 2, 48,
                        (k, a, out) -> k.conv2dForward(out, m(a, 2, 32), m(a, 18, 4), m(a, 1, 3), CONV)),
                new Bad("conv2d bias shape", IllegalArgumentException.class, List.of("b must be 1x3", "got 3x1"), 2, 48,
                        (k, a, out) -> k.conv2dForward(out, m(a, 2, 32), m(a, 18, 3), m(a, 3, 1), CONV)),
                new Bad("conv2d null geometry", NullPointerException.class, List.of("g is null"), 2, 48,
                        (k, a, out) -> k.conv2dForward(out, m(a, 2, 32), m(a, 18, 3), m(a, 1, 3), null)),
                new Bad("conv2d closed input", IllegalStateException.class, List.of("X (2x32)", "closed"), 2, 48,
                        (k, a, out) -> {
                            Matrix closed = Matrix.allocate(2, 32);
                            closed.close();
                            k.conv2dForward(out, closed, m(a, 18, 3), m(a, 1, 3), CONV);
                        }),
                new Bad("conv2d Y overlaps X", IllegalArgumentException.class, List.of("output Y (2x48 (ld 80))", "overlaps input X (2x32 (ld 80))"),
                        1, 1, (k, a, out) -> {
                            Matrix parent = m(a, 2, 80);
                            k.conv2dForward(parent.view(0, 0, 2, 48), parent.view(0, 40, 2, 32), m(a, 18, 3), m(a, 1, 3), CONV);
                        }),
                new Bad("conv2d Y overlaps W", IllegalArgumentException.class, List.of("output Y (1x48 (ld 120))", "overlaps input W (18x3)"),
                        1, 1, (k, a, out) -> {
                            Matrix parent = m(a, 1, 120);
                            k.conv2dForward(parent.view(0, 0, 1, 48), m(a, 1, 32), Matrix.wrap(parent.segment(), 40, 18, 3, 3), m(a, 1, 3), CONV);
                        }),
                new Bad("conv2d backward input dX columns", IllegalArgumentException.class,
                        List.of("dX must have 32 columns (height 4 x width 4 x channels 2), got 2x31"), 2, 31,
                        (k, a, out) -> k.conv2dBackwardInput(out, m(a, 2, 48), m(a, 18, 3), CONV)),
                new Bad("conv2d backward input dX overlaps dY", IllegalArgumentException.class, List.of("output dX", "overlaps input dY"),
                        1, 1, (k, a, out) -> {
                            Matrix parent = m(a, 2, 80);
                            k.conv2dBackwardInput(parent.view(0, 0, 2, 32), parent.view(0, 16, 2, 48), m(a, 18, 3), CONV);
                        }),
                new Bad("conv2d backward filter beta", IllegalArgumentException.class,
                        List.of("beta must be 0 (overwrite) or 1 (accumulate), got 0.5"), 18, 3,
                        (k, a, out) -> k.conv2dBackwardFilter(out, m(a, 1, 3), m(a, 2, 48), m(a, 2, 32), CONV, 0.5f)),
                new Bad("conv2d backward filter dW shape", IllegalArgumentException.class,
                        List.of("dW must be 18x3", "got 9x3"), 9, 3,
                        (k, a, out) -> k.conv2dBackwardFilter(out, m(a, 1, 3), m(a, 2, 48), m(a, 2, 32), CONV, 0f)),
                new Bad("conv2d backward filter db shape", IllegalArgumentException.class, List.of("db must be 1x3", "got 1x2"), 1, 2,
                        (k, a, out) -> k.conv2dBackwardFilter(m(a, 18, 3), out, m(a, 2, 48), m(a, 2, 32), CONV, 1f)),
                new Bad("conv2d backward filter batch", IllegalArgumentException.class, List.of("dY is 3x48 but X has 2 rows"), 18, 3,
                        (k, a, out) -> k.conv2dBackwardFilter(out, m(a, 1, 3), m(a, 3, 48), m(a, 2, 32), CONV, 0f)),
                new Bad("conv2d backward filter dW and db share memory", IllegalArgumentException.class,
                        List.of("dW (18x3) and db (1x3) share memory"), 18, 3,
                        (k, a, out) -> k.conv2dBackwardFilter(out, out.view(17, 0, 1, 3), m(a, 2, 48), m(a, 2, 32), CONV, 0f)),
                new Bad("conv2d backward filter db overlaps dY", IllegalArgumentException.class, List.of("output db", "overlaps input dY"),
                        18, 3, (k, a, out) -> {
                            Matrix dY = m(a, 2, 48);
                            k.conv2dBackwardFilter(out, dY.view(1, 5, 1, 3), dY, m(a, 2, 32), CONV, 0f);
                        }),
                // pooling: 2 channels of 4x4 pixels, 2x2 windows, stride 2: X 32 columns, Y 2x2x2 = 8
                new Bad("maxPool2d Y columns", IllegalArgumentException.class,
                        List.of("Y must have 8 columns (outHeight 2 x outWidth 2 x channels 2), got 2x9"), 2, 9,
                        (k, a, out) -> k.maxPool2dForward(out, m(a, 2, 32), POOL)),
                new Bad("avgPool2d X columns", IllegalArgumentException.class,
                        List.of("X must have 32 columns (height 4 x width 4 x channels 2), got 2x30"), 2, 8,
                        (k, a, out) -> k.avgPool2dForward(out, m(a, 2, 30), POOL)),
                new Bad("maxPool2d backward batch", IllegalArgumentException.class, List.of("dX is 3x32 but X has 2 rows"), 3, 32,
                        (k, a, out) -> k.maxPool2dBackward(out, m(a, 2, 8), m(a, 2, 32), POOL)),
                new Bad("maxPool2d backward dX overlaps X", IllegalArgumentException.class, List.of("output dX", "overlaps input X"),
                        1, 1, (k, a, out) -> {
                            Matrix parent = m(a, 2, 40);
                            k.maxPool2dBackward(parent.view(0, 0, 2, 32), m(a, 2, 8), parent.view(0, 8, 2, 32), POOL);
                        }),
                new Bad("avgPool2d backward dY columns", IllegalArgumentException.class,
                        List.of("dY must have 8 columns (outHeight 2 x outWidth 2 x channels 2), got 2x16"), 2, 32,
                        (k, a, out) -> k.avgPool2dBackward(out, m(a, 2, 16), POOL)),
                new Bad("avgPool2d null geometry", NullPointerException.class, List.of("g is null"), 2, 32,
                        (k, a, out) -> k.avgPool2dBackward(out, m(a, 2, 8), null)));
    }

    @TestFactory
    Stream<DynamicTest> badArgumentsAreRejectedBeforeAnyWrite() {
        return Stream.of(SimdTesting.REFERENCE, SimdTesting.simd()).flatMap(k -> cases().stream().map(bad ->
                DynamicTest.dynamicTest(k.name() + ": " + bad.what(), () -> {
                    try (Arena arena = Arena.ofConfined()) {
                        Matrix out = Matrix.allocate(arena, bad.outRows(), bad.outCols()).fill(7f);
                        float[] before = out.toArray();
                        Throwable t = assertThrows(bad.type(), () -> bad.call().run(k, arena, out));
                        for (String f : bad.fragments()) {
                            assertTrue(t.getMessage().contains(f), () -> "message '" + t.getMessage() + "' lacks '" + f + "'");
                        }
                        assertArrayEquals(before, out.toArray(), "the output was written before the check failed");
                    }
                })));
    }

    @TestFactory
    Stream<DynamicTest> theVerySameViewIsInPlace() {
        return Stream.of(SimdTesting.REFERENCE, SimdTesting.simd()).map(k ->
                DynamicTest.dynamicTest(k.name(), () -> {
                    try (Arena arena = Arena.ofConfined()) {
                        Matrix parent = Matrix.allocate(arena, 4, 5);
                        Matrix x = parent.view(1, 1, 3, 3);
                        x.fill(-2f);
                        k.reluForward(x, parent.view(1, 1, 3, 3));   // an equal view, not the same object
                        assertArrayEquals(new float[9], x.toArray());
                    }
                }));
    }
}
