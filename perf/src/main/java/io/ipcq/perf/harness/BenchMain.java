package io.ipcq.perf.harness;

import org.HdrHistogram.Histogram;
import org.agrona.IoUtil;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;

/**
 * The coordinator of the cross-process benchmark: starts one JVM per side of every system (cross-process systems
 * get two, pinned to cpu 0 and cpu 1 with taskset; in-process ones get one whose producer and consumer threads are
 * pinned the same way), calibrates their clocks against its own, then for each scenario sets every system up, warms
 * each up, and runs the measured rounds interleaved: round r runs every system once, in alternating order, so a
 * ratio between two systems is taken from runs seconds apart. Finally it runs the JMH hot-path benchmarks with the
 * GC profiler and writes latest.json, latest.md and latest.svg.
 * <p>
 * Run it through {@code scripts/bench}, which passes the JVM flags file and cleans up /dev/shm.
 */
public final class BenchMain
{
    static final class Options
    {
        boolean quick;
        int rounds = 20;
        long warmupMs = 1000;
        int maxWarmupRounds = 8;
        long quietJitMs = 20;
        long settleMs = 200;
        long measureMs = 1000;
        long pacedMeasureMs = 2000;
        long depthSampleMs = 10;
        List<SystemKind> systems = new ArrayList<>(Arrays.asList(SystemKind.values()));
        List<Scenario> scenarios = new ArrayList<>(Arrays.asList(Scenario.values()));
        Path out = Path.of("perf/results");
        Path runDir;
        Path logDir = Path.of("perf/target/bench-logs");
        Path flagsFile;
        boolean pin = true;
        boolean jmh = true;
        int jmhWarmups = 3;
        long jmhWarmupMs = 1000;
        int jmhIterations = 5;
        long jmhIterationMs = 1000;

        void quick()
        {
            quick = true;
            rounds = 10;
            warmupMs = 500;
            maxWarmupRounds = 4;
            settleMs = 50;
            measureMs = 200;
            pacedMeasureMs = 300;
            jmhWarmups = 2;
            jmhWarmupMs = 300;
            jmhIterations = 3;
            jmhIterationMs = 300;
        }
    }

    /** One system's control file and JVMs. */
    static final class SystemRun
    {
        final SystemKind kind;
        final Control ctl;
        final List<Child> children = new ArrayList<>();
        String failure;
        long round;

        SystemRun(final SystemKind kind, final Control ctl)
        {
            this.kind = kind;
            this.ctl = ctl;
        }
    }

    /** One system on one scenario, over all its rounds. */
    static final class Row
    {
        final SystemKind system;
        final Scenario scenario;
        final List<RoundResult> rounds = new ArrayList<>();
        final Histogram histogram = new Histogram(RoleThread.MAX_NS, 3);
        final Histogram fromSent = new Histogram(RoleThread.MAX_NS, 3);
        String skipped;
        String failure;
        String pinning = "";

        Row(final SystemKind system, final Scenario scenario)
        {
            this.system = system;
            this.scenario = scenario;
        }

        void add(final RoundResult result)
        {
            rounds.add(result);
            histogram.add(result.histogram());
            fromSent.add(result.fromSent());
        }

        boolean hasData()
        {
            return !rounds.isEmpty();
        }

        double msgsPerSec()
        {
            long messages = 0;
            double seconds = 0;
            for (final RoundResult round : rounds)
            {
                messages += round.messages();
                seconds += round.seconds();
            }
            return seconds == 0 ? 0 : messages / seconds;
        }

        RoundResult round(final long round)
        {
            for (final RoundResult result : rounds)
            {
                if (result.round() == round)
                {
                    return result;
                }
            }
            return null;
        }
    }

    private final Options options;
    private final List<String> jvmFlags;
    private final String java;
    private final Path jar;
    private final List<SystemRun> systems = new ArrayList<>();
    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();
    private final Map<String, String> clockOffsets = new LinkedHashMap<>();
    final Map<String, Integer> warmups = new LinkedHashMap<>();
    private boolean pinned;

