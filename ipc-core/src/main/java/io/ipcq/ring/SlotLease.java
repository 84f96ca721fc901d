package io.ipcq.ring;

/**
 * What a lease holder must remember to act on its lease later: where the slot is and the exact lease-state word
 * its CAS installed. Acks, releases and extends CAS against that word, so they fail (are fenced) after any change.
 * Offsets are in the ring's slots buffer ({@link RingSlots#buffer()}). Mutable and reused: one per {@code Lease}
 * object, no allocation per message.
 */
public final class SlotLease
{
    RingConsumer ring;
    long position;
    int slotOffset;
    long leasedWord;
    int deliveryCount;
    int payloadLength;
    long messageId;
    /** Between a batch's state CAS and its completion (#5b): the deadline word read before the CAS. */
    long priorDeadline;

    public RingConsumer ring()
    {
        return ring;
    }

    public long position()
    {
        return position;
    }

    public int slotOffset()
    {
        return slotOffset;
    }

    public long leasedWord()
    {
        return leasedWord;
    }

    public int deliveryCount()
    {
        return deliveryCount;
    }

    public int payloadLength()
    {
        return payloadLength;
    }

    public long messageId()
    {
        return messageId;
    }

    public int payloadOffset()
    {
        return slotOffset + io.ipcq.layout.SlotDescriptor.PAYLOAD_OFFSET;
    }
}
