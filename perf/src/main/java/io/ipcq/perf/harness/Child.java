package io.ipcq.perf.harness;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator's handle on one worker JVM: its process, a line protocol over its stdin and stdout, and its
 * stderr in a log file.
 */
final class Child
{
    final SystemKind system;
    final int side;
    final Path log;
    private final Process process;
    private final BufferedWriter stdin;
    private final BlockingQueue<String> replies = new ArrayBlockingQueue<>(64);

    Child(final SystemKind system, final int side, final List<String> command, final Path log) throws IOException
    {
        this.system = system;
        this.side = side;
        this.log = log;
        this.process = new ProcessBuilder(command)
            .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
        this.stdin = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        final Thread reader = new Thread(this::readReplies, "reader-" + name());
        reader.setDaemon(true);
        reader.start();
    }

    String name()
    {
        return system.id + (system.crossProcess ? (side == 0 ? "-A" : "-B") : "");
    }

    long pid()
    {
        return process.pid();
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    private void readReplies()
    {
        try (BufferedReader out = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = out.readLine()) != null)
            {
                if (line.startsWith(Worker.PROTOCOL))
                {
                    replies.put(line.substring(Worker.PROTOCOL.length()));
                }
            }
        }
        catch (final IOException | InterruptedException ignore)
        {
            // the process is gone
        }
    }

    /**
     * Waits for the next reply.
     *
     * @return the reply without the protocol prefix.
     * @throws IllegalStateException on an error reply, a timeout or a dead process.
     */
    String await(final long timeoutMs)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try
        {
            while (true)
            {
                final String reply = replies.poll(100, TimeUnit.MILLISECONDS);
                if (reply != null)
                {
                    if (reply.startsWith("error"))
                    {
                        throw new IllegalStateException(name() + ": " + reply + " (log: " + log + ")");
                    }
                    return reply;
                }
                if (!process.isAlive())
                {
                    throw new IllegalStateException(name() + " exited with " + process.exitValue() + " (log: " +
                        log + ")");
                }
                if (System.nanoTime() - deadline > 0)
                {
                    throw new IllegalStateException(name() + " did not answer in " + timeoutMs + " ms (log: " +
                        log + ")");
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    void send(final String command)
    {
        try
        {
            stdin.write(command);
            stdin.newLine();
            stdin.flush();
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(name() + " does not take commands: " + ex.getMessage() + " (log: " + log +
                ")", ex);
        }
    }

    String call(final String command, final long timeoutMs)
    {
        send(command);
        return await(timeoutMs);
    }

    /**
     * Asks it to leave, then ends it by force if it has not within the grace period.
     */
    void stop(final long graceMs)
    {
        if (!process.isAlive())
        {
            return;
        }
        try
        {
            send("exit");
        }
        catch (final RuntimeException ignore)
        {
            // already closing
        }
        try
        {
            if (!process.waitFor(graceMs, TimeUnit.MILLISECONDS))
            {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    void kill()
    {
        process.destroyForcibly();
    }
}
