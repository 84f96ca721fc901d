package io.ipcq;

import io.ipcq.layout.CounterIndex;
import io.ipcq.ring.RingConsumer;
import io.ipcq.ring.SlotLease;
import net.openhft.chronicle.bytes.Bytes;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;

/**
 * Exclusive hold on one message, read in place. End it with {@link #ack()} (the message leaves the queue),
 * {@link #release()} (it goes back for redelivery), or {@link #close()}, which releases it if it was not acked:
 * so a try-with-resources block never loses a message, whatever exits it.
 * <p>
 * If the lease was taken away meanwhile (it expired, or its holder was declared dead), ack, release and extend
 * return false, change nothing, and count a fenced ack. A Lease object is reused by its {@link Consumer} once it
 * has ended: do not keep it after that.
 */
public final class Lease implements AutoCloseable
{
    private static final Duration MAX_EXTENSION =
        Duration.ofMillis(io.ipcq.layout.QueueDescriptor.MAX_DURATION_MS);

    private final Consumer consumer;
    private final SlotLease slot = new SlotLease();
    private final UnsafeBuffer payload = new UnsafeBuffer(0, 0);
    /** Made on the first {@link #bytes()}: until then Chronicle Bytes is not loaded. */
    private PayloadBytes bytesView;
    private boolean active;
    private boolean fenced;

    Lease(final Consumer consumer)
    {
        this.consumer = consumer;
    }

    SlotLease slot()
    {
        return slot;
    }

    /** When this lease was granted among its consumer's leases: close releases them oldest first. */
    long grantSequence;

    void activate()
    {
        active = true;
        fenced = false;
        final RingConsumer ring = slot.ring();
        payload.wrap(ring.ring().buffer(), slot.payloadOffset(), ring.checkedPayloadLengthOrZero(slot));
    }

    /**
     * @return the message id: the same on every delivery of this message, and in the dead-letter ring.
     */
    public long id()
    {
        return slot.messageId();
    }

    /**
     * @return the id this message had in the queue it was bridged from (docs/bridge.md), or
     * {@link io.ipcq.layout.SlotDescriptor#NO_ORIGIN} (-1) if it was sent here.
     */
    public long originId()
    {
        return slot.ring().ring().buffer().getLong(slot.slotOffset() + io.ipcq.layout.SlotDescriptor.ORIGIN_ID_OFFSET) - 1;
    }

    /**
     * @return when the message was committed to its lane (epoch ms, from the producer's clock: at most about a
     * millisecond old), the same on every redelivery; a redriven message carries the time of its redrive, a bridged
     * one the time of its send into the queue it came from (as comparable as the two hosts' clocks).
     * {@link io.ipcq.layout.SlotDescriptor#UNKNOWN_ENQUEUE_TIME} (0) if a writer older than this field sent it, and
     * for every dead letter (the dead-letter ring keeps no enqueue time in layout version 2: docs/layout.md).
     */
    public long enqueuedAtEpochMs()
    {
        return slot.ring().ring().enqueuedEpochMs(slot.slotOffset());
    }

    /**
     * @return the lane the message was sent on (a dead letter keeps its original id, so its original lane).
     */
    public int lane()
    {
        return (int)(slot.messageId() >>> 56);
    }

    /**
     * @return which delivery this is: 1 the first time, more after releases and expiries.
     */
    public int deliveryCount()
    {
        return slot.deliveryCount();
    }

    /**
     * @return payload length in bytes.
     * @throws CorruptQueueException if the length word in the slot is impossible.
     */
    public int length()
    {
        return slot.ring().checkedPayloadLength(slot);
    }

    /**
     * @return the payload, read in place in the shared file; valid until the lease ends.
     */
    public DirectBuffer payload()
    {
        length();
        if (io.ipcq.internal.CrashPoint.ENABLED)
        {
            io.ipcq.internal.CrashPoint.READ_AFTER_PAYLOAD.reached();
        }
        return payload;
    }

