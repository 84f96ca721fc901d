package io.ipcq.tools.demo;

import io.ipcq.IpcQueue;
import io.ipcq.QueueConfig;
import io.ipcq.QueueStats;
import io.ipcq.layout.CounterIndex;
import io.ipcq.tools.common.ChildProcesses;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * The crash demo: a producer JVM and a consumer JVM hand off numbered messages through a queue in /dev/shm; after a
 * few thousand the consumer is killed with SIGKILL while it holds leases, a second consumer takes over, and the
 * leases of the dead one come back for redelivery once their deadline passes. At the end it proves, from what each
 * consumer recorded in a crash-proof {@link AckLog}, that every message was acked exactly once.
 * <p>
 * Configure with the {@code withXxx} methods, then {@link #run(PrintStream)}. It deletes the queue file and kills
 * its children on every way out, Ctrl-C included (a shutdown hook).
 */
public final class CrashDemo
{
    /** The whole run is given up (and reported as a failure) after this. */
    public static final Duration TIME_LIMIT = Duration.ofMinutes(2);
    private static final int CAPACITY = 1024;
    private static final long PROGRESS_INTERVAL_NS = 1_000_000_000L;

    private int messages = 20_000;
    private int killAfter = 5_000;
    private int window = 8;
    private int rate = 5_000;
    private Duration leaseTimeout = Duration.ofSeconds(2);
    private Duration sweepInterval = Duration.ofMillis(200);
    private Path directory = Files.isDirectory(Path.of("/dev/shm")) ?
        Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));

    private final List<Process> children = new CopyOnWriteArrayList<>();
    private final AtomicBoolean cleanedUp = new AtomicBoolean();
    private volatile Path queuePath;
    private volatile Path workDirectory;
    private PrintStream out;
    private long startNs;

    /** @param messages how many messages the producer sends (default 20,000). */
    public CrashDemo withMessages(final int messages)
    {
        this.messages = messages;
        return this;
    }

    /** @param killAfter the first consumer is killed once it has acked this many (default 5,000). */
    public CrashDemo withKillAfter(final int killAfter)
    {
        this.killAfter = killAfter;
        return this;
    }

    /** @param window how many leases each consumer holds at once (default 8). */
    public CrashDemo withWindow(final int window)
    {
        this.window = window;
        return this;
    }

    /** @param rate acks per second per consumer, 0 for flat out (default 5,000: slow enough to watch). */
    public CrashDemo withRate(final int rate)
    {
        this.rate = rate;
        return this;
    }

    /** @param leaseTimeout how long a lease lasts (default 2 s): how long the dead consumer's messages wait. */
    public CrashDemo withLeaseTimeout(final Duration leaseTimeout)
    {
        this.leaseTimeout = leaseTimeout;
        return this;
    }

    /** @param directory where the queue file goes (default /dev/shm). */
    public CrashDemo withDirectory(final Path directory)
    {
        this.directory = directory;
        return this;
    }

    /**
     * @return the queue file of the last run (gone once {@link #run} has returned).
     */
    public Path queuePath()
    {
        return queuePath;
    }

    /**
     * Runs the demo.
     *
     * @param out where the story and the summary go.
     * @return 0 if every message was acked exactly once; 1 otherwise.
     * @throws IllegalArgumentException if the settings make no sense together.
     */
    public int run(final PrintStream out) throws IOException, InterruptedException
    {
        if (window < 1 || killAfter < 1 || killAfter + window >= messages || rate < 0)
        {
            throw new IllegalArgumentException("need window >= 1, 1 <= kill-after < messages - window, rate >= 0: " +
                "got messages " + messages + ", kill-after " + killAfter + ", window " + window +
                ", rate " + rate);
        }
        this.out = out;
        this.startNs = System.nanoTime();
        cleanedUp.set(false);
        children.clear();
        workDirectory = Files.createTempDirectory("ipcq-demo-");
        queuePath = directory.resolve("ipcq-demo-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        final Thread hook = new Thread(() ->
        {
            if (cleanUp())
            {
                System.err.println("ipcq demo: interrupted; child JVMs killed, " + queuePath + " deleted");
            }
        }, "ipcq-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try
        {
            return runDemo();
        }
        finally
        {
            cleanUp();
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

    /**
     * What brings a dead consumer's leases back, run every {@code sweepInterval}: a reaper pass, which finds the
     * consumer's pid gone and requeues its leases at once (the lease deadline is only the last resort).
     */
    private static Runnable recovery(final IpcQueue queue)
    {
        return queue::reap;
    }

    private int runDemo() throws IOException, InterruptedException
    {
        final long deadlineNs = startNs + TIME_LIMIT.toNanos();
        out.printf("ipcq crash demo: %,d messages from a producer JVM to a consumer JVM that holds up to %d leases;%n",
            messages, window);
        out.printf("  consumer-1 is killed with SIGKILL after %,d acks, consumer-2 takes over; lease timeout %s%n",
            killAfter, describe(leaseTimeout));
        out.printf("  queue %s (capacity %,d)%n", queuePath, CAPACITY);

        final QueueConfig config = QueueConfig.builder()
            .capacity(CAPACITY)
            .maxPayloadLength(64)
            .leaseTimeout(leaseTimeout)
            .heartbeatTimeout(Duration.ofSeconds(5))
            .build();
        final ScheduledExecutorService recoveryThread = Executors.newSingleThreadScheduledExecutor(task ->
        {
            final Thread thread = new Thread(task, "ipcq-demo-recovery");
            thread.setDaemon(true);
            return thread;
        });
        try (IpcQueue queue = IpcQueue.create(queuePath, config);
             AckLog first = AckLog.create(workDirectory.resolve("consumer-1.acklog"), messages);
             AckLog second = AckLog.create(workDirectory.resolve("consumer-2.acklog"), messages))
        {
            final Runnable recovery = recovery(queue);
            recoveryThread.scheduleWithFixedDelay(() ->
            {
                try
                {
                    recovery.run();
                }
                catch (final RuntimeException ex)
                {
                    out.println("  recovery pass failed: " + ex);
                }
            }, sweepInterval.toMillis(), sweepInterval.toMillis(), TimeUnit.MILLISECONDS);
            try
            {
                return story(queue, first, second, deadlineNs);
            }
            finally
            {
                recoveryThread.shutdownNow();
                recoveryThread.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private int story(final IpcQueue queue, final AckLog first, final AckLog second, final long deadlineNs)
        throws IOException, InterruptedException
    {
        final Process consumer1 = startConsumer("consumer-1", workDirectory.resolve("consumer-1.acklog"));
        final Process producer = startChild("producer", DemoProducer.class,
            queuePath.toString(), Integer.toString(messages), Long.toString(ProcessHandle.current().pid()),
            Long.toString(TIME_LIMIT.toSeconds()));
        say("started producer (pid %d) and consumer-1 (pid %d)", producer.pid(), consumer1.pid());

        // 1. Let consumer-1 work until it has acked enough and holds leases.
        long nextProgressNs = System.nanoTime() + PROGRESS_INTERVAL_NS;
        while (first.ackedCount() < killAfter || first.held() == 0)
        {
            if (failed(consumer1, "consumer-1") || failed(producer, "producer") || timedOut(deadlineNs))
            {
                return 1;
            }
            nextProgressNs = progress(queue, nextProgressNs);
            Thread.sleep(5);
        }

        // 2. kill -9 while it holds leases.
        consumer1.destroyForcibly();
        if (!consumer1.waitFor(10, TimeUnit.SECONDS))
        {
            say("consumer-1 did not die within 10 s of SIGKILL");
            return 1;
        }
        final long killNs = System.nanoTime();
        final List<Integer> heldAtKill = new ArrayList<>();
        for (int sequence = 0; sequence < messages; sequence++)
        {
            final byte state = first.state(sequence);
            if (state == AckLog.LEASED || state == AckLog.ACKING)
            {
                heldAtKill.add(sequence);
            }
        }
        say("kill -9 consumer-1 (pid %d) after %,d acks, while it held %d leases: %s",
            consumer1.pid(), first.ackedCount(), heldAtKill.size(), list(heldAtKill));

        // 3. A second consumer takes over; the reaper finds the dead one's pid gone and requeues its leases.
        final Process consumer2 = startConsumer("consumer-2", workDirectory.resolve("consumer-2.acklog"));
        say("started consumer-2 (pid %d); the reaper finds consumer-1's pid gone and requeues its leases " +
            "(their %s deadline is only the last resort)", consumer2.pid(), describe(leaseTimeout));

        boolean producerDone = false;
        boolean redeliveriesSeen = heldAtKill.isEmpty();
        while (consumer2.isAlive() || !producerDone)
        {
            if (!producerDone && !producer.isAlive())
            {
                if (failed(producer, "producer"))
                {
                    return 1;
                }
                producerDone = true;
                queue.seal();
                say("producer done: sent %,d; queue sealed, so consumer-2 stops once everything is acked",
                    queue.stats().counter(CounterIndex.SENT));
            }
            if (!redeliveriesSeen && second.redelivered() >= heldAtKill.size())
            {
                redeliveriesSeen = true;
                say("consumer-2 got the %d messages again (delivery 2), %.1f s after the kill",
                    second.redelivered(), (System.nanoTime() - killNs) / 1e9);
            }
            if (failed(consumer2, "consumer-2") || timedOut(deadlineNs))
            {
                return 1;
            }
            nextProgressNs = progress(queue, nextProgressNs);
            Thread.sleep(5);
        }
        if (failed(consumer2, "consumer-2"))
        {
            return 1;
        }
        return summary(queue, first, second, heldAtKill);
    }

    private int summary(final IpcQueue queue, final AckLog first, final AckLog second, final List<Integer> heldAtKill)
    {
        long ackedBy1 = 0;
        long ackedBy2 = 0;
        long lost = 0;
        long duplicates = first.leasedAgainAfterAck() + second.leasedAgainAfterAck();
        long redelivered = 0;
        long redeliveredHeld = 0;
        final List<Integer> lostList = new ArrayList<>();
        final List<Integer> duplicateList = new ArrayList<>();
        for (int sequence = 0; sequence < messages; sequence++)
        {
            final byte state1 = first.state(sequence);
            final byte state2 = second.state(sequence);
            // Killed between its ack and its ACKED store: the ack landed unless the message was delivered again.
            final boolean acked1 = state1 == AckLog.ACKED || (state1 == AckLog.ACKING && state2 == AckLog.NONE);
            final boolean acked2 = state2 == AckLog.ACKED;
            ackedBy1 += acked1 ? 1 : 0;
            ackedBy2 += acked2 ? 1 : 0;
            if (!acked1 && !acked2)
            {
                lost++;
                lostList.add(sequence);
            }
            else if (acked1 && acked2)
            {
                duplicates++;
                duplicateList.add(sequence);
            }
            if (state2 != AckLog.NONE && second.deliveries(sequence) > 1)
            {
                redelivered++;
                redeliveredHeld += heldAtKill.contains(sequence) ? 1 : 0;
            }
        }
        final long failedChecks = first.corruptCount() + second.corruptCount();
        final QueueStats stats = queue.stats();
        final long sent = stats.counter(CounterIndex.SENT);
        final long acked = ackedBy1 + ackedBy2 - duplicates;
        final boolean drained = stats.free() == stats.capacity() && queue.isEndOfStream();
        final boolean ok = lost == 0 && duplicates == 0 && failedChecks == 0 && drained && sent == messages &&
            acked == messages;

        out.println();
        out.println("ipcq crash demo: summary");
        out.printf("  sent            %,8d%n", sent);
        out.printf("  acked           %,8d   consumer-1 %,d before its kill -9, consumer-2 %,d%n",
            acked, ackedBy1, ackedBy2);
        out.printf("  redelivered     %,8d   %s%n", redelivered, redelivered == redeliveredHeld &&
            redeliveredHeld == heldAtKill.size() ?
            "exactly the " + heldAtKill.size() + " leases consumer-1 held when it was killed" :
            redeliveredHeld + " of the " + heldAtKill.size() + " leases consumer-1 held when it was killed");
        out.printf("  lost            %,8d%s%n", lost, lost == 0 ? "" : "   " + list(lostList));
        out.printf("  duplicate acks  %,8d%s%n", duplicates, duplicateList.isEmpty() ? "" : "   " + list(duplicateList));
        out.printf("  failed checks   %,8d%n", failedChecks);
        out.printf("  queue free      %,8d / %,d   ready %d, leased %d, waiting for redelivery %d%n",
            stats.free(), stats.capacity(), stats.ready(), stats.leased(), stats.redelivery());
        out.printf("  queue counters  sent %,d, acked %,d, revoked from the dead %,d, expired %,d, redelivered %,d%n",
            sent, stats.counter(CounterIndex.ACKED), stats.counter(CounterIndex.REVOKED_DEAD),
            stats.counter(CounterIndex.EXPIRED),
            stats.counter(CounterIndex.REDELIVERED));
        out.printf("  took %.1f s%n", (System.nanoTime() - startNs) / 1e9);
        out.println(ok ?
            "OK: every message acked exactly once, despite kill -9 of a consumer holding " + heldAtKill.size() +
            " leases" :
            "FAILED: see the lines above");
        return ok ? 0 : 1;
    }

    private long progress(final IpcQueue queue, final long nextProgressNs)
    {
        final long nowNs = System.nanoTime();
        if (nowNs - nextProgressNs < 0)
        {
            return nextProgressNs;
        }
        final QueueStats stats = queue.stats();
        say("sent %,6d   acked %,6d   in the queue %,5d%s", stats.counter(CounterIndex.SENT),
            stats.counter(CounterIndex.ACKED), stats.capacity() - stats.free(),
            stats.free() == 0 ? " (full: the producer waits for room)" : "");
        return nowNs + PROGRESS_INTERVAL_NS;
    }

    private Process startConsumer(final String name, final Path ackLog) throws IOException
    {
        return startChild(name, DemoConsumer.class, queuePath.toString(), ackLog.toString(),
            Integer.toString(messages), Long.toString(ProcessHandle.current().pid()), Integer.toString(window),
            Integer.toString(rate), Long.toString(TIME_LIMIT.toSeconds()));
    }

    private Process startChild(final String name, final Class<?> main, final String... args) throws IOException
    {
        final Process process = ChildProcesses.javaProcess(main, List.of(args))
            .redirectErrorStream(true)
            .redirectOutput(workDirectory.resolve(name + ".log").toFile())
            .start();
        children.add(process);
        return process;
    }

    /**
     * @return true, after saying why, if the process has exited with an error.
     */
    private boolean failed(final Process process, final String name)
    {
        if (process.isAlive() || process.exitValue() == 0)
        {
            return false;
        }
        if (cleanedUp.get())
        {
            // Interrupted: the shutdown hook killed it, and says so.
            return true;
        }
        say("FAILED: %s exited %d; its last output:", name, process.exitValue());
        try
        {
            final List<String> lines = Files.readAllLines(workDirectory.resolve(name + ".log"), StandardCharsets.UTF_8);
            lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(line -> out.println("    " + line));
        }
        catch (final IOException ex)
        {
            out.println("    (unreadable: " + ex.getMessage() + ")");
        }
        return true;
    }

    private boolean timedOut(final long deadlineNs)
    {
        if (System.nanoTime() - deadlineNs < 0)
        {
            return false;
        }
        say("FAILED: not done after %d s; killing every child", TIME_LIMIT.toSeconds());
        return true;
    }

    private void say(final String format, final Object... args)
    {
        out.printf("[%5.1f s] %s%n", (System.nanoTime() - startNs) / 1e9, String.format(format, args));
    }

    /**
     * Kills the children still running, deletes the queue file and the work directory. Runs once.
     *
     * @return true if this call did it.
     */
    private boolean cleanUp()
    {
        if (!cleanedUp.compareAndSet(false, true))
        {
            return false;
        }
        for (final Process child : children)
        {
            child.destroyForcibly();
        }
        for (final Process child : children)
        {
            try
            {
                child.waitFor(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                break;
            }
        }
        final Path queue = queuePath;
        if (queue != null)
        {
            IpcQueue.delete(queue);
        }
        final Path work = workDirectory;
        if (work != null)
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

    private static String list(final List<Integer> sequences)
    {
        final StringBuilder text = new StringBuilder();
        for (int i = 0; i < Math.min(sequences.size(), 12); i++)
        {
            text.append(i == 0 ? "#" : " #").append(sequences.get(i));
        }
        return sequences.size() > 12 ? text + " ..." : text.toString();
    }

    static String describe(final Duration duration)
    {
        final long ms = duration.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }
}
