/** The Vector API backend: jdk.incubator.vector over off-heap MemorySegments. */
module dev.myelin.simd {
    requires transitive dev.myelin.core;
    requires jdk.incubator.vector;

    exports dev.myelin.simd;

    provides dev.myelin.core.Backend with dev.myelin.simd.SimdBackend;
}
