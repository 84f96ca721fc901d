package io.ipcq.tools.demo;

import io.ipcq.tools.common.Durations;
import io.ipcq.tools.common.ToolCommands;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code scripts/demo}: kill -9 a consumer holding leases and watch nothing get lost. Exit 0 if every message was
 * acked exactly once, 1 if not or on an error, 2 on a usage error ({@code scripts/demo --help} lists the options).
 */
@Command(name = "demo", sortOptions = false,
    description = "Two JVMs hand off messages through /dev/shm; the consumer is killed with kill -9 while it holds " +
        "leases; the report proves that nothing was lost. Durations: 250ms, 5s, 2m.")
public final class DemoMain implements Callable<Integer>
{
    @Option(names = "--messages", paramLabel = "N", description = "Messages to send (default: 20000).")
    private Integer messages;

    @Option(names = "--kill-after", paramLabel = "N",
        description = "Kill the first consumer after it acked N messages (default: 5000).")
    private Integer killAfter;

    @Option(names = "--window", paramLabel = "N", description = "Leases each consumer holds at once (default: 8).")
    private Integer window;

    @Option(names = "--rate", paramLabel = "N", description = "Acks/s per consumer, 0 = flat out (default: 5000).")
    private Integer rate;

    @Option(names = "--lease-timeout", paramLabel = "D", converter = Durations.class,
        description = "Lease timeout of the demo queue (default: 2s).")
    private Duration leaseTimeout;

    @Option(names = "--verbose", description = "Stack traces on errors.")
    private boolean verbose;

    @Option(names = { "-h", "--help" }, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    private final PrintStream out;
    private final PrintStream err;

    private DemoMain(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    public static void main(final String[] args)
    {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * The whole of {@code main} but the exit, for tests.
     *
     * @param args the command line.
     * @param out  where the report goes.
     * @param err  where errors go.
     * @return the exit code.
     */
    public static int run(final String[] args, final PrintStream out, final PrintStream err)
    {
        return ToolCommands.execute(new DemoMain(out, err), args, out, err);
    }

    @Override
    public Integer call()
    {
        final CrashDemo demo = new CrashDemo();
        try
        {
            if (messages != null)
            {
                demo.withMessages(messages);
            }
            if (killAfter != null)
            {
                demo.withKillAfter(killAfter);
            }
            if (window != null)
            {
                demo.withWindow(window);
            }
            if (rate != null)
            {
                demo.withRate(rate);
            }
            if (leaseTimeout != null)
            {
                demo.withLeaseTimeout(leaseTimeout);
            }
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
            Thread.currentThread().interrupt();
            err.println("ipcq demo: interrupted");
            return 1;
        }
    }
}
