package io.ipcq.tools.chaos;

import io.ipcq.tools.common.Durations;
import io.ipcq.tools.common.ToolCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code scripts/chaos}: the chaos soak (see {@link ChaosSoak}). Exit 0 if every check passed, 1 if not or on an
 * error, 2 on a usage error ({@code scripts/chaos --help} lists the options).
 */
@Command(name = "chaos", sortOptions = false,
    description = "Producer and consumer JVMs share a queue while random ones are killed with kill -9 or stopped " +
        "with SIGSTOP; then the queue is drained and every log checked. Durations: 250ms, 5s, 2m.")
public final class ChaosMain extends ToolCommand
{
    static final Duration QUICK_DURATION = Duration.ofSeconds(45);
    static final Duration QUICK_INTERVAL = Duration.ofMillis(700);
    /** With --crash-points, the share of child incarnations armed. */
    static final double CRASH_SHARE = 0.3;

    @Option(names = "--duration", paramLabel = "D", converter = Durations.class,
        description = "How long to kill and stop processes (default: 10m).")
    private Duration duration;

    @Option(names = "--quick", description = "About a minute, dozens of kills: 45s, a kill or stop every 700ms " +
        "on average (--duration and --interval, if given, win).")
    private boolean quick;

    @Option(names = "--producers", paramLabel = "P", description = "Producer JVMs (default: 3).")
    private Integer producers;

    @Option(names = "--consumers", paramLabel = "C", description = "Consumer JVMs (default: 3).")
    private Integer consumers;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the random kills (default: random).")
    private Long seed;

    @Option(names = "--rate", paramLabel = "N", description = "Messages/s per producer (default: 300).")
    private Integer rate;

    @Option(names = "--interval", paramLabel = "D", converter = Durations.class,
        description = "Mean time between two kills or stops (default: 1s).")
    private Duration interval;

    @Option(names = "--heartbeat-timeout", paramLabel = "D", converter = Durations.class,
        description = "Heartbeat timeout of the queue (default: 1s).")
    private Duration heartbeatTimeout;

    @Option(names = "--lease-timeout", paramLabel = "D", converter = Durations.class,
        description = "Lease timeout of the queue (default: 3s).")
    private Duration leaseTimeout;

    @Option(names = "--queue", paramLabel = "PATH", description = "The queue file (scripts/chaos chooses it).")
    private Path queue;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where logs go (default: a temp dir).")
    private Path workDir;

    @Option(names = "--keep", description = "Keep the logs even if the run passed.")
    private boolean keep;

    @Option(names = "--crash-points", description = "Arm 30% of the child JVMs started with a test-only crash " +
        "point: they halt at a random step of the protocol.")
    private boolean crashPoints;

    private ChaosMain(final PrintStream out, final PrintStream err)
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
        return new ChaosMain(out, err).execute(args);
    }

    @Override
    protected int work() throws IOException, InterruptedException
    {
        final ChaosSoak soak = new ChaosSoak();
        if (quick)
        {
            soak.withDuration(QUICK_DURATION).withInterval(QUICK_INTERVAL);
        }
        if (duration != null)
        {
            soak.withDuration(duration);
        }
        if (interval != null)
        {
            soak.withInterval(interval);
        }
        if (producers != null)
        {
            soak.withProducers(producers);
        }
        if (consumers != null)
        {
            soak.withConsumers(consumers);
        }
        if (seed != null)
        {
            soak.withSeed(seed);
        }
        if (rate != null)
        {
            soak.withRate(rate);
        }
        if (heartbeatTimeout != null)
        {
            soak.withHeartbeatTimeout(heartbeatTimeout);
        }
        if (leaseTimeout != null)
        {
            soak.withLeaseTimeout(leaseTimeout);
        }
        if (queue != null)
        {
            soak.withQueuePath(queue);
        }
        if (workDir != null)
        {
            soak.withWorkParent(workDir);
        }
        soak.withKeep(keep);
        if (crashPoints)
        {
            soak.withCrashPoints(CRASH_SHARE);
        }
        return soak.run(out).ok() ? 0 : 1;
    }

    /** The soak names an unexpected failure with its class (demo prints the message alone). */
    @Override
    protected String describe(final Exception ex)
    {
        return ex.toString();
    }
}
