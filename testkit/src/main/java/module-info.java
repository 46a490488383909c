/**
 * Test your own float kernels the way Myelin tests its own: {@link dev.myelin.testkit.Expect} (a float result
 * against a double-precision oracle within a derived bound), {@link dev.myelin.testkit.Gradients} (a backward
 * against central finite differences) and {@link dev.myelin.testkit.Property} (seeded cases that print their
 * seed and rerun alone). docs/testing.md derives the bounds and walks through an example.
 */
module dev.myelin.testkit {
    requires transitive dev.myelin.core;

    exports dev.myelin.testkit;
}
