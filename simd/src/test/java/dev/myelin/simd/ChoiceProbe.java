package dev.myelin.simd;

import dev.myelin.core.Backends;

/** Run by {@link BackendChoiceTest} in a child JVM: prints the default choice. */
public final class ChoiceProbe {

    private ChoiceProbe() {
    }

    public static void main(String[] args) {
        Backends.Choice c = Backends.choice();
        System.out.println("chosen=" + c.backend().name() + " reason=" + c.reason());
        System.out.println("description=" + Backends.backend("simd").description());
    }
}
