package io.ipcq.tools.cli;

import java.util.Locale;

/**
 * Number formatting for people.
 */
final class Text
{
    private Text()
    {
    }

    static String bytes(final long bytes)
    {
        if (bytes < 1024)
        {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024)
        {
            return String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024)
        {
            return String.format(Locale.ROOT, "%.1f MiB", bytes / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
    }

    /**
     * @param ms an age or interval in ms (negative: in the future, e.g. a clock skew).
     * @return 850ms, 12.3s, 5m03s, 2h10m.
     */
    static String age(final long ms)
    {
        if (ms < 0)
        {
            return "-" + age(-ms == Long.MIN_VALUE ? Long.MAX_VALUE : -ms);
        }
        if (ms < 1000)
        {
            return ms + "ms";
        }
        if (ms < 60_000)
        {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        if (ms < 3_600_000)
        {
            return String.format(Locale.ROOT, "%dm%02ds", ms / 60_000, (ms / 1000) % 60);
        }
        if (ms < 86_400_000L * 3)
        {
            return String.format(Locale.ROOT, "%dh%02dm", ms / 3_600_000, (ms / 60_000) % 60);
        }
        return (ms / 86_400_000L) + "d";
    }

    static String rate(final double perSecond)
    {
        if (perSecond < 10)
        {
            return String.format(Locale.ROOT, "%.1f", perSecond);
        }
        return String.format(Locale.ROOT, "%.0f", perSecond);
    }
}
