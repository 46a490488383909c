/**
 * Test helpers for float kernels, for any test framework: each check throws {@link java.lang.AssertionError} with
 * a report that names the worst element, both values, the error and the bound, and each seeded case adds its seed
 * and how to rerun it alone. They build on core's {@link dev.myelin.core.ErrorBounds} (the bounds and the
 * comparison), {@link dev.myelin.core.Agreement} (the report) and {@link dev.myelin.core.Cases} (the generators).
 */
package dev.myelin.testkit;
