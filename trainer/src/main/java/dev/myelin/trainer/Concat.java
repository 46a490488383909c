package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.Matrix;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.List;

/**
 * Joins several inputs along the last axis (the channels of a channels-last image, the features of a vector):
 * inputs of shapes {@code (..., C_0)}, {@code (..., C_1)}, ... with equal leading dimensions give
 * {@code (..., C_0 + C_1 + ...)}, input 0's channels first. Forward and backward are copies (exact): a batch
 * {@code (B, P * C)}, P positions per sample, is viewed as {@code (B * P, C)}, and input i fills or reads the
 * column block {@code [c_i, c_i + C_i)}.
 */
public final class Concat implements Merge {

    private Kernels k;
    private int positions;       // P: the product of the leading dimensions
    private int[] channels;      // C_i
    private int[] offsets;       // c_i: the sum of C_j for j < i
    private int total;           // the sum of C_i
    private Buffer y;
    private Buffer[] dX;
    // The (B * P, C) views each pass uses, made once per row count and kept, so a warm pass creates no objects:
    // [input][rows] for the output's and dY's column blocks, the inputs and the dX buffers; an input or dY view is
    // reused while it views the same matrix.
    private Matrix[][] outBlocks;
    private Matrix[][] inViews;
    private Matrix[][] inSources;
    private Matrix[][] dYBlocks;
    private Matrix[][] dYSources;
    private Matrix[][] dXViews;

    /** A concatenation of the inputs a {@link Node#merge} gives it. */
    public Concat() {
    }

    @Override
    public Shape build(List<Shape> inputs, Context context) {
        Layers.once(k != null, this);
        Shape first = inputs.get(0);
        int rank = first.rank();
        channels = new int[inputs.size()];
        offsets = new int[inputs.size()];
        total = 0;
        for (int i = 0; i < inputs.size(); i++) {
            Shape s = inputs.get(i);
            boolean fits = s.rank() == rank;
            for (int d = 0; fits && d < rank - 1; d++) {
                fits = s.dim(d) == first.dim(d);
            }
            if (!fits) {
                throw new IllegalArgumentException("Concat joins inputs that differ in the last axis only, got " + first
                        + " (input 0) and " + s + " (input " + i + ")");
            }
            channels[i] = s.dim(rank - 1);
            offsets[i] = total;
            total = Math.addExact(total, channels[i]);
        }
        this.k = context.kernels();
        this.positions = first.size() / channels[0];
        int[] dims = first.dims();
        dims[rank - 1] = total;
        return Shape.of(dims);
    }

    @Override
    public void reserve(Arena arena, Arena gradients, int maxBatch) {
        y = new Buffer(arena, maxBatch, positions * total);
        dX = new Buffer[channels.length];
        for (int i = 0; i < channels.length; i++) {
            dX[i] = new Buffer(gradients, maxBatch, positions * channels[i]);
        }
        int n = channels.length;
        outBlocks = new Matrix[n][maxBatch + 1];
        inViews = new Matrix[n][maxBatch + 1];
        inSources = new Matrix[n][maxBatch + 1];
        dYBlocks = new Matrix[n][maxBatch + 1];
        dYSources = new Matrix[n][maxBatch + 1];
        dXViews = new Matrix[n][maxBatch + 1];
    }

    @Override
    public Matrix forward(List<Matrix> inputs, boolean training) {
        int rows = inputs.get(0).rows();
        Matrix out = y.rows(rows);
        for (int i = 0; i < channels.length; i++) {
            Matrix x = inputs.get(i);
            if (outBlocks[i][rows] == null) {
                outBlocks[i][rows] = block(out, offsets[i], channels[i]);
            }
            if (inSources[i][rows] != x) {
                inViews[i][rows] = positions(x, channels[i], "input " + i);
                inSources[i][rows] = x;
            }
            k.copy(outBlocks[i][rows], inViews[i][rows]);
        }
        return out;
    }

    @Override
    public Matrix backward(Matrix dY, int input) {
        int rows = dY.rows();
        Matrix dx = dX[input].rows(rows);
        if (dXViews[input][rows] == null) {
            dXViews[input][rows] = positions(dx, channels[input], "dX");
        }
        if (dYSources[input][rows] != dY) {
            dYBlocks[input][rows] = block(dY, offsets[input], channels[input]);
            dYSources[input][rows] = dY;
        }
        k.copy(dXViews[input][rows], dYBlocks[input][rows]);
        return dx;
    }

    /** The column block {@code [c, c + width)} of {@code m} (B, P * total) seen as (B * P, total). */
    private Matrix block(Matrix m, int c, int width) {
        return positions(m, total, "the output").view(0, c, m.rows() * positions, width);
    }

    /** {@code m} (B, P * width), contiguous, seen as (B * P, width). */
    private Matrix positions(Matrix m, int width, String name) {
        if (positions == 1) {
            return m;
        }
        if (!m.isContiguous()) {
            throw new IllegalArgumentException("Concat's " + name + " is a strided view " + m + "; it needs whole rows");
        }
        return Matrix.wrap(m.segment(), m.offset(), m.rows() * positions, width, width);
    }

    @Override
    public String type() {
        return "concat";
    }

    @Override
    public String toString() {
        return "Concat";
    }
}
