package io.ipcq.ring;

import io.ipcq.CorruptQueueException;
import io.ipcq.internal.CrashPoint;
import io.ipcq.layout.LaneDescriptor;
import io.ipcq.wait.LaneWakeups;
import org.agrona.concurrent.AtomicBuffer;

import static io.ipcq.layout.LeaseState.FREE;
import static io.ipcq.layout.LeaseState.NO_HOLDER;
import static io.ipcq.layout.LeaseState.REQUEUED;
import static io.ipcq.layout.LeaseState.next;
import static io.ipcq.layout.SlotDescriptor.*;

/**
 * What the three paths of a ring share ({@link RingProducer}, {@link RingConsumer}, {@link RingRepair}): the two
 * buffers of one ring and its geometry, the slot offsets, the decoding of the sequence and Position words, the lane
 * entry's words, the head hint, and the last step of every free (#16, #17 of docs/protocol.md).
 * <p>
 * A ring works over its own sub-buffers, as Agrona's rings do: the lane entry ({@link LaneDescriptor}, 512 bytes)
 * and the slots (capacity x slot length), both at offset 0. {@code IpcQueue} slices them out of the mapping; a test
 * builds them over any small direct buffer.
 * <p>
 * Positions live in [0, 2^63): the tail's bit 63 is the sealed bit and a position never reaches it. Every loop over
 * positions in this package is bounded by one lap (the capacity); a lane word that the protocol cannot produce is
 * reported as a {@link CorruptQueueException} naming the ring and the word (docs/protocol.md, "Impossible words").
 */
public final class RingSlots
{
    private final AtomicBuffer laneEntry;
    private final AtomicBuffer slots;
    private final int lane;
    private final String name;
    private final int capacity;
    private final int mask;
    private final int slotLength;
    private final int maxPayloadLength;
    /** False for the dead-letter ring: there word 48 of a slot is the Redrive Target, not the enqueue time. */
    private final boolean keepsEnqueueTime;
    /** Who to wake after a commit, a requeue or a free (protocol #W3); by default nobody can sleep. */
    private LaneWakeups wakeups;

