package io.ipcq.tools.demo;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * What one demo consumer did with each message, kept in a small memory-mapped file so that it survives a
 * {@code kill -9} of the consumer: the driver reads it after the consumer is gone.
 * <p>
 * Per message a state byte: LEASED when the consumer took the lease, ACKING just before it calls ack, ACKED (or
 * REFUSED) once ack answered. A consumer killed between the ack and the ACKED store leaves ACKING: whether that ack
 * landed is settled by whether another consumer got the message again.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                      Acked Count (long)                       |
 *  +---------------------------------------------------------------+
 *  |                    Leases Held Now (long)                     |
 *  +---------------------------------------------------------------+
 *  |          Leases Granted With Delivery Count > 1 (long)        |
 *  +---------------------------------------------------------------+
 *  |                Payloads Failing The Check (long)              |
 *  +---------------------------------------------------------------+
 *  |         Messages Leased Again After Its Own Ack (long)        |
 *  +---------------------------------------------------------------+
 *  |                     Padding to 64 bytes                       |
 *  +---------------------------------------------------------------+
 *  |             State byte per message, by sequence              ...
 *  +---------------------------------------------------------------+
 *  |      Delivery count byte per message (capped at 127)         ...
 *  +---------------------------------------------------------------+
 * </pre>
 * Only its consumer writes it.
 */
final class AckLog implements AutoCloseable
{
    static final byte NONE = 0;
    static final byte LEASED = 1;
    static final byte ACKING = 2;
    static final byte ACKED = 3;
    static final byte REFUSED = 4;

    private static final int ACKED_COUNT_OFFSET = 0;
    private static final int HELD_OFFSET = 8;
    private static final int REDELIVERED_OFFSET = 16;
    private static final int CORRUPT_OFFSET = 24;
    private static final int DUPLICATE_OFFSET = 32;
    private static final int HEADER_LENGTH = 64;

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;
    private final int messages;

    private AckLog(final MappedByteBuffer mapped, final int messages)
    {
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
        this.messages = messages;
        if (buffer.capacity() != length(messages))
        {
            IoUtil.unmap(mapped);
            throw new IllegalStateException("ack log of " + buffer.capacity() + " bytes, expected " +
                length(messages) + " for " + messages + " messages");
        }
    }

    static AckLog create(final Path path, final int messages)
    {
        return new AckLog(IoUtil.mapNewFile(path.toFile(), length(messages)), messages);
    }

    static AckLog open(final Path path, final int messages)
    {
        return new AckLog(IoUtil.mapExistingFile(path.toFile(), "ack log"), messages);
    }

    private static long length(final int messages)
    {
        return HEADER_LENGTH + 2L * messages;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Written by the consumer
    // ---------------------------------------------------------------------------------------------------------

    /**
     * @param sequence   the message's number.
     * @param deliveries its delivery count.
     * @return false if the sequence is outside the run (then nothing is recorded but a failed check).
     */
    boolean leased(final long sequence, final int deliveries)
    {
        if (sequence < 0 || sequence >= messages)
        {
            corrupt();
            return false;
        }
        final int index = (int)sequence;
        if (state(index) == ACKED)
        {
            add(DUPLICATE_OFFSET, 1);
        }
        buffer.putByte(HEADER_LENGTH + messages + index, (byte)Math.min(deliveries, Byte.MAX_VALUE));
        buffer.putByteVolatile(HEADER_LENGTH + index, LEASED);
        add(HELD_OFFSET, 1);
        if (deliveries > 1)
        {
            add(REDELIVERED_OFFSET, 1);
        }
        return true;
    }

    void acking(final long sequence)
    {
        buffer.putByteVolatile(HEADER_LENGTH + (int)sequence, ACKING);
    }

    void acked(final long sequence, final boolean accepted)
    {
        buffer.putByteVolatile(HEADER_LENGTH + (int)sequence, accepted ? ACKED : REFUSED);
        add(HELD_OFFSET, -1);
        if (accepted)
        {
            add(ACKED_COUNT_OFFSET, 1);
        }
    }

    void corrupt()
    {
        add(CORRUPT_OFFSET, 1);
    }

    private void add(final int offset, final long delta)
    {
        buffer.putLongVolatile(offset, buffer.getLong(offset) + delta);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Read by the driver
    // ---------------------------------------------------------------------------------------------------------

    int messages()
    {
        return messages;
    }

    byte state(final int sequence)
    {
        return buffer.getByteVolatile(HEADER_LENGTH + sequence);
    }

    int deliveries(final int sequence)
    {
        return buffer.getByte(HEADER_LENGTH + messages + sequence);
    }

    long ackedCount()
    {
        return buffer.getLongVolatile(ACKED_COUNT_OFFSET);
    }

    long held()
    {
        return buffer.getLongVolatile(HELD_OFFSET);
    }

    long redelivered()
    {
        return buffer.getLongVolatile(REDELIVERED_OFFSET);
    }

    long corruptCount()
    {
        return buffer.getLongVolatile(CORRUPT_OFFSET);
    }

    long leasedAgainAfterAck()
    {
        return buffer.getLongVolatile(DUPLICATE_OFFSET);
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
