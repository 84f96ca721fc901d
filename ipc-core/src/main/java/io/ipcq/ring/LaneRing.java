package io.ipcq.ring;

import io.ipcq.CorruptQueueException;
import io.ipcq.internal.CrashPoint;
import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.SlotDescriptor;
import io.ipcq.wait.LaneWakeups;
import org.agrona.concurrent.AtomicBuffer;

import static io.ipcq.layout.LeaseState.*;
import static io.ipcq.layout.SlotDescriptor.*;

/**
 * The ring protocol of one lane (or of the dead-letter ring): every transition of a slot's sequence and
 * lease-state words. Stateless apart from the geometry, so one instance serves every thread of a process.
 * <p>
 * Producers claim positions in order (Vyukov: a slot is claimable for position p when its sequence is p), write
 * in place, and commit by storing state READY then sequence p + 1 with release. A producer that comes round to a
 * slot still holding an unacked message skips that position (marks the slot's sequence, see
 * {@link SlotDescriptor#SKIPPED_BIT}) and claims the next free slot, so capacity counts messages, not positions:
 * the lane is FULL only when every slot holds one. Consumers take the position at
 * the lease cursor by CAS on the slot's lease-state word (READY to LEASED), then help the cursor on; a message
 * released or expired goes back to REQUEUED in place and is found by a scan of at most one lap,
 * [max(head, cursor - capacity), cursor), that consumers run only when the lane's requeue count has moved. An ack
 * frees the slot: state FREE, then sequence p + capacity (or, if producers skipped it, past the last skip).
 * See docs/protocol.md for the state machine and the table of transitions.
 * <p>
 * Accessor names follow Agrona: {@code getLongVolatile} loads with acquire (and more), {@code putLongRelease}
 * stores with release, {@code compareAndSetLong} and {@code getAndAddLong} are full fences.
 */
public final class LaneRing
{
    /** {@link #tryClaim} answer: every slot holds an unacked message (or the way to a free one is blocked by a claim
     * not yet committed). */
    public static final long FULL = -1;
    /** {@link #tryClaim} answer: the queue is sealed. */
    public static final long SEALED = -2;
    /** No message to lease. */
    public static final long NONE = -1;
    /** Internal answer of the slow claim path: the ring changed under the search, read the tail again. */
    private static final long RETRY = -3;

    /** Answers of {@link #requeueOrDeadLetter}. */
    public static final int REQUEUED_OK = 1;
    public static final int DEAD_LETTERED_OK = 2;
    public static final int PARKED_OK = 3;
    public static final int FENCED = 0;

    private final AtomicBuffer buffer;
    private final int lane;
    private final int tailOffset;
    private final int cursorOffset;
    private final int headOffset;
    private final int requeueCountOffset;
    private final int fullEpochOffset;
    private final int ringOffset;
    private final int capacity;
    private final int mask;
    private final int slotLength;
    private final int maxPayloadLength;
    private final QueueClock clock;
    private LaneWakeups wakeups;

    /**
     * @param buffer           over the whole file.
     * @param lane             lane index; the dead-letter ring has index {@code lanes}.
     * @param ringOffset       offset of the first slot.
     * @param capacity         slots, a power of two.
     * @param slotLength       bytes per slot.
     * @param maxPayloadLength largest payload.
     * @param clock            the clock lease deadlines are read from.
     */
    public LaneRing(
        final AtomicBuffer buffer,
        final int lane,
        final long ringOffset,
        final int capacity,
        final int slotLength,
        final int maxPayloadLength,
        final QueueClock clock)
    {
        this.buffer = buffer;
        this.clock = clock;
        this.lane = lane;
        final int laneOffset = LaneDescriptor.laneDescriptorOffset(lane);
        this.tailOffset = laneOffset + LaneDescriptor.TAIL_OFFSET;
        this.cursorOffset = laneOffset + LaneDescriptor.LEASE_CURSOR_OFFSET;
        this.headOffset = laneOffset + LaneDescriptor.HEAD_OFFSET;
        this.requeueCountOffset = laneOffset + LaneDescriptor.REQUEUE_COUNT_OFFSET;
        this.fullEpochOffset = laneOffset + LaneDescriptor.FULL_EPOCH_OFFSET;
        this.ringOffset = Math.toIntExact(ringOffset);
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.slotLength = slotLength;
        this.maxPayloadLength = maxPayloadLength;
        this.wakeups = new LaneWakeups(buffer, lane, null);
    }

    /**
     * @param wakeups who to wake after a commit, requeue or free (protocol #W3).
     */
    public void wakeups(final LaneWakeups wakeups)
    {
        this.wakeups = wakeups;
    }

    public int lane()
    {
        return lane;
    }

