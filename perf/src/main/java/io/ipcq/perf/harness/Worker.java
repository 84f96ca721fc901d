package io.ipcq.perf.harness;

import org.HdrHistogram.Histogram;
import org.agrona.IoUtil;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A child JVM of the harness: one side of one system. The coordinator drives it with one command per line on
 * stdin and it answers one line starting with {@code @@ipcqb} on stdout (anything a library prints goes to stderr):
 * <pre>
 *   clock            answer clock probes in the control file until the token -1 (calibration)
 *   setup SCENARIO   open the channels (side A creates them) and start the worker threads
 *   prepare ROUND    per-round channel work (Chronicle: a fresh journal), while the threads are idle
 *   report ROUND     the round's histograms, compressed and base64: "hist INTENDED FROM_SENT"
 *   teardown         join the threads (the coordinator has set phase END) and close the channels
 *   jit              total JIT compilation time so far, ms (warm-up goes on while it grows)
 *   exit             leave
 * </pre>
 * If stdin closes (the coordinator died), the worker deletes the run directory and exits.
 */
public final class Worker
{
    static final String PROTOCOL = "@@ipcqb ";

    private final SystemKind system;
    private final int side;
    private final Control ctl;
    private final Path runDir;
    private final boolean pinThreads;
    private final PrintStream out;
    private Session session;

    private Worker(final SystemKind system, final int side, final Control ctl, final Path runDir,
        final boolean pinThreads, final PrintStream out)
    {
        this.system = system;
        this.side = side;
        this.ctl = ctl;
        this.runDir = runDir;
        this.pinThreads = pinThreads;
        this.out = out;
    }

    public static void main(final String[] args) throws Exception
    {
        final PrintStream protocol = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        System.setOut(System.err);
        SystemKind system = null;
        int side = 0;
        Path ctlPath = null;
        Path runDir = null;
        boolean pinThreads = false;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--system" -> system = SystemKind.byId(args[++i]);
                case "--side" -> side = Integer.parseInt(args[++i]);
                case "--ctl" -> ctlPath = Path.of(args[++i]);
                case "--run-dir" -> runDir = Path.of(args[++i]);
                case "--pin-threads" -> pinThreads = true;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (system == null || ctlPath == null || runDir == null)
        {
            throw new IllegalArgumentException("usage: Worker --system S --side 0|1 --ctl PATH --run-dir DIR");
        }
        final Worker worker = new Worker(system, side, Control.open(ctlPath), runDir, pinThreads, protocol);
        worker.serve();
    }

