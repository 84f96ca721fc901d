package io.ipcq.perf.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * CPU pinning with taskset: whole JVMs at launch ({@code taskset -c N java ...}), and single threads of an
 * in-process system by their Linux thread id ({@code taskset -p -c N TID}, the id read from /proc/thread-self).
 */
final class Affinity
{
    private Affinity()
    {
    }

    /**
     * @return true if taskset exists and may place a process on cpu 0 and on cpu 1.
     */
    static boolean available()
    {
        if (Runtime.getRuntime().availableProcessors() < 2)
        {
            return false;
        }
        return run("taskset", "-c", "0", "true") && run("taskset", "-c", "1", "true");
    }

    /**
     * Pins the calling thread.
     *
     * @param cpu the cpu.
     * @return true if it worked.
     */
    static boolean pinCurrentThread(final int cpu)
    {
        try
        {
            // "PID/task/TID"
            final String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
            final String tid = link.substring(link.lastIndexOf('/') + 1);
            return run("taskset", "-p", "-c", Integer.toString(cpu), tid);
        }
        catch (final IOException | RuntimeException ex)
        {
            return false;
        }
    }

    private static boolean run(final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
            if (!process.waitFor(10, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        }
        catch (final IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
