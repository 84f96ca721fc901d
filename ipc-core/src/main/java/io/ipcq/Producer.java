package io.ipcq;

import io.ipcq.internal.CrashPoint;
import io.ipcq.internal.ParticipantTable;
import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.SlotDescriptor;
import io.ipcq.ring.RingProducer;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.AtomicBuffer;
import io.ipcq.wait.WaitStrategy;
import io.ipcq.wait.Waiter;
import org.agrona.concurrent.UnsafeBuffer;

import java.time.Duration;

/**
 * Sends messages. One thread at a time; no allocation per message. Close it to free its participant row.
 */
public final class Producer extends AttachedHandle
{
    private final int maxPayloadLength;
    private final UnsafeBuffer bytesView = new UnsafeBuffer(0, 0);
    private final Waiter waiter;
    /** Every Claim this producer has wrapped: close aborts those still open, so no claim outlives its producer. */
    private final java.util.ArrayList<Claim> claims = new java.util.ArrayList<>(2);
    /** Per lane, the Full Epoch this producer's last search of a full lane ended with (RingProducer.tryClaim). */
    private final long[] fullEpochsSeen;

    Producer(final IpcQueue queue, final int row)
    {
        super(queue, row);
        this.maxPayloadLength = queue.maxPayloadLength();
        this.fullEpochsSeen = new long[queue.lanes()];
        this.waiter = new Waiter(queue.waits(), row, WaitStrategy.spinThenBlock());
    }

    /**
     * Chooses how {@code send(..., timeout)} waits for room in a full lane: {@link WaitStrategy#spinThenBlock()}
     * (the default: block in the kernel until a free wakes this producer), {@link WaitStrategy#backoff()}, or
     * {@link WaitStrategy#busySpin()}.
     *
     * @param strategy how to wait.
     * @return this producer.
     */
    public Producer waitStrategy(final WaitStrategy strategy)
    {
        waiter.strategy(strategy);
        return this;
    }

    /**
     * @return how a blocking send waits.
     */
    public WaitStrategy waitStrategy()
    {
        return waiter.strategy();
    }

    /**
     * Copies a message into lane 0 if there is room.
     *
     * @param source bytes to send.
     * @param offset where they start.
     * @param length how many.
     * @return OK, FULL or SEALED.
     */
    public SendResult trySend(final DirectBuffer source, final int offset, final int length)
    {
        return trySend(0, source, offset, length);
    }

    /**
     * Copies a message into a lane if there is room.
     *
     * @param lane   priority lane; higher lanes are served first.
     * @param source bytes to send.
     * @param offset where they start.
     * @param length how many, at most the queue's max payload length.
     * @return OK, FULL or SEALED.
     */
    public SendResult trySend(final int lane, final DirectBuffer source, final int offset, final int length)
    {
        return trySend(lane, source, offset, length, SlotDescriptor.NO_ORIGIN);
    }

    /**
     * Copies a message into a lane if there is room, with the id it had in the queue it came from (a bridge's
     * send: docs/bridge.md); consumers read it as {@link Lease#originId()}.
     *
     * @param lane     priority lane; higher lanes are served first.
     * @param source   bytes to send.
     * @param offset   where they start.
     * @param length   how many, at most the queue's max payload length.
     * @param originId the message's id where it came from; {@link SlotDescriptor#NO_ORIGIN} for none.
     * @return OK, FULL or SEALED.
     */
    public SendResult trySend(
        final int lane, final DirectBuffer source, final int offset, final int length, final long originId)
    {
        return trySend(lane, source, offset, length, originId, SlotDescriptor.UNKNOWN_ENQUEUE_TIME);
    }

    /**
     * As {@link #trySend(int, DirectBuffer, int, int, long)}, keeping the time the message was first enqueued in the
     * queue it came from (a bridge's send: its age survives the hop); consumers read it as
     * {@link Lease#enqueuedAtEpochMs()}.
     *
     * @param lane            priority lane; higher lanes are served first.
     * @param source          bytes to send.
     * @param offset          where they start.
     * @param length          how many, at most the queue's max payload length.
     * @param originId        the message's id where it came from; {@link SlotDescriptor#NO_ORIGIN} for none.
     * @param enqueuedEpochMs when it was enqueued there, epoch ms; {@link SlotDescriptor#UNKNOWN_ENQUEUE_TIME} stamps
     *                        the time of this send, as a plain send does.
     * @return OK, FULL or SEALED.
     */
    public SendResult trySend(
        final int lane, final DirectBuffer source, final int offset, final int length, final long originId,
        final long enqueuedEpochMs)
    {
        final SendResult result = offer(lane, source, offset, length, originId, enqueuedEpochMs);
        if (result == SendResult.FULL)
        {
            ParticipantTable.increment(buffer, rowOffset, CounterIndex.REJECTED_FULL);
        }
        return result;
    }

