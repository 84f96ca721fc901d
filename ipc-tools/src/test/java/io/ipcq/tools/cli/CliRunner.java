package io.ipcq.tools.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Runs the real {@code scripts/ipcq} as a child process, on the JDK that runs the tests. Every child has a time
 * limit and is destroyed (with its descendants) in a finally block, whatever happened.
 */
final class CliRunner
{
    static final Duration TIMEOUT = Duration.ofSeconds(90);
    static final Path ROOT = findRoot();
    static final Path IPCQ = ROOT.resolve("scripts/ipcq");

    /**
     * What a finished child did.
     */
    record Result(List<String> args, int exitCode, String stdout, String stderr)
    {
        List<String> stdoutLines()
        {
            return stdout.isEmpty() ? List.of() : Arrays.asList(stdout.split("\n"));
        }

        @Override
        public String toString()
        {
            return "ipcq " + String.join(" ", args) + " -> exit " + exitCode + "\n--- stdout\n" + stdout +
                "--- stderr\n" + stderr;
        }

        /** Asserts exit 0 and an empty stderr. */
        Result ok()
        {
            assertEquals(0, exitCode, this::toString);
            assertEquals("", stderr, this::toString);
            return this;
        }

        /**
         * Asserts the error contract: the exit code, exactly one line on stderr that starts with "ipcq: " and
         * contains every fragment, no stack trace, nothing on stdout.
         */
        Result fails(final int expectedExit, final String... fragments)
        {
            assertEquals(expectedExit, exitCode, this::toString);
            final String[] lines = stderr.split("\n");
            assertEquals(1, lines.length, () -> "one line on stderr: " + this);
            assertTrue(lines[0].startsWith("ipcq: "), this::toString);
            for (final String fragment : fragments)
            {
                assertTrue(lines[0].contains(fragment), () -> "'" + fragment + "' in: " + this);
            }
            assertNoStackTrace(this);
            assertEquals("", stdout, this::toString);
            return this;
        }
    }

    private CliRunner()
    {
    }

    static Result run(final String... args)
    {
        return run(null, TIMEOUT, args);
    }

    static Result runWithInput(final String stdin, final String... args)
    {
        return run(stdin, TIMEOUT, args);
    }

    static Result run(final String stdin, final Duration timeout, final String... args)
    {
        final Process process = start(args);
        try
        {
            final Drain out = new Drain(process.getInputStream());
            final Drain err = new Drain(process.getErrorStream());
            try (OutputStream in = process.getOutputStream())
            {
                if (stdin != null)
                {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            {
                fail("ipcq " + String.join(" ", args) + " did not finish within " + timeout + "; stdout so far:\n" +
                    out.text() + "\nstderr so far:\n" + err.text());
            }
            out.await();
            err.await();
            return new Result(List.of(args), process.exitValue(), out.text(), err.text());
        }
        catch (final IOException ex)
        {
            throw new AssertionError("cannot talk to ipcq " + String.join(" ", args), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        }
        finally
        {
            destroy(process);
        }
    }

    /**
     * A child still running, whose output is collected as it comes.
     */
    static final class Running implements AutoCloseable
    {
        final Process process;
        final Drain out;
        final Drain err;
        final List<String> args;

        Running(final String... args)
        {
            this.args = List.of(args);
            this.process = start(args);
            this.out = new Drain(process.getInputStream());
            this.err = new Drain(process.getErrorStream());
        }

        /**
         * Waits (up to {@link #TIMEOUT}) until stdout satisfies the condition.
         */
        String awaitStdout(final Predicate<String> condition, final String what) throws InterruptedException
        {
            final long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() - deadline < 0)
            {
                final String text = out.text();
                if (condition.test(text))
                {
                    return text;
                }
                if (!process.isAlive())
                {
                    out.await();
                    err.await();
                    fail("ipcq " + String.join(" ", args) + " ended (exit " + process.exitValue() + ") before " +
                        what + "; stdout:\n" + out.text() + "\nstderr:\n" + err.text());
                }
                Thread.sleep(20);
            }
            fail("no " + what + " from ipcq " + String.join(" ", args) + " within " + TIMEOUT + "; stdout:\n" +
                out.text() + "\nstderr:\n" + err.text());
            return null;
        }

        /** SIGTERM, then waits for the exit. */
        int terminate() throws InterruptedException
        {
            process.destroy();
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
            {
                fail("ipcq " + String.join(" ", args) + " did not stop on SIGTERM");
            }
            out.await();
            err.await();
            return process.exitValue();
        }

        /** SIGKILL: a consumer dying at once, with no chance to clean up. */
        void kill() throws InterruptedException
        {
            process.destroyForcibly();
            if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
            {
                fail("ipcq " + String.join(" ", args) + " survived SIGKILL");
            }
        }

        @Override
        public void close()
        {
            destroy(process);
        }
    }

    static void assertNoStackTrace(final Result result)
    {
        for (final String line : (result.stdout() + "\n" + result.stderr()).split("\n"))
        {
            assertFalse(line.startsWith("\tat ") || line.strip().startsWith("at java.") ||
                line.strip().startsWith("at io.ipcq.") || line.startsWith("Exception in thread") ||
                line.startsWith("Caused by:"), () -> "stack trace in: " + result);
        }
    }

    private static Process start(final String... args)
    {
        final List<String> command = new ArrayList<>();
        command.add(IPCQ.toString());
        command.addAll(List.of(args));
        final ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile());
        // The command runs on the JDK that runs the tests (17 or 25), whatever is on the PATH.
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        try
        {
            return builder.start();
        }
        catch (final IOException ex)
        {
            throw new AssertionError("cannot start " + IPCQ, ex);
        }
    }

    static void destroy(final Process process)
    {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try
        {
            process.waitFor(10, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private static Path findRoot()
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("scripts/ipcq")))
        {
            dir = dir.getParent();
        }
        if (dir == null)
        {
            throw new IllegalStateException("scripts/ipcq not found above " + Path.of("").toAbsolutePath());
        }
        return dir;
    }

    /**
     * Collects a stream on its own thread, so a child never blocks on a full pipe.
     */
    static final class Drain extends Thread
    {
        private final InputStream in;
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        Drain(final InputStream in)
        {
            super("ipcq-drain");
            this.in = in;
            setDaemon(true);
            start();
        }

        @Override
        public void run()
        {
            final byte[] chunk = new byte[8192];
            try
            {
                int n;
                while ((n = in.read(chunk)) >= 0)
                {
                    synchronized (bytes)
                    {
                        bytes.write(chunk, 0, n);
                    }
                }
            }
            catch (final IOException ignore)
            {
                // the child is gone
            }
        }

        String text()
        {
            synchronized (bytes)
            {
                return bytes.toString(StandardCharsets.UTF_8);
            }
        }

        /** Waits for the end of the stream, but never for long: a stray grandchild may hold the pipe. */
        void await() throws InterruptedException
        {
            join(TimeUnit.SECONDS.toMillis(10));
        }
    }
}
