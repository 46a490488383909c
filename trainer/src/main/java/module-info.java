/**
 * The trainer: models, layers, losses, optimizers and a fit loop over the kernel interface, and data readers.
 * Its API hands out {@code dev.myelin.core} types (Matrix, Kernels), so a module that requires this one reads
 * core too.
 */
module dev.myelin.trainer {
    requires transitive dev.myelin.core;
    requires org.apache.commons.csv;

    exports dev.myelin.trainer;
    exports dev.myelin.trainer.data;
}
