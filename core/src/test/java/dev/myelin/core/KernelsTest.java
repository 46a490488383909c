package dev.myelin.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The checking front: {@link Kernels} has exactly the methods of {@link UncheckedKernels}, passes a valid
 * call to the backend once with the very same arguments (and returns its result), and rejects a null or
 * closed argument without calling the backend. The checks' messages, one bad argument at a time, are
 * tested against both real backends in the simd module ({@code KernelValidationTest},
 * {@code GemmValidationTest}).
 */
class KernelsTest {

    /** The kernels whose last float is beta, 0 (overwrite) or 1 (accumulate into the parameter gradients). */
    private static final Set<String> ACCUMULATING = Set.of("conv2dBackwardFilter", "batchNormBackward",
            "layerNormBackward", "embeddingBackward");

    /** What the recording backend returns from a method that returns float. */
    private static final float RESULT = 0.25f;

    /** One call that reached the backend. */
    private record Call(String method, Object[] args) {
    }

    /** A backend that records every call and computes nothing. */
    private static UncheckedKernels recording(List<Call> calls) {
        return (UncheckedKernels) Proxy.newProxyInstance(KernelsTest.class.getClassLoader(),
                new Class<?>[] {UncheckedKernels.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "name" -> "recording";
                    case "threads" -> 3;
                    case "toString" -> "recording backend";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> {
                        calls.add(new Call(m.getName(), args));
                        yield m.getReturnType() == float.class ? RESULT : null;
                    }
                });
    }

    /** The backend's kernels: every method of {@link UncheckedKernels} but name and threads. */
    private static List<Method> kernels() {
        return Arrays.stream(UncheckedKernels.class.getMethods())
                .filter(m -> !m.getName().equals("name") && !m.getName().equals("threads"))
                .toList();
    }

    /** The front's method with the signature of the backend's {@code m}. */
    private static Method front(Method m) throws NoSuchMethodException {
        return Kernels.class.getMethod(m.getName(), m.getParameterTypes());
    }

