package io.ipcq;

import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.ReapResult;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The classic failure of shared-memory rings: a full ring whose only way out is a repair. The reaper must get a
 * full lane moving again without needing a free slot itself. A dead process is stood in for by writing, into its
 * participant row, the pid of a process that has exited.
 */
class FullLaneRepairTest
{
    private static final int CAPACITY = 4;

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void aFullLaneWhoseEveryMessageIsLeasedByADeadConsumerIsRedelivered() throws Exception
    {
        final IpcQueue queue = manualQueue();
        final Producer producer = queue.producer();
        for (int i = 0; i < CAPACITY; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, bytes("m" + i)));
        }
        assertEquals(SendResult.FULL, producer.trySend(0, bytes("overflow")));

        final Consumer doomed = queue.consumer();
        for (int i = 0; i < CAPACITY; i++)
        {
            assertNotNull(doomed.tryLease());
        }
        killed(queue, doomed.participantIndex());

        final ReapResult result = queue.reap();
        assertEquals(CAPACITY, result.revokedDead(), result::toString);
        // Requeued messages keep their slots: still full until they are acked.
        assertEquals(SendResult.FULL, producer.trySend(0, bytes("still full")));

        try (Consumer rescuer = queue.consumer())
        {
            for (int i = 0; i < CAPACITY; i++)
            {
                final Lease lease = rescuer.tryLease();
                assertNotNull(lease, "message " + i + " was not redelivered");
                assertEquals("m" + i, lease.payload().getStringWithoutLengthAscii(0, lease.length()));
                assertEquals(2, lease.deliveryCount());
                assertTrue(lease.ack());
            }
            assertEquals(SendResult.OK, producer.trySend(0, bytes("room again")));
            final Lease next = rescuer.tryLease();
            assertEquals("room again", next.payload().getStringWithoutLengthAscii(0, next.length()));
            assertTrue(next.ack());
        }
        assertEquals(CAPACITY, queue.stats().free());
    }

    @Test
    void aFullLaneWedgedByADeadProducersClaimIsRepaired() throws Exception
    {
        final IpcQueue queue = manualQueue();
        final Producer live = queue.producer();
        final Producer doomed = queue.producer();
        for (int i = 0; i < CAPACITY - 1; i++)
        {
            assertEquals(SendResult.OK, live.trySend(0, bytes("m" + i)));
        }
        final Claim claim = new Claim();
        assertEquals(SendResult.OK, doomed.tryClaim(0, 8, claim));
        assertEquals(SendResult.FULL, live.trySend(0, bytes("full")));

        final Consumer consumer = queue.consumer();
        for (int i = 0; i < CAPACITY - 1; i++)
        {
            final Lease lease = consumer.tryLease();
            assertEquals("m" + i, lease.payload().getStringWithoutLengthAscii(0, lease.length()));
            assertTrue(lease.ack());
        }
        assertEquals(SendResult.OK, live.trySend(0, bytes("behind the claim")));
        assertNull(consumer.tryLease(), "consumers wait at the open claim while its producer may commit");

        killed(queue, doomed.participantIndex());
        final ReapResult result = queue.reap();
        assertEquals(1, result.repairedClaims(), result::toString);

        final Lease behind = consumer.tryLease();
        assertNotNull(behind, "the consumer is stuck behind the dead producer's claim");
        assertEquals("behind the claim", behind.payload().getStringWithoutLengthAscii(0, behind.length()));
        assertTrue(behind.ack());
        for (int i = 0; i < CAPACITY; i++)
        {
            assertEquals(SendResult.OK, live.trySend(0, bytes("lap " + i)), "capacity leaked by the repair");
        }
        for (int i = 0; i < CAPACITY; i++)
        {
            assertTrue(consumer.tryLease().ack());
        }
        assertEquals(CAPACITY, queue.stats().free());
    }

    private IpcQueue manualQueue()
    {
        // Manual mode, real clock: only reap() judges, and the live handles' heartbeats (written at attach) stay
        // fresh for the minute this test takes.
        return queues.closeLater(IpcQueue.create(queues.newPath(), QueueConfig.builder().capacity(CAPACITY)
            .maxPayloadLength(32).leaseTimeout(Duration.ofMinutes(5)).heartbeatTimeout(Duration.ofMinutes(1))
            .build(), SystemEpochClock.INSTANCE));
    }

    private static void killed(final IpcQueue queue, final int row) throws Exception
    {
        final Process exited = new ProcessBuilder("true").start();
        exited.waitFor();
        queue.buffer().putLongRelease(queue.participants().rowOffset(row) + ParticipantDescriptor.PID_OFFSET,
            exited.pid());
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }
}
