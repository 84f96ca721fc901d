package io.ipcq.read;

import io.ipcq.layout.ParticipantDescriptor;
import org.agrona.concurrent.AtomicBuffer;

import static io.ipcq.layout.ParticipantDescriptor.*;

/**
 * Read-only flyweight over one participants table row (diagram: {@link ParticipantDescriptor}; docs/layout.md
 * "Participants table row"). Wrap it at {@link QueueLayout#participantOffset(int)}.
 */
public final class ParticipantFlyweight
{
    private AtomicBuffer buffer;
    private int offset;

    /**
     * @param buffer over the file.
     * @param offset of the row.
     * @return this.
     */
    public ParticipantFlyweight wrap(final AtomicBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return ROW_FREE, ROW_ATTACHING, ROW_ACTIVE or ROW_DEAD (another value: corrupt). */
    public int rowState()
    {
        return buffer.getIntVolatile(offset + ROW_STATE_OFFSET);
    }

    /** @return ROLE_PRODUCER, ROLE_CONSUMER, ROLE_DEAD_LETTER_CONSUMER or ROLE_ADMIN. */
    public int role()
    {
        return buffer.getIntVolatile(offset + ROLE_OFFSET);
    }

    /** @return the pid the row names. */
    public long pid()
    {
        return buffer.getLongVolatile(offset + PID_OFFSET);
    }

    /** @return field 22 of /proc/PID/stat when the row was taken, or -1 if unknown. */
    public long startTime()
    {
        return buffer.getLongVolatile(offset + START_TIME_OFFSET);
    }

    /** @return when the row was taken, epoch ms. */
    public long attachedEpochMs()
    {
        return buffer.getLongVolatile(offset + ATTACHED_EPOCH_MS_OFFSET);
    }

    /** @return the row's last heartbeat, epoch ms. */
    public long heartbeatEpochMs()
    {
        return buffer.getLongVolatile(offset + HEARTBEAT_EPOCH_MS_OFFSET);
    }

    /** @return leases the row's handle counts as held. */
    public long leasesHeld()
    {
        return buffer.getLongVolatile(offset + LEASES_HELD_OFFSET);
    }

    /**
     * @param counterIndex one of {@link io.ipcq.layout.CounterIndex}.
     * @return this row's count.
     */
    public long counter(final int counterIndex)
    {
        return buffer.getLongVolatile(offset + counterOffset(counterIndex));
    }
}
