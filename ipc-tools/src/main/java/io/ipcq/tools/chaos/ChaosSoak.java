package io.ipcq.tools.chaos;

import io.ipcq.Consumer;
import io.ipcq.CrashHooks;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.QueueConfig;
import io.ipcq.QueueStats;
import io.ipcq.layout.CounterIndex;
import io.ipcq.read.QueueView;
import io.ipcq.tools.common.ChildProcesses;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * The chaos soak: producer and consumer JVMs share a queue in /dev/shm for a while, and meanwhile random ones are
 * killed with SIGKILL (and replaced) or paused with SIGSTOP for less or more than the heartbeat timeout. Then the
 * queue is sealed and drained, and {@link ChaosVerifier} proves from the crash-proof logs of every process that each
 * message logged as sent was acked exactly once (or dead-lettered), with an intact payload, and that the queue's
 * counters add up.
 * <p>
 * Configure with the {@code withXxx} methods, then {@link #run(PrintStream)}. Every way out (Ctrl-C included, by a
 * shutdown hook) kills the children and deletes the queue file; the work directory with the logs is deleted too,
 * unless the run failed (then the queue file is copied into it as evidence) or {@link #withKeep} was set.
 */
public final class ChaosSoak
{
    private static final long PROGRESS_INTERVAL_NS = 10_000_000_000L;
    private static final int LOG_CAPACITY = 1 << 19;
    private static final long KILL_GRACE_NS = 60_000_000_000L;

    private Duration duration = Duration.ofMinutes(10);
    private Duration interval = Duration.ofSeconds(1);
    private int producers = 3;
    private int consumers = 3;
    private int deadLetterConsumers = 1;
    private int rate = 300;
    private long seed = System.nanoTime();
    private Duration heartbeatTimeout = Duration.ofSeconds(1);
    private Duration leaseTimeout = Duration.ofSeconds(3);
    private Duration drainTimeout = Duration.ofSeconds(90);
    private int lanes = 2;
    private int capacity = 4096;
    private int maxDeliveries = 4;
    private int window = 8;
    private double killShare = 0.6;
    private double crashShare;
    private Path queuePath;
    private Path workParent = Path.of(System.getProperty("java.io.tmpdir"));
    private boolean keep;

    private enum Role
    {
        PRODUCER("producer"), CONSUMER("consumer"), DEAD_LETTER_CONSUMER("dl-consumer");

        final String label;

        Role(final String label)
        {
            this.label = label;
        }
    }

    private static final class Child
    {
        final Role role;
        final int incarnation;
        final Process process;
        final Path output;
        final AutoCloseable log;
        final String crashPoint;
        long stoppedSinceNs = -1;
        long contDueNs;
        boolean longStop;
        boolean killed;
        long killNs;

        Child(final Role role, final int incarnation, final Process process, final Path output,
            final AutoCloseable log, final String crashPoint)
        {
            this.crashPoint = crashPoint;
            this.role = role;
            this.incarnation = incarnation;
            this.process = process;
            this.output = output;
            this.log = log;
        }

        /**
         * @return true once it has done some work (sent, or leased): it is attached and past its JVM's start.
         */
        boolean isWarm()
        {
            return log instanceof SendLog sendLog ? sendLog.logged() > 0 : ((DeliveryLog)log).records() > 0;
        }

        void closeLog()
        {
            try
            {
                log.close();
            }
            catch (final Exception ignore)
            {
                // only an unmap
            }
        }

        String name()
        {
            return role.label + "-" + incarnation;
        }
    }

    private record PendingStart(Role role, long dueNs)
    {
    }

    private final List<Child> children = new CopyOnWriteArrayList<>();
    private final List<PendingStart> pending = new ArrayList<>();
    private final List<ChaosVerifier.ProducerRun> producerRuns = new ArrayList<>();
    private final List<ChaosVerifier.ConsumerRun> consumerRuns = new ArrayList<>();
    private final List<ChaosVerifier.Kill> kills = new ArrayList<>();
    private final List<ChaosVerifier.LongStop> longStops = new ArrayList<>();
    private final List<ChaosVerifier.Read> finalReads = new ArrayList<>();
    private final AtomicBoolean cleanedUp = new AtomicBoolean();
    private ChaosReport report;
    private Random random;
    private PrintStream out;
    private Path workDirectory;
    private PrintStream events;
    private long startNs;
    private boolean chaosOn;
    private boolean diagnosed;
    private int nextProducer = 1;
    private int nextConsumer = 1;
    /** The queue read-only, for the doctor and the reaper's pid (the driver thread only). */
    private QueueView view;

    public ChaosSoak withDuration(final Duration duration)
    {
        this.duration = duration;
        return this;
    }

    /** @param interval mean time between two chaos events (exponentially distributed). */
    public ChaosSoak withInterval(final Duration interval)
    {
        this.interval = interval;
        return this;
    }

    public ChaosSoak withProducers(final int producers)
    {
        this.producers = producers;
        return this;
    }

    public ChaosSoak withConsumers(final int consumers)
    {
        this.consumers = consumers;
        return this;
    }

    /** @param rate messages per second per producer. */
    public ChaosSoak withRate(final int rate)
    {
        this.rate = rate;
        return this;
    }

    /**
     * @param crashShare the share (0 to 1) of child incarnations started with a crash point armed
     *                   ({@code -Dipcq.test.crashAt=POINT:N}): each halts at the Nth time it reaches that step of the
     *                   protocol, as if killed exactly there. Default 0.
     */
    public ChaosSoak withCrashPoints(final double crashShare)
    {
        this.crashShare = crashShare;
        return this;
    }

    public ChaosSoak withSeed(final long seed)
    {
        this.seed = seed;
        return this;
    }

    public ChaosSoak withHeartbeatTimeout(final Duration heartbeatTimeout)
    {
        this.heartbeatTimeout = heartbeatTimeout;
        return this;
    }

    public ChaosSoak withLeaseTimeout(final Duration leaseTimeout)
    {
        this.leaseTimeout = leaseTimeout;
        return this;
    }

    /** @param queuePath the queue file (default: a new name in /dev/shm). */
    public ChaosSoak withQueuePath(final Path queuePath)
    {
        this.queuePath = queuePath;
        return this;
    }

    /** @param workParent where the run's work directory (logs; evidence on failure) is made. */
    public ChaosSoak withWorkParent(final Path workParent)
    {
        this.workParent = workParent;
        return this;
    }

    /** @param keep keep the work directory even if the run passed. */
    public ChaosSoak withKeep(final boolean keep)
    {
        this.keep = keep;
        return this;
    }

    /**
     * Runs the soak.
     *
     * @param out where progress and the summary go.
     * @return the figures; {@link ChaosReport#ok()} says whether every check passed.
     * @throws IllegalArgumentException if the settings make no sense.
     */
    public ChaosReport run(final PrintStream out) throws IOException, InterruptedException
    {
        if (producers < 1 || consumers < 1 || rate < 1 || duration.isNegative() || interval.toMillis() < 10 ||
            heartbeatTimeout.toMillis() < 100 || leaseTimeout.compareTo(heartbeatTimeout) <= 0)
        {
            throw new IllegalArgumentException("need producers >= 1, consumers >= 1, rate >= 1, interval >= 10ms, " +
                "heartbeat timeout >= 100ms and lease timeout > heartbeat timeout");
        }
        this.out = out;
        this.random = new Random(seed);
        this.report = new ChaosReport();
        report.seed = seed;
        report.producers = producers;
        report.consumers = consumers;
        report.deadLetterConsumers = deadLetterConsumers;
        startNs = System.nanoTime();
        Files.createDirectories(workParent);
        workDirectory = Files.createTempDirectory(workParent, "ipcq-chaos-");
        if (queuePath == null)
        {
            final Path shm = Path.of("/dev/shm");
            queuePath = (Files.isDirectory(shm) ? shm : workParent)
                .resolve("ipcq-chaos-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        }
        report.queuePath = queuePath.toString();
        final Thread hook = new Thread(() ->
        {
            if (cleanUp(!keep))
            {
                System.err.println("ipcq chaos: interrupted; child JVMs killed, " + queuePath + " deleted");
            }
        }, "ipcq-chaos-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean passed = false;
        try
        {
            events = new PrintStream(Files.newOutputStream(workDirectory.resolve("events.log")), true,
                StandardCharsets.UTF_8);
            soak();
            passed = report.ok();
            return report;
        }
        finally
        {
            if (!passed && !cleanedUp.get())
            {
                keepEvidence();
            }
            cleanUp(passed && !keep);
            try
            {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
            catch (final IllegalStateException alreadyShuttingDown)
            {
                // the hook is running or has run
            }
        }
    }

    private void soak() throws IOException, InterruptedException
    {
        final QueueConfig config = QueueConfig.builder()
            .lanes(lanes)
            .capacity(capacity)
            .maxPayloadLength(ChaosMessages.MAX_LENGTH)
            .leaseTimeout(leaseTimeout)
            .heartbeatTimeout(heartbeatTimeout)
            .maxDeliveries(maxDeliveries)
            .build();
        out.printf("ipcq chaos soak: %d producers (%d msgs/s each), %d consumers, %d dead-letter consumer(s), " +
            "each its own JVM, for %s%n", producers, rate, consumers, deadLetterConsumers, describe(duration));
        out.printf("  a kill -9 or a SIGSTOP every %s on average (%.0f%% kills); heartbeat timeout %s, " +
            "lease timeout %s, max deliveries %d; seed %d%n", describe(interval), killShare * 100,
            describe(heartbeatTimeout), describe(leaseTimeout), maxDeliveries, seed);
        out.printf("  queue %s (%d lanes x %d slots); logs in %s%n", queuePath, lanes, capacity, workDirectory);
        try (IpcQueue queue = IpcQueue.create(queuePath, config))
        {
            view = QueueView.open(queuePath);
            chaosOn = true;
            for (int i = 0; i < producers; i++)
            {
                start(Role.PRODUCER);
            }
            for (int i = 0; i < consumers; i++)
            {
                start(Role.CONSUMER);
            }
            for (int i = 0; i < deadLetterConsumers; i++)
            {
                start(Role.DEAD_LETTER_CONSUMER);
            }
            if (!chaos(queue))
            {
                finish(queue, false);
                return;
            }
            finish(queue, endGame(queue));
        }
        finally
        {
            if (view != null)
            {
                view.close();
                view = null;
            }
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // The chaos
    // -------------------------------------------------------------------------------------------------------------

    /**
     * @return false if a child failed (the run is then over).
     */
    private boolean chaos(final IpcQueue queue) throws IOException, InterruptedException
    {
        // The clock starts once the first children are launched (that alone can take seconds on a loaded host).
        final long chaosStartNs = System.nanoTime();
        final long endNs = chaosStartNs + duration.toNanos();
        long nextEventNs = System.nanoTime() + nextGap();
        long nextProgressNs = System.nanoTime() + PROGRESS_INTERVAL_NS;
        while (true)
        {
            final long nowNs = System.nanoTime();
            if (nowNs - endNs >= 0)
            {
                break;
            }
            if (!reapChildren(true))
            {
                return false;
            }
            continueDue(nowNs);
            startDue(nowNs);
            if (nowNs - nextEventNs >= 0)
            {
                event(nowNs);
                nextEventNs = nowNs + nextGap();
            }
            if (nowNs - nextProgressNs >= 0)
            {
                progress(queue);
                nextProgressNs = nowNs + PROGRESS_INTERVAL_NS;
            }
            Thread.sleep(5);
        }
        report.chaosSeconds = (System.nanoTime() - chaosStartNs) / 1e9;
        chaosOn = false;
        return true;
    }

    private long nextGap()
    {
        final double mean = interval.toNanos();
        return (long)Math.min(-Math.log(1 - random.nextDouble()) * mean, 5 * mean);
    }

    private void event(final long nowNs) throws IOException, InterruptedException
    {
        final List<Child> running = new ArrayList<>();
        final List<Child> stopped = new ArrayList<>();
        // Mostly hit processes at work; now and then (or when none is at work yet: a loaded machine starts JVMs
        // slowly) one still starting, in its JVM's start or in its attach.
        boolean anyAge = random.nextInt(7) == 0;
        for (int pass = 0; pass < 2 && running.isEmpty() && stopped.isEmpty(); pass++, anyAge = true)
        {
            for (final Child child : children)
            {
                if (!child.killed && child.process.isAlive() && (anyAge || child.isWarm()))
                {
                    (child.stoppedSinceNs < 0 ? running : stopped).add(child);
                }
            }
        }
        if (random.nextDouble() < killShare)
        {
            // Now and then the victim is one that is stopped: a process that dies while paused.
            final boolean pickStopped = !stopped.isEmpty() && random.nextInt(6) == 0;
            final List<Child> pool = pickStopped || running.isEmpty() ? stopped : running;
            if (!pool.isEmpty())
            {
                kill(pool.get(random.nextInt(pool.size())));
            }
        }
        else if (!running.isEmpty())
        {
            final Child victim = running.get(random.nextInt(running.size()));
            final long hbMs = heartbeatTimeout.toMillis();
            final boolean longStop = random.nextBoolean();
            final long stopMs = longStop ?
                hbMs * 13 / 10 + (long)(random.nextDouble() * (leaseTimeout.toMillis() + 1000 - hbMs * 13 / 10)) :
                50 + (long)(random.nextDouble() * (hbMs / 2 - 50));
            if (ChildProcesses.signal(victim.process.pid(), "STOP"))
            {
                victim.stoppedSinceNs = System.nanoTime();
                victim.contDueNs = victim.stoppedSinceNs + stopMs * 1_000_000L;
                victim.longStop = longStop;
                if (longStop)
                {
                    report.longStops++;
                    if (victim.role != Role.PRODUCER)
                    {
                        longStops.add(new ChaosVerifier.LongStop(victim.incarnation, victim.stoppedSinceNs));
                    }
                }
                else
                {
                    report.shortStops++;
                }
                log("STOP %s (pid %d) for %d ms (%s the heartbeat timeout); nanoTime %d", victim.name(),
                    victim.process.pid(), stopMs, longStop ? "longer than" : "shorter than", victim.stoppedSinceNs);
            }
        }
    }

    private void kill(final Child victim)
    {
        final long pid = victim.process.pid();
        final boolean reaper = pid == reaperPid();
        final long killNs = System.nanoTime();
        victim.killed = true;
        victim.killNs = killNs;
        // Not waited for here: on a starved host a killed process can take seconds to be gone (reapChildren checks).
        victim.process.destroyForcibly();
        report.kills++;
        switch (victim.role)
        {
            case PRODUCER -> report.producerKills++;
            case CONSUMER -> report.consumerKills++;
            case DEAD_LETTER_CONSUMER -> report.deadLetterConsumerKills++;
        }
        if (reaper)
        {
            report.reaperKills++;
        }
        if (victim.stoppedSinceNs >= 0)
        {
            report.killsWhileStopped++;
        }
        kills.add(new ChaosVerifier.Kill(victim.role != Role.PRODUCER, victim.incarnation, killNs,
            victim.stoppedSinceNs, reaper));
        log("KILL -9 %s (pid %d)%s%s; nanoTime %d", victim.name(), pid, reaper ? ", the elected reaper" : "",
            victim.stoppedSinceNs >= 0 ? ", while stopped" : "", killNs);
        pending.add(new PendingStart(victim.role, System.nanoTime() + (long)(random.nextDouble() * 1e9)));
    }

    private void continueDue(final long nowNs)
    {
        for (final Child child : children)
        {
            if (child.stoppedSinceNs >= 0 && !child.killed && nowNs - child.contDueNs >= 0)
            {
                cont(child);
            }
        }
    }

    private void cont(final Child child)
    {
        ChildProcesses.signal(child.process.pid(), "CONT");
        log("CONT %s after %d ms", child.name(), (System.nanoTime() - child.stoppedSinceNs) / 1_000_000);
        child.stoppedSinceNs = -1;
    }

    private void startDue(final long nowNs) throws IOException
    {
        for (int i = pending.size() - 1; i >= 0; i--)
        {
            if (nowNs - pending.get(i).dueNs() >= 0)
            {
                start(pending.remove(i).role());
            }
        }
    }

    /**
     * Forgets the children that exited; a consumer whose log filled up is replaced.
     *
     * @param duringChaos before the seal, a producer or consumer exiting by itself is a failure.
     * @return false if one failed.
     */
    private boolean reapChildren(final boolean duringChaos) throws IOException
    {
        if (cleanedUp.get())
        {
            // Interrupted: the shutdown hook killed them, and says so.
            return false;
        }
        for (final Child child : children)
        {
            if (child.process.isAlive())
            {
                if (child.killed && System.nanoTime() - child.killNs > KILL_GRACE_NS)
                {
                    report.fail(child.name() + " (pid " + child.process.pid() + ") still alive " +
                        KILL_GRACE_NS / 1_000_000_000L + " s after SIGKILL");
                    return false;
                }
                continue;
            }
            children.remove(child);
            child.closeLog();
            if (child.killed)
            {
                continue;
            }
            final int exit = child.process.exitValue();
            if (exit == ChaosConsumer.EXIT_LOG_FULL && child.role != Role.PRODUCER)
            {
                log("%s filled its log; starting another", child.name());
                start(child.role);
                continue;
            }
            if (exit == 0 && !duringChaos)
            {
                continue;
            }
            if (exit == CrashHooks.HALT_STATUS && child.crashPoint != null)
            {
                report.crashHalt(child.crashPoint.substring(0, child.crashPoint.indexOf(':')));
                log("HALT %s at its crash point %s", child.name(), child.crashPoint);
                if (duringChaos)
                {
                    pending.add(new PendingStart(child.role, System.nanoTime() + (long)(random.nextDouble() * 1e9)));
                }
                else
                {
                    start(child.role);
                }
                continue;
            }
            report.fail(child.name() + " (pid " + child.process.pid() + ") exited " + exit +
                (exit == 0 ? " before the queue was sealed" : "") + "; its output: " + child.output);
            say("FAILED: %s exited %d; its last output:", child.name(), exit);
            tail(child.output);
            return false;
        }
        return true;
    }

    private void start(final Role role) throws IOException
    {
        final long driverPid = ProcessHandle.current().pid();
        final long limitSeconds = duration.toSeconds() + drainTimeout.toSeconds() + 600;
        final Process process;
        final int incarnation;
        final Path output;
        final AutoCloseable driverView;
        final String crashPoint = chaosOn && random.nextDouble() < crashShare ? crashPoint(role) : null;
        if (role == Role.PRODUCER)
        {
            incarnation = nextProducer++;
            if (incarnation > ChaosMessages.MAX_INCARNATION)
            {
                throw new IllegalStateException("too many producer incarnations");
            }
            final Path log = workDirectory.resolve("producer-" + incarnation + ".sendlog");
            driverView = SendLog.create(log, incarnation);
            producerRuns.add(new ChaosVerifier.ProducerRun(incarnation, log));
            output = workDirectory.resolve("producer-" + incarnation + ".out");
            process = launch(ChaosProducer.class, output, crashPoint, queuePath.toString(), log.toString(),
                Integer.toString(incarnation), Long.toString(driverPid), Integer.toString(rate),
                Long.toString(limitSeconds));
        }
        else
        {
            incarnation = nextConsumer++;
            final boolean deadLetters = role == Role.DEAD_LETTER_CONSUMER;
            final String name = role.label + "-" + incarnation;
            final Path log = workDirectory.resolve(name + ".deliverylog");
            driverView = DeliveryLog.create(log, incarnation,
                deadLetters ? DeliveryLog.ROLE_DEAD_LETTERS : DeliveryLog.ROLE_LANES, LOG_CAPACITY);
            consumerRuns.add(new ChaosVerifier.ConsumerRun(incarnation, deadLetters, log));
            output = workDirectory.resolve(name + ".out");
            process = launch(ChaosConsumer.class, output, crashPoint, queuePath.toString(), log.toString(),
                Integer.toString(incarnation), deadLetters ? "dead-letters" : "lanes", Long.toString(driverPid),
                Integer.toString(window), Long.toString(seed * 31 + incarnation), Long.toString(limitSeconds));
        }
        final Child child = new Child(role, incarnation, process, output, driverView, crashPoint);
        children.add(child);
        report.processesStarted++;
        log("START %s (pid %d)%s", child.name(), process.pid(), crashPoint == null ? "" : " armed at " + crashPoint);
    }

    /**
     * Crash points by role, each with the largest N to draw (the Nth time the step is reached): steps met on every
     * message get a wide range, rare ones (skips, releases, dead-letter moves, expiries) a narrow one. Consumers also
     * reach producer-side steps when they copy a message into the dead-letter ring, and any process reaches the
     * sweep's steps while it is the elected reaper.
     */
    private static final Object[][] PRODUCER_POINTS = {
        { "CLAIM_AFTER_TAIL_CAS", 2000 }, { "CLAIM_AFTER_CLAIMED", 2000 },
        { "SEND_AFTER_PAYLOAD_WRITE", 2000 }, { "COMMIT_AFTER_READY", 2000 },
        { "COMMIT_AFTER_SEQUENCE", 2000 }, { "SKIP_AFTER_MARK", 5 } };
    private static final Object[][] CONSUMER_POINTS = {
        { "LEASE_AFTER_STATE_CAS", 2000 }, { "LEASE_AFTER_CURSOR_CAS", 2000 },
        { "LEASE_AFTER_DEADLINE", 2000 }, { "READ_AFTER_PAYLOAD", 2000 },
        { "ACK_AFTER_STATE_CAS", 2000 }, { "ACK_AFTER_SEQUENCE", 2000 },
        { "RELEASE_AFTER_STATE_CAS", 20 }, { "RELEASE_AFTER_REQUEUE_COUNT", 20 },
        { "DEAD_LETTER_AFTER_STATE_CAS", 3 }, { "DEAD_LETTER_AFTER_COPY_COMMIT", 3 },
        { "DEAD_LETTER_AFTER_FREE", 3 }, { "EXPIRE_AFTER_DEADLINE_CAS", 2 },
        { "CLAIM_AFTER_TAIL_CAS", 3 }, { "COMMIT_AFTER_READY", 3 } };
    private static final Object[][] DEAD_LETTER_CONSUMER_POINTS = {
        { "LEASE_AFTER_STATE_CAS", 30 }, { "LEASE_AFTER_DEADLINE", 30 },
        { "READ_AFTER_PAYLOAD", 30 }, { "ACK_AFTER_STATE_CAS", 30 },
        { "ACK_AFTER_SEQUENCE", 30 } };

    private String crashPoint(final Role role)
    {
        final Object[][] points = switch (role)
        {
            case PRODUCER -> PRODUCER_POINTS;
            case CONSUMER -> CONSUMER_POINTS;
            case DEAD_LETTER_CONSUMER -> DEAD_LETTER_CONSUMER_POINTS;
        };
        final Object[] point = points[random.nextInt(points.length)];
        return CrashHooks.spec((String)point[0], 1 + random.nextInt((Integer)point[1]));
    }

    private Process launch(final Class<?> main, final Path output, final String crashPoint, final String... args)
        throws IOException
    {
        final ProcessBuilder builder = ChildProcesses.javaProcess(main, List.of(args));
        if (crashPoint != null)
        {
            final List<String> command = builder.command();
            command.add(command.indexOf("-cp"), CrashHooks.jvmFlag(crashPoint));
        }
        return builder.redirectErrorStream(true).redirectOutput(output.toFile()).start();
    }

    private long reaperPid()
    {
        final int reaper = view.reaperParticipant();
        return reaper < 0 ? -1 : view.participant(reaper).pid();
    }

    // -------------------------------------------------------------------------------------------------------------
    // Seal, drain, check
    // -------------------------------------------------------------------------------------------------------------

    /**
     * Stops the chaos, seals the queue, and waits for every child to finish the stream.
     *
     * @return true if all finished in time.
     */
    private boolean endGame(final IpcQueue queue) throws IOException, InterruptedException
    {
        say("chaos over after %d kills and %d stops: every stopped process continued, replacements started, " +
            "queue sealed; draining", report.kills, report.shortStops + report.longStops);
        for (final Child child : children)
        {
            if (child.stoppedSinceNs >= 0 && !child.killed)
            {
                cont(child);
            }
        }
        while (!pending.isEmpty())
        {
            start(pending.remove(pending.size() - 1).role());
        }
        queue.seal();
        final long deadlineNs = System.nanoTime() + drainTimeout.toNanos();
        long nextProgressNs = System.nanoTime() + PROGRESS_INTERVAL_NS;
        while (!children.isEmpty())
        {
            if (!reapChildren(false))
            {
                return false;
            }
            if (System.nanoTime() - deadlineNs >= 0)
            {
                report.fail("not drained " + drainTimeout.toSeconds() + " s after the seal (a wedged lane?); " +
                    children.size() + " children still running");
                say("FAILED: not drained %d s after the seal", drainTimeout.toSeconds());
                printStats(queue.stats());
                diagnose();
                return false;
            }
            if (System.nanoTime() - nextProgressNs >= 0)
            {
                progress(queue);
                nextProgressNs = System.nanoTime() + PROGRESS_INTERVAL_NS;
            }
            Thread.sleep(10);
        }
        return true;
    }

    private void finish(final IpcQueue queue, final boolean drainedByChildren) throws InterruptedException
    {
        killChildren();
        if (drainedByChildren)
        {
            // Every child has exited: one reaper pass folds the rows of the killed ones and revokes what they held;
            // then the driver reads what is left in the dead-letter ring.
            queue.reap();
            drainDeadLetters(queue);
        }
        queue.reap();
        final QueueStats stats = queue.stats();
        report.seconds = (System.nanoTime() - startNs) / 1e9;
        report.counterSent = stats.counter(CounterIndex.SENT);
        report.counterDelivered = stats.counter(CounterIndex.DELIVERED);
        report.counterAcked = stats.counter(CounterIndex.ACKED);
        report.counterReleased = stats.counter(CounterIndex.RELEASED);
        report.counterExpired = stats.counter(CounterIndex.EXPIRED);
        report.counterRedelivered = stats.counter(CounterIndex.REDELIVERED);
        report.counterDeadLettered = stats.counter(CounterIndex.DEAD_LETTERED);
        report.counterRejectedFull = stats.counter(CounterIndex.REJECTED_FULL);
        report.counterFencedAcks = stats.counter(CounterIndex.FENCED_ACKS);
        report.counterRevokedDead = stats.counter(CounterIndex.REVOKED_DEAD);
        report.counterRepairedClaims = stats.counter(CounterIndex.REPAIRED_CLAIMS);
        report.drained = drainedByChildren && queue.isEndOfStream() && stats.free() == stats.capacity() &&
            stats.deadLettered() == 0;
        if (drainedByChildren && !report.drained)
        {
            report.fail("the queue is not empty after the drain: free " + stats.free() + " of " + stats.capacity() +
                ", ready " + stats.ready() + ", leased " + stats.leased() + ", waiting for redelivery " +
                stats.redelivery() + ", dead letters " + stats.deadLettered());
        }
        if (!report.ok())
        {
            printStats(stats);
            diagnose();
        }

        final ChaosVerifier verifier = new ChaosVerifier(producerRuns, consumerRuns, finalReads, kills, longStops,
            report, lanes);
        verifier.verify();
        if (drainedByChildren)
        {
            check(verifier);
        }
        report.print(out);
    }

    private void drainDeadLetters(final IpcQueue queue) throws InterruptedException
    {
        final CRC32 crc = new CRC32();
        final byte[] scratch = new byte[ChaosMessages.MAX_LENGTH];
        final long deadlineNs = System.nanoTime() + 10_000_000_000L;
        try (Consumer deadLetters = queue.deadLetterConsumer(1))
        {
            while (queue.stats().deadLettered() > 0 && System.nanoTime() - deadlineNs < 0)
            {
                final Lease lease = deadLetters.tryLease();
                if (lease == null)
                {
                    Thread.sleep(10);
                    continue;
                }
                long key;
                try
                {
                    key = ChaosMessages.read(lease.payload(), lease.length(), crc, scratch);
                }
                catch (final RuntimeException ex)
                {
                    key = -1;
                }
                final long ns = System.nanoTime();
                final long id = lease.id();
                final int deliveries = lease.deliveryCount();
                if (lease.ack())
                {
                    finalReads.add(new ChaosVerifier.Read(key, id, ns, deliveries));
                }
            }
        }
    }

    /**
     * The counters check. Every counter is bumped by the process that did the work, after the work: a process killed
     * in between takes that one increment with it (a killed participant's row is folded into the header by the
     * reaper, so nothing else is lost). Hence, per counter: never above what the logs prove happened, and below it
     * by at most the kills that could have interrupted it.
     */
    private void check(final ChaosVerifier verifier)
    {
        // A crash point halts a process exactly where a kill could: it counts as one.
        final int halts = report.crashHalts();
        final int consumerKills = report.consumerKills + report.deadLetterConsumerKills + halts;
        bounded("sent", report.counterSent, report.committed, report.producerKills + halts);
        bounded("acked", report.counterAcked, verifier.acceptedAcks(), consumerKills);
        bounded("dead-lettered", report.counterDeadLettered, verifier.deadLetterCopies(), report.kills + halts);
        if (report.lost > 0)
        {
            report.fail(report.lost + " message(s) LOST");
        }
        if (report.logged == 0 || report.acked == 0 || report.kills == 0)
        {
            report.fail("the soak proved nothing: " + report.logged + " messages sent, " + report.acked + " acked, " +
                report.kills + " kills (is the host too loaded to start the child JVMs? see their output in " +
                workDirectory + ")");
        }
        if (report.duplicateAcks > 0)
        {
            report.fail(report.duplicateAcks + " message(s) acked twice");
        }
        if (report.deliveredAfterAck > 0)
        {
            report.fail(report.deliveredAfterAck + " message(s) delivered again after their ack");
        }
        if (report.ackedAndDeadLettered > 0)
        {
            report.fail(report.ackedAndDeadLettered + " message(s) both acked and dead-lettered");
        }
        if (report.poisonAcked > 0)
        {
            report.fail(report.poisonAcked + " poison message(s) acked on a lane");
        }
        if (report.deadLetteredTwice > report.kills + halts)
        {
            report.fail(report.deadLetteredTwice + " message(s) dead-lettered twice, more than the " +
                (report.kills + halts) + " kills and crash-point halts can explain");
        }
        if (report.corrupt + report.phantoms + report.idMismatches > 0)
        {
            report.fail(report.corrupt + " corrupt payload(s), " + report.phantoms + " phantom(s), " +
                report.idMismatches + " id mismatch(es)");
        }
    }

    private void bounded(final String name, final long counter, final long truth, final long slack)
    {
        if (counter > truth || truth - counter > slack)
        {
            report.fail("counter " + name + " is " + counter + " but the logs say " + truth + " (it may fall short " +
                "by at most " + slack + ", one per kill that could interrupt it, and never exceed it)");
        }
    }

    // -------------------------------------------------------------------------------------------------------------
    // Reporting and cleaning up
    // -------------------------------------------------------------------------------------------------------------

    private void progress(final IpcQueue queue)
    {
        final QueueStats stats = queue.stats();
        say("sent %,9d  acked %,9d  in the queue %,5d (leased %,3d, redelivery %,3d)  dead letters %,4d  " +
            "participants %2d | kills %3d  stops %3d", stats.counter(CounterIndex.SENT),
            stats.counter(CounterIndex.ACKED), stats.capacity() - stats.free(), stats.leased(), stats.redelivery(),
            stats.deadLettered(), stats.participants().size(), report.kills, report.shortStops + report.longStops);
    }

    private void printStats(final QueueStats stats)
    {
        final StringBuilder text = new StringBuilder();
        text.append("queue stats: free ").append(stats.free()).append('/').append(stats.capacity())
            .append(", ready ").append(stats.ready()).append(", leased ").append(stats.leased())
            .append(", redelivery ").append(stats.redelivery()).append(", dead letters ").append(stats.deadLettered())
            .append('\n');
        for (final QueueStats.LaneStats lane : stats.lanes())
        {
            text.append("  ").append(lane).append('\n');
        }
        text.append("  dead letters ").append(stats.deadLetters()).append('\n');
        for (int i = 0; i < CounterIndex.COUNTER_COUNT; i++)
        {
            text.append("  counter ").append(CounterIndex.name(i)).append(' ').append(stats.counter(i)).append('\n');
        }
        for (final QueueStats.ParticipantStats participant : stats.participants())
        {
            text.append("  ").append(participant).append('\n');
        }
        out.print(text);
        try
        {
            Files.writeString(workDirectory.resolve("stats.txt"), text.toString(), StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            out.println("  (stats.txt not written: " + ex.getMessage() + ")");
        }
    }

    /**
     * Prints what the rings hold and any slot stuck in a state nothing gets it out of (see {@link RingDoctor}).
     */
    private void diagnose()
    {
        if (view == null || diagnosed)
        {
            return;
        }
        diagnosed = true;
        final List<String> findings = RingDoctor.examine(view);
        out.println("ring diagnosis:" + (findings.isEmpty() ? " every ring empty" : ""));
        for (final String finding : findings)
        {
            out.println("  " + finding);
            report.example("ring: " + finding);
        }
    }

    private void keepEvidence()
    {
        if (workDirectory == null)
        {
            return;
        }
        report.workDirectory = workDirectory.toString();
        try
        {
            if (queuePath != null && Files.exists(queuePath))
            {
                Files.copy(queuePath, workDirectory.resolve("queue.ipcq"), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        catch (final IOException ex)
        {
            out.println("  (queue file not copied: " + ex.getMessage() + ")");
        }
    }

    private void killChildren() throws InterruptedException
    {
        for (final Child child : children)
        {
            child.killed = true;
            child.process.destroyForcibly();
        }
        for (final Child child : children)
        {
            child.process.waitFor(10, TimeUnit.SECONDS);
            child.closeLog();
        }
        children.clear();
    }

    /**
     * Kills the children still running, deletes the queue file and, if asked, the work directory. Runs once.
     *
     * @return true if this call did it.
     */
    private boolean cleanUp(final boolean deleteWork)
    {
        if (!cleanedUp.compareAndSet(false, true))
        {
            return false;
        }
        for (final Child child : children)
        {
            child.process.destroyForcibly(); // SIGKILL ends a stopped process too
        }
        for (final Child child : children)
        {
            try
            {
                child.process.waitFor(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (queuePath != null)
        {
            IpcQueue.delete(queuePath);
        }
        if (events != null)
        {
            events.close();
        }
        final Path work = workDirectory;
        if (deleteWork && work != null)
        {
            try (Stream<Path> paths = Files.walk(work))
            {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
            catch (final IOException ignore)
            {
                // best effort: it is in the temp directory
            }
        }
        return true;
    }

    private void tail(final Path output)
    {
        try
        {
            final List<String> lines = Files.readAllLines(output, StandardCharsets.UTF_8);
            lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(line -> out.println("    " + line));
        }
        catch (final IOException ex)
        {
            out.println("    (unreadable: " + ex.getMessage() + ")");
        }
    }

    private void say(final String format, final Object... args)
    {
        final String line = String.format("[%6.1f s] %s", (System.nanoTime() - startNs) / 1e9,
            String.format(format, args));
        out.println(line);
        if (events != null)
        {
            events.println(line);
        }
    }

    private void log(final String format, final Object... args)
    {
        if (events != null)
        {
            events.printf("[%6.1f s] %s%n", (System.nanoTime() - startNs) / 1e9, String.format(format, args));
        }
    }

    static String describe(final Duration duration)
    {
        final long ms = duration.toMillis();
        if (ms % 60_000 == 0 && ms > 0)
        {
            return ms / 60_000 + " min";
        }
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }
}
