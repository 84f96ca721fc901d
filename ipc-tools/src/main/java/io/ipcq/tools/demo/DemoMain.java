package io.ipcq.tools.demo;

import io.ipcq.tools.common.Durations;
import io.ipcq.tools.common.ToolCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;

/**
 * {@code scripts/demo}: kill -9 a consumer holding leases and watch nothing get lost. Exit 0 if every message was
 * acked exactly once, 1 if not or on an error, 2 on a usage error ({@code scripts/demo --help} lists the options).
 */
@Command(name = "demo", sortOptions = false,
    description = "Two JVMs hand off messages through /dev/shm; the consumer is killed with kill -9 while it holds " +
        "leases; the report proves that nothing was lost. Durations: 250ms, 5s, 2m.")
public final class DemoMain extends ToolCommand
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

    private DemoMain(final PrintStream out, final PrintStream err)
    {
        super(out, err);
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
        return new DemoMain(out, err).execute(args);
    }

    @Override
    protected int work() throws IOException, InterruptedException
    {
        final CrashDemo demo = new CrashDemo();
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
}
