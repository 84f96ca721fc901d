package io.ipcq.tools.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code scripts/demo}: kill -9 a consumer holding leases and watch nothing get lost. Options:
 * {@code --messages N}, {@code --kill-after N}, {@code --window N}, {@code --rate N} (acks/s per consumer, 0 = flat
 * out), {@code --lease-timeout D} (250ms, 2s, 1m), {@code --verbose}. Exit 0 if every message was acked exactly once,
 * 1 if not or on an error, 2 on a usage error.
 */
public final class DemoMain
{
    private static final String USAGE = "usage: demo [--messages N] [--kill-after N] [--window N] [--rate N] " +
        "[--lease-timeout D] [--verbose]";

    private DemoMain()
    {
    }

    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * The whole of {@code main} but the exit, for tests.
     *
     * @return the exit code.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        final CrashDemo demo = new CrashDemo();
        boolean verbose = false;
        try
        {
            for (int i = 0; i < args.length; i++)
            {
                final String option = args[i];
                switch (option)
                {
                    case "--messages" -> demo.withMessages(intValue(option, args, ++i));
                    case "--kill-after" -> demo.withKillAfter(intValue(option, args, ++i));
                    case "--window" -> demo.withWindow(intValue(option, args, ++i));
                    case "--rate" -> demo.withRate(intValue(option, args, ++i));
                    case "--lease-timeout" -> demo.withLeaseTimeout(duration(option, value(option, args, ++i)));
                    case "--verbose" -> verbose = true;
                    case "-h", "--help" ->
                    {
                        out.println(USAGE);
                        return 0;
                    }
                    default -> throw new IllegalArgumentException("unknown option " + option);
                }
            }
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("ipcq demo: " + ex.getMessage());
            err.println(USAGE);
            return 2;
        }
        try
        {
            return demo.run(out);
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("ipcq demo: " + ex.getMessage());
            return 2;
        }
        catch (final IOException | RuntimeException ex)
        {
            err.println("ipcq demo: " + ex.getMessage());
            if (verbose)
            {
                ex.printStackTrace(err);
            }
            return 1;
        }
        catch (final InterruptedException ex)
        {
            err.println("ipcq demo: interrupted");
            return 1;
        }
    }

    private static String value(final String option, final String[] args, final int index)
    {
        if (index >= args.length)
        {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[index];
    }

    private static int intValue(final String option, final String[] args, final int index)
    {
        final String text = value(option, args, index).replace("_", "").replace(",", "");
        try
        {
            return Integer.parseInt(text);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(option + ": not a number: " + args[index]);
        }
    }

    /**
     * @param text a duration as {@code 250ms}, {@code 5s} or {@code 2m}.
     */
    static Duration duration(final String option, final String text)
    {
        final String lower = text.toLowerCase(Locale.ROOT);
        try
        {
            if (lower.endsWith("ms"))
            {
                return Duration.ofMillis(Long.parseLong(lower.substring(0, lower.length() - 2)));
            }
            if (lower.endsWith("s"))
            {
                return Duration.ofSeconds(Long.parseLong(lower.substring(0, lower.length() - 1)));
            }
            if (lower.endsWith("m"))
            {
                return Duration.ofMinutes(Long.parseLong(lower.substring(0, lower.length() - 1)));
            }
        }
        catch (final NumberFormatException ex)
        {
            // fall through to the error below
        }
        throw new IllegalArgumentException(option + ": not a duration (250ms, 5s, 2m): " + text);
    }
}
