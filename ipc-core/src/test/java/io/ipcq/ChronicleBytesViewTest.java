package io.ipcq;

import net.openhft.chronicle.bytes.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.BufferOverflowException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Claim#bytes()} and {@link Lease#bytes()}: fields written through a claim on one thread, read through a
 * lease on another, in place in the mapped file.
 */
class ChronicleBytesViewTest
{
    private static final int MESSAGES = 20_000;
    /** price (8) + quantity (8) + symbol: a stop-bit length (1) and up to 7 chars. */
    private static final int ORDER_LENGTH = 24;
    private static final String[] SYMBOLS = { "XYZ", "ABCD", "Q", "LONGSYM" };

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void fieldsWrittenThroughAClaimAreReadThroughALeaseOnAnotherThread() throws Exception
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(256).maxPayloadLength(64).build());
        final AtomicReference<Throwable> producerFailure = new AtomicReference<>();
        final Thread producerThread = new Thread(() ->
        {
            try (Producer producer = queue.producer())
            {
                final Claim claim = new Claim();
                for (int i = 0; i < MESSAGES; i++)
                {
                    while (producer.tryClaim(0, ORDER_LENGTH, claim) != SendResult.OK)
                    {
                        Thread.onSpinWait();
                    }
                    final Bytes<Void> order = claim.bytes();
                    assertEquals(0, order.writePosition());
                    assertEquals(ORDER_LENGTH, order.writeRemaining());
                    order.writeDouble(100 + i * 0.25).writeLong(i).write8bit(SYMBOLS[i % SYMBOLS.length]);
                    claim.commit();
                }
            }
            catch (final Throwable ex)
            {
                producerFailure.set(ex);
            }
        }, "bytes-view-producer");
        producerThread.start();
        try (Consumer consumer = queue.consumer())
        {
            for (int i = 0; i < MESSAGES; i++)
            {
                final int index = i;
                try (Lease lease = consumer.lease(Duration.ofSeconds(30)))
                {
                    assertNotNull(lease, () -> "message " + index + " not received; producer: " + producerFailure.get());
                    final Bytes<Void> order = lease.bytes();
                    assertEquals(ORDER_LENGTH, order.readRemaining());
                    assertEquals(100 + i * 0.25, order.readDouble());
                    assertEquals(i, order.readLong());
                    assertEquals(SYMBOLS[i % SYMBOLS.length], order.read8bit());
                    // The view is the slot itself: the same bytes as the DirectBuffer view, no copy.
                    assertEquals(i, lease.payload().getLong(8));
                    assertTrue(lease.ack());
                }
            }
        }
        finally
        {
            producerThread.join(30_000);
        }
        assertNull(producerFailure.get());
        assertFalse(producerThread.isAlive());
    }

    @Test
    void aClaimViewHoldsTheClaimedLengthAndNoMore()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(16).maxPayloadLength(64).build());
        try (Producer producer = queue.producer(); Consumer consumer = queue.consumer())
        {
            final Claim claim = new Claim();
            assertEquals(SendResult.OK, producer.tryClaim(0, 12, claim));
            final Bytes<Void> view = claim.bytes();
            view.writeLong(7).writeInt(9);
            assertThrows(BufferOverflowException.class, () -> view.writeByte((byte)1), "beyond the claimed 12 bytes");
            claim.commit();
            assertThrows(IllegalStateException.class, claim::bytes, "no view after commit");

            // Reused for the next claim, of another length, at another slot.
            assertEquals(SendResult.OK, producer.tryClaim(0, 4, claim));
            assertSame(view, claim.bytes(), "one view per claim object");
            assertEquals(4, claim.bytes().writeRemaining());
            claim.bytes().writeInt(5);
            claim.commit();

            // An empty message: a view with no room, and nothing to read.
            assertEquals(SendResult.OK, producer.tryClaim(0, 0, claim));
            assertEquals(0, claim.bytes().writeRemaining());
            claim.commit();

            try (Lease first = consumer.tryLease())
            {
                final Bytes<Void> read = first.bytes();
                assertEquals(12, read.readRemaining());
                assertEquals(7, read.readLong());
                assertEquals(9, read.readInt());
                assertThrows(RuntimeException.class, read::readByte, "beyond the message");
                first.ack();
            }
            try (Lease second = consumer.tryLease())
            {
                assertEquals(4, second.bytes().readRemaining());
                assertEquals(5, second.bytes().readInt());
                second.ack();
            }
            try (Lease empty = consumer.tryLease())
            {
                assertEquals(0, empty.length());
                assertEquals(0, empty.bytes().readRemaining());
                empty.ack();
            }
        }
    }
}
