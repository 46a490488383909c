package dev.myelin.trainer;

import java.util.Arrays;
import java.util.StringJoiner;

/**
 * The shape of one sample, in memory order: {@code (features)} for a vector, {@code (height, width,
 * channels)} for an image (channels-last: see docs/architecture.md, "Image layout"). A batch of samples is
 * a {@link dev.myelin.core.Matrix} of {@code (batch, size())}: the batch dimension in front, each sample
 * one row, so a shaped tensor is a view of a 2-D matrix, never a copy.
 */
public final class Shape {

    private final int[] dims;

    private Shape(int[] dims) {
        this.dims = dims;
    }

    /**
     * A shape from its dimensions, each at least 1; the product must fit in an int.
     *
     * @param dims the dimensions, in memory order, each {@code >= 1}
     * @return the shape
     * @throws IllegalArgumentException if there is no dimension, one is below 1, or the size exceeds
     *                                  {@code Integer.MAX_VALUE}
     */
    public static Shape of(int... dims) {
        if (dims == null || dims.length == 0) {
            throw new IllegalArgumentException("a shape needs at least one dimension, got " + Arrays.toString(dims));
        }
        long size = 1;
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 1) {
                throw new IllegalArgumentException("dimension " + i + " of " + Arrays.toString(dims) + " must be >= 1, got "
                        + dims[i]);
            }
            size *= dims[i];
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("the shape " + Arrays.toString(dims) + " has more than "
                        + Integer.MAX_VALUE + " elements");
            }
        }
        return new Shape(dims.clone());
    }

    /**
     * An image of {@code height x width} pixels and {@code channels} channels, channels-last.
     *
     * @param height   the rows of pixels, {@code >= 1}
     * @param width    the columns of pixels, {@code >= 1}
     * @param channels the values per pixel (1 for grey, 3 for RGB), {@code >= 1}
     * @return the shape {@code (height, width, channels)}
     */
    public static Shape image(int height, int width, int channels) {
        return of(height, width, channels);
    }

    /** {@return the number of dimensions} */
    public int rank() {
        return dims.length;
    }

    /**
     * Dimension {@code i}.
     *
     * @param i the dimension's index, in {@code [0, rank())}
     * @return its size
     */
    public int dim(int i) {
        if (i < 0 || i >= dims.length) {
            throw new IndexOutOfBoundsException("dimension " + i + " of the rank-" + dims.length + " shape " + this);
        }
        return dims[i];
    }

    /** {@return the dimensions, a copy} */
    public int[] dims() {
        return dims.clone();
    }

    /** {@return the elements of one sample: the product of the dimensions} */
    public int size() {
        int s = 1;
        for (int d : dims) {
            s *= d;
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** E.g. {@code (28, 28, 1)}. */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(", ", "(", ")");
        for (int d : dims) {
            j.add(Integer.toString(d));
        }
        return j.toString();
    }
}
