package dev.myelin.trainer;

import dev.myelin.core.Kernels;
import dev.myelin.core.UncheckedKernels;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;
import java.util.TreeMap;

/** Kernels that count every call by kernel name and pass it on to real kernels (a test double; it allocates). */
final class CountingKernels {

    final Map<String, Integer> calls = new TreeMap<>();
    final Kernels kernels;

    CountingKernels(Kernels inner) {
        UncheckedKernels counting = (UncheckedKernels) Proxy.newProxyInstance(UncheckedKernels.class.getClassLoader(),
                new Class<?>[] {UncheckedKernels.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.invoke(this, args);
                    }
                    calls.merge(method.getName(), 1, Integer::sum);
                    Method target = Kernels.class.getMethod(method.getName(), method.getParameterTypes());
                    try {
                        return target.invoke(inner, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        kernels = Kernels.of(counting);
    }

    int count(String kernel) {
        return calls.getOrDefault(kernel, 0);
    }
}
