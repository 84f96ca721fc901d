package io.ipcq;

import io.ipcq.layout.CounterIndex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static io.ipcq.CrashChild.payload;
import static io.ipcq.CrashChild.seqOf;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The SIGSTOP rows of docs/crash-matrix.md: a child JVM is stopped past the heartbeat timeout while it holds leases
 * (or a claim), this process's reaper acts, then the child is continued and must not corrupt anything.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PausedConsumerTest
{
    static final int CAPACITY = 16;
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofMillis(500);
    static final Duration BOUND = Duration.ofSeconds(15);

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    private static QueueConfig config()
    {
        return QueueConfig.builder().capacity(CAPACITY).maxPayloadLength(64).heartbeatTimeout(HEARTBEAT_TIMEOUT)
            .leaseTimeout(Duration.ofSeconds(60)).maxDeliveries(5).build();
    }

    /**
     * A consumer paused past the heartbeat timeout loses its leases (they go to a fresh consumer here, which acks
     * them); when continued, its ack, extend and release are fenced, it finds itself evicted, and nothing was applied
     * twice.
     */
    @Test
    void pausedConsumerIsFencedWhenItWakes() throws Exception
    {
        final Path path = queues.newPath();
        ChildJvm child = null;
        try (IpcQueue queue = IpcQueue.create(path, config()))
        {
            try
            {
                final Producer producer = queue.producer();
                final Consumer fresh = queue.consumer(4);
                assertNull(fresh.tryLease());
                final int messages = 10;
                for (long seq = 0; seq < messages; seq++)
                {
                    assertEquals(SendResult.OK, producer.trySend(0, payload(seq)));
                }
                CrashSupport.awaitReaperIs(queue, ProcessHandle.current().pid());
                child = ChildJvm.start(null, "consume", path.toString(), "3", "hold");
                assertNotNull(child.awaitLine("HOLDING", BOUND), "child holds its leases\n" + child.log());
                final List<Long> childHeld = new ArrayList<>();
                for (final String line : child.linesStartingWith("LEASED "))
                {
                    childHeld.add(Long.parseLong(line.split(" ")[0]));
                }
                assertEquals(3, childHeld.size());

                final Map<Long, Integer> acked = new TreeMap<>();
                int parentFenced = 0;
                // The messages the child does not hold first: they owe nothing to the pause.
                while (acked.size() < messages - childHeld.size())
                {
                    final Lease lease = fresh.lease(BOUND);
                    assertNotNull(lease, "delivery of the messages the child does not hold");
                    final long seq = seqOf(lease);
                    assertFalse(childHeld.contains(seq), "message " + seq + " is leased by the (running) child");
                    if (lease.ack())
                    {
                        acked.merge(seq, 1, Integer::sum);
                    }
                    else
                    {
                        parentFenced++;
                    }
                }

                child.signal("STOP");
                final long stoppedNs = System.nanoTime();
                long firstRedeliveryMs = -1;
                final long deadline = stoppedNs + BOUND.toNanos();
                while (acked.size() < messages)
                {
                    final Lease lease = fresh.lease(Duration.ofMillis(50));
                    if (lease != null)
                    {
                        final long seq = seqOf(lease);
                        if (firstRedeliveryMs < 0)
                        {
                            firstRedeliveryMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedNs);
                        }
                        assertTrue(childHeld.contains(seq), "only the stopped child's messages are left: " + seq);
                        assertEquals(2, lease.deliveryCount(), "a redelivery");
                        if (lease.ack())
                        {
                            acked.merge(seq, 1, Integer::sum);
                        }
                        else
                        {
                            parentFenced++;
                        }
                    }
                    assertTrue(System.nanoTime() - deadline < 0,
                        "the stopped child's leases were not revoked within " + BOUND + "\n" + CrashEvidence.dump(path));
                }
                // Its process lives: its rows are marked dead but kept (it may wake), never reclaimed.
                final long childPid = child.pid();
                final List<QueueStats.ParticipantStats> childRows = queue.stats().participants().stream()
                    .filter(p -> p.pid() == childPid).toList();
                assertFalse(childRows.isEmpty(), "a stopped process keeps its rows");
                assertTrue(childRows.stream().allMatch(p -> p.rowState().equals("dead")), "rows marked dead: " +
                    childRows);

                child.signal("CONT");
                child.command("GO");
                assertNotNull(child.awaitLine("CLOSED", BOUND), "child reports its late operations\n" + child.log());
                assertEquals(0, child.awaitExit(BOUND), "child exits cleanly\n" + child.log());
                final List<String> seen = child.lines();
                System.out.println("[crash-matrix] SIGSTOP consumer: leases revoked and redelivered " +
                    firstRedeliveryMs + " ms after the stop (heartbeat timeout " + HEARTBEAT_TIMEOUT.toMillis() +
                    " ms); the continued child saw " + seen.subList(seen.indexOf("HOLDING") + 1, seen.size()));
                assertTrue(seen.contains("ACK false"), "late ack fenced: " + seen);
                assertTrue(seen.contains("EXTEND false"), "late extend fenced: " + seen);
                assertTrue(seen.contains("RELEASE false"), "late release fenced: " + seen);
                assertTrue(seen.contains("EVICTED true"), "the child notices it was evicted: " + seen);
                assertTrue(seen.contains("LEASE_THROWS ParticipantEvictedException"), "an evicted consumer " +
                    "cannot lease: " + seen);

                for (long seq = 0; seq < messages; seq++)
                {
                    assertEquals(1, acked.getOrDefault(seq, 0), "message " + seq + " acked exactly once: " + acked);
                }
                final QueueStats stats = queue.stats();
                assertEquals(stats.capacity(), stats.free(), "nothing left: " + stats.lanes());
                assertEquals(3 + parentFenced, stats.counter(CounterIndex.FENCED_ACKS),
                    "the three late operations, and only they, were fenced");
                assertEquals(messages, stats.counter(CounterIndex.ACKED), "acks applied");
                assertEquals(3, stats.counter(CounterIndex.REVOKED_DEAD), "leases revoked from the stopped child");
                assertTrue(stats.participants().stream().noneMatch(p -> p.pid() == childPid),
                    "the child's rows are freed once it closes");
                sendAndDrainALap(producer, fresh);
            }
            catch (final Throwable failure)
            {
                final Path evidence = CrashEvidence.save("PausedConsumerTest-consumer", path, child, failure);
                throw new AssertionError("failed (evidence in " + evidence + "): " + failure.getMessage(), failure);
            }
            finally
            {
                if (child != null)
                {
                    // SIGKILL ends a stopped process too.
                    child.close();
                }
            }
        }
    }

    /**
     * A producer paused past the heartbeat timeout while holding a claim keeps it (its process lives, so the
     * reaper never tombstones it): consumers of the lane wait at that position. When continued, its commit
     * publishes the message, which is delivered once, followed by the ones sent behind it; it finds itself evicted.
     */
    @Test
    void pausedProducerKeepsItsClaimAndCommitsWhenContinued() throws Exception
    {
        final Path path = queues.newPath();
        ChildJvm child = null;
        try (IpcQueue queue = IpcQueue.create(path, config()))
        {
            try
            {
                final Producer producer = queue.producer();
                final Consumer consumer = queue.consumer(4);
                assertNull(consumer.tryLease());
                CrashSupport.awaitReaperIs(queue, ProcessHandle.current().pid());
                for (long seq = 0; seq < 3; seq++)
                {
                    assertEquals(SendResult.OK, producer.trySend(0, payload(seq)));
                }
                final long claimed = 500;
                child = ChildJvm.start(null, "claim", path.toString(), Long.toString(claimed));
                assertNotNull(child.awaitLine("CLAIMED", BOUND), "child holds a claim\n" + child.log());
                for (long seq = 3; seq < 6; seq++)
                {
                    assertEquals(SendResult.OK, producer.trySend(0, payload(seq)));
                }
                child.signal("STOP");
                final Map<Long, Integer> acked = new TreeMap<>();
                for (int i = 0; i < 3; i++)
                {
                    final Lease lease = consumer.lease(BOUND);
                    assertNotNull(lease);
                    assertTrue(lease.ack());
                    acked.merge(seqOf(lease), 1, Integer::sum);
                }
                // Past three heartbeat timeouts the stopped producer is judged dead, yet its claim stands.
                final long until = System.nanoTime() + 3 * HEARTBEAT_TIMEOUT.toNanos();
                while (System.nanoTime() - until < 0)
                {
                    assertNull(consumer.lease(Duration.ofMillis(50)), "nothing passes a live producer's claim");
                }
                final long childPid = child.pid();
                assertTrue(queue.stats().participants().stream()
                    .filter(p -> p.pid() == childPid).allMatch(p -> p.rowState().equals("dead")), "judged dead");
                assertEquals(0, queue.stats().counter(CounterIndex.REPAIRED_CLAIMS), "claim of a live process kept");

                child.signal("CONT");
                child.command("GO");
                assertNotNull(child.awaitLine("CLOSED", BOUND), "child commits and closes\n" + child.log());
                assertEquals(0, child.awaitExit(BOUND));
                final List<String> seen = child.lines();
                assertTrue(seen.contains("EVICTED true"), "the producer notices it was evicted: " + seen);
                assertTrue(seen.contains("SEND_THROWS ParticipantEvictedException"), "an evicted producer " +
                    "cannot send: " + seen);
                final List<Long> order = new ArrayList<>();
                while (acked.size() < 7)
                {
                    final Lease lease = consumer.lease(BOUND);
                    assertNotNull(lease, "the committed claim and the messages behind it are delivered: " + acked);
                    final long seq = seqOf(lease);
                    assertTrue(lease.ack());
                    acked.merge(seq, 1, Integer::sum);
                    order.add(seq);
                }
                assertEquals(List.of(claimed, 3L, 4L, 5L), order, "in position order");
                assertTrue(acked.values().stream().allMatch(n -> n == 1), "each once: " + acked);
                final QueueStats stats = queue.stats();
                assertEquals(stats.capacity(), stats.free());
                sendAndDrainALap(producer, consumer);
            }
            catch (final Throwable failure)
            {
                final Path evidence = CrashEvidence.save("PausedConsumerTest-producer", path, child, failure);
                throw new AssertionError("failed (evidence in " + evidence + "): " + failure.getMessage(), failure);
            }
            finally
            {
                if (child != null)
                {
                    // SIGKILL ends a stopped process too.
                    child.close();
                }
            }
        }
    }

    private static void sendAndDrainALap(final Producer producer, final Consumer consumer)
    {
        for (int i = 0; i < CAPACITY; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, payload(1_000 + i)), "every slot reusable");
        }
        for (int i = 0; i < CAPACITY; i++)
        {
            final Lease lease = consumer.lease(BOUND);
            assertNotNull(lease);
            assertTrue(lease.ack());
        }
    }
}
