package io.ipcq;

import io.ipcq.layout.SlotDescriptor;
import io.ipcq.ring.LaneRing;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A claimed slot, written in place. Reusable: {@link Producer#tryClaim} wraps it onto each new claim; make one per
 * producer thread and keep it. Exactly one of {@link #commit()} or {@link #abort()} must follow each claim.
 */
public final class Claim
{
    private final UnsafeBuffer payload = new UnsafeBuffer(0, 0);
    private Producer producer;
    private LaneRing ring;
    private long position;
    private int length;
    private boolean active;

    void wrap(final Producer producer, final LaneRing ring, final long position, final int length)
    {
        this.producer = producer;
        this.ring = ring;
        this.position = position;
        this.length = length;
        payload.wrap(ring.buffer(), ring.slotOffset(position) + SlotDescriptor.PAYLOAD_OFFSET, length);
        active = true;
    }

    /**
     * @return the payload, {@link #length()} bytes, in the shared file: write the message here.
     */
    public MutableDirectBuffer buffer()
    {
        checkActive();
        return payload;
    }

    public int length()
    {
        return length;
    }

    public int lane()
    {
        return ring.lane();
    }

    /**
     * @return the id the message will carry on every delivery.
     */
    public long messageId()
    {
        return ring.messageId(position);
    }

    /**
     * Publishes the message.
     */
    public void commit()
    {
        checkActive();
        if (producer.isEvicted())
        {
            // Found truncated or replaced: no write may touch the mapping (a CAS there is a SIGBUS).
            producer.checkFileIntact();
        }
        active = false;
        ring.commit(position, length);
        producer.committed();
    }

    /**
     * Gives the position back unused; consumers step over it.
     */
    public void abort()
    {
        checkActive();
        if (producer.isEvicted())
        {
            // Found truncated or replaced: no write may touch the mapping (a CAS there is a SIGBUS).
            producer.checkFileIntact();
        }
        active = false;
        ring.abort(position);
    }

    Producer producer()
    {
        return producer;
    }

    public boolean isActive()
    {
        return active;
    }

    private void checkActive()
    {
        if (!active)
        {
            throw new IllegalStateException("no claim: committed or aborted already");
        }
    }
}