    /**
     * One attempt, counting SENT but not FULL: the caller decides whether FULL is its answer.
     */
    private SendResult offer(
        final int lane, final DirectBuffer source, final int offset, final int length, final long originId,
        final long enqueuedEpochMs)
    {
        try
        {
            return offerChecked(lane, source, offset, length, originId, enqueuedEpochMs);
        }
        catch (final InternalError error)
        {
            throw faulted(error);
        }
    }

    private SendResult offerChecked(
        final int lane, final DirectBuffer source, final int offset, final int length, final long originId,
        final long enqueuedEpochMs)
    {
        checkOpen();
        final RingProducer ring = queue.lane(lane).producer();
        checkLength(length);
        final long position = ring.tryClaim(holder, fullEpochsSeen);
        if (position < 0)
        {
            return position == RingProducer.FULL ? SendResult.FULL : SendResult.SEALED;
        }
        final AtomicBuffer slots = ring.ring().buffer();
        final int slot = ring.ring().slotOffset(position);
        slots.putBytes(slot + SlotDescriptor.PAYLOAD_OFFSET, source, offset, length);
        // Every send writes the word (0 if none): the slot may hold an earlier message's origin id.
        slots.putLong(slot + SlotDescriptor.ORIGIN_ID_OFFSET, originId + 1);
        if (CrashPoint.ENABLED)
        {
            CrashPoint.SEND_AFTER_PAYLOAD_WRITE.reached();
        }
        ring.commit(position, length, enqueuedEpochMs);
        ParticipantTable.increment(buffer, rowOffset, CounterIndex.SENT);
        return SendResult.OK;
    }

    /**
     * Copies the messages of a batch into a lane, in order, as far as there is room: each run of slots free at the
     * tail is claimed with one tail step (protocol #1d), and where the slot at the tail still holds a message the
     * claim skips it as a single send does (#1b), then goes on with the next run. So the messages that went are a
     * prefix of the batch, entries 0 to {@link SendBatch#sent()} - 1, each sent exactly as by
     * {@link #trySend(int, DirectBuffer, int, int)} (no origin id). Nothing is written if a length is too long.
     *
     * @param lane  priority lane.
     * @param batch the messages; on return {@link SendBatch#sent()}, {@link SendBatch#result()} (OK, or why it
     *              stopped: FULL or SEALED) and {@link SendBatch#messageId(int)} say what went.
     * @return how many were sent.
     * @throws IllegalArgumentException if a message is longer than the queue's max payload (nothing sent).
     */
    public int trySend(final int lane, final SendBatch batch)
    {
        try
        {
            return offerBatchChecked(lane, batch);
        }
        catch (final InternalError error)
        {
            throw faulted(error);
        }
    }

    private int offerBatchChecked(final int lane, final SendBatch batch)
    {
        checkOpen();
        final RingProducer ring = queue.lane(lane).producer();
        final int size = batch.size();
        for (int i = 0; i < size; i++)
        {
            checkLength(batch.length(i));
        }
        batch.begin();
        final AtomicBuffer slots = ring.ring().buffer();
        final long[] claimed = batch.claimed;
        int sent = 0;
        while (sent < size)
        {
            final int count = ring.tryClaim(holder, size - sent, fullEpochsSeen, claimed);
            if (count < 0)
            {
                if (count == RingProducer.FULL)
                {
                    ParticipantTable.increment(buffer, rowOffset, CounterIndex.REJECTED_FULL);
                }
                batch.finished(count == RingProducer.FULL ? SendResult.FULL : SendResult.SEALED);
                return sent;
            }
            for (int i = 0; i < count; i++, sent++)
            {
                final long position = claimed[i];
                final int slot = ring.ring().slotOffset(position);
                final int length = batch.length(sent);
                slots.putBytes(slot + SlotDescriptor.PAYLOAD_OFFSET, batch.source(sent), batch.offset(sent), length);
                slots.putLong(slot + SlotDescriptor.ORIGIN_ID_OFFSET, SlotDescriptor.NO_ORIGIN + 1);
                if (CrashPoint.ENABLED)
                {
                    CrashPoint.SEND_AFTER_PAYLOAD_WRITE.reached();
                }
                ring.commit(position, length);
                ParticipantTable.increment(buffer, rowOffset, CounterIndex.SENT);
                batch.sent(sent, ring.ring().messageId(position));
            }
        }
        return sent;
    }

