package io.ipcq.read;

import io.ipcq.layout.SlotDescriptor;
import org.agrona.concurrent.AtomicBuffer;

import static io.ipcq.layout.SlotDescriptor.*;

/**
 * Read-only flyweight over one slot (diagram: {@link SlotDescriptor}; docs/layout.md "Slot"). Wrap it at
 * {@link QueueLayout#slotOffset(int, int)}; what the words mean together is {@link SlotDecoder}'s job.
 */
public final class SlotFlyweight
{
    private AtomicBuffer buffer;
    private int offset;

    /**
     * @param buffer over the file.
     * @param offset of the slot.
     * @return this.
     */
    public SlotFlyweight wrap(final AtomicBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return the offset of the slot this flyweight is wrapped at. */
    public int offset()
    {
        return offset;
    }

    /** @return the Sequence word (bit 63: skipped). */
    public long sequence()
    {
        return buffer.getLongVolatile(offset + SEQUENCE_OFFSET);
    }

    /** @return the lease-state word: state, holder and generation, see {@link io.ipcq.layout.LeaseState}. */
    public long leaseStateWord()
    {
        return buffer.getLongVolatile(offset + LEASE_STATE_OFFSET);
    }

    /** @return the deadline word: tag and deadline, see {@link SlotDescriptor#deadlineWord(int, long)}. */
    public long deadlineWord()
    {
        return buffer.getLongVolatile(offset + DEADLINE_OFFSET);
    }

    /**
     * @return the Message Id word: the lane in the top byte, the position of the original send below (see
     * {@link MessageIds}).
     */
    public long messageId()
    {
        return buffer.getLongVolatile(offset + MESSAGE_ID_OFFSET);
    }

    /** @return the Delivery Count word: deliveries so far, 1 on the first lease. */
    public int deliveryCount()
    {
        return buffer.getIntVolatile(offset + DELIVERY_COUNT_OFFSET);
    }

    /** @return the Payload Length word (checked against the max payload by SlotDecoder). */
    public int payloadLength()
    {
        return buffer.getIntVolatile(offset + PAYLOAD_LENGTH_OFFSET);
    }

    /** @return the Position word: the position of the message (or claim) the slot holds. */
    public long position()
    {
        return buffer.getLongVolatile(offset + POSITION_OFFSET);
    }

    /**
     * @return the Enqueued Epoch ms word of a lane slot: when its message was committed, 0 = unknown. Only for lane
     * slots: in a dead-letter slot the same offset holds the Redrive Target ({@link QueueView#decode} reads it only
     * where it means the enqueue time).
     */
    public long enqueuedEpochMs()
    {
        return buffer.getLongVolatile(offset + ENQUEUED_EPOCH_MS_OFFSET);
    }

    /**
     * Copies the first bytes of the payload.
     *
     * @param destination filled from the payload's start; its length must not exceed the max payload.
     */
    public void payloadBytes(final byte[] destination)
    {
        buffer.getBytes(offset + PAYLOAD_OFFSET, destination);
    }
}
