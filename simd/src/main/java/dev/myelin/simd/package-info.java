/**
 * The SIMD backend: every kernel of {@link dev.myelin.core.Kernels} with the Vector API
 * ({@code jdk.incubator.vector}) over off-heap memory, multi-threaded where the work pays for it, and checked
 * against the {@code reference} backend within derived error bounds. Its vector species is fixed when it
 * loads: the CPU's widest float vector (tests and benchmarks may force a narrower one with
 * {@code -Dmyelin.simd.bits=128|256|512}).
 *
 * <p>It needs {@code --add-modules=jdk.incubator.vector} on the {@code java} command line; without it,
 * {@link dev.myelin.core.Backends} falls back to the reference backend and logs one line that says so. Users
 * do not call this package: {@link SimdBackend} is the {@link java.util.ServiceLoader} entry that
 * {@link dev.myelin.core.Backends} finds; it is the default wherever it can run.
 */
package dev.myelin.simd;
