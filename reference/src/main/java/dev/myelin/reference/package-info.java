/**
 * The reference backend: every kernel of {@link dev.myelin.core.Kernels} as plain scalar loops on one thread,
 * with no blocking and no unrolling, and the summation order written beside each kernel. It is the
 * specification: the {@code simd} backend is tested against it within derived error bounds, and it has
 * known-answer and finite-difference tests of its own. It runs on any JVM.
 *
 * <p>Users do not call this package: {@link ReferenceBackend} is the {@link java.util.ServiceLoader} entry that
 * {@link dev.myelin.core.Backends} finds; select it with {@link dev.myelin.core.Backends#reference()} or
 * {@code -Dmyelin.backend=reference}.
 */
package dev.myelin.reference;
