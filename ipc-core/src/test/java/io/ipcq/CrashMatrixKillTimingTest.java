package io.ipcq;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static io.ipcq.CrashChild.payload;
import static io.ipcq.CrashChild.seqOf;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Measures the time from {@code kill -9} of a consumer holding leases to those messages being delivered again here
 * (docs/crash-matrix.md, "Recovery time"). The pid is visibly gone, so the reaper needs no heartbeat timeout: about
 * one reaper period (a quarter of the heartbeat timeout). Printed; asserted only against a generous bound.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrashMatrixKillTimingTest
{
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofMillis(500);
    static final Duration BOUND = HEARTBEAT_TIMEOUT.plusSeconds(5);
    static final int RUNS = 3;
    static final int HELD = 4;

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void killNineOfALeaseHolderToRedelivery() throws Exception
    {
        final List<Long> firstMs = new ArrayList<>();
        final List<Long> allMs = new ArrayList<>();
        for (int run = 0; run < RUNS; run++)
        {
            final Path path = queues.newPath();
            ChildJvm child = null;
            try (IpcQueue queue = IpcQueue.create(path, QueueConfig.builder().capacity(16).maxPayloadLength(64)
                .heartbeatTimeout(HEARTBEAT_TIMEOUT).leaseTimeout(Duration.ofSeconds(60)).build()))
            {
                try
                {
                    final Producer producer = queue.producer();
                    final Consumer consumer = queue.consumer(4);
                    assertNull(consumer.tryLease());
                    for (long seq = 0; seq < 2 * HELD; seq++)
                    {
                        assertEquals(SendResult.OK, producer.trySend(0, payload(seq)));
                    }
                    CrashSupport.awaitReaperIs(queue, ProcessHandle.current().pid());
                    child = ChildJvm.start(null, "consume", path.toString(), Integer.toString(HELD), "hold");
                    assertNotNull(child.awaitLine("HOLDING", Duration.ofSeconds(30)), child.log());
                    final Set<Long> held = new TreeSet<>();
                    for (final String line : child.linesStartingWith("LEASED "))
                    {
                        held.add(Long.parseLong(line.split(" ")[0]));
                    }
                    for (int i = 0; i < HELD; i++)
                    {
                        final Lease lease = consumer.lease(Duration.ofSeconds(5));
                        assertNotNull(lease);
                        assertFalse(held.contains(seqOf(lease)));
                        assertTrue(lease.ack());
                    }
                    // Kill at a random phase of the reaper's period.
                    Thread.sleep(ThreadLocalRandomHolder.nextInt(250));

                    final long killedNs = System.nanoTime();
                    child.process().destroyForcibly();
                    long first = -1;
                    final Set<Long> redelivered = new TreeSet<>();
                    while (redelivered.size() < HELD)
                    {
                        final Lease lease = consumer.tryLease();
                        final long elapsedNs = System.nanoTime() - killedNs;
                        if (lease != null)
                        {
                            if (first < 0)
                            {
                                first = TimeUnit.NANOSECONDS.toMillis(elapsedNs);
                            }
                            final long seq = seqOf(lease);
                            assertTrue(held.contains(seq), "only the killed child's messages are left: " + seq);
                            assertEquals(2, lease.deliveryCount());
                            assertTrue(lease.ack());
                            assertTrue(redelivered.add(seq), "redelivered twice: " + seq);
                        }
                        else
                        {
                            assertTrue(elapsedNs < BOUND.toNanos(), "not redelivered within " + BOUND + ": " +
                                redelivered + "\n" + CrashEvidence.dump(path));
                            Thread.onSpinWait();
                        }
                    }
                    final long all = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs);
                    firstMs.add(first);
                    allMs.add(all);
                    System.out.println("[crash-matrix] kill -9 of a consumer holding " + HELD + " leases: first " +
                        "redelivery after " + first + " ms, all " + HELD + " after " + all + " ms (heartbeat timeout " +
                        HEARTBEAT_TIMEOUT.toMillis() + " ms, reaper pass every " + HEARTBEAT_TIMEOUT.toMillis() / 4 +
                        " ms)");
                }
                catch (final Throwable failure)
                {
                    final Path evidence = CrashEvidence.save("CrashMatrixKillTimingTest-" + run, path, child, failure);
                    throw new AssertionError("failed (evidence in " + evidence + "): " + failure.getMessage(),
                        failure);
                }
                finally
                {
                    if (child != null)
                    {
                        child.close();
                    }
                }
            }
        }
        final List<Long> sorted = new ArrayList<>(allMs);
        Collections.sort(sorted);
        System.out.println("[crash-matrix] kill -9 to redelivery of all held leases over " + RUNS + " runs: " +
            allMs + " ms, median " + sorted.get(sorted.size() / 2) + " ms (first redelivery: " + firstMs + " ms)");
    }

    private static final class ThreadLocalRandomHolder
    {
        static int nextInt(final int bound)
        {
            return java.util.concurrent.ThreadLocalRandom.current().nextInt(bound);
        }
    }
}