    private BenchMain(final Options options, final List<String> jvmFlags) throws URISyntaxException
    {
        this.options = options;
        this.jvmFlags = jvmFlags;
        this.java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        this.jar = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    public static void main(final String[] args) throws Exception
    {
        final Options options = parse(args);
        if (options.flagsFile == null)
        {
            System.err.println("ipcq bench: --jvm-flags-file is required (scripts/bench passes it)");
            System.exit(2);
        }
        final List<String> flags = new ArrayList<>();
        for (final String line : Files.readAllLines(options.flagsFile))
        {
            if (!line.isBlank())
            {
                flags.add(line.trim());
            }
        }
        final BenchMain bench = new BenchMain(options, flags);
        final Thread cleanup = new Thread(bench::cleanUp, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try
        {
            bench.run();
        }
        finally
        {
            bench.cleanUp();
        }
    }

    private static Options parse(final String[] args)
    {
        final Options options = new Options();
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--quick" -> options.quick();
                case "--rounds" -> options.rounds = Integer.parseInt(args[++i]);
                case "--warmup-ms" -> options.warmupMs = Long.parseLong(args[++i]);
                case "--settle-ms" -> options.settleMs = Long.parseLong(args[++i]);
                case "--measure-ms" -> options.measureMs = Long.parseLong(args[++i]);
                case "--paced-measure-ms" -> options.pacedMeasureMs = Long.parseLong(args[++i]);
                case "--systems" ->
                {
                    options.systems.clear();
                    for (final String id : args[++i].split(","))
                    {
                        options.systems.add(SystemKind.byId(id.trim()));
                    }
                }
                case "--scenarios" ->
                {
                    options.scenarios.clear();
                    for (final String id : args[++i].split(","))
                    {
                        options.scenarios.add(Scenario.byId(id.trim()));
                    }
                }
                case "--out" -> options.out = Path.of(args[++i]);
                case "--run-dir" -> options.runDir = Path.of(args[++i]);
                case "--log-dir" -> options.logDir = Path.of(args[++i]);
                case "--jvm-flags-file" -> options.flagsFile = Path.of(args[++i]);
                case "--no-pin" -> options.pin = false;
                case "--no-jmh" -> options.jmh = false;
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (options.runDir == null)
        {
            options.runDir = Path.of("/dev/shm", "ipcq-bench-" + ProcessHandle.current().pid());
        }
        return options;
    }

    private void run() throws Exception
    {
        final long started = System.nanoTime();
        Files.createDirectories(options.runDir);
        Files.createDirectories(options.logDir);
        Files.createDirectories(options.out);
        pinned = options.pin && Affinity.available();
        final Environment environment = Environment.capture(pinned, options);
        log("run dir " + options.runDir + ", logs " + options.logDir + ", " +
            (pinned ? "pinned with taskset" : "NOT pinned") + ", " + (options.quick ? "quick" : "full") + " run");

        final List<Scenario> scenarios = options.scenarios;
        for (final Scenario scenario : scenarios)
        {
            for (final SystemKind kind : options.systems)
            {
                final Row row = new Row(kind, scenario);
                row.skipped = kind.cannotRun(scenario);
                rows.put(key(kind, scenario), row);
            }
        }
        startChildren();
        calibrateClocks();
        for (final Scenario scenario : scenarios)
        {
            runScenario(scenario);
        }
        stopChildren();

        List<JmhRunner.Result> jmh = List.of();
        String jmhFailure = null;
        if (options.jmh)
        {
            log("JMH hot path with -prof gc");
            try
            {
                jmh = JmhRunner.run(options, jvmFlags, options.logDir.resolve("jmh.log"));
            }
            catch (final Exception ex)
            {
                jmhFailure = ex.toString();
                log("JMH failed: " + ex);
            }
        }
        environment.finish(clockOffsets, (System.nanoTime() - started) / 1e9);
        final Report report = new Report(options, environment, new ArrayList<>(rows.values()), jmh, jmhFailure, notes,
            warmups);
        report.write(options.out);
        log("wrote " + options.out.resolve("latest.json") + ", latest.md, latest.svg in " +
            String.format("%.0f s", (System.nanoTime() - started) / 1e9));
        System.out.println();
        System.out.println(report.markdownSummary());
    }

    private static String key(final SystemKind kind, final Scenario scenario)
    {
        return kind.id + "/" + scenario.id;
    }

    static void log(final String text)
    {
        System.err.println("bench: " + text);
    }

    // ---- children -------------------------------------------------------------------------------------------

    private void startChildren() throws IOException
    {
        for (final SystemKind kind : options.systems)
        {
            boolean needed = false;
            for (final Scenario scenario : options.scenarios)
            {
                needed |= kind.cannotRun(scenario) == null;
            }
            if (!needed)
            {
                continue;
            }
            final Path ctlPath = options.runDir.resolve(kind.id + ".ctl");
            final SystemRun run = new SystemRun(kind, Control.create(ctlPath));
            systems.add(run);
            for (int side = 0; side < kind.sides(); side++)
            {
                final List<String> command = new ArrayList<>();
                if (pinned && kind.crossProcess)
                {
                    command.addAll(List.of("taskset", "-c", Integer.toString(side)));
                }
                command.add(java);
                command.addAll(jvmFlags);
                command.addAll(List.of("-cp", jar.toString(), Worker.class.getName(),
                    "--system", kind.id, "--side", Integer.toString(side),
                    "--ctl", ctlPath.toString(), "--run-dir", options.runDir.toString()));
                if (pinned && !kind.crossProcess)
                {
                    command.add("--pin-threads");
                }
                final Path log = options.logDir.resolve(kind.id + "-" + side + ".log");
                Files.deleteIfExists(log);
                run.children.add(new Child(kind, side, command, log));
            }
        }
        for (final SystemRun run : systems)
        {
            for (final Child child : run.children)
            {
                try
                {
                    child.await(180_000);
                }
                catch (final RuntimeException ex)
                {
                    fail(run, "did not start: " + ex.getMessage());
                }
            }
        }
    }

    /**
     * Each child answers probes through its control file; the probe with the shortest round trip gives its
     * nanoTime offset against ours. Cross-process latencies subtract timestamps taken in two JVMs, which is sound
     * only if System.nanoTime is one clock host-wide (CLOCK_MONOTONIC on Linux): this checks that it is.
     */
    private void calibrateClocks()
    {
        for (final SystemRun run : systems)
        {
            if (run.failure != null)
            {
                continue;
            }
            for (final Child child : run.children)
            {
                try
                {
                    child.send("clock");
                    long best = Long.MAX_VALUE;
                    long offset = 0;
                    for (long token = 1; token <= 2000; token++)
                    {
                        final long t0 = System.nanoTime();
                        run.ctl.clockRequest(child.side, token);
                        while (run.ctl.clockAnswerTokenVolatile(child.side) != token)
                        {
                            if (System.nanoTime() - t0 > 5_000_000_000L)
                            {
                                throw new IllegalStateException("no clock answer from " + child.name());
                            }
                            Thread.onSpinWait();
                        }
                        final long t1 = System.nanoTime();
                        if (t1 - t0 < best)
                        {
                            best = t1 - t0;
                            offset = run.ctl.clockAnswerTime(child.side) - (t0 + t1) / 2;
                        }
                    }
                    run.ctl.clockRequest(child.side, -1);
                    child.await(30_000);
                    clockOffsets.put(child.name(), offset + " ns (+/- " + (best + 1) / 2 + " ns)");
                    if (Math.abs(offset) > best + 2_000)
                    {
                        notes.add("clock of " + child.name() + " is " + offset + " ns off ours: one-way latencies " +
                            "across processes are off by about that much");
                    }
                }
                catch (final RuntimeException ex)
                {
                    fail(run, "clock calibration: " + ex.getMessage());
                }
            }
        }
    }

    private void stopChildren()
    {
        for (final SystemRun run : systems)
        {
            for (final Child child : run.children)
            {
                child.stop(10_000);
            }
        }
    }

    private void fail(final SystemRun run, final String reason)
    {
        if (run.failure == null)
        {
            run.failure = reason;
            log(run.kind.id + " FAILED: " + reason);
            notes.add(run.kind.id + " failed: " + reason);
        }
        for (final Child child : run.children)
        {
            child.kill();
        }
    }

    private volatile boolean cleanedUp;

    private synchronized void cleanUp()
    {
        if (cleanedUp)
        {
            return;
        }
        cleanedUp = true;
        for (final SystemRun run : systems)
        {
            for (final Child child : run.children)
            {
                child.kill();
            }
        }
        for (final SystemRun run : systems)
        {
            for (final Child child : run.children)
            {
                for (int i = 0; i < 50 && child.isAlive(); i++)
                {
                    sleep(100);
                }
            }
        }
        IoUtil.delete(options.runDir.toFile(), true);
    }

    // ---- scenarios and rounds ----------------------------------------------------------------------------------

    private void runScenario(final Scenario scenario)
    {
        final List<SystemRun> participants = new ArrayList<>();
        for (final SystemRun run : systems)
        {
            final Row row = rows.get(key(run.kind, scenario));
            if (row.skipped != null)
            {
                continue;
            }
            if (run.failure != null)
            {
                row.failure = run.failure;
                continue;
            }
            try
            {
                run.ctl.resetRows();
                for (final Child child : run.children)
                {
                    child.call("setup " + scenario.id, 120_000);
                }
                participants.add(run);
            }
            catch (final RuntimeException ex)
            {
                fail(run, scenario.id + " setup: " + ex.getMessage());
                row.failure = run.failure;
            }
        }
        // wakeup: about 80 messages a second, so its rounds are longer, to give the percentiles samples.
        final long measureMs = scenario.isPaced() ? options.pacedMeasureMs :
            scenario.isWakeup() ? Math.max(1_000, options.measureMs * 5) : options.measureMs;
        log(scenario.id + ": warm-up rounds of " + options.warmupMs + " ms until the JIT is quiet (at most " +
            options.maxWarmupRounds + ")");
        for (final SystemRun run : participants)
        {
            warmUp(run, scenario);
        }
        log(scenario.id + ": " + options.rounds + " interleaved rounds of " + measureMs + " ms over " +
            participants.size() + " systems");
        for (int r = 1; r <= options.rounds; r++)
        {
            final List<SystemRun> order = new ArrayList<>(participants);
            if (r % 2 == 0)
            {
                Collections.reverse(order);
            }
            for (final SystemRun run : order)
            {
                round(run, scenario, options.settleMs, measureMs, r);
            }
        }
        for (final SystemRun run : participants)
        {
            if (run.failure != null)
            {
                continue;
            }
            run.ctl.state(run.round, Control.PHASE_END);
            try
            {
                for (int i = run.children.size() - 1; i >= 0; i--)
                {
                    run.children.get(i).call("teardown", 60_000);
                }
                // The next scenario's threads must not take this END for theirs.
                run.ctl.state(run.round, Control.PHASE_IDLE);
            }
            catch (final RuntimeException ex)
            {
                fail(run, scenario.id + " teardown: " + ex.getMessage());
            }
        }
    }

    /**
     * The same rule for every system: warm-up rounds (not recorded) until one in which the JIT compiled for less
     * than {@link Options#quietJitMs} in all of the system's JVMs, at least 2 and at most
     * {@link Options#maxWarmupRounds}.
     */
    private void warmUp(final SystemRun run, final Scenario scenario)
    {
        long jitBefore = jitMs(run);
        int rounds = 0;
        while (run.failure == null && rounds < options.maxWarmupRounds)
        {
            round(run, scenario, 0, options.warmupMs, 0);
            rounds++;
            final long jitAfter = jitMs(run);
            final long compiled = jitAfter - jitBefore;
            jitBefore = jitAfter;
            if (rounds >= 2 && compiled < options.quietJitMs)
            {
                break;
            }
        }
        warmups.put(key(run.kind, scenario), rounds);
    }

    private long jitMs(final SystemRun run)
    {
        long total = 0;
        try
        {
            for (final Child child : run.children)
            {
                total += Long.parseLong(child.call("jit", 30_000).substring(3).trim());
            }
        }
        catch (final RuntimeException ex)
        {
            fail(run, "jit query: " + ex.getMessage());
        }
        return total;
    }

    /**
     * One round of one system: RUN for the settle time, MEASURE for the window (depth sampled meanwhile), STOP
     * and wait until everything sent has been received, then collect the histograms.
     *
     * @param index the interleaved round (1..rounds) the result is filed under, or 0 for a warm-up round.
     */
    private void round(
        final SystemRun run, final Scenario scenario, final long settleMs, final long measureMs, final int index)
    {
        final Row row = rows.get(key(run.kind, scenario));
        if (run.failure != null)
        {
            row.failure = run.failure;
            return;
        }
        final Control ctl = run.ctl;
        final int producers = scenario.producers;
        final int threads = scenario.threads();
        final long round = ++run.round;
        try
        {
            for (final Child child : run.children)
            {
                child.call("prepare " + round, 60_000);
            }
            ctl.state(round, Control.PHASE_RUN);
            sleep(settleMs);
            final long received0 = ctl.sumReceived(producers, threads);
            final long full0 = sumFull(ctl, producers);
            final long rejected0 = sumRejected(ctl, producers);
            final long t0 = System.nanoTime();
            ctl.state(round, Control.PHASE_MEASURE);
            final long windowNs = TimeUnit.MILLISECONDS.toNanos(measureMs);
            final int maxSamples = (int)(measureMs / options.depthSampleMs) + 2;
            final long[] depthMs = new long[maxSamples];
            final long[] depth = new long[maxSamples];
            int samples = 0;
            while (true)
            {
                final long remaining = windowNs - (System.nanoTime() - t0);
                if (remaining <= 0)
                {
                    break;
                }
                sleep(Math.min(options.depthSampleMs, TimeUnit.NANOSECONDS.toMillis(remaining) + 1));
                if (samples < maxSamples)
                {
                    final long received = ctl.sumReceived(producers, threads);
                    final long sent = ctl.sumSent(0, producers);
                    depthMs[samples] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    depth[samples++] = Math.max(0, sent - received);
                }
            }
            final long received1 = ctl.sumReceived(producers, threads);
            final long t1 = System.nanoTime();
            ctl.state(round, Control.PHASE_STOP);
            final long full1 = sumFull(ctl, producers);
            final long rejected1 = sumRejected(ctl, producers);
            awaitDone(run, threads, round);

            final Histogram histogram = new Histogram(RoleThread.MAX_NS, 3);
            final Histogram fromSent = new Histogram(RoleThread.MAX_NS, 3);
            final StringBuilder pinning = new StringBuilder();
            for (final Child child : run.children)
            {
                final String[] reply = child.call("report " + round, 60_000).split(" ");
                histogram.add(decode(reply[1]));
                fromSent.add(decode(reply[2]));
                if (reply.length > 3 && !reply[3].isEmpty())
                {
                    pinning.append(pinning.length() > 0 ? "," : "").append(reply[3]);
                }
            }
            if (index > 0)
            {
                row.add(new RoundResult(index, (t1 - t0) / 1e9, received1 - received0, histogram, fromSent,
                    full1 - full0, rejected1 - rejected0, Arrays.copyOf(depthMs, samples),
                    Arrays.copyOf(depth, samples)));
                row.pinning = describePinning(run.kind, pinning.toString());
            }
        }
        catch (final RuntimeException ex)
        {
            fail(run, scenario.id + " round " + round + ": " + ex.getMessage());
            row.failure = run.failure;
        }
    }

    private String describePinning(final SystemKind kind, final String threads)
    {
        if (!pinned)
        {
            return "not pinned";
        }
        if (kind.crossProcess)
        {
            return "JVM A (producers) taskset -c 0, JVM B (consumers) taskset -c 1";
        }
        return "one JVM; threads pinned with taskset -p: " + threads.replace('_', ' ');
    }

    private void awaitDone(final SystemRun run, final int threads, final long round)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true)
        {
            boolean done = true;
            for (int t = 0; t < threads; t++)
            {
                if (run.ctl.failed(t) == round)
                {
                    throw new IllegalStateException("worker thread " + t + " failed in round " + round +
                        " (see the logs in " + options.logDir + ")");
                }
                done &= run.ctl.done(t) >= round;
            }
            if (done)
            {
                return;
            }
            for (final Child child : run.children)
            {
                if (!child.isAlive())
                {
                    throw new IllegalStateException(child.name() + " died (log: " + child.log + ")");
                }
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException("round " + round + " did not drain in 90 s");
            }
            sleep(1);
        }
    }

    private static long sumFull(final Control ctl, final int producers)
    {
        long sum = 0;
        for (int t = 0; t < producers; t++)
        {
            sum += ctl.full(t);
        }
        return sum;
    }

    private static long sumRejected(final Control ctl, final int producers)
    {
        long sum = 0;
        for (int t = 0; t < producers; t++)
        {
            sum += ctl.rejected(t);
        }
        return sum;
    }

    static Histogram decode(final String base64)
    {
        try
        {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        }
        catch (final DataFormatException ex)
        {
            throw new IllegalStateException("bad histogram from a worker: " + ex.getMessage(), ex);
        }
    }

    static void sleep(final long ms)
    {
        if (ms <= 0)
        {
            return;
        }
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }
}
