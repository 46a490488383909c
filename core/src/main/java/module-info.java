/** Matrices over off-heap memory, the kernel interface, backend choice and error-bound helpers. */
module dev.myelin.core {
    exports dev.myelin.core;

    uses dev.myelin.core.Backend;
}
