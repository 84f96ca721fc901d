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

    /** @return ROLE_PRODUCER, ROLE_CONSUMER, ROLE_DEAD_LETTER_CONSUMER, ROLE_ADMIN, ROLE_BRIDGE_OUT or ROLE_BRIDGE_IN. */
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

    /** @return true if the row's role is a bridge's (its bridge counters words are in use). */
    public boolean isBridge()
    {
        final int role = role();
        return role == ROLE_BRIDGE_OUT || role == ROLE_BRIDGE_IN;
    }

    /** @return a bridge's messages published to JetStream (bridge out) or pulled from it (bridge in). */
    public long bridgePublished()
    {
        return buffer.getLongVolatile(offset + BRIDGE_PUBLISHED_OFFSET);
    }

    /** @return a bridge's messages confirmed (JetStream's publish ack, or the local commit and JetStream ack). */
    public long bridgeConfirmed()
    {
        return buffer.getLongVolatile(offset + BRIDGE_CONFIRMED_OFFSET);
    }

    /** @return a bridge's duplicates (JetStream's dedupe answers, or redelivered ids). */
    public long bridgeDuplicates()
    {
        return buffer.getLongVolatile(offset + BRIDGE_DUPLICATES_OFFSET);
    }

    /** @return a bridge's messages in flight (published, not yet confirmed). */
    public long bridgeInFlight()
    {
        return buffer.getLongVolatile(offset + BRIDGE_IN_FLIGHT_OFFSET);
    }
}
