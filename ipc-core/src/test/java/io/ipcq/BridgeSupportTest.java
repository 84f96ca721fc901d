package io.ipcq;

import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.SlotDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What ipc-core gives the JetStream bridge (docs/bridge.md): the origin word of a slot (offset 56) and the bridge
 * roles and words of a participant row (offsets 4 and 216..247).
 */
class BridgeSupportTest
{
    @RegisterExtension
    final TempQueues queues = new TempQueues();

    private IpcQueue queue(final int capacity)
    {
        return queues.create(QueueConfig.builder().lanes(2).capacity(capacity).maxPayloadLength(64).maxDeliveries(1)
            .leaseTimeout(Duration.ofSeconds(30)).build());
    }

    @Test
    void aSendWithAnOriginIdIsLeasedWithIt_andAPlainSendInTheSameSlotHasNone()
    {
        final IpcQueue queue = queue(2);
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final byte[] bytes = "bridged".getBytes(StandardCharsets.UTF_8);
        final org.agrona.concurrent.UnsafeBuffer buffer = new org.agrona.concurrent.UnsafeBuffer(bytes);
        // Id 0 (lane 0, position 0) is a real id: the word stores it plus one.
        assertEquals(SendResult.OK, producer.trySend(1, buffer, 0, bytes.length, 0));
        assertEquals(SendResult.OK, producer.trySend(1, buffer, 0, bytes.length, (2L << 56) | 12345));
        try (Lease first = consumer.tryLease(); Lease second = consumer.tryLease())
        {
            assertEquals(0, first.originId());
            assertEquals((2L << 56) | 12345, second.originId());
            first.ack();
            second.ack();
        }
        // Two laps over the same two slots: plain sends must not show the earlier origin ids.
        for (int i = 0; i < 4; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(1, bytes));
            try (Lease lease = consumer.tryLease())
            {
                assertEquals(SlotDescriptor.NO_ORIGIN, lease.originId(), "a plain send has no origin");
                lease.ack();
            }
        }
    }

    @Test
    void aClaimStartsWithNoOriginAndCanBeGivenOne()
    {
        final IpcQueue queue = queue(2);
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final byte[] bytes = "x".getBytes(StandardCharsets.UTF_8);
        producer.trySend(0, new org.agrona.concurrent.UnsafeBuffer(bytes), 0, 1, 77);
        try (Lease lease = consumer.tryLease())
        {
            lease.ack();
        }
        final Claim claim = new Claim();
        for (int i = 0; i < 2; i++)
        {
            assertEquals(SendResult.OK, producer.tryClaim(0, 1, claim));
            claim.buffer().putByte(0, (byte)'c');
            if (i == 1)
            {
                claim.originId(99);
            }
            claim.commit();
            try (Lease lease = consumer.tryLease())
            {
                assertEquals(i == 0 ? SlotDescriptor.NO_ORIGIN : 99, lease.originId());
                lease.ack();
            }
        }
    }

    @Test
    void aDeadLetterKeepsItsOriginId()
    {
        final IpcQueue queue = queue(4);
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final byte[] bytes = "poison".getBytes(StandardCharsets.UTF_8);
        producer.trySend(0, new org.agrona.concurrent.UnsafeBuffer(bytes), 0, bytes.length, 4242);
        final Lease lease = consumer.tryLease();
        assertTrue(lease.release(), "max deliveries 1: the release dead-letters it");
        try (Consumer deadLetters = queue.deadLetterConsumer();
             Lease dead = deadLetters.tryLease())
        {
            assertNotNull(dead);
            assertEquals(4242, dead.originId());
            dead.ack();
        }
    }

    @Test
    void bridgeHandlesHaveTheirRolesAndWordsAndANewRowStartsAtZero()
    {
        final IpcQueue queue = queue(4);
        final Consumer out = queue.bridgeOutConsumer(8);
        final Producer in = queue.bridgeInProducer();
        assertEquals("bridge-out", role(queue, out.participantIndex()));
        assertEquals("bridge-in", role(queue, in.participantIndex()));
        final BridgeCounters counters = out.bridgeCounters();
        counters.addPublished(5);
        counters.addConfirmed(3);
        counters.addDuplicates(2);
        counters.inFlight(7);
        assertEquals(5, counters.published());
        assertEquals(3, counters.confirmed());
        assertEquals(2, counters.duplicates());
        assertEquals(7, counters.inFlight());
        final int row = out.participantIndex();
        out.close();
        counters.addPublished(1);
        // The row is free now (and may be someone else's): a closed handle writes nothing.
        final Consumer next = queue.bridgeOutConsumer(8);
        assertEquals(row, next.participantIndex(), "the freed row is taken again");
        final BridgeCounters fresh = next.bridgeCounters();
        assertEquals(0, fresh.published() + fresh.confirmed() + fresh.duplicates() + fresh.inFlight(),
            "attach zeroes the bridge words");
        assertEquals(216, ParticipantDescriptor.BRIDGE_PUBLISHED_OFFSET);
        assertEquals(248, ParticipantDescriptor.BRIDGE_IN_FLIGHT_OFFSET + Long.BYTES);
    }

    private static String role(final IpcQueue queue, final int row)
    {
        return queue.stats().participants().stream().filter(p -> p.id() == row).findFirst().orElseThrow().role();
    }
}
