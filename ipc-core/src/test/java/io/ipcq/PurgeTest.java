package io.ipcq;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link IpcQueue#purge}: drops the messages that wait for a delivery (ready, or requeued), never a leased one; refused
 * while leases are held unless forced; one lane, or the dead-letter ring (docs/protocol.md #18).
 */
class PurgeTest
{
    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void dropsReadyAndRequeuedMessagesAndIsRefusedWhileALeaseIsHeldUnlessForced()
    {
        final IpcQueue queue = queues.create(config(8).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        for (int i = 0; i < 5; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, utf8("m" + i)));
        }
        final Lease held = consumer.tryLease();
        assertEquals("m0", text(held));
        final Lease released = consumer.tryLease();
        assertEquals("m1", text(released));
        assertTrue(released.release());

        final QueueException refused = assertThrows(QueueException.class, () -> queue.purge(false));
        assertTrue(refused.getMessage().contains("refused: 1 lease is held"), refused::getMessage);
        assertEquals(3, queue.stats().ready(), "a refused purge drops nothing");
        assertEquals(1, queue.stats().redelivery());

        assertEquals(4, queue.purge(true), "m1 (requeued) and m2..m4 (ready)");
        assertEquals(0, queue.stats().ready());
        assertEquals(0, queue.stats().redelivery());
        assertEquals(1, queue.stats().leased(), "the leased message stays with its holder");
        assertNull(consumer.tryLease());
        assertTrue(held.ack(), "the holder's lease is untouched by a forced purge");
        assertEquals(queue.capacity(), queue.stats().free());
        assertEquals(0, queue.purge(false), "nothing left, and no lease: not refused");

        // Every slot serves again: a whole lap, delivered in order.
        assertEquals(List.of("a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"), sendAndDrain(queue, producer, consumer,
            0, "a", 8));
    }

    @Test
    void purgesOneLaneOnly()
    {
        final IpcQueue queue = queues.create(config(8).lanes(2).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        assertEquals(SendResult.OK, producer.trySend(0, utf8("low0")));
        assertEquals(SendResult.OK, producer.trySend(0, utf8("low1")));
        for (int i = 0; i < 3; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(1, utf8("high" + i)));
        }
        assertEquals(3, queue.purge(1, false));
        assertEquals("low0", text(consumer.tryLease()));
        assertEquals("low1", text(consumer.tryLease()));
        assertNull(consumer.tryLease());
        final QueueException noSuchLane = assertThrows(QueueException.class, () -> queue.purge(2, false));
        assertTrue(noSuchLane.getMessage().contains("lane 2 does not exist"), noSuchLane::getMessage);
    }

    @Test
    void purgesAMessageOlderThanALapThatProducersSkipped()
    {
        final IpcQueue queue = queues.create(config(4).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        for (int i = 0; i < 4; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, utf8("m" + i)));
        }
        final Lease oldest = consumer.tryLease();
        for (int i = 1; i < 4; i++)
        {
            assertTrue(consumer.tryLease().ack());
        }
        // Position 4 comes round to the slot of m0, still leased: it is skipped; 5, 6, 7 take the other slots.
        for (int i = 4; i < 7; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, utf8("m" + i)));
        }
        assertTrue(oldest.release(), "m0 waits for a redelivery in a skipped slot, more than a lap below the tail");
        assertEquals(4, queue.purge(false));
        assertEquals(queue.capacity(), queue.stats().free());
        assertNull(consumer.tryLease());
        assertEquals(List.of("b0", "b1", "b2", "b3"), sendAndDrain(queue, producer, consumer, 0, "b", 4));
    }

    @Test
    void purgesDeadLettersAndIsRefusedWhileOneIsLeased()
    {
        final IpcQueue queue = queues.create(config(8).maxDeliveries(1).deadLetterCapacity(4).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        deadLetter(producer, consumer, "d", 3);
        assertEquals(3, queue.stats().deadLettered());
        assertEquals(0, queue.purge(false), "the lanes hold nothing");
        assertEquals(3, queue.stats().deadLettered());

        final Consumer deadLetters = queue.deadLetterConsumer();
        final Lease leased = deadLetters.tryLease();
        assertEquals("d0", text(leased));
        final QueueException refused = assertThrows(QueueException.class, () -> queue.purgeDeadLetters(false));
        assertTrue(refused.getMessage().contains("the dead-letter ring"), refused::getMessage);
        assertEquals(2, queue.purgeDeadLetters(true));
        assertNull(deadLetters.tryLease());
        assertTrue(leased.ack());
        assertEquals(0, queue.stats().deadLettered());
        assertEquals(0, queue.stats().deadLetters().occupied());

        // The dead-letter ring serves a whole lap again.
        deadLetter(producer, consumer, "e", 4);
        final List<String> read = new ArrayList<>();
        for (Lease lease = deadLetters.tryLease(); lease != null; lease = deadLetters.tryLease())
        {
            read.add(text(lease));
            assertTrue(lease.ack());
        }
        assertEquals(List.of("e0", "e1", "e2", "e3"), read);
    }

    // ---------------------------------------------------------------------------------------------------------

    static void deadLetter(final Producer producer, final Consumer consumer, final String prefix, final int count)
    {
        for (int i = 0; i < count; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, utf8(prefix + i)));
            final Lease lease = consumer.tryLease();
            assertEquals(prefix + i, text(lease));
            assertTrue(lease.release(), "released after max deliveries: dead-lettered");
        }
    }

    static List<String> sendAndDrain(
        final IpcQueue queue, final Producer producer, final Consumer consumer, final int lane, final String prefix,
        final int count)
    {
        for (int i = 0; i < count; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(lane, utf8(prefix + i)), "send " + i);
        }
        final List<String> received = new ArrayList<>();
        for (Lease lease = consumer.tryLease(); lease != null; lease = consumer.tryLease())
        {
            received.add(text(lease));
            assertTrue(lease.ack());
        }
        assertEquals(queue.capacity(), queue.stats().free());
        return received;
    }

    static QueueConfig.Builder config(final int capacity)
    {
        return QueueConfig.builder().capacity(capacity).maxPayloadLength(64).leaseTimeout(Duration.ofSeconds(30));
    }

    static byte[] utf8(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static String text(final Lease lease)
    {
        assertNotNull(lease);
        final byte[] bytes = new byte[lease.length()];
        lease.payload().getBytes(0, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