    /**
     * Valid arguments for any kernel: every matrix 1x1 in its own memory (so shapes agree whatever the
     * kernel asks, a row or a column included, and nothing overlaps), labels and indices {0}, Trans.N, 2 for
     * every int (an optimizer's step counts from 1; a running update's count is at least 2), a geometry of one
     * 1x1 pixel of one channel with a 1x1 kernel or window (its images are 1x1 matrices), an attention shape of one
     * token of one head of size 1 (its operands are 1x1 matrices), and 0.5 for every float
     * (finite, in [0, 1), positive: valid for every scalar check) but the ones that must be 0 or 1 (the last
     * float of the backward kernels that accumulate parameter gradients, beta), which are 1.
     */
    private static Object[] validArguments(Method m, Arena arena) {
        Class<?>[] types = m.getParameterTypes();
        Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            args[i] = value(types[i], arena);
            if (types[i] == float.class && i == types.length - 1 && ACCUMULATING.contains(m.getName())) {
                args[i] = 1f;
            }
        }
        return args;
    }

    private static Object value(Class<?> type, Arena arena) {
        if (type == Matrix.class) {
            return Matrix.allocate(arena, 1, 1);
        } else if (type == float.class) {
            return 0.5f;
        } else if (type == int.class) {
            return 2;
        } else if (type == boolean.class) {
            return false;
        } else if (type == int[].class) {
            return new int[] {0};
        } else if (type == Trans.class) {
            return Trans.N;
        } else if (type == Conv2d.class) {
            return Conv2d.of(1, 1, 1, 1, 1, 1, 0);
        } else if (type == Pool2d.class) {
            return Pool2d.of(1, 1, 1, 1, 1, 0);
        } else if (type == SelfAttention.class) {
            return new SelfAttention(1, 1, 1, 1);
        }
        throw new AssertionError("no valid value for a kernel argument of type " + type);
    }

    /** Calls the front's method, unwrapping what it throws. */
    private static Object invoke(Kernels k, Method m, Object[] args) throws Throwable {
        try {
            return front(m).invoke(k, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Test
    void theFrontHasExactlyTheBackendsMethods() throws NoSuchMethodException {
        Set<String> front = new TreeSet<>();
        for (Method m : Kernels.class.getDeclaredMethods()) {
            if (Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()) && !m.getName().equals("toString")) {
                front.add(m.getName() + Arrays.toString(m.getParameterTypes()));
            }
        }
        Set<String> backend = new TreeSet<>();
        for (Method m : UncheckedKernels.class.getMethods()) {
            backend.add(m.getName() + Arrays.toString(m.getParameterTypes()));
            assertEquals(m.getReturnType(), front(m).getReturnType(), m.getName());
        }
        assertEquals(backend, front);
    }

    @TestFactory
    Stream<DynamicTest> aValidCallReachesTheBackendOnceWithTheSameArguments() {
        return kernels().stream().map(m -> DynamicTest.dynamicTest(m.getName(), () -> {
            List<Call> calls = new ArrayList<>();
            Kernels k = Kernels.of(recording(calls));
            try (Arena arena = Arena.ofConfined()) {
                Object[] args = validArguments(m, arena);
                Object result = invoke(k, m, args);
                assertEquals(1, calls.size(), () -> "backend calls: " + calls.stream().map(Call::method).toList());
                assertEquals(m.getName(), calls.getFirst().method());
                Object[] passed = calls.getFirst().args();
                for (int i = 0; i < args.length; i++) {
                    if (m.getParameterTypes()[i].isPrimitive()) {
                        assertEquals(args[i], passed[i], "argument " + i);
                    } else {
                        assertSame(args[i], passed[i], "argument " + i);
                    }
                }
                if (m.getReturnType() == float.class) {
                    assertEquals(RESULT, (float) result);
                }
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> aNullArgumentNeverReachesTheBackend() {
        return kernels().stream().flatMap(m -> {
            Class<?>[] types = m.getParameterTypes();
            List<DynamicTest> tests = new ArrayList<>();
            for (int i = 0; i < types.length; i++) {
                if (types[i].isPrimitive()) {
                    continue;
                }
                int bad = i;
                tests.add(DynamicTest.dynamicTest(m.getName() + ", argument " + i + " null", () -> {
                    List<Call> calls = new ArrayList<>();
                    Kernels k = Kernels.of(recording(calls));
                    try (Arena arena = Arena.ofConfined()) {
                        Object[] args = validArguments(m, arena);
                        args[bad] = null;
                        Throwable t = assertThrows(NullPointerException.class, () -> invoke(k, m, args));
                        assertTrue(t.getMessage() != null && t.getMessage().matches("\\w+ is null"), t::getMessage);
                        assertEquals(List.of(), calls);
                    }
                }));
            }
            return tests.stream();
        });
    }

    @TestFactory
    Stream<DynamicTest> closedMemoryNeverReachesTheBackend() {
        return kernels().stream().flatMap(m -> {
            Class<?>[] types = m.getParameterTypes();
            List<DynamicTest> tests = new ArrayList<>();
            for (int i = 0; i < types.length; i++) {
                if (types[i] != Matrix.class) {
                    continue;
                }
                int bad = i;
                tests.add(DynamicTest.dynamicTest(m.getName() + ", argument " + i + " closed", () -> {
                    List<Call> calls = new ArrayList<>();
                    Kernels k = Kernels.of(recording(calls));
                    try (Arena arena = Arena.ofConfined()) {
                        Object[] args = validArguments(m, arena);
                        Matrix closed = Matrix.allocate(1, 1);
                        closed.close();
                        args[bad] = closed;
                        Throwable t = assertThrows(IllegalStateException.class, () -> invoke(k, m, args));
                        assertTrue(t.getMessage().contains("(1x1) uses memory that has been closed"), t::getMessage);
                        assertEquals(List.of(), calls);
                    }
                }));
            }
            return tests.stream();
        });
    }

    @Test
    void nameAndThreadsAreTheBackends() {
        Kernels k = Kernels.of(recording(new ArrayList<>()));
        assertEquals("recording", k.name());
        assertEquals(3, k.threads());
        assertEquals("recording (3 threads)", k.toString());
    }

    @Test
    void aFrontNeedsABackend() {
        Throwable t = assertThrows(NullPointerException.class, () -> Kernels.of(null));
        assertEquals("impl is null", t.getMessage());
    }
}
