package io.ipcq;

import io.ipcq.ring.RingSlots;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The batch paths (protocol #1d, #5b) through the public API: one tail step and one cursor step per batch, the
 * order a batch lease keeps (redeliveries first, higher lanes first), what ends a run, and what happens to leases a
 * batch still holds.
 */
class BatchTest
{
    @RegisterExtension
    final TempQueues queues = new TempQueues();

    private static UnsafeBuffer message(final long value)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);
        buffer.putLong(0, value);
        return buffer;
    }

    private static SendBatch batchOf(final long first, final int count)
    {
        final SendBatch batch = new SendBatch(count);
        for (int i = 0; i < count; i++)
        {
            batch.add(message(first + i), 0, 8);
        }
        return batch;
    }

    @Test
    void sendBatch_takesTheRunWithOneTailStep_andLeaseBatchWithOneCursorStep()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(16).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer(16);
        final SendBatch send = batchOf(0, 6);
        assertEquals(6, producer.trySend(0, send));
        assertEquals(SendResult.OK, send.result());
        final RingSlots ring = queue.lane(0).slots();
        assertEquals(6, ring.tailPosition());
        for (int i = 0; i < 6; i++)
        {
            assertEquals(ring.messageId(i), send.messageId(i), "ids in position order");
        }
        final LeaseBatch batch = new LeaseBatch(8);
        assertEquals(4, consumer.tryLease(batch, 4));
        assertEquals(4, ring.leaseCursor(), "cursor moved by the batch");
        for (int i = 0; i < 4; i++)
        {
            assertEquals(i, batch.payload(i).getLong(0));
            assertEquals(8, batch.length(i));
            assertEquals(1, batch.deliveryCount(i));
            assertEquals(send.messageId(i), batch.id(i));
            assertEquals(0, batch.lane(i));
        }
        assertEquals(4, consumer.heldLeases());
        assertEquals(4, batch.ackAll());
        assertEquals(0, consumer.heldLeases());
        assertEquals(2, consumer.tryLease(batch, 8), "only two left");
        assertEquals(6, ring.leaseCursor());
        assertTrue(batch.ack(0));
        assertTrue(batch.ack(1));
        assertEquals(0, consumer.tryLease(batch, 8));
        assertEquals(ReceiveStatus.EMPTY, consumer.status());
        assertEquals(16, queue.stats().free());
    }

    /** A batch lease takes what that many single leases would: redeliveries first (oldest first), higher lanes
     * first. */
    @Test
    void leaseBatch_keepsTheOrderOfSingleLeases()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(16).lanes(2).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer(32);
        assertEquals(4, producer.trySend(0, batchOf(0, 4)));
        assertEquals(3, producer.trySend(1, batchOf(100, 3)));
        // Lease 100 and 101, release them in reverse: both come back before 102, oldest first.
        final Lease first = consumer.tryLease();
        final Lease second = consumer.tryLease();
        assertEquals(100, first.payload().getLong(0));
        assertEquals(101, second.payload().getLong(0));
        assertTrue(second.release());
        assertTrue(first.release());
        final LeaseBatch batch = new LeaseBatch(16);
        assertEquals(7, consumer.tryLease(batch, 16));
        final long[] expected = { 100, 101, 102, 0, 1, 2, 3 };
        for (int i = 0; i < expected.length; i++)
        {
            assertEquals(expected[i], batch.payload(i).getLong(0), "entry " + i);
        }
        assertEquals(2, batch.deliveryCount(0));
        assertEquals(1, batch.deliveryCount(2));
        assertEquals(1, batch.lane(1));
        assertEquals(0, batch.lane(3));
        batch.ackAll();
        assertEquals(32, queue.stats().free());
    }

    /** A run at the cursor ends at an aborted position; the batch goes on past it, as single leases would. */
    @Test
    void leaseBatch_goesOnPastAnAbortedPosition()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(8).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer(8);
        assertEquals(SendResult.OK, producer.trySend(0, message(0), 0, 8));
        final Claim claim = new Claim();
        assertEquals(SendResult.OK, producer.tryClaim(0, 8, claim));
        claim.abort();
        assertEquals(SendResult.OK, producer.trySend(0, message(2), 0, 8));
        final LeaseBatch batch = new LeaseBatch(4);
        assertEquals(2, consumer.tryLease(batch, 4));
        assertEquals(0, batch.payload(0).getLong(0));
        assertEquals(2, batch.payload(1).getLong(0));
        assertEquals(3, queue.lane(0).slots().leaseCursor());
        assertEquals(2, batch.ackAll());
    }

    /** A held message at the tail ends the run: the batch sends the run, skips the held slot (as a single send
     * does), and goes on; every message arrives once, in order. */
    @Test
    void sendBatch_pastAHeldSlot_sendsEveryMessageInOrder()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(8).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer(16);
        assertEquals(8, producer.trySend(0, batchOf(0, 8)));
        final LeaseBatch batch = new LeaseBatch(8);
        assertEquals(8, consumer.tryLease(batch, 8));
        // Keep message 2 leased; ack the rest: the next lap's run from position 8 ends at slot 2.
        for (int i = 0; i < 8; i++)
        {
            if (i != 2)
            {
                assertTrue(batch.ack(i));
            }
        }
        final Lease held = batch.lease(2);
        final SendBatch send = batchOf(10, 7);
        assertEquals(7, producer.trySend(0, send));
        assertEquals(SendResult.OK, send.result());
        final LeaseBatch next = new LeaseBatch(8);
        int got = 0;
        long expected = 10;
        while (got < 7)
        {
            final int n = consumer.tryLease(next, 8);
            assertTrue(n > 0, "leased " + got + " of 7");
            for (int i = 0; i < n; i++)
            {
                assertEquals(expected++, next.payload(i).getLong(0));
            }
            got += n;
            next.ackAll();
        }
        // Only message 2 is left in the lane; a lap later its slot is in the way again, and skipped again.
        final SendBatch more = batchOf(20, 3);
        assertEquals(3, producer.trySend(0, more));
        assertEquals(SendResult.OK, more.result());
        assertEquals(3, consumer.tryLease(next, 8) + consumer.tryLease(new LeaseBatch(8), 8));
        assertTrue(held.ack());
    }

    @Test
    void sendBatch_onAFullLane_sendsThePrefixThatFits()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(8).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final SendBatch send = batchOf(0, 6);
        assertEquals(6, producer.trySend(0, send));
        assertEquals(2, producer.trySend(0, send));
        assertEquals(SendResult.FULL, send.result());
        assertEquals(2, send.sent());
        assertThrows(IndexOutOfBoundsException.class, () -> send.messageId(2));
        assertEquals(0, producer.trySend(0, send));
        assertEquals(SendResult.FULL, send.result());
        queue.seal();
        assertEquals(0, producer.trySend(0, send.clear().add(message(1), 0, 8)));
        assertEquals(SendResult.SEALED, send.result());
    }

    @Test
    void sendBatch_withAMessageTooLong_sendsNothing()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(8).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final SendBatch send = new SendBatch(2).add(new byte[8]).add(new byte[65]);
        assertThrows(IllegalArgumentException.class, () -> producer.trySend(0, send));
        assertEquals(0, queue.lane(0).slots().tailPosition());
    }

    /** Closing a batch, or its consumer, releases the leases not ended; a batch still holding one is refused. */
    @Test
    void unendedLeases_goBack()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(8).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer(8);
        assertEquals(4, producer.trySend(0, batchOf(0, 4)));
        final LeaseBatch batch = new LeaseBatch(4);
        assertEquals(3, consumer.tryLease(batch, 3));
        assertTrue(batch.ack(1));
        assertThrows(IllegalStateException.class, () -> consumer.tryLease(batch, 3), "still holds 0 and 2");
        batch.close();
        assertEquals(0, consumer.heldLeases());
        assertEquals(3, consumer.tryLease(batch, 4), "0 and 2 again, then 3");
        assertEquals(0, batch.payload(0).getLong(0));
        assertEquals(2, batch.deliveryCount(0));
        assertEquals(2, batch.payload(1).getLong(0));
        assertEquals(3, batch.payload(2).getLong(0));
        consumer.close();
        final Consumer other = queue.consumer(8);
        assertEquals(3, other.tryLease(new LeaseBatch(8), 8), "close put them back");
    }

    /** The batch never holds more than the consumer may; at the maximum it refuses as tryLease does. */
    @Test
    void leaseBatch_staysWithinTheConsumersMaximum()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(16).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer(3);
        assertEquals(8, producer.trySend(0, batchOf(0, 8)));
        final LeaseBatch batch = new LeaseBatch(8);
        assertEquals(3, consumer.tryLease(batch, 8));
        final LeaseBatch other = new LeaseBatch(8);
        assertThrows(IllegalStateException.class, () -> consumer.tryLease(other, 1));
        batch.ackAll();
        assertEquals(3, consumer.tryLease(batch, 8));
        assertEquals(3, batch.payload(0).getLong(0));
    }

    @Test
    void blockingBatchLease_waitsForTheFirstMessage() throws Exception
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(16).maxPayloadLength(64).build());
        final Consumer consumer = queue.consumer(8);
        final LeaseBatch batch = new LeaseBatch(8);
        assertEquals(0, consumer.lease(batch, 8, Duration.ofMillis(20)));
        assertEquals(ReceiveStatus.TIMED_OUT, consumer.status());
        final Thread sender = new Thread(() ->
        {
            try (Producer producer = queue.producer())
            {
                Thread.sleep(50);
                producer.trySend(0, batchOf(0, 5));
            }
            catch (final InterruptedException ignore)
            {
                // test over
            }
        });
        sender.start();
        int got = consumer.lease(batch, 8, Duration.ofSeconds(10));
        assertTrue(got >= 1);
        batch.ackAll();
        while (got < 5)
        {
            final int n = consumer.lease(batch, 8, Duration.ofSeconds(10));
            assertTrue(n > 0);
            got += n;
            batch.ackAll();
        }
        sender.join();
        queue.seal();
        assertEquals(0, consumer.lease(batch, 8, Duration.ofSeconds(5)));
        assertEquals(ReceiveStatus.END_OF_STREAM, consumer.status());
    }

    /** A batch of more than a lap: the claim takes at most a lap per step, the lease likewise. */
    @Test
    void batchesLargerThanTheRing()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(4).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer(16);
        final SendBatch send = batchOf(0, 10);
        assertEquals(4, producer.trySend(0, send));
        assertEquals(SendResult.FULL, send.result());
        final LeaseBatch batch = new LeaseBatch(10);
        assertEquals(4, consumer.tryLease(batch, 10));
        assertEquals(4, queue.lane(0).slots().leaseCursor());
        assertEquals(4, queue.lane(0).slots().tailPosition());
        batch.ackAll();
    }
}
