/** The scalar reference backend: plain loops, the specification of every kernel. */
module dev.myelin.reference {
    requires transitive dev.myelin.core;

    exports dev.myelin.reference;

    provides dev.myelin.core.Backend with dev.myelin.reference.ReferenceBackend;
}