    public int capacity()
    {
        return capacity;
    }

    public int maxPayloadLength()
    {
        return maxPayloadLength;
    }

    public AtomicBuffer buffer()
    {
        return buffer;
    }

    /**
     * @param position a position.
     * @return offset of its slot; the mask keeps any position, even a corrupt one, inside the ring.
     */
    public int slotOffset(final long position)
    {
        return ringOffset + (int)(position & mask) * slotLength;
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
    // Producer side
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Claims the next position for a producer and marks its slot CLAIMED by {@code holder}, searching the ring every
     * time the lane is full (for callers that keep no memory between claims, such as a dead-letter move).
     *
     * @param holder the producer's participant index + 1.
     * @return the position, or {@link #FULL} or {@link #SEALED}.
     */
    public long tryClaim(final int holder)
    {
        return tryClaim(holder, null);
    }

    /**
     * Claims the next position for a producer and marks its slot CLAIMED by {@code holder}. Positions whose slot still
     * holds an unacked message are skipped; FULL means no slot is free.
     *
     * @param holder         the producer's participant index + 1.
     * @param fullEpochsSeen the caller's memory of the Full Epoch its last search ended with, per ring index (or
     *                       null): while the epoch still has that value nothing was freed, and FULL is answered
     *                       without searching the ring again.
     * @return the position, or {@link #FULL} or {@link #SEALED}.
     */
    public long tryClaim(final int holder, final long[] fullEpochsSeen)
    {
        final AtomicBuffer buffer = this.buffer;
        while (true)
        {
            final long tail = buffer.getLongVolatile(tailOffset);
            if ((tail & LaneDescriptor.SEALED_BIT) != 0)
            {
                return SEALED;
            }
            final int slot = slotOffset(tail);
            final long sequence = buffer.getLongVolatile(slot + SEQUENCE_OFFSET);
            if (sequence == tail)
            {
                // Read before the tail CAS, while nobody can have claimed (or repaired) this position yet: the
                // lap's FREE word. The CLAIMED CAS below expects exactly it, so if this thread stalls after the
                // tail CAS long enough for the reaper to tombstone the position (it cannot know who claimed it),
                // the CAS fails and the producer claims again instead of overwriting the repair.
                final long free = buffer.getLongVolatile(slot + LEASE_STATE_OFFSET);
                if (buffer.compareAndSetLong(tailOffset, tail, tail + 1))
                {
                    if (CrashPoint.ENABLED)
                    {
                        CrashPoint.CLAIM_AFTER_TAIL_CAS.reached();
                    }
                    if (state(free) == FREE &&
                        buffer.compareAndSetLong(slot + LEASE_STATE_OFFSET, free, next(free, CLAIMED, holder)))
                    {
                        buffer.putLong(slot + POSITION_OFFSET, tail);
                        buffer.putLong(slot + MESSAGE_ID_OFFSET, messageId(tail));
                        buffer.putInt(slot + DELIVERY_COUNT_OFFSET, 0);
                        if (CrashPoint.ENABLED)
                        {
                            CrashPoint.CLAIM_AFTER_CLAIMED.reached();
                        }
                        return tail;
                    }
                    continue;
                }
            }
            else if (isTaken(sequence, tail))
            {
                // Claimed or skipped already, the tail not moved on yet (a skipper marks first): help it on.
                buffer.compareAndSetLong(tailOffset, tail, tail + 1);
            }
            else if (holdsCommittedMessage(sequence, tail))
            {
                final long answer = claimPastHeldSlots(tail, fullEpochsSeen);
                if (answer != RETRY)
                {
                    return answer;
                }
            }
            else
            {
                // A claim of an earlier lap not committed yet (or being repaired): nothing passes it.
                return FULL;
            }
        }
    }

    /**
     * @param sequence the sequence of the slot of {@code tail}.
     * @param tail     the tail read.
     * @return true if position {@code tail} has been claimed or skipped already.
     */
    private static boolean isTaken(final long sequence, final long tail)
    {
        return isSkipped(sequence) ? lastSkippedPosition(sequence) >= tail : sequence > tail;
    }

    /**
     * @param sequence the sequence of the slot of {@code position}, not free for it and not past it.
     * @param position a position.
     * @return true if the slot holds a committed message of an earlier lap, which {@code position} may skip.
     */
    private boolean holdsCommittedMessage(final long sequence, final long position)
    {
        return isSkipped(sequence) || ((sequence - 1 - position) & mask) == 0;
    }

    /**
     * The slow path of a claim: the slot at the tail holds an unacked message. Searches forward for the first slot
     * free for its position, stepping only over slots that hold committed messages; if there is one, skips every
     * position before it (each: mark the slot, then move the tail), and the caller claims it as usual.
     *
     * @return {@link #FULL}, or {@link #RETRY} to read the tail again.
     */
    private long claimPastHeldSlots(final long tail, final long[] fullEpochsSeen)
    {
        final AtomicBuffer buffer = this.buffer;
        final long epoch = buffer.getLongVolatile(fullEpochOffset);
        final boolean odd = (epoch & 1) != 0;
        if (odd && fullEpochsSeen != null && fullEpochsSeen[lane] == epoch)
        {
            return FULL;
        }
        // Odd before the search (a full fence): a slot freed after this point makes it even again, one freed before
        // it is seen by the search. So a search that ends FULL may remember this odd value.
        if (!odd && !buffer.compareAndSetLong(fullEpochOffset, epoch, epoch + 1))
        {
            return RETRY;
        }
        final long announced = odd ? epoch : epoch + 1;
        final long limit = tail + capacity;
        long target = tail + 1;
        for (; target < limit; target++)
        {
            final long sequence = buffer.getLongVolatile(slotOffset(target) + SEQUENCE_OFFSET);
            if (sequence == target)
            {
                break;
            }
            if (isTaken(sequence, target))
            {
                return RETRY;
            }
            if (!holdsCommittedMessage(sequence, target))
            {
                return FULL;
            }
        }
        if (target == limit)
        {
            if (fullEpochsSeen != null)
            {
                fullEpochsSeen[lane] = announced;
            }
            return FULL;
        }
        for (long position = tail; position < target; position++)
        {
            final int slot = slotOffset(position);
            final long sequence = buffer.getLongVolatile(slot + SEQUENCE_OFFSET);
            if (isTaken(sequence, position) || !holdsCommittedMessage(sequence, position) ||
                !buffer.compareAndSetLong(slot + SEQUENCE_OFFSET, sequence, skippedSequence(position)))
            {
                return RETRY;
            }
            if (CrashPoint.ENABLED)
            {
                CrashPoint.SKIP_AFTER_MARK.reached();
            }
            if (!buffer.compareAndSetLong(tailOffset, position, position + 1) &&
                buffer.getLongVolatile(tailOffset) != position + 1)
            {
                return RETRY;
            }
        }
        return RETRY;
    }

    /**
     * Publishes a claimed message: state READY, then the sequence that tells consumers it is there.
     *
     * @param position      the claimed position.
     * @param payloadLength bytes written at the payload offset.
     */
    public void commit(final long position, final int payloadLength)
    {
        final int slot = slotOffset(position);
        buffer.putInt(slot + PAYLOAD_LENGTH_OFFSET, payloadLength);
        final long claimed = buffer.getLong(slot + LEASE_STATE_OFFSET);
        buffer.putLongRelease(slot + LEASE_STATE_OFFSET, next(claimed, READY, NO_HOLDER));
        if (CrashPoint.ENABLED)
        {
            CrashPoint.COMMIT_AFTER_READY.reached();
        }
        // A CAS, not a store: a reaper that found this commit half-done (READY, sequence still p) may have
        // published it already (completeCommit), and the message may even be acked since; then this changes nothing.
        buffer.compareAndSetLong(slot + SEQUENCE_OFFSET, position, position + 1);
        wakeups.messageAvailable();
        if (CrashPoint.ENABLED)
        {
            CrashPoint.COMMIT_AFTER_SEQUENCE.reached();
        }
    }

    /**
     * Gives a claimed position back unused: the slot becomes a tombstone that consumers step over.
     *
     * @param position the claimed position.
     */
    public void abort(final long position)
    {
        final int slot = slotOffset(position);
        final long claimed = buffer.getLong(slot + LEASE_STATE_OFFSET);
        free(slot, position, position, claimed);
    }

    /**
     * Turns a claim that will never be committed into a tombstone (reaper repair): a slot CLAIMED by a producer
     * whose process is gone, or a slot left FREE at a claimed position (its producer died between the tail CAS and
     * the CLAIMED CAS; if it was only stalled, its CAS now fails and it claims again).
     *
     * @param position position of the slot.
     * @param observed the CLAIMED or FREE word observed, with the slot's sequence equal to position.
     * @return true if this call repaired it.
     */
    public boolean repairClaim(final long position, final long observed)
    {
        final int slot = slotOffset(position);
        final long freeWord = next(observed, FREE, NO_HOLDER);
        if (buffer.compareAndSetLong(slot + LEASE_STATE_OFFSET, observed, freeWord))
        {
            finishFree(slot, position, position);
            return true;
        }
        return false;
    }

    /**
     * Finishes a commit whose producer stopped between the READY store and the sequence store (it died there, or
     * stalls): publishes the message. Safe whoever does it first: the payload and length were written before READY,
     * and the producer's own sequence CAS fails once this succeeded.
     *
     * @param position position of a slot observed READY with sequence == position.
     * @return true if this call published it.
     */
    public boolean completeCommit(final long position)
    {
        final boolean published = buffer.compareAndSetLong(slotOffset(position) + SEQUENCE_OFFSET, position,
            position + 1);
        wakeups.messageAvailable();
        return published;
    }

    /**
     * Finishes a free (ack, dead-letter move) whose owner stopped between the FREE word and the sequence store:
     * moves the sequence on to the next lap. The owner's own sequence CAS fails once this succeeded.
     *
     * @param position position of the message of a slot observed FREE.
     * @param sequence the sequence observed with it: position + 1, or skipped.
     * @return true if this call finished it.
     */
    public boolean completeFree(final long position, final long sequence)
    {
        return finishFree(slotOffset(position), position, sequence);
    }

    /**
     * The last step of every free (ack, abort, dead-letter move, repair): moves the slot's sequence on to the next
     * position it serves, position + capacity, or past the last position that skipped it. A CAS from the value
     * expected, so that whoever finishes first wins and a late owner changes nothing; then wakes producers that found
     * the lane full.
     *
     * @param slot     the slot's offset.
     * @param position the position of the message (or claim) freed.
     * @param expected the sequence it is expected to have: position + 1 (committed), or position (claim only).
     * @return true if this call moved it.
     */
    private boolean finishFree(final int slot, final long position, final long expected)
    {
        final AtomicBuffer buffer = this.buffer;
        long sequence = expected;
        while (true)
        {
            final long next = isSkipped(sequence) ? lastSkippedPosition(sequence) + capacity : position + capacity;
            if (buffer.compareAndSetLong(slot + SEQUENCE_OFFSET, sequence, next))
            {
                wakeFullProducers();
                return true;
            }
            sequence = buffer.getLongVolatile(slot + SEQUENCE_OFFSET);
            // Skipped meanwhile: move past the skips. Anything else: another thread finished this free.
            if (!isSkipped(sequence) || buffer.getLong(slot + POSITION_OFFSET) != position)
            {
                return false;
            }
        }
    }

    /**
     * Makes an odd Full Epoch even: producers that found the lane full search again. Called after every free (the
     * sequence CAS before it is the fence that pairs with the producer's), and by each reaper pass, for a freer that
     * died between its sequence CAS and this.
     */
    public void wakeFullProducers()
    {
        final long epoch = buffer.getLongVolatile(fullEpochOffset);
        if ((epoch & 1) != 0)
        {
            buffer.compareAndSetLong(fullEpochOffset, epoch, epoch + 1);
        }
        wakeups.roomAvailable();
    }

    public long fullEpoch()
    {
        return buffer.getLongVolatile(fullEpochOffset);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Consumer side
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Leases the message at the lease cursor, stepping the cursor over positions already delivered or freed.
     *
     * @param holder     the consumer's participant index + 1.
     * @param lease      filled in on success.
     * @param leaseTimeoutMs how long the lease lasts from now.
     * @return true if a message was leased.
     */
    public boolean tryLeaseNext(final int holder, final SlotLease lease, final long leaseTimeoutMs)
    {
        final AtomicBuffer buffer = this.buffer;
        while (true)
        {
            final long cursor = buffer.getLongVolatile(cursorOffset);
            final int slot = slotOffset(cursor);
            final long sequence = buffer.getLongVolatile(slot + SEQUENCE_OFFSET);
            final boolean committedHere;
            if (isSkipped(sequence))
            {
                // The slot holds the message at its Position word, and producers skipped it up to some position.
                final long held = buffer.getLong(slot + POSITION_OFFSET);
                if (held != cursor && lastSkippedPosition(sequence) < cursor)
                {
                    return false;
                }
                committedHere = held == cursor;
            }
            else
            {
                if (sequence <= cursor)
                {
                    return false;
                }
                committedHere = sequence == cursor + 1;
            }
            if (committedHere)
            {
                final long word = buffer.getLongVolatile(slot + LEASE_STATE_OFFSET);
                // Sequence read on both sides of the state: the word belongs to this position's message.
                if (buffer.getLongVolatile(slot + SEQUENCE_OFFSET) != sequence)
                {
                    continue;
                }
                final int state = state(word);
                if (state == READY || state == REQUEUED)
                {
                    final long priorDeadline = buffer.getLongVolatile(slot + DEADLINE_OFFSET);
                    final long leased = next(word, LEASED, holder);
                    if (buffer.compareAndSetLong(slot + LEASE_STATE_OFFSET, word, leased))
                    {
                        if (CrashPoint.ENABLED)
                        {
                            CrashPoint.LEASE_AFTER_STATE_CAS.reached();
                        }
                        buffer.compareAndSetLong(cursorOffset, cursor, cursor + 1);
                        if (CrashPoint.ENABLED)
                        {
                            CrashPoint.LEASE_AFTER_CURSOR_CAS.reached();
                        }
                        completeLease(lease, slot, cursor, leased, priorDeadline, leaseTimeoutMs);
                        return true;
                    }
                    continue;
                }
            }
            // Delivered already, skipped, or freed and perhaps reused: this position needs no first delivery.
            buffer.compareAndSetLong(cursorOffset, cursor, cursor + 1);
        }
    }

    /**
     * Leases the oldest message waiting for redelivery, scanning at most one lap back from the lease cursor (from the
     * head hint if that is nearer).
     *
     * @param holder     the consumer's participant index + 1.
     * @param lease      filled in on success.
     * @param leaseTimeoutMs how long the lease lasts from now.
     * @return true if a message was leased.
     */
    public boolean tryLeaseRequeued(final int holder, final SlotLease lease, final long leaseTimeoutMs)
    {
        final AtomicBuffer buffer = this.buffer;
        while (true)
        {
            final long cursor = buffer.getLongVolatile(cursorOffset);
            final long head = advanceHead(cursor);
            // At most one lap: a message older than that sits in a slot of this lap, skipped, and is found there.
            final long from = Math.max(head, cursor - capacity);
            // From the head, slots are met in the order of their messages' positions: the first REQUEUED is the
            // oldest. Past a lap, an older message may sit further on: look at every slot, then take the oldest.
            final boolean inOrder = from == head;
            long oldest = Long.MAX_VALUE;
            int oldestSlot = 0;
            long oldestWord = 0;
            for (long position = from; position < cursor; position++)
            {
                final int slot = slotOffset(position);
                final long sequence = buffer.getLongVolatile(slot + SEQUENCE_OFFSET);
                final long held = heldPosition(slot, position, sequence);
                if (held == NONE || held >= oldest)
                {
                    continue;
                }
                final long word = buffer.getLongVolatile(slot + LEASE_STATE_OFFSET);
                if (state(word) != REQUEUED || buffer.getLongVolatile(slot + SEQUENCE_OFFSET) != sequence)
                {
                    continue;
                }
                oldest = held;
                oldestSlot = slot;
                oldestWord = word;
                if (inOrder)
                {
                    break;
                }
            }
            if (oldest == Long.MAX_VALUE)
            {
                return false;
            }
            final long priorDeadline = buffer.getLongVolatile(oldestSlot + DEADLINE_OFFSET);
            final long leased = next(oldestWord, LEASED, holder);
            // The word's generation changes with any transition, so this CAS also fails if the slot moved on.
            if (buffer.compareAndSetLong(oldestSlot + LEASE_STATE_OFFSET, oldestWord, leased))
            {
                if (CrashPoint.ENABLED)
                {
                    CrashPoint.LEASE_AFTER_STATE_CAS.reached();
                }
                completeLease(lease, oldestSlot, oldest, leased, priorDeadline, leaseTimeoutMs);
                return true;
            }
            // Taken by another consumer (or revoked and requeued again) meanwhile: look again.
        }
    }

    /**
     * @param slot     offset of the slot of {@code position}.
     * @param position a position below the tail.
     * @param sequence the slot's sequence, just read.
     * @return the position of the committed message the slot holds, if that is {@code position} or, skipped, an
     * earlier one; else {@link #NONE} (free, claimed, or holding a later message).
     */
    private long heldPosition(final int slot, final long position, final long sequence)
    {
        if (sequence == position + 1)
        {
            return position;
        }
        if (isSkipped(sequence))
        {
            final long held = buffer.getLong(slot + POSITION_OFFSET);
            return held <= position ? held : NONE;
        }
        return NONE;
    }

    /**
     * @param position a position below the tail.
     * @param sequence the sequence of its slot, just read.
     * @return the position of the committed message the slot holds (see {@link #heldPosition(int, long, long)}),
     * or {@link #NONE}.
     */
    public long heldPosition(final long position, final long sequence)
    {
        return heldPosition(slotOffset(position), position, sequence);
    }

    private void completeLease(
        final SlotLease lease,
        final int slot,
        final long position,
        final long leased,
        final long priorDeadline,
        final long leaseTimeoutMs)
    {
        final AtomicBuffer buffer = this.buffer;
        final long deadline = deadlineWord(generation(leased), clock.nowSinceCreated() + leaseTimeoutMs);
        // Delivery count before the deadline: a sweeper acts on a lease only once its deadline carries the
        // lease's tag, and by then the count it reads is this delivery's.
        final int deliveries = buffer.getInt(slot + DELIVERY_COUNT_OFFSET) + 1;
        buffer.putInt(slot + DELIVERY_COUNT_OFFSET, deliveries);
        // A CAS from the word seen before the lease: a holder that stalled right after its lease CAS, was revoked
        // and wakes up late finds the deadline changed by the next holder and leaves it alone. The next holder,
        // if that zombie got in first, sees its lease still current and writes its deadline over the zombie's.
        if (!buffer.compareAndSetLong(slot + DEADLINE_OFFSET, priorDeadline, deadline) &&
            buffer.getLongVolatile(slot + LEASE_STATE_OFFSET) == leased)
        {
            buffer.putLongRelease(slot + DEADLINE_OFFSET, deadline);
        }
        if (CrashPoint.ENABLED)
        {
            CrashPoint.LEASE_AFTER_DEADLINE.reached();
        }
        lease.ring = this;
        lease.position = position;
        lease.slotOffset = slot;
        lease.leasedWord = leased;
        lease.deliveryCount = deliveries;
        lease.messageId = buffer.getLong(slot + MESSAGE_ID_OFFSET);
        lease.payloadLength = buffer.getInt(slot + PAYLOAD_LENGTH_OFFSET);
    }

    /**
     * @param lease a lease this ring granted.
     * @return the payload length, checked against the geometry: a corrupt word is an error, never a wild read.
     */
    public int checkedPayloadLength(final SlotLease lease)
    {
        final int length = lease.payloadLength;
        if (length < 0 || length > maxPayloadLength)
        {
            throw new CorruptQueueException("lane " + lane + " slot " + (lease.position & mask) +
                ": payload length " + length + " is outside [0, " + maxPayloadLength + "]");
        }
        return length;
    }

    /**
     * @param lease a lease this ring granted.
     * @return the payload length if it is possible, else 0 (the view is then empty and length() reports why).
     */
    public int checkedPayloadLengthOrZero(final SlotLease lease)
    {
        final int length = lease.payloadLength;
        return length < 0 || length > maxPayloadLength ? 0 : length;
    }

    /**
     * Acknowledges: the message leaves the queue and its slot is free for the next lap.
     *
     * @param lease the holder's lease.
     * @return false if the lease had been taken away (nothing changed).
     */
    public boolean ack(final SlotLease lease)
    {
        final int slot = lease.slotOffset;
        final long leased = lease.leasedWord;
        if (!buffer.compareAndSetLong(slot + LEASE_STATE_OFFSET, leased, next(leased, FREE, NO_HOLDER)))
        {
            return false;
        }
        if (CrashPoint.ENABLED)
        {
            CrashPoint.ACK_AFTER_STATE_CAS.reached();
        }
        // A CAS, not a store: a reaper may have finished this free already (completeFree) and the slot moved on.
        finishFree(slot, lease.position, lease.position + 1);
        if (CrashPoint.ENABLED)
        {
            CrashPoint.ACK_AFTER_SEQUENCE.reached();
        }
        return true;
    }

    /**
     * Moves the deadline of a lease still held.
     *
     * @param lease                the holder's lease.
     * @param deadlineSinceCreated new deadline, ms since the file's creation epoch.
     * @return false if the lease had been taken away or is being expired.
     */
    public boolean extend(final SlotLease lease, final long deadlineSinceCreated)
    {
        final int slot = lease.slotOffset;
        final int generation = generation(lease.leasedWord);
        final long current = buffer.getLongVolatile(slot + DEADLINE_OFFSET);
        if (!deadlineBelongsTo(current, generation) || deadlineSinceCreated(current) == DEADLINE_EXPIRING)
        {
            return false;
        }
        if (!buffer.compareAndSetLong(slot + DEADLINE_OFFSET, current, deadlineWord(generation, deadlineSinceCreated)))
        {
            return false;
        }
        if (CrashPoint.ENABLED)
        {
            CrashPoint.EXTEND_AFTER_DEADLINE_CAS.reached();
        }
        return buffer.getLongVolatile(slot + LEASE_STATE_OFFSET) == lease.leasedWord;
    }

    /**
     * Gives a leased message back: REQUEUED for redelivery, or to the dead-letter ring once it has been delivered
     * {@code maxDeliveries} times.
     *
     * @param position      the message's position.
     * @param observed      the lease-state word the caller holds (its own lease, or one a sweeper revokes).
     * @param maxDeliveries the queue's limit; 0 for the dead-letter ring itself (never dead-lettered again).
     * @param deadLetters   the dead-letter ring.
     * @param mover         participant index + 1 of the caller (the holder written while copying).
     * @return {@link #REQUEUED_OK}, {@link #DEAD_LETTERED_OK}, {@link #PARKED_OK} or {@link #FENCED}.
     */
    public int requeueOrDeadLetter(
        final long position, final long observed, final int maxDeliveries, final LaneRing deadLetters, final int mover)
    {
        final int slot = slotOffset(position);
        final int deliveries = buffer.getInt(slot + DELIVERY_COUNT_OFFSET);
        if (maxDeliveries > 0 && deliveries >= maxDeliveries)
        {
            final long moving = next(observed, DEAD_LETTERING, mover);
            if (!buffer.compareAndSetLong(slot + LEASE_STATE_OFFSET, observed, moving))
            {
                return FENCED;
            }
            if (CrashPoint.ENABLED)
            {
                CrashPoint.DEAD_LETTER_AFTER_STATE_CAS.reached();
            }
            return moveToDeadLetters(slot, position, moving, deadLetters, mover);
        }
        if (!buffer.compareAndSetLong(slot + LEASE_STATE_OFFSET, observed, next(observed, REQUEUED, NO_HOLDER)))
        {
            return FENCED;
        }
        if (CrashPoint.ENABLED)
        {
            CrashPoint.RELEASE_AFTER_STATE_CAS.reached();
        }
        buffer.getAndAddLong(requeueCountOffset, 1);
        wakeups.messageAvailable();
        if (CrashPoint.ENABLED)
        {
            CrashPoint.RELEASE_AFTER_REQUEUE_COUNT.reached();
        }
        return REQUEUED_OK;
    }

    /**
     * Retries the move of a PARKED message (one that found the dead-letter ring full).
     *
     * @param position    its position.
     * @param observed    the PARKED word observed.
     * @param deadLetters the dead-letter ring.
     * @param mover       participant index + 1 of the caller.
     * @return {@link #DEAD_LETTERED_OK}, {@link #PARKED_OK} or {@link #FENCED}.
     */
    public int retryParked(final long position, final long observed, final LaneRing deadLetters, final int mover)
    {
        final int slot = slotOffset(position);
        final long moving = next(observed, DEAD_LETTERING, mover);
        if (!buffer.compareAndSetLong(slot + LEASE_STATE_OFFSET, observed, moving))
        {
            return FENCED;
        }
        return moveToDeadLetters(slot, position, moving, deadLetters, mover);
    }

    private int moveToDeadLetters(
        final int slot, final long position, final long moving, final LaneRing deadLetters, final int mover)
    {
        final long target = deadLetters.tryClaim(mover);
        if (target < 0)
        {
            buffer.putLongRelease(slot + LEASE_STATE_OFFSET, next(moving, PARKED, NO_HOLDER));
            return PARKED_OK;
        }
        final int targetSlot = deadLetters.slotOffset(target);
        final int length = Math.max(0, Math.min(buffer.getInt(slot + PAYLOAD_LENGTH_OFFSET), maxPayloadLength));
        buffer.putLong(targetSlot + MESSAGE_ID_OFFSET, buffer.getLong(slot + MESSAGE_ID_OFFSET));
        // The dead letter keeps its history: deliveries so far, counting up again from there when it is read.
        buffer.putInt(targetSlot + DELIVERY_COUNT_OFFSET, buffer.getInt(slot + DELIVERY_COUNT_OFFSET));
        buffer.putBytes(targetSlot + PAYLOAD_OFFSET, buffer, slot + PAYLOAD_OFFSET, length);
        deadLetters.commit(target, length);
        if (CrashPoint.ENABLED)
        {
            CrashPoint.DEAD_LETTER_AFTER_COPY_COMMIT.reached();
        }
        free(slot, position, position + 1, moving);
        if (CrashPoint.ENABLED)
        {
            CrashPoint.DEAD_LETTER_AFTER_FREE.reached();
        }
        return DEAD_LETTERED_OK;
    }

    private void free(final int slot, final long position, final long sequence, final long owned)
    {
        buffer.putLongRelease(slot + LEASE_STATE_OFFSET, next(owned, FREE, NO_HOLDER));
        finishFree(slot, position, sequence);
    }

    /**
     * Claims an expired lease for revocation: CAS its deadline to EXPIRING, so a racing extend fails.
     *
     * @param position position of the slot.
     * @param observed the LEASED word observed.
     * @param nowSinceCreated now, ms since the file's creation epoch.
     * @return true if the lease is past its deadline and the caller now owns its revocation.
     */
    public boolean claimExpiry(final long position, final long observed, final long nowSinceCreated)
    {
        final int slot = slotOffset(position);
        final long deadline = buffer.getLongVolatile(slot + DEADLINE_OFFSET);
        final int generation = generation(observed);
        if (!deadlineBelongsTo(deadline, generation))
        {
            // The holder has not written this lease's deadline yet: it is fresh.
            return false;
        }
        final long since = deadlineSinceCreated(deadline);
        if (since == DEADLINE_EXPIRING)
        {
            return true;
        }
        if (since - nowSinceCreated > 0)
        {
            return false;
        }
        if (!buffer.compareAndSetLong(slot + DEADLINE_OFFSET, deadline, deadlineWord(generation, DEADLINE_EXPIRING)))
        {
            return false;
        }
        if (CrashPoint.ENABLED)
        {
            CrashPoint.EXPIRE_AFTER_DEADLINE_CAS.reached();
        }
        return true;
    }

    /**
     * Hands the message of a mover that died mid-copy (DEAD_LETTERING) to the next sweep: PARKED, so the move is
     * retried. If the copy had been committed already, the dead-letter ring gets it twice (at least once).
     *
     * @param position position of the slot.
     * @param observed the DEAD_LETTERING word observed.
     * @return true if this call parked it.
     */
    public boolean parkAbandonedMove(final long position, final long observed)
    {
        return buffer.compareAndSetLong(
            slotOffset(position) + LEASE_STATE_OFFSET, observed, next(observed, PARKED, NO_HOLDER));
    }

    /**
     * Tells consumers that skipped a scan that a REQUEUED slot is waiting (a requeuer that died between its CAS
     * and its count, or a count they read before the CAS).
     */
    public void bumpRequeueCount()
    {
        buffer.getAndAddLong(requeueCountOffset, 1);
        wakeups.messageAvailable();
    }

    public long requeueCount()
    {
        return buffer.getLongVolatile(requeueCountOffset);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Positions
    // ---------------------------------------------------------------------------------------------------------

    /**
     * @return the next position a producer will claim (without the sealed bit).
     */
    public long tailPosition()
    {
        return buffer.getLongVolatile(tailOffset) & ~LaneDescriptor.SEALED_BIT;
    }

    public boolean isSealed()
    {
        return (buffer.getLongVolatile(tailOffset) & LaneDescriptor.SEALED_BIT) != 0;
    }

    public long leaseCursor()
    {
        return buffer.getLongVolatile(cursorOffset);
    }

    public long headHint()
    {
        return buffer.getLongVolatile(headOffset);
    }

    /**
     * Sets the sealed bit of the tail: every claim after this fails.
     */
    public void seal()
    {
        while (true)
        {
            final long tail = buffer.getLongVolatile(tailOffset);
            if ((tail & LaneDescriptor.SEALED_BIT) != 0 ||
                buffer.compareAndSetLong(tailOffset, tail, tail | LaneDescriptor.SEALED_BIT))
            {
                return;
            }
        }
    }

    /**
     * Moves the head hint over positions already freed, up to {@code limit}.
     *
     * @param limit do not move past this position.
     * @return the head hint after the move: every position below it is freed.
     */
    public long advanceHead(final long limit)
    {
        final AtomicBuffer buffer = this.buffer;
        long head = buffer.getLongVolatile(headOffset);
        while (head < limit && isPassed(head))
        {
            if (buffer.compareAndSetLong(headOffset, head, head + 1))
            {
                head++;
            }
            else
            {
                head = buffer.getLongVolatile(headOffset);
            }
        }
        return head;
    }

    /**
     * @param position a position below the tail.
     * @return true if it is freed or was skipped: its slot serves a later position now, or holds a later message.
     */
    private boolean isPassed(final long position)
    {
        final int slot = slotOffset(position);
        final long sequence = buffer.getLongVolatile(slot + SEQUENCE_OFFSET);
        return isSkipped(sequence) ? buffer.getLong(slot + POSITION_OFFSET) > position : sequence >= position + capacity;
    }

    /**
     * @return true if every position ever claimed has been freed (acked, dead-lettered or aborted).
     */
    public boolean isDrained()
    {
        final long tail = tailPosition();
        return advanceHead(tail) >= tail;
    }

    /**
     * @param position a position.
     * @return the lease-state word of its slot (of whatever lap the slot is in).
     */
    public long leaseStateWord(final long position)
    {
        return buffer.getLongVolatile(slotOffset(position) + LEASE_STATE_OFFSET);
    }

    public long sequence(final long position)
    {
        return buffer.getLongVolatile(slotOffset(position) + SEQUENCE_OFFSET);
    }


    @Override
    public String toString()
    {
        return "LaneRing{lane=" + lane + ", capacity=" + capacity + ", tail=" + tailPosition() +
            ", cursor=" + leaseCursor() + ", head=" + headHint() + "}";
    }

}
