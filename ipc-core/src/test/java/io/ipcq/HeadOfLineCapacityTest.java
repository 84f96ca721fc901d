package io.ipcq;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * CONTRACT §1: "Capacity counts messages that are ready, leased, or waiting for redelivery. A full queue says so."
 * Found by the crash demo: one message whose lease is still held (a slow consumer, or a dead one before its lease
 * expires) makes the lane answer FULL once the producers are {@code capacity} positions past it, however many slots
 * are free: a producer claims position p only when the slot of p - capacity has been freed (LaneRing.tryClaim).
 */
class HeadOfLineCapacityTest
{
    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test

    void oneHeldLeaseDoesNotMakeTheQueueFull()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(4).maxPayloadLength(16)
            .leaseTimeout(Duration.ofMinutes(1)).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        for (int i = 0; i < 4; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, bytes("m" + i)));
        }
        final Lease slow = consumer.tryLease();
        assertNotNull(slow);
        for (int i = 1; i < 4; i++)
        {
            assertTrue(consumer.tryLease().ack());
        }
        assertEquals(3, queue.stats().free(), "one message in the queue, three slots free");

        assertEquals(SendResult.OK, producer.trySend(0, bytes("m4")), "1 of 4 slots in use: not full");
        assertTrue(slow.ack());
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
