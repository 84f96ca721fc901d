package io.ipcq;

import io.ipcq.child.ChildJvm;
import io.ipcq.child.ConsumerMain;
import io.ipcq.child.Payloads;
import io.ipcq.child.ProducerMain;
import io.ipcq.layout.CounterIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Four producer JVMs and three consumer JVMs share one queue file and move 100,000 numbered, checksummed
 * messages; the parent seals the queue once the producers are done, the consumers stop at end of stream, and the
 * parent checks from their records and from the file itself that every message was acked exactly once, intact,
 * and that the queue is back to empty.
 */
class CrossProcessTest
{
    private static final int PRODUCERS = 4;
    private static final int CONSUMERS = 3;
    private static final int PER_PRODUCER = 25_000;
    private static final long TOTAL = (long)PRODUCERS * PER_PRODUCER;
    private static final int CONSUMER_WINDOW = 4;
    private static final Duration TIME_LIMIT = Duration.ofMinutes(3);
    /** Children give up a little before the parent does, so their own message says why. */
    private static final long CHILD_TIME_LIMIT_SECONDS = TIME_LIMIT.toSeconds() - 10;

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @TempDir
    Path dir;

    private final List<Path> logs = new ArrayList<>();

    @Test
    void everyMessageIsAckedExactlyOnceAcrossSevenJvms() throws Exception
    {
        // Two lanes of 2048 slots (4096 in all); leases far longer than the test, and nobody sweeps: no message
        // may be delivered twice.
        final IpcQueue queue = queues.create(QueueConfig.builder()
            .lanes(2)
            .capacity(2048)
            .maxPayloadLength(Payloads.MAX_LENGTH)
            .leaseTimeout(Duration.ofMinutes(5))
            .build());
        final String parentPid = Long.toString(ProcessHandle.current().pid());
        final long deadlineNs = System.nanoTime() + TIME_LIMIT.toNanos();
        final List<Process> all = new ArrayList<>();
        final List<Process> consumers = new ArrayList<>();
        final List<Process> producers = new ArrayList<>();
        final Path[] records = new Path[CONSUMERS];
        final long startMs = System.currentTimeMillis();
        final long endMs;
        try
        {
            for (int c = 0; c < CONSUMERS; c++)
            {
                records[c] = dir.resolve("consumer-" + c + ".records");
                consumers.add(start(all, "consumer-" + c, ConsumerMain.class, queue.path().toString(),
                    Integer.toString(c), records[c].toString(), parentPid, Integer.toString(CONSUMER_WINDOW),
                    Long.toString(CHILD_TIME_LIMIT_SECONDS)));
            }
            for (int p = 0; p < PRODUCERS; p++)
            {
                producers.add(start(all, "producer-" + p, ProducerMain.class, queue.path().toString(),
                    Integer.toString(p), Integer.toString(PER_PRODUCER), parentPid,
                    Long.toString(CHILD_TIME_LIMIT_SECONDS)));
            }
            for (int p = 0; p < PRODUCERS; p++)
            {
                awaitSuccess(producers.get(p), "producer-" + p, deadlineNs);
            }
            queue.seal();
            for (int c = 0; c < CONSUMERS; c++)
            {
                awaitSuccess(consumers.get(c), "consumer-" + c, deadlineNs);
            }
            endMs = System.currentTimeMillis();
        }
        finally
        {
            ChildJvm.destroyAll(all);
        }

        final int[][] ackCounts = new int[PRODUCERS][PER_PRODUCER];
        final long[] ackedBy = new long[CONSUMERS];
        final List<String> problems = new ArrayList<>();
        long firstLeaseMs = Long.MAX_VALUE;
        long lastAckMs = 0;
        for (int c = 0; c < CONSUMERS; c++)
        {
            final long[] window = readRecords(records[c], c, ackCounts, ackedBy, problems);
            firstLeaseMs = Math.min(firstLeaseMs, window[0] == 0 ? Long.MAX_VALUE : window[0]);
            lastAckMs = Math.max(lastAckMs, window[1]);
        }
        long lost = 0;
        long duplicated = 0;
        for (int p = 0; p < PRODUCERS; p++)
        {
            for (int s = 0; s < PER_PRODUCER; s++)
            {
                if (ackCounts[p][s] == 0 && lost++ < 10)
                {
                    problems.add("lost: producer " + p + " message " + s);
                }
                else if (ackCounts[p][s] > 1 && duplicated++ < 10)
                {
                    problems.add("acked " + ackCounts[p][s] + " times: producer " + p + " message " + s);
                }
            }
        }

        final long elapsedMs = Math.max(1, endMs - startMs);
        final long transferMs = Math.max(1, lastAckMs - firstLeaseMs);
        final StringBuilder figures = new StringBuilder();
        figures.append(String.format("CrossProcessTest: %d producer JVMs, %d consumer JVMs, %,d messages of %d..%d B%n",
            PRODUCERS, CONSUMERS, TOTAL, Payloads.MIN_LENGTH, Payloads.MAX_LENGTH));
        figures.append(String.format("  wall time (JVM starts included) %,d ms = %,d msgs/s%n",
            elapsedMs, TOTAL * 1000 / elapsedMs));
        figures.append(String.format("  first lease to last ack         %,d ms = %,d msgs/s%n",
            transferMs, TOTAL * 1000 / transferMs));
        for (int c = 0; c < CONSUMERS; c++)
        {
            figures.append(String.format("  consumer-%d acked %,d (%.1f%%)%n", c, ackedBy[c], 100.0 * ackedBy[c] / TOTAL));
        }
        final QueueStats stats = queue.stats();
        figures.append(String.format("  sends answered FULL %,d; lost %d, acked more than once %d%n",
            stats.counter(CounterIndex.REJECTED_FULL), lost, duplicated));
        System.out.print(figures);

        assertTrue(problems.isEmpty(), () -> String.join("\n", problems) + "\n" + figures + tails());
        assertAll("queue after the run",
            () -> assertEquals(stats.capacity(), stats.free(), "capacity back to full"),
            () -> assertEquals(0, stats.ready(), "ready"),
            () -> assertEquals(0, stats.leased(), "leased"),
            () -> assertEquals(0, stats.redelivery(), "waiting for redelivery"),
            () -> assertEquals(TOTAL, stats.counter(CounterIndex.SENT), "sent counter"),
            () -> assertEquals(TOTAL, stats.counter(CounterIndex.ACKED), "acked counter"),
            () -> assertEquals(TOTAL, stats.counter(CounterIndex.DELIVERED), "delivered counter"),
            () -> assertEquals(0, stats.counter(CounterIndex.REDELIVERED), "redelivered counter"),
            () -> assertEquals(0, stats.counter(CounterIndex.FENCED_ACKS), "fenced acks counter"),
            () -> assertTrue(queue.isEndOfStream(), "end of stream"));
    }

