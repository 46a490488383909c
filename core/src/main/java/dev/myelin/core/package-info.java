/**
 * What every backend shares: {@link Matrix} (row-major float32 over off-heap memory; views with a leading
 * dimension), {@link Kernels} (every kernel, with its arguments checked, in front of a backend's
 * {@link UncheckedKernels}), the backends found at run time ({@link Backend}, chosen with {@link Backends})
 * and the geometries of convolution and pooling ({@link Conv2d}, {@link Pool2d}).
 *
 * <p>The tools Myelin's property tests check the backends with are public, so that users can check their own
 * kernels the same way: {@link ErrorBounds} (derived error bounds), {@link Agreement} (the report of a
 * comparison) and {@link Cases} (seeded generators of sizes and matrices).
 */
package dev.myelin.core;
