package dev.myelin.trainer.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A fresh JVM on this test's class path (with the Vector API module), for checks across launches. */
public final class ChildJvm {

    private ChildJvm() {
    }

    /** Starts {@code main} with {@code jvmArgs} and {@code args}; stdout and stderr merged. */
    public static Process start(Class<?> main, List<String> jvmArgs, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--add-modules=jdk.incubator.vector");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** Waits for a process started by {@link #start}, asserts it exited with 0, and returns its output. */
    public static String output(Process p, String name) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), name + " did not finish");
        assertEquals(0, p.exitValue(), name + " failed:\n" + out);
        return out;
    }
}
