package io.ipcq;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static io.ipcq.DeliverySemanticsTest.text;
import static io.ipcq.DeliverySemanticsTest.utf8;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Zero-copy sends: {@link Producer#tryClaim}, then {@link Claim#commit()} or {@link Claim#abort()}.
 */
class ZeroCopyClaimTest
{
    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void claim_commitPublishesTheBytesWrittenInPlace()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(8).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final Claim claim = new Claim();
        assertEquals(SendResult.OK, producer.tryClaim(0, 16, claim));
        assertEquals(16, claim.length());
        assertEquals(16, claim.buffer().capacity());
        claim.buffer().putLong(0, 0x1122334455667788L);
        claim.buffer().putLong(8, -1L);
        assertNull(consumer.tryLease(), "not visible before commit");
        final long address = claim.buffer().addressOffset();
        claim.commit();
        assertFalse(claim.isActive());

        final Lease lease = consumer.tryLease();
        assertNotNull(lease);
        assertEquals(16, lease.length());
        assertEquals(0x1122334455667788L, lease.payload().getLong(0));
        assertEquals(-1L, lease.payload().getLong(8));
        assertEquals(address, lease.payload().addressOffset(), "read where it was written: no copy");
        assertTrue(lease.ack());
        assertEquals(1, queue.stats().counter(io.ipcq.layout.CounterIndex.SENT));
    }

    @Test
    void claim_abortedPositionIsSkippedByConsumers()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(8).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final Claim aborted = new Claim();
        assertEquals(SendResult.OK, producer.tryClaim(0, 8, aborted));
        producer.trySend(0, utf8("after"));
        assertNull(consumer.tryLease(), "consumers wait at an open claim");
        aborted.abort();
        assertFalse(aborted.isActive());

        final Lease lease = consumer.tryLease();
        assertEquals("after", text(lease));
        assertEquals(1, lease.deliveryCount());
        assertTrue(lease.ack());
        assertNull(consumer.tryLease(), "nothing was delivered for the aborted position");
        assertEquals(1, queue.stats().counter(io.ipcq.layout.CounterIndex.SENT));
        assertEquals(1, queue.stats().counter(io.ipcq.layout.CounterIndex.DELIVERED));
    }

    @Test
    void claim_abortDoesNotLeakCapacity()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(4).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final Claim claim = new Claim();
        final List<String> received = new ArrayList<>();
        for (int lap = 0; lap < 25; lap++)
        {
            // Aborts alone, many laps of the ring over.
            assertEquals(SendResult.OK, producer.tryClaim(0, 4, claim), "lap " + lap);
            claim.abort();
            // Aborts between messages.
            producer.trySend(0, utf8("m" + lap));
            assertEquals(SendResult.OK, producer.tryClaim(0, 4, claim));
            claim.abort();
            final Lease lease = consumer.tryLease();
            received.add(text(lease));
            assertTrue(lease.ack());
            assertEquals(queue.capacity(), queue.stats().free(), "lap " + lap);
        }
        assertEquals(25, received.size());
        assertEquals("m24", received.get(24));
        for (int i = 0; i < 4; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, utf8("fill" + i)), "the whole capacity is usable");
        }
        assertEquals(SendResult.FULL, producer.trySend(0, utf8("x")));
        assertEquals(SendResult.FULL, producer.tryClaim(0, 4, claim));
    }

    @Test
    void claim_anEndedClaimCannotBeUsed()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(4).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Claim claim = new Claim();
        assertThrows(IllegalStateException.class, claim::buffer, "never wrapped");
        producer.tryClaim(0, 4, claim);
        claim.commit();
        assertThrows(IllegalStateException.class, claim::buffer);
        assertThrows(IllegalStateException.class, claim::commit);
        assertThrows(IllegalStateException.class, claim::abort);
        producer.tryClaim(0, 4, claim);
        claim.abort();
        assertThrows(IllegalStateException.class, claim::commit);
        final Consumer consumer = queue.consumer();
        assertNotNull(consumer.tryLease());
        assertNull(consumer.tryLease(), "one message: one commit");
    }

    @Test
    void claim_reusedForEveryMessageOfALane()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().lanes(2).capacity(4).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final Claim claim = new Claim();
        for (int i = 0; i < 20; i++)
        {
            final int lane = i & 1;
            assertEquals(SendResult.OK, producer.tryClaim(lane, 4, claim));
            assertEquals(lane, claim.lane());
            claim.buffer().putInt(0, i);
            final long id = claim.messageId();
            claim.commit();
            final Lease lease = consumer.tryLease();
            assertEquals(i, lease.payload().getInt(0));
            assertEquals(id, lease.id());
            assertEquals(lane, lease.lane());
            assertTrue(lease.ack());
        }
    }
}