    /**
     * The payload as a Chronicle Bytes view, for reading fields one after the other ({@code readDouble},
     * {@code readLong}, {@code read8bit}, ...): zero copy, and no allocation after the first call on this lease
     * object. It reads the message's {@link #length()} bytes from offset 0 (a read beyond throws). Read only: do not
     * write through it. Valid until the lease ends.
     * <p>
     * Needs {@code net.openhft:chronicle-bytes} on the class path (an optional dependency of ipc-core) and
     * Chronicle's JVM flags.
     *
     * @return the view over the leased message.
     * @throws CorruptQueueException if the length word in the slot is impossible.
     */
    public Bytes<Void> bytes()
    {
        final DirectBuffer message = payload();
        if (bytesView == null)
        {
            bytesView = new PayloadBytes();
        }
        return bytesView.forRead(message.addressOffset(), message.capacity());
    }

    /**
     * @return the deadline in epoch ms as granted or last extended.
     */
    public long deadlineEpochMs()
    {
        return consumer.queue().clock().toEpochMs(
            io.ipcq.layout.SlotDescriptor.deadlineSinceCreated(
                slot.ring().ring().buffer().getLongVolatile(
                    slot.slotOffset() + io.ipcq.layout.SlotDescriptor.DEADLINE_OFFSET)));
    }

    /**
     * @return true until the lease is acked, released or closed (a lease revoked by the reaper stays active
     * here: its ack then answers false).
     */
    public boolean isActive()
    {
        return active;
    }

    /**
     * Acknowledges: the message leaves the queue for good.
     *
     * @return false if the lease had been taken away; then nothing changed and the message will be (or was)
     * delivered again.
     */
    public boolean ack()
    {
        checkActive();
        checkFile();
        final boolean acked = slot.ring().ack(slot);
        end(acked ? CounterIndex.ACKED : CounterIndex.FENCED_ACKS);
        return acked;
    }

    /**
     * Gives the message back at once: redelivered before any new message of its lane, or dead-lettered if it has
     * been delivered max-deliveries times.
     *
     * @return false if the lease had been taken away (nothing changed).
     */
    public boolean release()
    {
        checkActive();
        checkFile();
        final int result = slot.ring().requeueOrDeadLetter(
            slot.position(), slot.leasedWord(), consumer.maxDeliveries(), consumer.queue().deadLetterRing().producer(),
            consumer.holder());
        if (result == RingConsumer.FENCED)
        {
            end(CounterIndex.FENCED_ACKS);
            return false;
        }
        if (result == RingConsumer.DEAD_LETTERED_OK)
        {
            consumer.count(CounterIndex.DEAD_LETTERED);
        }
        end(CounterIndex.RELEASED);
        return true;
    }

    /**
     * Moves the deadline to now + {@code duration}.
     *
     * @param duration the new lease length from now.
     * @return false if the lease had been taken away or is being expired (nothing changed).
     * @throws IllegalArgumentException if {@code duration} is negative or longer than 365 days.
     */
    public boolean extend(final Duration duration)
    {
        checkActive();
        checkFile();
        if (duration.isNegative() || duration.compareTo(MAX_EXTENSION) > 0)
        {
            // A deadline is 40 bits of ms since creation: a longer extension could wrap it (see QueueDescriptor).
            throw new IllegalArgumentException("a lease can be extended by 0 to 365 days, not " + duration);
        }
        final long deadline = consumer.queue().clock().nowSinceCreated() + duration.toMillis();
        final boolean extended = !fenced && slot.ring().extend(slot, deadline);
        if (!extended)
        {
            fenced = true;
            consumer.count(CounterIndex.FENCED_ACKS);
        }
        return extended;
    }

    /**
     * Releases the lease if it is still held and was not acked; does nothing otherwise.
     */
    @Override
    public void close()
    {
        if (!active)
        {
            return;
        }
        if (fenced)
        {
            end(-1);
            return;
        }
        release();
    }

    private void end(final int counterIndex)
    {
        active = false;
        consumer.finished(this, counterIndex);
    }

    /**
     * A consumer is evicted when its file was found truncated or replaced: then no ack may touch the mapping.
     */
    private void checkFile()
    {
        if (consumer.isEvicted())
        {
            consumer.checkFileIntact();
        }
    }

    private void checkActive()
    {
        if (!active)
        {
            throw new IllegalStateException("lease has ended (acked, released or closed)");
        }
    }

    @Override
    public String toString()
    {
        return active ? "Lease{id=" + Long.toHexString(id()) + ", delivery=" + deliveryCount() + "}" : "Lease{ended}";
    }
}
