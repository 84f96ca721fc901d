package io.ipcq;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static io.ipcq.PurgeTest.config;
import static io.ipcq.PurgeTest.deadLetter;
import static io.ipcq.PurgeTest.text;
import static io.ipcq.PurgeTest.utf8;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link IpcQueue#redrive}: dead letters back to their lane (or a lane given), ids, origin ids and payloads kept,
 * delivery count reset; at most a count; never a leased dead letter; a full lane stops it and keeps the dead letter.
 */
class RedriveTest
{
    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void movesDeadLettersBackToTheirLaneWithIdOriginAndBinaryPayloadKeptAndTheDeliveryCountReset()
    {
        final IpcQueue queue = queues.create(config(8).lanes(2).maxPayloadLength(256).maxDeliveries(1).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++)
        {
            binary[i] = (byte)i;
        }
        assertEquals(SendResult.OK, producer.trySend(1, new UnsafeBuffer(binary), 0, binary.length, 4242L));
        assertEquals(SendResult.OK, producer.trySend(0, utf8("plain")));
        final List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 2; i++)
        {
            final Lease lease = consumer.tryLease();
            ids.add(lease.id());
            assertTrue(lease.release());
        }
        assertEquals(2, queue.stats().deadLettered());
        assertNull(consumer.tryLease());

        assertEquals(2, queue.redrive(Long.MAX_VALUE));
        assertEquals(0, queue.stats().deadLettered());

        final Lease first = consumer.tryLease();
        assertEquals(ids.get(0), first.id(), "the id of the original send");
        assertEquals(1, first.lane());
        assertEquals(1, first.deliveryCount(), "the delivery count starts again");
        assertEquals(4242L, first.originId());
        final byte[] read = new byte[first.length()];
        first.payload().getBytes(0, read);
        assertArrayEquals(binary, read, "byte for byte");
        final Lease second = consumer.tryLease();
        assertEquals(ids.get(1), second.id());
        assertEquals("plain", text(second));
        assertEquals(-1, second.originId());
        assertTrue(second.ack());

        // Reset, so max deliveries applies afresh: one more release dead-letters it again.
        assertTrue(first.release());
        assertEquals(1, queue.stats().deadLettered());
        final Lease deadAgain = queue.deadLetterConsumer().tryLease();
        assertEquals(ids.get(0), deadAgain.id());
        assertEquals(2, deadAgain.deliveryCount(),
            "a dead letter keeps its count (one delivery since the redrive, not two) and this read adds one");
        assertTrue(deadAgain.ack());
        assertEquals(queue.stats().capacity(), queue.stats().free());
        assertEquals(0, queue.stats().deadLetters().occupied());
    }

    @Test
    void movesToTheLaneGivenAndAtMostTheCountGiven()
    {
        final IpcQueue queue = queues.create(config(8).lanes(2).maxDeliveries(1).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        deadLetter(producer, consumer, "d", 3);
        assertEquals(2, queue.redrive(2, 1));
        assertEquals(1, queue.stats().deadLettered());
        assertEquals(2, queue.stats().lanes().get(1).ready(), "on lane 1, though sent on lane 0");
        final Lease lease = consumer.tryLease();
        assertEquals("d0", text(lease));
        assertEquals(0, lease.lane(), "the id still names the lane of the first send");
        assertTrue(lease.ack());
        assertEquals(1, queue.redrive(5));
        assertEquals(0, queue.redrive(5), "nothing left");
        assertEquals(List.of("d1", "d2"), drain(consumer));
        final QueueException noSuchLane = assertThrows(QueueException.class, () -> queue.redrive(1, 2));
        assertTrue(noSuchLane.getMessage().contains("lane 2 does not exist"), noSuchLane::getMessage);
    }

    @Test
    void leavesLeasedDeadLettersAndStopsAtAFullLaneKeepingTheDeadLetter()
    {
        final IpcQueue queue = queues.create(config(2).maxDeliveries(1).deadLetterCapacity(4).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        deadLetter(producer, consumer, "d", 3);
        final Consumer deadLetters = queue.deadLetterConsumer();
        final Lease leasedDeadLetter = deadLetters.tryLease();
        assertEquals("d0", text(leasedDeadLetter));

        assertEquals(SendResult.OK, producer.trySend(0, utf8("x")));
        assertEquals(1, queue.redrive(10), "one slot free in the lane: d1 moves, d2 finds the lane full");
        assertEquals(2, queue.stats().deadLettered(), "d0 (leased) and d2 (lane full) stay");
        assertEquals(List.of("x", "d1"), drain(consumer));

        assertEquals(1, queue.redrive(10), "d2 now; d0 is leased");
        assertEquals(List.of("d2"), drain(consumer));
        assertTrue(leasedDeadLetter.release());
        assertEquals(1, queue.redrive(10));
        assertEquals(List.of("d0"), drain(consumer));
        assertEquals(queue.stats().capacity(), queue.stats().free());
        assertEquals(0, queue.stats().deadLetters().occupied());
        assertNull(deadLetters.tryLease());
    }

    static List<String> drain(final Consumer consumer)
    {
        final List<String> received = new ArrayList<>();
        for (Lease lease = consumer.tryLease(); lease != null; lease = consumer.tryLease())
        {
            received.add(text(lease));
            assertTrue(lease.ack());
        }
        return received;
    }
}
