package io.ipcq;

import io.ipcq.layout.LaneDescriptor;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 11 item 1: a lane word the protocol cannot produce (head hint, lease cursor, tail; of a lane or of the
 * dead-letter ring) is reported as {@link CorruptQueueException} naming the ring and the word, and never makes a
 * call loop over positions for ever. And a head hint many laps behind, which the protocol does produce, is not
 * taken for corruption.
 */
class CorruptLaneWordTest
{
    /** Bit 63 alone: what issue 11 wrote into the words. */
    private static final long BIT_63 = 0x8000_0000_0000_0000L;
    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final int CAPACITY = 4;

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    enum Word
    {
        HEAD_HINT(0, LaneDescriptor.HEAD_OFFSET, "lane 0", "head hint"),
        LEASE_CURSOR(0, LaneDescriptor.LEASE_CURSOR_OFFSET, "lane 0", "lease cursor"),
        DEAD_LETTER_HEAD_HINT(1, LaneDescriptor.HEAD_OFFSET, "the dead-letter ring", "head hint"),
        DEAD_LETTER_LEASE_CURSOR(1, LaneDescriptor.LEASE_CURSOR_OFFSET, "the dead-letter ring", "lease cursor");

        final int offset;
        final String ring;
        final String word;

        Word(final int ringIndex, final int field, final String ring, final String word)
        {
            this.offset = LaneDescriptor.laneDescriptorOffset(ringIndex) + field;
            this.ring = ring;
            this.word = word;
        }
    }

    @ParameterizedTest
    @EnumSource(Word.class)
    void openRefusesAnImpossibleLaneWord(final Word word) throws IOException
    {
        final Path path = queues.newPath();
        try (IpcQueue queue = IpcQueue.create(path, config(), SystemEpochClock.INSTANCE);
            Producer producer = queue.producer())
        {
            assertEquals(SendResult.OK, producer.trySend(0, bytes("a")));
            assertEquals(SendResult.OK, producer.trySend(0, bytes("b")));
        }
        // Negative, and past the tail + 1 (lane 0's tail is 2, the dead-letter ring's 0).
        for (final long value : new long[]{ BIT_63, -1, Long.MAX_VALUE, 4 })
        {
            putLong(path, word.offset, value);
            final CorruptQueueException refused = assertTimeoutPreemptively(LIMIT,
                () -> assertThrows(CorruptQueueException.class, () -> IpcQueue.open(path, SystemEpochClock.INSTANCE)),
                word + " = " + value);
            assertTrue(refused.getMessage().startsWith(word.ring + " of " + path + ": impossible " + word.word + " " +
                value), refused.getMessage());
        }
    }

    @Test
    void aHeadHintCorruptedWhileMappedFailsTheConsumerAndTheSweepInsteadOfLooping() throws IOException
    {
        final Path path = queues.newPath();
        final IpcQueue queue = queues.closeLater(IpcQueue.create(path, config(), SystemEpochClock.INSTANCE));
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        assertEquals(SendResult.OK, producer.trySend(0, bytes("a")));
        putLong(path, Word.HEAD_HINT.offset, BIT_63);

        final CorruptQueueException leasing = assertTimeoutPreemptively(LIMIT,
            () -> assertThrows(CorruptQueueException.class, () -> consumer.lease(Duration.ofMillis(300))));
        assertTrue(leasing.getMessage().contains("lane 0 of " + path + ": impossible head hint"),
            leasing.getMessage());
        final CorruptQueueException sweeping =
            assertTimeoutPreemptively(LIMIT, () -> assertThrows(CorruptQueueException.class, queue::sweep));
        assertTrue(sweeping.getMessage().contains("impossible head hint"), sweeping.getMessage());
    }

    @Test
    void aDeadLetterHeadHintCorruptedWhileMappedFailsTheReaperInsteadOfLooping() throws IOException
    {
        final Path path = queues.newPath();
        final IpcQueue queue = queues.closeLater(IpcQueue.create(path, config(), SystemEpochClock.INSTANCE));
        putLong(path, Word.DEAD_LETTER_HEAD_HINT.offset, BIT_63);
        final CorruptQueueException reaping =
            assertTimeoutPreemptively(LIMIT, () -> assertThrows(CorruptQueueException.class, queue::reap));
        assertTrue(reaping.getMessage().contains("the dead-letter ring of " + path + ": impossible head hint"),
            reaping.getMessage());
    }

