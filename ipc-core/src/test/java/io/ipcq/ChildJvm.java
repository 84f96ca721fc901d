package io.ipcq;

import io.ipcq.child.JavaCommand;
import io.ipcq.internal.CrashPoint;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@link CrashChild} JVM: same java, same JVM flags and class path as this one (minus debugger agents), plus a
 * crash point and flags that make a short-lived JVM start fast. Collects its stdout lines and its stderr; the caller
 * must close it (destroyForcibly, in a finally), so no child outlives a test.
 */
final class ChildJvm implements AutoCloseable
{
    private static final List<String> FAST_START = List.of(
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx96m", "-XX:-UsePerfData", "-Xshare:auto");

    private final Process process;
    private final OutputStream stdin;
    private final List<String> lines = new ArrayList<>();
    private final StringBuilder log = new StringBuilder();
    private final List<String> command;

    private ChildJvm(final Process process, final List<String> command)
    {
        this.process = process;
        this.command = command;
        this.stdin = process.getOutputStream();
        pump(process.getInputStream(), true, "crash-child-out-" + process.pid());
        pump(process.getErrorStream(), false, "crash-child-err-" + process.pid());
    }

    /**
     * @param crashAt {@code NAME:N} for {@code -Dipcq.test.crashAt}, or null.
     * @param args    the arguments of {@link CrashChild#main}.
     * @return the started child.
     */
    static ChildJvm start(final String crashAt, final String... args) throws IOException
    {
        final List<String> command = JavaCommand.of(CrashChild.class)
            .flags(FAST_START)
            .property(CrashPoint.PROPERTY, crashAt)
            .args(args)
            .build();
        final Process process = new ProcessBuilder(command).start();
        return new ChildJvm(process, command);
    }

    private void pump(final InputStream stream, final boolean stdout, final String name)
    {
        final Thread thread = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    synchronized (this)
                    {
                        log.append(stdout ? "out: " : "err: ").append(line).append('\n');
                        if (stdout)
                        {
                            lines.add(line);
                        }
                        notifyAll();
                    }
                }
            }
            catch (final IOException ignore)
            {
                // the child is gone
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }

    long pid()
    {
        return process.pid();
    }

    Process process()
    {
        return process;
    }

    /**
     * @return every stdout line so far.
     */
    synchronized List<String> lines()
    {
        return List.copyOf(lines);
    }

    /**
     * @param prefix a line start, e.g. "SENT ".
     * @return the rest of every stdout line so far that starts with it.
     */
    synchronized List<String> linesStartingWith(final String prefix)
    {
        final List<String> found = new ArrayList<>();
        for (final String line : lines)
        {
            if (line.startsWith(prefix))
            {
                found.add(line.substring(prefix.length()));
            }
        }
        return found;
    }

    /**
     * Waits for a stdout line starting with {@code prefix}; gives up early if the child exits or says NOISE/ERROR.
     *
     * @return the rest of the line, or null if it did not come.
     */
    String awaitLine(final String prefix, final Duration timeout) throws InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean exited = false;
        synchronized (this)
        {
            int scanned = 0;
            while (true)
            {
                for (; scanned < lines.size(); scanned++)
                {
                    final String line = lines.get(scanned);
                    if (line.startsWith(prefix))
                    {
                        return line.substring(prefix.length());
                    }
                    if (line.startsWith("NOISE") || line.startsWith("ERROR"))
                    {
                        return null;
                    }
                }
                if (!exited && !process.isAlive())
                {
                    // Give the pump a moment to deliver the last lines of a child that has exited.
                    exited = true;
                    deadline = Math.min(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500));
                }
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    return null;
                }
                wait(Math.max(1, Math.min(50, TimeUnit.NANOSECONDS.toMillis(left))));
            }
        }
    }

    /**
     * @return the exit status, or -1 if the child did not exit within the timeout.
     */
    int awaitExit(final Duration timeout) throws InterruptedException
    {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
        {
            return -1;
        }
        return process.exitValue();
    }

    /**
     * Sends one command line to the child's stdin.
     */
    void command(final String line) throws IOException
    {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /**
     * Sends a signal with the kill command ({@code STOP}, {@code CONT}, ...).
     */
    void signal(final String signal) throws IOException, InterruptedException
    {
        final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
            .redirectErrorStream(true).start();
        final String output = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0)
        {
            throw new IOException("kill -" + signal + " " + process.pid() + " failed: " + output);
        }
    }

    /**
     * @return the command line, stdout and stderr so far, for failure messages and evidence.
     */
    synchronized String log()
    {
        return "command: " + String.join(" ", command) + "\n" + log;
    }

    /**
     * @return true if a stdout line matches.
     */
    synchronized boolean anyLine(final Predicate<String> test)
    {
        return lines.stream().anyMatch(test);
    }

    @Override
    public void close()
    {
        try
        {
            stdin.close();
        }
        catch (final IOException ignore)
        {
            // it may be gone
        }
        if (process.isAlive())
        {
            // A stopped child must be continued to die promptly on some kernels; SIGKILL works on stopped ones
            // anyway, but be explicit.
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
