package io.ipcq.tools.chaos;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code scripts/chaos}: the chaos soak (see {@link ChaosSoak}). Options: {@code --duration D} (default 10m),
 * {@code --quick} (about a minute, dozens of kills), {@code --producers P}, {@code --consumers C}, {@code --seed S},
 * {@code --rate N} (messages/s per producer), {@code --interval D} (mean time between kills/stops),
 * {@code --heartbeat-timeout D}, {@code --lease-timeout D}, {@code --queue PATH}, {@code --work-dir DIR},
 * {@code --keep}, {@code --crash-points} (30% of the child JVMs started halt at a random step of the protocol, via
 * the test-only crash points), {@code --verbose}. Durations: {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}.
 * Exit 0 if every check passed, 1 if not or on an error, 2 on a usage error.
 */
public final class ChaosMain
{
    static final Duration QUICK_DURATION = Duration.ofSeconds(45);
    static final Duration QUICK_INTERVAL = Duration.ofMillis(700);
    /** With --crash-points, the share of child incarnations armed. */
    static final double CRASH_SHARE = 0.3;

    private static final String USAGE = "usage: chaos [--duration D | --quick] [--producers P] [--consumers C] " +
        "[--seed S] [--rate N] [--interval D] [--heartbeat-timeout D] [--lease-timeout D] [--queue PATH] " +
        "[--work-dir DIR] [--keep] [--crash-points] [--verbose]";

    private ChaosMain()
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
        final ChaosSoak soak = new ChaosSoak();
        boolean verbose = false;
        try
        {
            for (int i = 0; i < args.length; i++)
            {
                final String option = args[i];
                switch (option)
                {
                    case "--duration" -> soak.withDuration(duration(option, value(option, args, ++i)));
                    case "--quick" -> soak.withDuration(QUICK_DURATION).withInterval(QUICK_INTERVAL);
                    case "--producers" -> soak.withProducers(intValue(option, args, ++i));
                    case "--consumers" -> soak.withConsumers(intValue(option, args, ++i));
                    case "--seed" -> soak.withSeed(longValue(option, args, ++i));
                    case "--rate" -> soak.withRate(intValue(option, args, ++i));
                    case "--interval" -> soak.withInterval(duration(option, value(option, args, ++i)));
                    case "--heartbeat-timeout" -> soak.withHeartbeatTimeout(duration(option, value(option, args, ++i)));
                    case "--lease-timeout" -> soak.withLeaseTimeout(duration(option, value(option, args, ++i)));
                    case "--queue" -> soak.withQueuePath(Path.of(value(option, args, ++i)));
                    case "--work-dir" -> soak.withWorkParent(Path.of(value(option, args, ++i)));
                    case "--keep" -> soak.withKeep(true);
                    case "--crash-points" -> soak.withCrashPoints(CRASH_SHARE);
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
            err.println("ipcq chaos: " + ex.getMessage());
            err.println(USAGE);
            return 2;
        }
        try
        {
            return soak.run(out).ok() ? 0 : 1;
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("ipcq chaos: " + ex.getMessage());
            return 2;
        }
        catch (final IOException | RuntimeException ex)
        {
            err.println("ipcq chaos: " + ex);
            if (verbose)
            {
                ex.printStackTrace(err);
            }
            return 1;
        }
        catch (final InterruptedException ex)
        {
            err.println("ipcq chaos: interrupted");
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
        return Math.toIntExact(longValue(option, args, index));
    }

    private static long longValue(final String option, final String[] args, final int index)
    {
        final String text = value(option, args, index).replace("_", "").replace(",", "");
        try
        {
            return Long.parseLong(text);
        }
        catch (final NumberFormatException | ArithmeticException ex)
        {
            throw new IllegalArgumentException(option + ": not a number: " + args[index]);
        }
    }

    /**
     * @param text a duration as {@code 250ms}, {@code 5s}, {@code 1.5s}, {@code 2m} or {@code 1h}.
     */
    static Duration duration(final String option, final String text)
    {
        final String lower = text.toLowerCase(Locale.ROOT).trim();
        final String[][] units = { { "ms", "1" }, { "s", "1000" }, { "m", "60000" }, { "h", "3600000" } };
        for (final String[] unit : units)
        {
            if (lower.endsWith(unit[0]))
            {
                try
                {
                    final double value = Double.parseDouble(lower.substring(0, lower.length() - unit[0].length()));
                    if (value >= 0 && !Double.isInfinite(value))
                    {
                        return Duration.ofMillis(Math.round(value * Long.parseLong(unit[1])));
                    }
                }
                catch (final NumberFormatException ex)
                {
                    // try the next unit, then fail below
                }
            }
        }
        throw new IllegalArgumentException(option + ": not a duration (250ms, 5s, 2m, 1h): " + text);
    }
}
