package io.ipcq;

import io.ipcq.ReapResult;
import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class ReaperTest
{
    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void staleHeartbeatRevokesLeasesFencesTheHolderAndEvictsIt()
    {
        final CachedEpochClock clock = new CachedEpochClock();
        clock.update(1_000_000);
        final IpcQueue queue = queues.closeLater(IpcQueue.create(queues.newPath(), QueueConfig.builder()
            .capacity(8).maxPayloadLength(32).leaseTimeout(Duration.ofMinutes(5))
            .heartbeatTimeout(Duration.ofSeconds(1)).build(), clock));
        final Producer producer = queue.producer();
        final Consumer paused = queue.consumer();
        assertEquals(SendResult.OK, producer.trySend(0, "a".getBytes(StandardCharsets.UTF_8)));
        final Lease lease = paused.tryLease();
        assertNotNull(lease);

        clock.advance(1_500);
        final ReapResult result = queue.reap();
        assertEquals(1, result.revokedDead());
        assertTrue(result.deadParticipants() >= 2, "producer and consumer both stopped beating: " + result);
        assertEquals(0, result.reclaimedParticipants(), "their process is alive: rows are kept");
        assertTrue(paused.isEvicted());
        assertFalse(lease.ack(), "late ack of a revoked lease is fenced");
        assertThrows(ParticipantEvictedException.class, paused::tryLease);

        try (Consumer fresh = queue.consumer())
        {
            final Lease again = fresh.tryLease();
            assertNotNull(again);
            assertEquals(2, again.deliveryCount());
            assertTrue(again.ack());
        }
        assertEquals(8, queue.stats().free());
    }

    @Test
    void liveParticipantWithFreshHeartbeatIsNeverTouched()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(8).maxPayloadLength(32)
            .heartbeatTimeout(Duration.ofSeconds(30)).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        assertEquals(SendResult.OK, producer.trySend(0, "a".getBytes(StandardCharsets.UTF_8)));
        final Lease lease = consumer.tryLease();
        final ReapResult result = queue.reap();
        assertEquals(0, result.revokedDead());
        assertEquals(0, result.deadParticipants());
        assertTrue(lease.ack());
    }
}
