package io.ipcq.perf.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * Where and how the run happened, for the report header.
 */
final class Environment
{
    final String date;
    final String jdk;
    final String os;
    final String cpu;
    final int cpus;
    final boolean pinned;
    final String pinning;
    final String loadAtStart;
    final String mode;
    /** What one System.nanoTime() costs here: every rtt sample includes about one. */
    final double nanoTimeCostNs;
    String loadAtEnd;
    Map<String, String> clockOffsets;
    double seconds;

    private Environment(final boolean pinned, final BenchMain.Options options)
    {
        this.date = OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
        this.jdk = System.getProperty("java.vm.vendor") + " " + System.getProperty("java.vm.name") + " " +
            System.getProperty("java.runtime.version") + " (" + System.getProperty("java.home") + ")";
        this.os = System.getProperty("os.name") + " " + System.getProperty("os.version") + " " +
            System.getProperty("os.arch");
        this.cpu = cpuModel();
        this.cpus = Runtime.getRuntime().availableProcessors();
        this.pinned = pinned;
        this.pinning = pinned ?
            "yes: cross-process systems run JVM A (producers) under taskset -c 0 and JVM B (consumers) under " +
            "taskset -c 1; in-process systems pin producer threads to cpu 0 and consumer threads to cpu 1 " +
            "(taskset -p on the thread id)" :
            "no: taskset unavailable, fewer than 2 cpus, or --no-pin";
        this.loadAtStart = loadAverage();
        this.mode = options.quick ? "quick" : "full";
        this.nanoTimeCostNs = nanoTimeCost();
    }

    private static double nanoTimeCost()
    {
        double best = Double.MAX_VALUE;
        long sink = 0;
        for (int r = 0; r < 5; r++)
        {
            final long t0 = System.nanoTime();
            for (int i = 0; i < 200_000; i++)
            {
                sink += System.nanoTime();
            }
            best = Math.min(best, (System.nanoTime() - t0) / 200_000.0);
        }
        return sink == 42 ? best + 1e-9 : best;
    }

    static Environment capture(final boolean pinned, final BenchMain.Options options)
    {
        return new Environment(pinned, options);
    }

    void finish(final Map<String, String> clockOffsets, final double seconds)
    {
        this.clockOffsets = clockOffsets;
        this.seconds = seconds;
        this.loadAtEnd = loadAverage();
    }

    private static String cpuModel()
    {
        try
        {
            final List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            for (final String line : lines)
            {
                if (line.startsWith("model name"))
                {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        }
        catch (final IOException | RuntimeException ignore)
        {
            // not Linux
        }
        return System.getProperty("os.arch");
    }

    private static String loadAverage()
    {
        try
        {
            final String[] words = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
            return words[0] + " " + words[1] + " " + words[2];
        }
        catch (final IOException | RuntimeException ignore)
        {
            return "n/a";
        }
    }
}
