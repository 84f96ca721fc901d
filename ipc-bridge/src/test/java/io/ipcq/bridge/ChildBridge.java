package io.ipcq.bridge;

import io.ipcq.child.JavaCommand;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts {@link BridgeChild} in its own JVM: the same java and the same JVM flags as this one (the surefire argLine,
 * from the root pom's ipcq.jvm.flags: the one place), the same class path, plus a crash point if asked: ipc-core's
 * test {@link JavaCommand}. The caller closes it in a finally: no child outlives a test.
 */
final class ChildBridge implements AutoCloseable
{
    private final Process process;
    private final StringBuilder log = new StringBuilder();

    private ChildBridge(final Process process)
    {
        this.process = process;
        final Thread pump = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    synchronized (log)
                    {
                        log.append(line).append('\n');
                        log.notifyAll();
                    }
                }
            }
            catch (final IOException ignore)
            {
                // gone
            }
        }, "child-bridge-" + process.pid());
        pump.setDaemon(true);
        pump.start();
    }

    static ChildBridge start(final String crashAt, final String... args) throws IOException
    {
        final List<String> command = JavaCommand.of(BridgeChild.class)
            .flags("-Xmx128m")
            .property(BridgeCrashPoint.PROPERTY, crashAt)
            .args(args)
            .build();
        return new ChildBridge(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /**
     * Waits for READY; fails with the child's output if it exits or says ERROR first.
     */
    void awaitReady(final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        synchronized (log)
        {
            while (!log.toString().contains("READY\n"))
            {
                if (log.toString().contains("ERROR") || !process.isAlive() && !log.toString().contains("READY"))
                {
                    if (!process.isAlive() || log.toString().contains("ERROR"))
                    {
                        throw new AssertionError("bridge child did not get ready: " + log);
                    }
                }
                final long left = deadline - System.currentTimeMillis();
                if (left <= 0)
                {
                    throw new AssertionError("bridge child not ready within " + timeoutMs + " ms: " + log);
                }
                log.wait(Math.min(left, 50));
            }
        }
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    long pid()
    {
        return process.pid();
    }

    /** SIGKILL, and wait for it to be gone. */
    void kill9() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    /** Exit status, or -1 if still running after the timeout. */
    int awaitExit(final long timeoutMs) throws InterruptedException
    {
        return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    }

    /** Closes stdin: the child stops cleanly (drains its window) and exits. */
    int stop(final long timeoutMs) throws InterruptedException
    {
        try
        {
            process.getOutputStream().close();
        }
        catch (final IOException ignore)
        {
            // gone
        }
        return awaitExit(timeoutMs);
    }

    String log()
    {
        synchronized (log)
        {
            return log.toString();
        }
    }

    @Override
    public void close()
    {
        if (process.isAlive())
        {
            process.destroyForcibly();
        }
        try
        {
            process.waitFor(20, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