    private void serve() throws Exception
    {
        reply("ready " + ProcessHandle.current().pid());
        final BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null)
        {
            final String[] words = line.trim().split(" ");
            try
            {
                switch (words[0])
                {
                    case "clock" -> reply(answerClock());
                    case "setup" -> reply(setup(Scenario.byId(words[1])));
                    case "prepare" -> reply(prepare(Long.parseLong(words[1])));
                    case "report" -> reply(report(Long.parseLong(words[1])));
                    case "teardown" -> reply(teardown());
                    case "jit" -> reply("ok " + java.lang.management.ManagementFactory.getCompilationMXBean()
                        .getTotalCompilationTime());
                    case "exit" ->
                    {
                        teardown();
                        reply("bye");
                        return;
                    }
                    default -> reply("error unknown command " + words[0]);
                }
            }
            catch (final Throwable ex)
            {
                ex.printStackTrace();
                reply("error " + (ex.getClass().getSimpleName() + ": " + ex.getMessage()).replace('\n', ' '));
            }
        }
        // The coordinator is gone: nobody else will clean up.
        IoUtil.delete(runDir.toFile(), true);
        Runtime.getRuntime().halt(3);
    }

    private void reply(final String text)
    {
        out.println(PROTOCOL + text);
    }

    private String answerClock()
    {
        long expected = 1;
        final long deadline = System.nanoTime() + 20_000_000_000L;
        while (System.nanoTime() - deadline < 0)
        {
            final long token = ctl.clockRequestVolatile(side);
            if (token == -1)
            {
                return "ok";
            }
            if (token == expected)
            {
                ctl.clockAnswer(side, token, System.nanoTime());
                expected++;
            }
            else
            {
                Thread.onSpinWait();
            }
        }
        return "error clock calibration timed out";
    }

    private String setup(final Scenario scenario)
    {
        if (session != null)
        {
            teardown();
        }
        session = new Session(scenario);
        return "ok " + session.describePinning();
    }

    private String prepare(final long round)
    {
        session.prepare(round);
        return "ok";
    }

    private String report(final long round)
    {
        final Histogram intended = new Histogram(RoleThread.MAX_NS, 3);
        final Histogram fromSent = new Histogram(RoleThread.MAX_NS, 3);
        for (final RoleThread thread : session.threads)
        {
            if (ctl.done(thread.slot) < round)
            {
                return "error thread " + thread.getName() + " has not finished round " + round;
            }
            intended.add(thread.histogram);
            fromSent.add(thread.fromSent);
        }
        return "hist " + encode(intended) + " " + encode(fromSent) + " " + session.describePinning();
    }

    static String encode(final Histogram histogram)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
        final int length = histogram.encodeIntoCompressedByteBuffer(buffer);
        buffer.flip();
        final byte[] bytes = new byte[length];
        buffer.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    private String teardown()
    {
        if (session != null)
        {
            session.close();
            session = null;
        }
        return "ok";
    }

    /**
     * The channels and worker threads of one scenario on this side.
     */
    private final class Session
    {
        private final List<Channel> channels = new ArrayList<>();
        private final List<RoleThread> threads = new ArrayList<>();

        Session(final Scenario scenario)
        {
            final boolean inProcess = !system.crossProcess;
            final boolean producerSide = inProcess || side == 0;
            final boolean consumerSide = inProcess || side == 1;
            final int producerCpu = pinThreads ? 0 : -1;
            final int consumerCpu = pinThreads ? 1 : -1;
            if (scenario.isRtt())
            {
                final Channel ping = open("ping", scenario);
                final Channel pong = open("pong", scenario);
                if (producerSide)
                {
                    threads.add(new RoleThread.Pinger(ctl, scenario, ping, pong, producerCpu));
                }
                if (consumerSide)
                {
                    threads.add(new RoleThread.Ponger(ctl, scenario, ping, pong, consumerCpu));
                }
            }
            else
            {
                final Channel data = open("data", scenario);
                if (producerSide)
                {
                    for (int p = 0; p < scenario.producers; p++)
                    {
                        threads.add(scenario.isWakeup() ?
                            new RoleThread.WakeupProducer(ctl, scenario, data, p, producerCpu) :
                            scenario.isPaced() ?
                            new RoleThread.PacedProducer(ctl, scenario, data, p, producerCpu) :
                            new RoleThread.Producer(ctl, scenario, data, p, producerCpu));
                    }
                }
                if (consumerSide)
                {
                    for (int c = 0; c < scenario.consumers; c++)
                    {
                        threads.add(scenario.isWakeup() ?
                            new RoleThread.WakeupConsumer(ctl, scenario, data, scenario.producers + c, c,
                            consumerCpu) :
                            new RoleThread.Consumer(ctl, scenario, data, scenario.producers + c, c,
                            consumerCpu));
                    }
                }
            }
            for (final RoleThread thread : threads)
            {
                thread.start();
            }
        }

        private Channel open(final String name, final Scenario scenario)
        {
            final Channel channel = system.newChannel(runDir, name, scenario, inProcessSide());
            channels.add(channel);
            return channel;
        }

        private int inProcessSide()
        {
            return system.crossProcess ? side : 0;
        }

        void prepare(final long round)
        {
            for (final Channel channel : channels)
            {
                channel.prepare(round);
            }
        }

        String describePinning()
        {
            final StringBuilder text = new StringBuilder();
            for (final RoleThread thread : threads)
            {
                if (text.length() > 0)
                {
                    text.append(',');
                }
                text.append(thread.getName()).append('=').append(thread.pinning.replace(' ', '_'));
            }
            return text.toString();
        }

        void close()
        {
            for (final RoleThread thread : threads)
            {
                try
                {
                    thread.join(10_000);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
                if (thread.isAlive())
                {
                    throw new IllegalStateException(thread.getName() + " did not stop: is the phase END?");
                }
            }
            for (final Channel channel : channels)
            {
                channel.close();
            }
        }
    }
}
