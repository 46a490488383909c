package dev.myelin.simd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.myelin.core.Kernels;
import dev.myelin.core.UncheckedKernels;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every kernel ({@link SimdTesting#kernelNames}: the methods of {@link Kernels} and {@link UncheckedKernels}
 * but {@code name()} and {@code threads()}) has an agreement property: a test method of the
 * same name, annotated {@link TestFactory} or {@link Test}, in a class of this package whose name ends
 * in {@code AgreementTest}, or a whole class named after it ({@code GemmAgreementTest} covers
 * {@code gemm}). A {@code @TestFactory} must also produce at least one test. The agreement classes are
 * found on the test class path, so a new one counts without being listed here.
 */
class KernelCompletenessTest {

    /** The agreement test classes of this package, found beside this class. */
    static List<Class<?>> agreementClasses() throws URISyntaxException, ClassNotFoundException {
        File dir = new File(KernelCompletenessTest.class.getResource("").toURI());
        List<Class<?>> list = new ArrayList<>();
        String[] names = dir.list((d, n) -> n.endsWith("AgreementTest.class"));
        for (String n : names == null ? new String[0] : names) {
            list.add(Class.forName(KernelCompletenessTest.class.getPackageName() + "." + n.replace(".class", "")));
        }
        return list;
    }

    /** Kernels method name -> the test that covers it. */
    static Map<String, String> coverage() throws Exception {
        Map<String, String> covered = new TreeMap<>();
        for (Class<?> c : agreementClasses()) {
            String prefix = c.getSimpleName().replace("AgreementTest", "");
            covered.put(prefix.substring(0, 1).toLowerCase(Locale.ROOT) + prefix.substring(1), c.getSimpleName());
            for (Method m : c.getDeclaredMethods()) {
                if (m.isAnnotationPresent(TestFactory.class) || m.isAnnotationPresent(Test.class)) {
                    covered.put(m.getName(), c.getSimpleName() + "." + m.getName());
                }
            }
        }
        return covered;
    }

    @Test
    void everyKernelHasAnAgreementProperty() throws Exception {
        Map<String, String> covered = coverage();
        Set<String> missing = new TreeSet<>(SimdTesting.kernelNames());
        missing.removeAll(covered.keySet());
        assertTrue(missing.isEmpty(), "Kernels methods without an agreement property (a test method of the same name"
                + " in a *AgreementTest class): " + missing + "; found " + covered);
    }

    /** Each covering @TestFactory yields at least one test (its stream is lazy: nothing runs here). */
    @TestFactory
    Stream<DynamicTest> everyPropertyGeneratesCases() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Class<?> c : agreementClasses()) {
            for (Method m : c.getDeclaredMethods()) {
                if (!m.isAnnotationPresent(TestFactory.class)) {
                    continue;
                }
                tests.add(DynamicTest.dynamicTest(c.getSimpleName() + "." + m.getName() + " generates cases", () -> {
                    var ctor = c.getDeclaredConstructor();
                    ctor.setAccessible(true);
                    m.setAccessible(true);
                    try (Stream<?> s = (Stream<?>) m.invoke(ctor.newInstance())) {
                        assertTrue(s.findFirst().isPresent(), c.getSimpleName() + "." + m.getName() + " generates no case");
                    }
                }));
            }
        }
        assertTrue(tests.size() >= SimdTesting.kernelNames().size(), "too few agreement properties found: " + tests.size());
        return tests.stream();
    }
}
