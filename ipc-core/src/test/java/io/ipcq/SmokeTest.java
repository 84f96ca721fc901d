package io.ipcq;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

class SmokeTest
{
    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void sendLeaseAck()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(4).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        for (int i = 0; i < 4; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, ("m" + i).getBytes(StandardCharsets.UTF_8)));
        }
        assertEquals(SendResult.FULL, producer.trySend(0, "x".getBytes(StandardCharsets.UTF_8)));
        for (int i = 0; i < 4; i++)
        {
            final Lease lease = consumer.lease(Duration.ofSeconds(1));
            assertNotNull(lease);
            assertEquals("m" + i, lease.payload().getStringWithoutLengthUtf8(0, lease.length()));
            assertEquals(1, lease.deliveryCount());
            assertTrue(lease.ack());
        }
        assertNull(consumer.tryLease());
        assertEquals(ReceiveStatus.EMPTY, consumer.status());
        assertEquals(4, queue.stats().free());
        assertEquals(SendResult.OK, producer.trySend(0, "again".getBytes(StandardCharsets.UTF_8)));
        try (Lease lease = consumer.tryLease())
        {
            assertNotNull(lease);
        }
        final Lease again = consumer.tryLease();
        assertEquals(2, again.deliveryCount());
        assertTrue(again.ack());
        queue.seal();
        assertEquals(SendResult.SEALED, producer.trySend(0, "late".getBytes(StandardCharsets.UTF_8)));
        assertNull(consumer.lease(Duration.ofSeconds(5)));
        assertEquals(ReceiveStatus.END_OF_STREAM, consumer.status());
    }
}
