/**
 * The seed examples (small programs that show the library at work, each with a {@code main}) and the
 * Fashion-MNIST download they and the command line use. An application of the library, not part of it.
 */
module dev.myelin.examples {
    requires dev.myelin.trainer;

    exports dev.myelin.examples;
}
