package io.ipcq;

import io.ipcq.child.JavaCommand;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The futex implementation (the JDK 22 classes of the multi-release jar, {@code META-INF/versions/22}) under the
 * same scenarios as {@link WakeupTest}, in child JVMs on a JDK 22+ (the one the build compiled them with, or
 * JAVA_HOME's), with those classes first on the class path; and one wake across processes: a futex sleeper in one
 * child woken by a send from another. Skipped only when the machine has no JDK 22+.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FutexWakeupTest
{
    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void scenariosOnTheFutex() throws Exception
    {
        final Path dir = queues.newPath().getParent();
        final Result result = run(List.of("scenarios", dir.toString()));
        assertEquals(0, result.status, result.output);
        assertTrue(result.output.contains("PASSED"), result.output);
    }

    @Test
    void aFutexSleeperIsWokenByAnotherProcess() throws Exception
    {
        final Path path = queues.newPath();
        try (IpcQueue queue = IpcQueue.create(path, WakeupScenarios.config(16)))
        {
            final Process sleeper = start(List.of("sleep", path.toString()));
            try
            {
                WakeupScenarios.awaitTrue(() -> queue.waits().registeredRows(0, false) == 1 || !sleeper.isAlive(),
                    "the child consumer registered");
                if (!sleeper.isAlive())
                {
                    fail("sleeper exited early: " + output(sleeper));
                }
                final Result sender = run(List.of("send", path.toString()));
                assertEquals(0, sender.status, sender.output);
                assertTrue(sender.output.contains("WAKE_CALLS 1"), sender.output);
                assertTrue(sleeper.waitFor(30, TimeUnit.SECONDS), "sleeper not woken");
                final String out = output(sleeper);
                assertEquals(0, sleeper.exitValue(), out);
                assertTrue(out.contains("WOKE hello"), out);
            }
            finally
            {
                sleeper.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            assertEquals(0, queue.waits().sleepers(0, false));
        }
    }

    // ---------------------------------------------------------------------------------------------------------

    private record Result(int status, String output)
    {
    }

    private static Result run(final List<String> args) throws Exception
    {
        final Process process = start(args);
        try
        {
            assertTrue(process.waitFor(100, TimeUnit.SECONDS), "child did not finish");
            return new Result(process.exitValue(), output(process));
        }
        finally
        {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String output(final Process process) throws IOException
    {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static Process start(final List<String> args) throws IOException
    {
        final Path javaHome = jdk22Home().orElse(null);
        Assumptions.assumeTrue(javaHome != null, "no JDK 22+ on this machine: the futex is not tested");
        final JavaCommand command = JavaCommand.of(WakeupChild.class).java(javaHome.resolve("bin/java").toString());
        if (feature(javaHome) >= 24 && System.getProperty("ipcq.jvm.jdk24.flags") != null &&
            Runtime.version().feature() < 24)
        {
            command.flags(List.of(System.getProperty("ipcq.jvm.jdk24.flags").trim().split("\\s+")));
        }
        return command.classPath(multiReleaseClassPath()).args(args).processBuilder().redirectErrorStream(true).start();
    }

    /** This JVM's class path with the JDK 22 classes of ipc-core first, as a multi-release jar would pick them. */
    private static String multiReleaseClassPath()
    {
        final List<String> entries = new ArrayList<>();
        for (final String entry : System.getProperty("java.class.path").split(File.pathSeparator))
        {
            final Path versioned = Path.of(entry).resolve("META-INF/versions/22");
            if (Files.isDirectory(versioned))
            {
                entries.add(0, versioned.toString());
            }
            entries.add(entry);
        }
        assertTrue(entries.stream().anyMatch(e -> e.endsWith("versions/22")),
            "no META-INF/versions/22 on the class path: the build did not compile src/main/java22");
        return String.join(File.pathSeparator, entries);
    }

    private static Optional<Path> jdk22Home()
    {
        final List<String> candidates = new ArrayList<>();
        candidates.add(System.getProperty("ipcq.jdk22.home"));
        candidates.add(System.getenv("JAVA_HOME"));
        candidates.add(System.getProperty("java.home"));
        for (final String candidate : candidates)
        {
            if (candidate != null && !candidate.isBlank())
            {
                final Path home = Path.of(candidate);
                if (Files.isExecutable(home.resolve("bin/java")) && feature(home) >= 22)
                {
                    return Optional.of(home);
                }
            }
        }
        return Optional.empty();
    }

    private static int feature(final Path javaHome)
    {
        try
        {
            for (final String line : Files.readAllLines(javaHome.resolve("release")))
            {
                if (line.startsWith("JAVA_VERSION=\""))
                {
                    final String version = line.substring("JAVA_VERSION=\"".length());
                    final int end = version.indexOf('.') < 0 ? version.indexOf('"') : version.indexOf('.');
                    return Integer.parseInt(version.substring(0, end));
                }
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // unknown: not used
        }
        return 0;
    }
}