    /**
     * Reads one consumer's records into the ack counts.
     *
     * @return epoch ms of its first lease and of its last ack.
     */
    private static long[] readRecords(
        final Path file, final int consumer, final int[][] ackCounts, final long[] ackedBy, final List<String> problems)
        throws IOException
    {
        final long size = Files.size(file);
        final long records = (size - ConsumerMain.TRAILER_LENGTH) / ConsumerMain.RECORD_LENGTH;
        if (size < ConsumerMain.TRAILER_LENGTH || (size - ConsumerMain.TRAILER_LENGTH) % ConsumerMain.RECORD_LENGTH != 0)
        {
            problems.add("consumer-" + consumer + ": record file of " + size + " bytes is cut short");
            return new long[]{ 0, 0 };
        }
        try (InputStream in = Files.newInputStream(file);
             DataInputStream data = new DataInputStream(new BufferedInputStream(in, 1 << 16)))
        {
            for (long r = 0; r < records; r++)
            {
                final int producer = data.readInt();
                final long sequence = data.readLong();
                final int deliveries = data.readInt();
                final byte flags = data.readByte();
                final String what = "consumer-" + consumer + " record " + r + " (producer " + producer +
                    " message " + sequence + ", delivery " + deliveries + ")";
                if ((flags & ConsumerMain.ACKED) == 0)
                {
                    problems.add(what + ": ack refused");
                    continue;
                }
                if ((flags & ConsumerMain.INTACT) == 0)
                {
                    problems.add(what + ": checksum or length wrong");
                }
                if (deliveries != 1)
                {
                    problems.add(what + ": delivered more than once with no expiry and no release");
                }
                if (producer < 0 || producer >= PRODUCERS || sequence < 0 || sequence >= PER_PRODUCER)
                {
                    problems.add(what + ": no such message was sent");
                    continue;
                }
                ackCounts[producer][(int)sequence]++;
                ackedBy[consumer]++;
            }
            return new long[]{ data.readLong(), data.readLong() };
        }
    }

    private Process start(final List<Process> all, final String name, final Class<?> main, final String... args)
        throws IOException
    {
        final Path log = dir.resolve(name + ".log");
        logs.add(log);
        final Process process = ChildJvm.processBuilder(main, List.of(args))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
        all.add(process);
        return process;
    }

    private void awaitSuccess(final Process process, final String name, final long deadlineNs)
        throws InterruptedException
    {
        if (!process.waitFor(Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS))
        {
            fail(name + " still running after " + TIME_LIMIT.toSeconds() + " s; every child is killed now\n" + tails());
        }
        final int exit = process.exitValue();
        assertEquals(0, exit, () -> name + " exited " + exit + "\n" + tails());
    }

    /**
     * @return the last lines each child printed, for failure messages.
     */
    private String tails()
    {
        final StringBuilder text = new StringBuilder();
        for (final Path log : logs)
        {
            text.append("--- ").append(log.getFileName()).append('\n');
            try
            {
                final List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                lines.subList(Math.max(0, lines.size() - 20), lines.size()).forEach(l -> text.append(l).append('\n'));
            }
            catch (final IOException ex)
            {
                text.append("(unreadable: ").append(ex.getMessage()).append(")\n");
            }
        }
        return text.toString();
    }
}