    /**
     * @param lane             lane index (the top byte of message ids); the dead-letter ring has index {@code lanes}.
     * @param name             how errors name the ring: "lane 0 of /dev/shm/orders", "the dead-letter ring of ...".
     * @param laneEntry        the ring's lane-table entry, {@link LaneDescriptor#LANE_DESCRIPTOR_LENGTH} bytes.
     * @param slots            the ring's slots, {@code capacity * slotLength} bytes.
     * @param capacity         slots, a power of two.
     * @param slotLength       bytes per slot.
     * @param maxPayloadLength largest payload.
     * @param deadLetterRing   true for the dead-letter ring, whose slots keep no enqueue time.
     */
    public RingSlots(
        final int lane,
        final String name,
        final AtomicBuffer laneEntry,
        final AtomicBuffer slots,
        final int capacity,
        final int slotLength,
        final int maxPayloadLength,
        final boolean deadLetterRing)
    {
        if (Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        if (laneEntry.capacity() < LaneDescriptor.LANE_DESCRIPTOR_LENGTH)
        {
            throw new IllegalArgumentException("lane entry of " + laneEntry.capacity() + " bytes, need " +
                LaneDescriptor.LANE_DESCRIPTOR_LENGTH);
        }
        if ((long)capacity * slotLength > slots.capacity())
        {
            throw new IllegalArgumentException("slots buffer of " + slots.capacity() + " bytes, need " +
                (long)capacity * slotLength);
        }
        this.lane = lane;
        this.name = name;
        this.laneEntry = laneEntry;
        this.slots = slots;
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.slotLength = slotLength;
        this.maxPayloadLength = maxPayloadLength;
        this.keepsEnqueueTime = !deadLetterRing;
        this.wakeups = new LaneWakeups(laneEntry, lane, null);
    }

    public int lane()
    {
        return lane;
    }

    public String name()
    {
        return name;
    }

    public int capacity()
    {
        return capacity;
    }

    public int maxPayloadLength()
    {
        return maxPayloadLength;
    }

    /**
     * @return true if this ring's slots keep the Enqueued Epoch ms word (a lane), false for the dead-letter ring.
     */
    public boolean keepsEnqueueTime()
    {
        return keepsEnqueueTime;
    }

    /**
     * @param slot the offset of a slot holding a message, read by a holder of it (its lease or claim orders the load).
     * @return when that message was committed, epoch ms; {@link io.ipcq.layout.SlotDescriptor#UNKNOWN_ENQUEUE_TIME}
     * if a writer older than the word sent it, or in the dead-letter ring.
     */
    public long enqueuedEpochMs(final int slot)
    {
        return keepsEnqueueTime ? slots.getLong(slot + ENQUEUED_EPOCH_MS_OFFSET) : UNKNOWN_ENQUEUE_TIME;
    }

    /**
     * @return the slots' buffer: {@link #slotOffset} is relative to it.
     */
    public AtomicBuffer buffer()
    {
        return slots;
    }

    /**
     * @return the lane entry's buffer (tail at 0, lease cursor at 128, head hint at 256, ...).
     */
    public AtomicBuffer laneEntry()
    {
        return laneEntry;
    }

    /**
     * @param position a position.
     * @return offset of its slot in {@link #buffer()}; the mask keeps any position, even a corrupt one, inside.
     */
    public int slotOffset(final long position)
    {
        return (int)(position & mask) * slotLength;
    }

    /**
     * Message ids are stable across deliveries and dead-lettering: the lane in the top byte, the position below.
     *
     * @param position the position the producer claimed.
     * @return the id.
     */
    public long messageId(final long position)
    {
        return ((long)lane << 56) | (position & 0x00FF_FFFF_FFFF_FFFFL);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Decoding the sequence and Position words (docs/layout.md, "Sequence")
    // ---------------------------------------------------------------------------------------------------------

    /**
     * @param sequence the sequence of the slot of {@code position}.
     * @param position a position.
     * @return true if {@code position} has been claimed or skipped already.
     */
    static boolean isTaken(final long sequence, final long position)
    {
        return isSkipped(sequence) ? lastSkippedPosition(sequence) >= position : sequence > position;
    }

    /**
     * @param sequence the sequence of the slot of {@code position}, not free for it and not past it.
     * @param position a position.
     * @return true if the slot holds a committed message of an earlier lap, which {@code position} may skip.
     */
    boolean holdsCommittedMessage(final long sequence, final long position)
    {
        return isSkipped(sequence) || ((sequence - 1 - position) & mask) == 0;
    }

    /**
     * @param slot     offset of the slot of {@code position}.
     * @param position a position below the tail.
     * @param sequence the slot's sequence, just read.
     * @return the position of the committed message the slot holds, if that is {@code position} or, skipped, an
     * earlier one; else {@link RingConsumer#NONE} (free, claimed, or holding a later message).
     */
    long heldPosition(final int slot, final long position, final long sequence)
    {
        if (sequence == position + 1)
        {
            return position;
        }
        if (isSkipped(sequence))
        {
            final long held = slots.getLong(slot + POSITION_OFFSET);
            return held <= position ? held : RingConsumer.NONE;
        }
        return RingConsumer.NONE;
    }

    /**
     * @param position a position below the tail.
     * @param sequence the sequence of its slot, just read.
     * @return the position of the committed message the slot holds (see {@link #heldPosition(int, long, long)}),
     * or {@link RingConsumer#NONE}.
     */
    public long heldPosition(final long position, final long sequence)
    {
        return heldPosition(slotOffset(position), position, sequence);
    }

    /**
     * @param position a position below the tail.
     * @return true if it is freed or was skipped: its slot serves a later position now, or holds a later message.
     */
    boolean isPassed(final long position)
    {
        final int slot = slotOffset(position);
        final long sequence = slots.getLongVolatile(slot + SEQUENCE_OFFSET);
        return isSkipped(sequence) ? slots.getLong(slot + POSITION_OFFSET) > position : sequence >= position + capacity;
    }

    /**
     * @param position a position.
     * @return the lease-state word of its slot (of whatever lap the slot is in).
     */
    public long leaseStateWord(final long position)
    {
        return slots.getLongVolatile(slotOffset(position) + LEASE_STATE_OFFSET);
    }

    public long sequence(final long position)
    {
        return slots.getLongVolatile(slotOffset(position) + SEQUENCE_OFFSET);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The free (#16, #17)
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Frees a slot the caller owns: state FREE (release), then #16.
     */
    void free(final int slot, final long position, final long sequence, final long owned)
    {
        slots.putLongRelease(slot + LEASE_STATE_OFFSET, next(owned, FREE, NO_HOLDER));
        finishFree(slot, position, sequence);
    }

    /**
     * #19: gives a REDRIVING dead letter of this (the dead-letter) ring back, once the redrive is known not to have
     * committed its copy: the Redrive Target cleared (a CAS from the target stored, so a late caller never clears the
     * target of a later redrive), then the state REDRIVING to REQUEUED (CAS from the word observed), then the requeue
     * count bumped so dead-letter consumers rescan. The caller's CASes fail harmlessly if someone did it first.
     *
     * @param slot      the dead letter's slot.
     * @param redriving the REDRIVING word observed.
     * @param target    the Redrive Target observed, or {@link io.ipcq.layout.SlotDescriptor#NO_REDRIVE_TARGET}.
     * @return true if this call gave it back.
     */
    boolean returnRedrive(final int slot, final long redriving, final long target)
    {
        if (target != NO_REDRIVE_TARGET)
        {
            slots.compareAndSetLong(slot + REDRIVE_TARGET_OFFSET, target, NO_REDRIVE_TARGET);
        }
        if (!slots.compareAndSetLong(slot + LEASE_STATE_OFFSET, redriving, next(redriving, REQUEUED, NO_HOLDER)))
        {
            return false;
        }
        bumpRequeueCount();
        return true;
    }

    /**
     * #19: frees a REDRIVING dead letter of this (the dead-letter) ring whose copy is committed in its lane: CAS
     * REDRIVING to FREE, then #16.
     *
     * @param slot      the dead letter's slot.
     * @param position  its position.
     * @param sequence  its sequence as observed (position + 1, or skipped).
     * @param redriving the REDRIVING word observed.
     * @return true if this call freed it.
     */
    boolean freeRedriven(final int slot, final long position, final long sequence, final long redriving)
    {
        if (!slots.compareAndSetLong(slot + LEASE_STATE_OFFSET, redriving, next(redriving, FREE, NO_HOLDER)))
        {
            return false;
        }
        if (CrashPoint.ENABLED)
        {
            CrashPoint.REDRIVE_AFTER_FREE_CAS.reached();
        }
        finishFree(slot, position, sequence);
        return true;
    }

    /**
     * #16, the last step of every free (ack, abort, dead-letter move, repair): moves the slot's sequence on to the
     * next position it serves, position + capacity, or past the last position that skipped it. A CAS from the value
     * expected, so that whoever finishes first wins and a late owner changes nothing; then #17.
     *
     * @param slot     the slot's offset.
     * @param position the position of the message (or claim) freed.
     * @param expected the sequence it is expected to have: position + 1 (committed), or position (claim only).
     * @return true if this call moved it.
     */
    boolean finishFree(final int slot, final long position, final long expected)
    {
        final AtomicBuffer slots = this.slots;
        long sequence = expected;
        // Each failed CAS that loops means a producer marked the slot once more: it ends when the marks do (a
        // word that does not change, even a corrupt one, ends it at the next CAS or check).
        while (true)
        {
            final long next = isSkipped(sequence) ? lastSkippedPosition(sequence) + capacity : position + capacity;
            if (slots.compareAndSetLong(slot + SEQUENCE_OFFSET, sequence, next))
            {
                wakeFullProducers();
                return true;
            }
            sequence = slots.getLongVolatile(slot + SEQUENCE_OFFSET);
            // Skipped meanwhile: move past the skips. Anything else: another thread finished this free.
            if (!isSkipped(sequence) || slots.getLong(slot + POSITION_OFFSET) != position)
            {
                return false;
            }
        }
    }

    /**
     * #17: makes an odd Full Epoch even, so producers that found the lane full search again. Called after every free
     * (the sequence CAS before it is the fence that pairs with the producer's), and by each reaper pass, for a freer
     * that died between its sequence CAS and this.
     */
    public void wakeFullProducers()
    {
        final long epoch = laneEntry.getLongVolatile(LaneDescriptor.FULL_EPOCH_OFFSET);
        if ((epoch & 1) != 0)
        {
            laneEntry.compareAndSetLong(LaneDescriptor.FULL_EPOCH_OFFSET, epoch, epoch + 1);
        }
        wakeups.roomAvailable();
    }

    /**
     * @param wakeups who to wake after a commit, requeue or free (protocol #W3).
     */
    public void wakeups(final LaneWakeups wakeups)
    {
        this.wakeups = wakeups;
    }

    /**
     * @return who to wake after a commit, requeue or free.
     */
    public LaneWakeups wakeups()
    {
        return wakeups;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Lane words
    // ---------------------------------------------------------------------------------------------------------

    /**
     * @return the tail word as stored: position and sealed bit.
     */
    long tailWord()
    {
        return laneEntry.getLongVolatile(LaneDescriptor.TAIL_OFFSET);
    }

    /**
     * @return the next position a producer will claim (without the sealed bit).
     */
    public long tailPosition()
    {
        return tailWord() & ~LaneDescriptor.SEALED_BIT;
    }

    public boolean isSealed()
    {
        return (tailWord() & LaneDescriptor.SEALED_BIT) != 0;
    }

    public long leaseCursor()
    {
        return laneEntry.getLongVolatile(LaneDescriptor.LEASE_CURSOR_OFFSET);
    }

    public long headHint()
    {
        return laneEntry.getLongVolatile(LaneDescriptor.HEAD_OFFSET);
    }

    public long requeueCount()
    {
        return laneEntry.getLongVolatile(LaneDescriptor.REQUEUE_COUNT_OFFSET);
    }

    /**
     * Tells consumers that skipped a scan that a REQUEUED slot is waiting (#8's count).
     */
    public void bumpRequeueCount()
    {
        laneEntry.getAndAddLong(LaneDescriptor.REQUEUE_COUNT_OFFSET, 1);
        wakeups.messageAvailable();
    }

    public long fullEpoch()
    {
        return laneEntry.getLongVolatile(LaneDescriptor.FULL_EPOCH_OFFSET);
    }

    /**
     * Checks the lane words against each other (docs/protocol.md, "Impossible words"): the head hint and the lease
     * cursor in [0, tail + 1]. Read head and cursor first, then the tail: the tail only grows, so a race never makes
     * a true word look impossible.
     *
     * @throws CorruptQueueException naming the ring and the word.
     */
    public void checkPositions()
    {
        final long head = headHint();
        final long cursor = leaseCursor();
        final long tail = tailPosition();
        checkBelowTail("head hint", head, tail);
        checkBelowTail("lease cursor", cursor, tail);
    }

    /**
     * @param word  the word's name.
     * @param value a head hint or lease cursor, read before {@code tail}.
     * @param tail  the tail position.
     */
    void checkBelowTail(final String word, final long value, final long tail)
    {
        if (value < 0 || value > tail + 1)
        {
            throw corrupt(word, value, "it must be in [0, tail + 1] and the tail is " + tail);
        }
    }

    /**
     * @param word  which word.
     * @param value its value.
     * @param why   the rule it breaks.
     * @return the exception to throw.
     */
    CorruptQueueException corrupt(final String word, final long value, final String why)
    {
        return new CorruptQueueException(name + ": impossible " + word + " " + value +
            " (0x" + Long.toHexString(value) + "): " + why);
    }

    // ---------------------------------------------------------------------------------------------------------
    // The head hint
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Moves the head hint over positions already freed, up to {@code limit}: one position at a time for at most one
     * lap, then, if it is still more than a lap short, by one jump (see {@link #jumpHead}).
     *
     * @param limit do not move past this position (the cursor or the tail).
     * @return the head hint after the move: every position below it is freed.
     * @throws CorruptQueueException if the head hint is negative or past the tail + 1.
     */
    public long advanceHead(final long limit)
    {
        final AtomicBuffer laneEntry = this.laneEntry;
        long head = laneEntry.getLongVolatile(LaneDescriptor.HEAD_OFFSET);
        if (head < 0 || head > limit)
        {
            checkBelowTail("head hint", head, tailPosition());
        }
        int steps = 0;
        while (head < limit && isPassed(head))
        {
            if (++steps > capacity)
            {
                return jumpHead(head, limit);
            }
            if (laneEntry.compareAndSetLong(LaneDescriptor.HEAD_OFFSET, head, head + 1))
            {
                head++;
            }
            else
            {
                head = laneEntry.getLongVolatile(LaneDescriptor.HEAD_OFFSET);
                checkBelowTail("head hint", head, tailPosition());
            }
        }
        return head;
    }

    /**
     * The head is more than a lap behind {@code limit}, and every position of a lap from it is passed. A position
     * more than a lap below the tail that is not passed is a message still held in a skipped slot (a claim or an
     * unskipped message blocks producers a lap later), and that slot is met in the last lap below the tail. So one
     * lap's look finds the lowest position not passed: for each slot, its position in that lap if not passed, or the
     * position of the message it holds (skipped). Every position below the lowest is passed, and stays so.
     *
     * @return the head hint after the jump.
     */
    private long jumpHead(final long head, final long limit)
    {
        final long end = Math.min(limit, tailPosition());
        long lowest = end;
        for (long position = Math.max(head, end - capacity); position < end; position++)
        {
            if (!isPassed(position))
            {
                final int slot = slotOffset(position);
                final long sequence = slots.getLongVolatile(slot + SEQUENCE_OFFSET);
                final long held = isSkipped(sequence) ? slots.getLong(slot + POSITION_OFFSET) : position;
                lowest = Math.min(lowest, Math.max(held, head));
            }
        }
        long current = head;
        while (current < lowest && !laneEntry.compareAndSetLong(LaneDescriptor.HEAD_OFFSET, current, lowest))
        {
            current = laneEntry.getLongVolatile(LaneDescriptor.HEAD_OFFSET);
        }
        return Math.max(current, lowest);
    }

    /**
     * @return true if every position ever claimed has been freed (acked, dead-lettered or aborted).
     */
    public boolean isDrained()
    {
        final long tail = tailPosition();
        return advanceHead(tail) >= tail;
    }

    @Override
    public String toString()
    {
        return "RingSlots{" + name + ", capacity=" + capacity + ", tail=" + tailPosition() +
            ", cursor=" + leaseCursor() + ", head=" + headHint() + "}";
    }
}