    @Test
    void aLeaseCursorCorruptedWhileMappedFailsTheConsumerInsteadOfLooping() throws IOException
    {
        final Path path = queues.newPath();
        final IpcQueue queue = queues.closeLater(IpcQueue.create(path, config(), SystemEpochClock.INSTANCE));
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        assertEquals(SendResult.OK, producer.trySend(0, bytes("a")));
        for (final long value : new long[]{ BIT_63, -1, 1L << 40 })
        {
            putLong(path, Word.LEASE_CURSOR.offset, value);
            final CorruptQueueException leasing = assertTimeoutPreemptively(LIMIT,
                () -> assertThrows(CorruptQueueException.class, () -> consumer.lease(Duration.ofMillis(300))),
                "cursor = " + value);
            assertTrue(leasing.getMessage().contains("lane 0 of " + path + ": impossible lease cursor " + value),
                leasing.getMessage());
        }
    }

    @Test
    void aTailCorruptedBelowItsSlotsWhileMappedFailsTheProducer() throws IOException
    {
        final Path path = queues.newPath();
        final IpcQueue queue = queues.closeLater(IpcQueue.create(path, config(), SystemEpochClock.INSTANCE));
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        for (int i = 0; i < 10; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, bytes("m" + i)));
            assertTrue(consumer.tryLease().ack());
        }
        // Slot 1 has served positions 1, 5 and 9: its sequence (13) is further on than a tail of 1 allows.
        putLong(path, LaneDescriptor.laneDescriptorOffset(0) + LaneDescriptor.TAIL_OFFSET, 1);
        final CorruptQueueException sending = assertTimeoutPreemptively(LIMIT,
            () -> assertThrows(CorruptQueueException.class, () -> producer.trySend(0, bytes("x"))));
        assertTrue(sending.getMessage().contains("lane 0 of " + path + ": impossible tail 1"), sending.getMessage());
    }

    @Test
    void aHeadHintManyLapsBehindIsPassedInOneJumpNotTakenForCorruption()
    {
        final IpcQueue queue =
            queues.closeLater(IpcQueue.create(queues.newPath(), config(), SystemEpochClock.INSTANCE));
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        // One message held all along: producers skip its slot lap after lap, and the head hint stays at it.
        assertEquals(SendResult.OK, producer.trySend(0, bytes("held")));
        final Lease held = consumer.tryLease();
        assertNotNull(held);
        for (int i = 0; i < 25 * CAPACITY; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, bytes("m" + i)));
            assertTrue(consumer.tryLease().ack());
        }
        queue.seal();
        assertFalse(queue.isEndOfStream(), "the held message keeps the stream open");
        assertEquals(0, queue.lane(0).slots().headHint(), "the head hint stops at the held message");

        assertTrue(held.ack());
        final long tail = queue.lane(0).slots().tailPosition();
        assertTrue(tail > 25 * CAPACITY, "the tail is many laps past the head: " + tail);
        assertTrue(queue.isEndOfStream(), "every message freed: the head reaches the tail in one call");
        assertEquals(tail, queue.lane(0).slots().headHint());
    }

    @Test
    void aLeaseCursorManyLapsBehindStillFindsTheNextMessageInOneCall()
    {
        final IpcQueue queue =
            queues.closeLater(IpcQueue.create(queues.newPath(), config(), SystemEpochClock.INSTANCE));
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final Claim claim = new Claim();
        // A message held (and skipped lap after lap), then 25 laps of aborted claims the cursor has not passed yet.
        assertEquals(SendResult.OK, producer.trySend(0, bytes("held")));
        final Lease held = consumer.tryLease();
        assertNotNull(held);
        for (int i = 0; i < 25 * CAPACITY; i++)
        {
            assertEquals(SendResult.OK, producer.tryClaim(0, 1, claim));
            claim.abort();
        }
        assertEquals(SendResult.OK, producer.trySend(0, bytes("next")));
        final Lease next = consumer.tryLease();
        assertNotNull(next, "one call steps a lap, then jumps over the aborted laps to the message");
        assertEquals("next", new String(bytesOf(next), StandardCharsets.UTF_8));
        assertTrue(next.ack());
        assertTrue(held.ack());
    }

    private static byte[] bytesOf(final Lease lease)
    {
        final byte[] bytes = new byte[lease.length()];
        lease.payload().getBytes(0, bytes);
        return bytes;
    }

    private static QueueConfig config()
    {
        return QueueConfig.builder().capacity(CAPACITY).maxPayloadLength(16).leaseTimeout(Duration.ofMinutes(1))
            .build();
    }

    private static byte[] bytes(final String text)
    {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** Writes through the file, not the mapping: a live mapping of it sees the write (one page cache). */
    private static void putLong(final Path path, final int offset, final long value) throws IOException
    {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.WRITE))
        {
            final ByteBuffer bytes = ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(0, value);
            while (bytes.hasRemaining())
            {
                channel.write(bytes, offset + bytes.position());
            }
        }
    }
}