    /**
     * @param lane  priority lane.
     * @param bytes the whole array is the message.
     * @return OK, FULL or SEALED.
     */
    public SendResult trySend(final int lane, final byte[] bytes)
    {
        bytesView.wrap(bytes);
        return trySend(lane, bytesView, 0, bytes.length);
    }

    /**
     * Sends, waiting for room up to a timeout (spin, then yield, then park).
     *
     * @param lane    priority lane.
     * @param source  bytes to send.
     * @param offset  where they start.
     * @param length  how many.
     * @param timeout how long to wait for room.
     * @return OK, FULL if the timeout passed, or SEALED.
     */
    public SendResult send(
        final int lane, final DirectBuffer source, final int offset, final int length, final Duration timeout)
    {
        final long deadlineNs = System.nanoTime() + timeout.toNanos();
        final Waiter waiter = this.waiter;
        waiter.reset();
        while (true)
        {
            SendResult result =
                offer(lane, source, offset, length, SlotDescriptor.NO_ORIGIN, SlotDescriptor.UNKNOWN_ENQUEUE_TIME);
            if (result != SendResult.FULL)
            {
                waiter.finished(true);
                return result;
            }
            if (System.nanoTime() - deadlineNs >= 0)
            {
                waiter.finished(false);
                // One answer, one count: the retries inside the wait are not rejections.
                ParticipantTable.increment(buffer, rowOffset, CounterIndex.REJECTED_FULL);
                return result;
            }
            if (waiter.idle())
            {
                // Protocol #W1, #W2 (the recheck is this offer), #W6: a free on this lane, or seal, wakes it.
                waiter.register(1 << lane, true);
                result =
                    offer(lane, source, offset, length, SlotDescriptor.NO_ORIGIN, SlotDescriptor.UNKNOWN_ENQUEUE_TIME);
                if (result != SendResult.FULL)
                {
                    waiter.unregister();
                    waiter.finished(true);
                    return result;
                }
                waiter.sleep(deadlineNs, queue.maxBlockNs());
            }
        }
    }

    /**
     * Sends a whole byte array, waiting up to {@code timeout} for room in a full lane.
     *
     * @param lane    the lane to send on.
     * @param bytes   the message.
     * @param timeout how long to wait for room.
     * @return the result: {@link SendResult#FULL} if the timeout passed without room.
     */
    public SendResult send(final int lane, final byte[] bytes, final Duration timeout)
    {
        bytesView.wrap(bytes);
        return send(lane, bytesView, 0, bytes.length, timeout);
    }

    /**
     * Claims room for a message to be written in place, zero-copy: write through {@link Claim#buffer()}, then
     * {@link Claim#commit()} or {@link Claim#abort()}. Until then, consumers wait at this position.
     *
     * @param lane   priority lane.
     * @param length payload length.
     * @param claim  a reusable claim flyweight, wrapped onto the slot on success.
     * @return OK (claim wrapped), FULL or SEALED.
     */
    public SendResult tryClaim(final int lane, final int length, final Claim claim)
    {
        checkOpen();
        final RingProducer ring = queue.lane(lane).producer();
        checkLength(length);
        final long position = ring.tryClaim(holder, fullEpochsSeen);
        if (position < 0)
        {
            return refused(position);
        }
        claim.wrap(this, ring, position, length);
        if (!claims.contains(claim))
        {
            claims.add(claim);
        }
        return SendResult.OK;
    }

    void committed()
    {
        ParticipantTable.increment(buffer, rowOffset, CounterIndex.SENT);
    }

    private SendResult refused(final long position)
    {
        if (position == RingProducer.FULL)
        {
            ParticipantTable.increment(buffer, rowOffset, CounterIndex.REJECTED_FULL);
            return SendResult.FULL;
        }
        return SendResult.SEALED;
    }

    private void checkLength(final int length)
    {
        if (length < 0 || length > maxPayloadLength)
        {
            throw new IllegalArgumentException("message of " + length + " bytes does not fit: this queue's " +
                "max payload is " + maxPayloadLength + " bytes");
        }
    }

    @Override
    String role()
    {
        return "producer";
    }


    @Override
    public void close()
    {
        if (!closed)
        {
            // On a truncated or replaced file nothing is written: a CAS there would crash the JVM (SIGBUS).
            for (final Claim claim : fileBroken() ? java.util.List.<Claim>of() : claims)
            {
                if (claim.isActive() && claim.producer() == this)
                {
                    claim.abort();
                }
            }
            waiter.close();
            closed = true;
            queue.detached(this, row);
        }
    }
}
