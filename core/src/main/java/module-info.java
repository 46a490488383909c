/** Matrices over off-heap memory, the kernels (a checking front over the interface backends implement), backend choice and error-bound helpers. */
module dev.myelin.core {
    exports dev.myelin.core;

    uses dev.myelin.core.Backend;
}
