package io.ipcq;

import io.ipcq.layout.SlotDescriptor;
import io.ipcq.ring.RingProducer;
import net.openhft.chronicle.bytes.Bytes;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A claimed slot, written in place. Reusable: {@link Producer#tryClaim} wraps it onto each new claim; make one per
 * producer thread and keep it. Exactly one of {@link #commit()} or {@link #abort()} must follow each claim.
 */
public final class Claim
{
    private final UnsafeBuffer payload = new UnsafeBuffer(0, 0);
    /** Made on the first {@link #bytes()}: until then Chronicle Bytes is not loaded. */
    private PayloadBytes bytesView;
    private Producer producer;
    private RingProducer ring;
    private long position;
    private int length;
    private boolean active;

    void wrap(final Producer producer, final RingProducer ring, final long position, final int length)
    {
        this.producer = producer;
        this.ring = ring;
        this.position = position;
        this.length = length;
        final AtomicBuffer slots = ring.ring().buffer();
        final int slot = ring.ring().slotOffset(position);
        payload.wrap(slots, slot + SlotDescriptor.PAYLOAD_OFFSET, length);
        // The slot may hold an earlier message's origin id: a claim starts with none.
        slots.putLong(slot + SlotDescriptor.ORIGIN_ID_OFFSET, 0);
        active = true;
    }

    /**
     * Sets the id the message had in the queue it came from through a bridge (docs/bridge.md); a claim starts with
     * none ({@link SlotDescriptor#NO_ORIGIN}). Published by {@link #commit()} with the payload.
     *
     * @param originId the id where it came from.
     */
    public void originId(final long originId)
    {
        checkActive();
        ring.ring().buffer().putLong(ring.ring().slotOffset(position) + SlotDescriptor.ORIGIN_ID_OFFSET, originId + 1);
    }

    /**
     * @return the payload, {@link #length()} bytes, in the shared file: write the message here.
     */
    public MutableDirectBuffer buffer()
    {
        checkActive();
        return payload;
    }

    /**
     * The payload as a Chronicle Bytes view, for writing fields one after the other ({@code writeDouble},
     * {@code writeLong}, {@code write8bit}, ...) instead of at offsets: zero copy, and no allocation after the
     * first call on this claim object. It starts at offset 0 with room for exactly {@link #length()} bytes (a write
     * beyond throws); the message is {@link #length()} bytes whatever was written, so claim the length of the fields.
     * Valid until {@link #commit()} or {@link #abort()}.
     * <p>
     * Needs {@code net.openhft:chronicle-bytes} on the class path (an optional dependency of ipc-core) and
     * Chronicle's JVM flags.
     *
     * @return the view over the claimed slot's payload.
     */
    public Bytes<Void> bytes()
    {
        checkActive();
        if (bytesView == null)
        {
            bytesView = new PayloadBytes();
        }
        return bytesView.forWrite(payload.addressOffset(), length);
    }

    /**
     * @return the length asked for in the claim: the message will be exactly this many bytes.
     */
    public int length()
    {
        return length;
    }

    /**
     * @return the lane the claimed slot belongs to.
     */
    public int lane()
    {
        return ring.ring().lane();
    }

    /**
     * @return the id the message will carry on every delivery.
     */
    public long messageId()
    {
        return ring.ring().messageId(position);
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

    /**
     * @return true between a successful claim and its {@link #commit()} or {@link #abort()}.
     */
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
