package io.ipcq;

import io.ipcq.layout.SlotDescriptor;
import io.ipcq.read.QueueView;
import org.agrona.IoUtil;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import static io.ipcq.PurgeTest.text;
import static io.ipcq.PurgeTest.utf8;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The Enqueued Epoch ms word (slot offset 48 of a lane, docs/layout.md): stamped by the commit from the producer's
 * queue clock, read by {@link Lease#enqueuedAtEpochMs()} on every delivery, unknown (0) for a dead letter (no word
 * there in layout version 2), stamped again by a redrive; and the read model's oldest ready message per lane
 * ({@link QueueStats.LaneStats#oldestReadyAgeMs()}).
 */
class EnqueueTimeTest
{
    private static final long START = 1_780_000_000_000L;
    /**
     * How stale the process's ticking clock may read on a loaded machine: it is refreshed every millisecond by a
     * thread that a busy scheduler can hold back.
     */
    private static final long TICKING_CLOCK_SLACK_MS = 250;

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    private final CachedEpochClock clock = new CachedEpochClock();

    @Test
    void aLeaseSeesTheTimeOfItsSendFromTheProcessClock()
    {
        final IpcQueue queue = queues.create(PurgeTest.config(8).build());
        final Producer producer = queue.producer();
        final long before = System.currentTimeMillis();
        assertEquals(SendResult.OK, producer.trySend(0, utf8("m")));
        final long after = System.currentTimeMillis();

        final Lease lease = queue.consumer().tryLease();
        final long enqueued = lease.enqueuedAtEpochMs();
        assertTrue(enqueued >= before - TICKING_CLOCK_SLACK_MS && enqueued <= after,
            "enqueued " + enqueued + " within [" + before + " - slack, " + after + "]");
    }

    @Test
    void redeliveriesKeepTheTimeOfTheSendReleasedOrExpired()
    {
        clock.update(START);
        final IpcQueue queue = manual(PurgeTest.config(8).maxDeliveries(5).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        assertEquals(SendResult.OK, producer.trySend(0, utf8("m")));

        clock.advance(7);
        final Lease first = consumer.tryLease();
        assertEquals(START, first.enqueuedAtEpochMs());
        assertTrue(first.release());

        clock.advance(7);
        final Lease second = consumer.tryLease();
        assertEquals(2, second.deliveryCount());
        assertEquals(START, second.enqueuedAtEpochMs(), "a release keeps it");

        clock.advance(Duration.ofSeconds(31).toMillis());
        assertEquals(1, queue.sweep().expired());
        final Lease third = consumer.tryLease();
        assertEquals(3, third.deliveryCount());
        assertEquals(START, third.enqueuedAtEpochMs(), "an expiry keeps it");
        assertTrue(third.ack());
    }

    @Test
    void aZeroCopyClaimIsStampedAtItsCommit()
    {
        clock.update(START);
        final IpcQueue queue = manual(PurgeTest.config(8).build());
        final Claim claim = new Claim();
        assertEquals(SendResult.OK, queue.producer().tryClaim(0, 1, claim));
        claim.buffer().putByte(0, (byte)'c');
        clock.advance(5);
        claim.commit();
        assertEquals(START + 5, queue.consumer().tryLease().enqueuedAtEpochMs(),
            "the time the message became visible, not the claim's");
    }

    @Test
    void aDeadLetterHasNoEnqueueTimeAndARedriveStampsItsCopyAsANewEnqueue()
    {
        clock.update(START);
        final IpcQueue queue = manual(PurgeTest.config(8).lanes(2).maxDeliveries(1).build());
        final Consumer consumer = queue.consumer();
        assertEquals(SendResult.OK, queue.producer().trySend(1, utf8("d")));
        clock.advance(10);
        final Lease lease = consumer.tryLease();
        assertEquals(START, lease.enqueuedAtEpochMs());
        assertTrue(lease.release(), "past max deliveries: dead-lettered");

        final Consumer deadLetters = queue.deadLetterConsumer();
        final Lease deadLetter = deadLetters.tryLease();
        assertEquals("d", text(deadLetter));
        assertEquals(SlotDescriptor.UNKNOWN_ENQUEUE_TIME, deadLetter.enqueuedAtEpochMs(),
            "a dead-letter slot keeps no enqueue time (its word 48 is the Redrive Target)");
        assertTrue(deadLetter.release(), "a released dead letter stays in the dead-letter ring");
        try (QueueView view = QueueView.open(queue.path()))
        {
            final QueueStats.LaneStats ring = QueueStats.read(view, START + 20).deadLetters();
            assertEquals(1, ring.requeued());
            assertEquals(-1, ring.oldestReadyAgeMs(), "the dead-letter ring has no ages");
        }

        clock.advance(10);
        assertEquals(1, queue.redrive(1));
        final Lease redriven = consumer.tryLease();
        assertEquals("d", text(redriven));
        assertEquals(1, redriven.lane());
        assertEquals(START + 20, redriven.enqueuedAtEpochMs(), "the redrive's time: a new enqueue in the lane");
        assertTrue(redriven.ack());
    }

    @Test
    void theReadModelAgesTheOldestReadyMessageOfEachLane() throws IOException
    {
        clock.update(START);
        final IpcQueue queue = manual(PurgeTest.config(8).lanes(3).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        assertEquals(SendResult.OK, producer.trySend(0, utf8("a")));       // lane 0, position 0, START
        clock.advance(5);
        assertEquals(SendResult.OK, producer.trySend(0, utf8("b")));       // lane 0, position 1, START + 5
        clock.advance(2);
        assertEquals(SendResult.OK, producer.trySend(1, utf8("c")));       // lane 1, START + 7
        final long now = START + 100;

        try (QueueView view = QueueView.open(queue.path()))
        {
            QueueStats stats = QueueStats.read(view, now);
            assertOldest(stats.lanes().get(0), START, 100);
            assertOldest(stats.lanes().get(1), START + 7, 93);
            assertOldest(stats.lanes().get(2), SlotDescriptor.UNKNOWN_ENQUEUE_TIME, -1);

            final Lease c = consumer.tryLease();                              // highest lane first: c
            final Lease a = consumer.tryLease();
            assertEquals("a", text(a));
            stats = QueueStats.read(view, now);
            assertOldest(stats.lanes().get(0), START + 5, 95);                // a is leased: not ready
            assertOldest(stats.lanes().get(1), SlotDescriptor.UNKNOWN_ENQUEUE_TIME, -1);

            assertTrue(a.release());
            assertOldest(QueueStats.read(view, now).lanes().get(0), START, 100);   // REQUEUED waits again
            assertOldest(QueueStats.read(view, START - 50).lanes().get(0), START, 0);  // a clock behind: not < 0
            assertTrue(c.ack());

            // A writer older than the word leaves 0: unknown, and not counted.
            zeroEnqueueTime(queue, view.layout().slotOffset(0, 0));
            assertOldest(QueueStats.read(view, now).lanes().get(0), START + 5, 95);
            final Lease unknown = consumer.tryLease();
            assertEquals("a", text(unknown));
            assertEquals(SlotDescriptor.UNKNOWN_ENQUEUE_TIME, unknown.enqueuedAtEpochMs());
        }
    }

    private static void assertOldest(final QueueStats.LaneStats lane, final long enqueuedEpochMs, final long ageMs)
    {
        assertEquals(enqueuedEpochMs, lane.oldestReadyEnqueuedEpochMs(), "lane " + lane.lane() + " oldest");
        assertEquals(ageMs, lane.oldestReadyAgeMs(), "lane " + lane.lane() + " age");
    }

    private static void zeroEnqueueTime(final IpcQueue queue, final int slotOffset) throws IOException
    {
        try (FileChannel channel = FileChannel.open(queue.path(), StandardOpenOption.READ, StandardOpenOption.WRITE))
        {
            final MappedByteBuffer mapping = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size());
            try
            {
                new UnsafeBuffer(mapping).putLongVolatile(
                    slotOffset + SlotDescriptor.ENQUEUED_EPOCH_MS_OFFSET, SlotDescriptor.UNKNOWN_ENQUEUE_TIME);
            }
            finally
            {
                IoUtil.unmap(mapping);
            }
        }
    }

    private IpcQueue manual(final QueueConfig config)
    {
        return queues.closeLater(IpcQueue.create(queues.newPath(), config, clock));
    }
}
