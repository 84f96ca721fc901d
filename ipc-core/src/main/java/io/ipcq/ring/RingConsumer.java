package io.ipcq.ring;

import io.ipcq.CorruptQueueException;
import io.ipcq.internal.CrashPoint;
import io.ipcq.layout.LaneDescriptor;
import org.agrona.concurrent.AtomicBuffer;

import static io.ipcq.layout.LeaseState.*;
import static io.ipcq.layout.SlotDescriptor.*;

/**
 * The consumer's path of one ring: lease at the cursor (#5), lease a redelivery (#6), ack (#7), release (#8),
 * extend (#9), the move to the dead-letter ring (#11), the operator's purge (#18) and, on the dead-letter ring, the
 * redrive back to a lane (#19) of docs/protocol.md.
 * <p>
 * Consumers take the position at the lease cursor by CAS on the slot's lease-state word (READY to LEASED), then help
 * the cursor on; a message released or expired goes back to REQUEUED in place and is found by a scan of at most one
 * lap, [max(head, cursor - capacity), cursor), that consumers run only when the lane's requeue count has moved. An
 * ack frees the slot: state FREE, then sequence p + capacity (or, if producers skipped it, past the last skip).
 * Stateless apart from the geometry: one instance serves every thread of a process.
 */
public final class RingConsumer
{
    /** No message to lease. */
    public static final long NONE = -1;
    /** Cursor jumps (each after a lap of steps) one lease at the cursor makes before it leaves the rest to the next. */
    private static final int MAX_JUMPS = 2;

    /** Answers of {@link #requeueOrDeadLetter}. */
    public static final int REQUEUED_OK = 1;
    public static final int DEAD_LETTERED_OK = 2;
    public static final int PARKED_OK = 3;
    public static final int FENCED = 0;

    /** Answers of {@link #redriveNext}: no dead letter waits for a delivery. */
    public static final int REDRIVE_NONE = 0;
    /** Redriven: committed in its lane, freed here. */
    public static final int REDRIVE_OK = 1;
    /** The lane is full: the dead letter went back (REQUEUED), nothing was written. */
    public static final int REDRIVE_FULL = 2;
    /** The lane is sealed: the dead letter went back. */
    public static final int REDRIVE_SEALED = 3;
    /** The claim in the lane was repaired (tombstoned) under this redriver, judged gone: the dead letter went back. */
    public static final int REDRIVE_FENCED = 4;

    private final RingSlots ring;
    private final AtomicBuffer slots;
    private final AtomicBuffer laneEntry;
    private final int capacity;
    private final int maxPayloadLength;
    private final QueueClock clock;

    /**
     * @param ring  the ring.
     * @param clock the clock lease deadlines are read from.
     */
    public RingConsumer(final RingSlots ring, final QueueClock clock)
    {
        this.ring = ring;
        this.slots = ring.buffer();
        this.laneEntry = ring.laneEntry();
        this.capacity = ring.capacity();
        this.maxPayloadLength = ring.maxPayloadLength();
        this.clock = clock;
    }

    public RingSlots ring()
    {
        return ring;
    }

    /**
     * #5: leases the message at the lease cursor, stepping the cursor over positions already delivered or freed: one
     * position at a time for at most a lap, then by a jump ({@link #jumpCursor}).
     *
     * @param holder         the consumer's participant index + 1.
     * @param lease          filled in on success.
     * @param leaseTimeoutMs how long the lease lasts from now.
     * @return true if a message was leased.
     * @throws CorruptQueueException if the lease cursor is one the protocol cannot produce.
     */
    public boolean tryLeaseNext(final int holder, final SlotLease lease, final long leaseTimeoutMs)
    {
        return leaseAtCursor(holder, lease, null, 0, 0, leaseTimeoutMs) == 1;
    }

    /**
     * #5b: leases up to {@code max} messages at the lease cursor with one cursor step: the message at the cursor
     * {@code c} as #5 does (stepping over what needs no first delivery), then the messages of {@code c + 1},
     * {@code c + 2}, ... each by its own lease-state CAS, stopping at the first position whose message is not there
     * READY or REQUEUED; then one cursor CAS {@code c -> c + k}. Between the state CASes and the cursor CAS the
     * batch's slots are LEASED ahead of the cursor: other consumers step over them as over any delivered position
     * (#5), and if this consumer dies there the reaper revokes them (#14).
     *
     * @param holder         the consumer's participant index + 1.
     * @param leases         filled in from {@code leases[from]} on, in position order.
     * @param from           the first entry to fill.
     * @param max            how many at most (at most the capacity: one lap of distinct slots).
     * @param leaseTimeoutMs how long the leases last from now.
     * @return how many were leased, 0 if none.
     * @throws CorruptQueueException if the lease cursor is one the protocol cannot produce.
     */
    public int tryLeaseNext(
        final int holder, final SlotLease[] leases, final int from, final int max, final long leaseTimeoutMs)
    {
        if (max <= 0)
        {
            return 0;
        }
        final int following = Math.min(max, capacity) - 1;
        return leaseAtCursor(holder, leases[from], leases, from + 1, following, leaseTimeoutMs);
    }

    /**
     * #5, and #5b when {@code following > 0}: the lease at the cursor, then up to {@code following} more right after
     * it, then one cursor CAS.
     *
     * @return how many were leased.
     */
    private int leaseAtCursor(
        final int holder,
        final SlotLease lease,
        final SlotLease[] more,
        final int moreFrom,
        final int following,
        final long leaseTimeoutMs)
    {
        final AtomicBuffer slots = this.slots;
        final AtomicBuffer laneEntry = this.laneEntry;
        int steps = 0;
        int jumps = 0;
        while (true)
        {
            final long cursor = laneEntry.getLongVolatile(LaneDescriptor.LEASE_CURSOR_OFFSET);
            final int slot = ring.slotOffset(cursor);
            final long sequence = slots.getLongVolatile(slot + SEQUENCE_OFFSET);
            final boolean committedHere;
            if (isSkipped(sequence))
            {
                // The slot holds the message at its Position word, and producers skipped it up to some position.
                final long held = slots.getLong(slot + POSITION_OFFSET);
                final long lastSkipped = lastSkippedPosition(sequence);
                if (held != cursor && lastSkipped < cursor)
                {
                    if (lastSkipped < cursor - capacity)
                    {
                        checkCursor(cursor);
                    }
                    return 0;
                }
                committedHere = held == cursor;
            }
            else
            {
                if (sequence <= cursor)
                {
                    // A slot serves a position at most a lap below a cursor the protocol can produce.
                    if (sequence < cursor - capacity)
                    {
                        checkCursor(cursor);
                    }
                    return 0;
                }
                committedHere = sequence == cursor + 1;
            }
            if (committedHere)
            {
                final long word = slots.getLongVolatile(slot + LEASE_STATE_OFFSET);
                // Sequence read on both sides of the state: the word belongs to this position's message.
                if (slots.getLongVolatile(slot + SEQUENCE_OFFSET) != sequence)
                {
                    continue;
                }
                final int state = state(word);
                if (state == READY || state == REQUEUED)
                {
                    final long priorDeadline = slots.getLongVolatile(slot + DEADLINE_OFFSET);
                    final long leased = next(word, LEASED, holder);
                    if (slots.compareAndSetLong(slot + LEASE_STATE_OFFSET, word, leased))
                    {
                        if (CrashPoint.ENABLED)
                        {
                            CrashPoint.LEASE_AFTER_STATE_CAS.reached();
                        }
                        final int count = following == 0 ? 1 :
                            1 + leaseFollowing(holder, cursor + 1, more, moreFrom, following);
                        if (CrashPoint.ENABLED && following > 0)
                        {
                            CrashPoint.BATCH_LEASE_BEFORE_CURSOR_CAS.reached();
                        }
                        // One step for the whole batch; failure is fine: someone saw the first LEASED and helped.
                        laneEntry.compareAndSetLong(LaneDescriptor.LEASE_CURSOR_OFFSET, cursor, cursor + count);
                        if (CrashPoint.ENABLED)
                        {
                            CrashPoint.LEASE_AFTER_CURSOR_CAS.reached();
                        }
                        completeLease(lease, slot, cursor, leased, priorDeadline, leaseTimeoutMs);
                        for (int i = 1; i < count; i++)
                        {
                            final SlotLease next = more[moreFrom + i - 1];
                            completeLease(next, next.slotOffset, next.position, next.leasedWord, next.priorDeadline,
                                leaseTimeoutMs);
                        }
                        return count;
                    }
                    continue;
                }
            }
            // Delivered already, skipped, or freed and perhaps reused: this position needs no first delivery.
            if (cursor < 0)
            {
                checkCursor(cursor);
            }
            if (++steps > capacity)
            {
                // A lap of positions stepped over: the cursor is far behind (aborted claims, say). Check it, then
                // jump over what one lap's look proves needs no first delivery; a cursor that would still need
                // laps after MAX_JUMPS jumps in one call is left for the next call.
                checkCursor(cursor);
                if (++jumps > MAX_JUMPS)
                {
                    return 0;
                }
                jumpCursor(cursor);
                steps = 0;
                continue;
            }
            laneEntry.compareAndSetLong(LaneDescriptor.LEASE_CURSOR_OFFSET, cursor, cursor + 1);
        }
    }

    /**
     * #5b, after the lease at the cursor {@code c}: leases the messages of {@code c + 1}, {@code c + 2}, ... as #5
     * does at the cursor (the message of the position in its slot, the sequence read on both sides of the word,
     * READY or REQUEUED, CAS to LEASED), stopping at the first that is not. Only the state CASes: each entry keeps
     * the word read before it for the deadline CAS that {@link #completeLease} does after the cursor step.
     *
     * @return how many were leased.
     */
    private int leaseFollowing(
        final int holder, final long first, final SlotLease[] leases, final int from, final int max)
    {
        final AtomicBuffer slots = this.slots;
        int count = 0;
        while (count < max)
        {
            final long position = first + count;
            final int slot = ring.slotOffset(position);
            final long sequence = slots.getLongVolatile(slot + SEQUENCE_OFFSET);
            final boolean committedHere = isSkipped(sequence) ?
                slots.getLong(slot + POSITION_OFFSET) == position : sequence == position + 1;
            if (!committedHere)
            {
                return count;
            }
            final long word = slots.getLongVolatile(slot + LEASE_STATE_OFFSET);
            final int state = state(word);
            if ((state != READY && state != REQUEUED) || slots.getLongVolatile(slot + SEQUENCE_OFFSET) != sequence)
            {
                return count;
            }
            final long priorDeadline = slots.getLongVolatile(slot + DEADLINE_OFFSET);
            final long leased = next(word, LEASED, holder);
            if (!slots.compareAndSetLong(slot + LEASE_STATE_OFFSET, word, leased))
            {
                // Taken by a consumer that stepped the cursor past our first position: the rest is its turn.
                return count;
            }
            final SlotLease lease = leases[from + count];
            lease.position = position;
            lease.slotOffset = slot;
            lease.leasedWord = leased;
            lease.priorDeadline = priorDeadline;
            count++;
        }
        return count;
    }

    /**
     * The cursor is more than a lap behind the tail {@code t}. A position {@code q < t - C} needs a first delivery only
     * if its message is still in its slot, READY (or REQUEUED before the cursor passed it): the slot of {@code q}
     * served {@code q + C} since, so it was freed (nothing to deliver), or skipped with a message in it, met in the
     * last lap below the tail. So one look at that lap finds the lowest such message at or after the cursor, or
     * proves there is none below {@code t - C}; the cursor moves there (CAS, failure fine: someone moved it).
     */
    private void jumpCursor(final long cursor)
    {
        final AtomicBuffer slots = this.slots;
        final long tail = ring.tailPosition();
        long target = tail - capacity;
        if (cursor >= target)
        {
            return;
        }
        for (long position = tail - capacity; position < tail; position++)
        {
            final int slot = ring.slotOffset(position);
            if (isSkipped(slots.getLongVolatile(slot + SEQUENCE_OFFSET)))
            {
                final long held = slots.getLong(slot + POSITION_OFFSET);
                final int state = state(slots.getLongVolatile(slot + LEASE_STATE_OFFSET));
                if (held >= cursor && held < target && (state == READY || state == REQUEUED))
                {
                    target = held;
                }
            }
        }
        laneEntry.compareAndSetLong(LaneDescriptor.LEASE_CURSOR_OFFSET, cursor, target);
    }

    private void checkCursor(final long cursor)
    {
        ring.checkBelowTail("lease cursor", cursor, ring.tailPosition());
    }

    /**
     * #6: leases the oldest message waiting for redelivery, scanning at most one lap back from the lease cursor (from
     * the head hint if that is nearer).
     *
     * @param holder         the consumer's participant index + 1.
     * @param lease          filled in on success.
     * @param leaseTimeoutMs how long the lease lasts from now.
     * @return true if a message was leased.
     * @throws CorruptQueueException if the lease cursor or the head hint is one the protocol cannot produce.
     */
    public boolean tryLeaseRequeued(final int holder, final SlotLease lease, final long leaseTimeoutMs)
    {
        final AtomicBuffer slots = this.slots;
        while (true)
        {
            final long cursor = ring.leaseCursor();
            if (cursor < 0)
            {
                checkCursor(cursor);
            }
            final long head = ring.advanceHead(cursor);
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
                final int slot = ring.slotOffset(position);
                final long sequence = slots.getLongVolatile(slot + SEQUENCE_OFFSET);
                final long held = ring.heldPosition(slot, position, sequence);
                if (held == NONE || held >= oldest)
                {
                    continue;
                }
                final long word = slots.getLongVolatile(slot + LEASE_STATE_OFFSET);
                if (state(word) != REQUEUED || slots.getLongVolatile(slot + SEQUENCE_OFFSET) != sequence)
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
            final long priorDeadline = slots.getLongVolatile(oldestSlot + DEADLINE_OFFSET);
            final long leased = next(oldestWord, LEASED, holder);
            // The word's generation changes with any transition, so this CAS also fails if the slot moved on.
            if (slots.compareAndSetLong(oldestSlot + LEASE_STATE_OFFSET, oldestWord, leased))
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

    private void completeLease(
        final SlotLease lease,
        final int slot,
        final long position,
        final long leased,
        final long priorDeadline,
        final long leaseTimeoutMs)
    {
        final AtomicBuffer slots = this.slots;
        final long deadline = deadlineWord(generation(leased), clock.nowSinceCreated() + leaseTimeoutMs);
        // Delivery count before the deadline: a sweeper acts on a lease only once its deadline carries the
        // lease's tag, and by then the count it reads is this delivery's.
        final int deliveries = slots.getInt(slot + DELIVERY_COUNT_OFFSET) + 1;
        slots.putInt(slot + DELIVERY_COUNT_OFFSET, deliveries);
        // A CAS from the word seen before the lease: a holder that stalled right after its lease CAS, was revoked
        // and wakes up late finds the deadline changed by the next holder and leaves it alone. The next holder,
        // if that zombie got in first, sees its lease still current and writes its deadline over the zombie's.
        if (!slots.compareAndSetLong(slot + DEADLINE_OFFSET, priorDeadline, deadline) &&
            slots.getLongVolatile(slot + LEASE_STATE_OFFSET) == leased)
        {
            slots.putLongRelease(slot + DEADLINE_OFFSET, deadline);
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
        lease.messageId = slots.getLong(slot + MESSAGE_ID_OFFSET);
        lease.payloadLength = slots.getInt(slot + PAYLOAD_LENGTH_OFFSET);
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
            throw new CorruptQueueException(ring.name() + " slot " + (lease.position & (capacity - 1)) +
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
     * #7: acknowledges: the message leaves the queue and its slot is free for the next lap.
     *
     * @param lease the holder's lease.
     * @return false if the lease had been taken away (nothing changed).
     */
    public boolean ack(final SlotLease lease)
    {
        final int slot = lease.slotOffset;
        final long leased = lease.leasedWord;
        if (!slots.compareAndSetLong(slot + LEASE_STATE_OFFSET, leased, next(leased, FREE, NO_HOLDER)))
        {
            return false;
        }
        if (CrashPoint.ENABLED)
        {
            CrashPoint.ACK_AFTER_STATE_CAS.reached();
        }
        // A CAS, not a store: a reaper may have finished this free already (#13a) and the slot moved on.
        ring.finishFree(slot, lease.position, lease.position + 1);
        if (CrashPoint.ENABLED)
        {
            CrashPoint.ACK_AFTER_SEQUENCE.reached();
        }
        return true;
    }

    /**
     * #18: drops every message of this ring that waits for a delivery (READY, or REQUEUED for a redelivery): per
     * message a CAS of its lease-state word to FREE, then the free (#16), as an ack does (#7). One look at the live
     * window [max(head, tail - capacity), tail): a message older than a lap sits in a slot of it, skipped. Leased
     * messages and messages being moved to the dead-letter ring are left to their holder; a message that changes
     * state under this call (leased meanwhile) fails its CAS and stays.
     *
     * @return how many messages this call dropped.
     */
    public long purge()
    {
        final AtomicBuffer slots = this.slots;
        final long tail = ring.tailPosition();
        final long from = Math.max(ring.advanceHead(tail), tail - capacity);
        long purged = 0;
        for (long position = from; position < tail; position++)
        {
            final int slot = ring.slotOffset(position);
            final long sequence = slots.getLongVolatile(slot + SEQUENCE_OFFSET);
            final long held = ring.heldPosition(slot, position, sequence);
            if (held == NONE)
            {
                continue;
            }
            final long word = slots.getLongVolatile(slot + LEASE_STATE_OFFSET);
            final int state = state(word);
            // Sequence read on both sides of the state: the word belongs to that message.
            if ((state != READY && state != REQUEUED) || slots.getLongVolatile(slot + SEQUENCE_OFFSET) != sequence)
            {
                continue;
            }
            if (slots.compareAndSetLong(slot + LEASE_STATE_OFFSET, word, next(word, FREE, NO_HOLDER)))
            {
                if (CrashPoint.ENABLED)
                {
                    CrashPoint.PURGE_AFTER_STATE_CAS.reached();
                }
                // A CAS from the sequence seen: the reaper may have finished this free already (#13a).
                ring.finishFree(slot, held, sequence);
                if (CrashPoint.ENABLED)
                {
                    CrashPoint.PURGE_AFTER_SEQUENCE.reached();
                }
                purged++;
            }
        }
        return purged;
    }

    /**
     * #19 (R1 to R5), on the dead-letter ring: moves one dead letter that waits for a delivery (READY or REQUEUED) back
     * to a lane, with its id, origin word and payload, delivery count 0. R1: CAS its word to REDRIVING(holder). R2:
     * claim a position q in the lane and write the copy. R3: store the Redrive Target (lane, q) in the dead letter's
     * slot (release). R4: commit q by CAS ({@link RingProducer#commitRedriven}), the one decision point. R5: CAS the
     * dead letter REDRIVING to FREE, then free it (#16). A redriver that dies is repaired by {@link RingRepair}.
     *
     * @param holder the redriver's participant index + 1.
     * @param lanes  the lanes' producer paths, by lane index.
     * @param toLane the lane to move it to, or -1 for the lane of its message id (the lane it was sent on).
     * @return {@link #REDRIVE_OK}, {@link #REDRIVE_NONE}, {@link #REDRIVE_FULL}, {@link #REDRIVE_SEALED} or
     * {@link #REDRIVE_FENCED}.
     * @throws CorruptQueueException if a dead letter's id names a lane the queue does not have (nothing changed).
     */
    public int redriveNext(final int holder, final RingProducer[] lanes, final int toLane)
    {
        final AtomicBuffer slots = this.slots;
        final long tail = ring.tailPosition();
        final long from = Math.max(ring.advanceHead(tail), tail - capacity);
        for (long position = from; position < tail; position++)
        {
            final int slot = ring.slotOffset(position);
            final long sequence = slots.getLongVolatile(slot + SEQUENCE_OFFSET);
            final long held = ring.heldPosition(slot, position, sequence);
            if (held == NONE)
            {
                continue;
            }
            final long word = slots.getLongVolatile(slot + LEASE_STATE_OFFSET);
            final int state = state(word);
            if ((state != READY && state != REQUEUED) || slots.getLongVolatile(slot + SEQUENCE_OFFSET) != sequence)
            {
                continue;
            }
            final long id = slots.getLong(slot + MESSAGE_ID_OFFSET);
            final int lane = toLane >= 0 ? toLane : (int)(id >>> 56);
            if (lane >= lanes.length)
            {
                throw new CorruptQueueException(ring.name() + " slot " + (held & (capacity - 1)) + ": message id " +
                    Long.toHexString(id) + " names lane " + lane + ", the queue has " + lanes.length +
                    " (redrive it to a lane given explicitly)");
            }
            final long redriving = next(word, REDRIVING, holder);
            if (!slots.compareAndSetLong(slot + LEASE_STATE_OFFSET, word, redriving))
            {
                continue;
            }
            if (CrashPoint.ENABLED)
            {
                CrashPoint.REDRIVE_AFTER_STATE_CAS.reached();
            }
            return redrive(slot, held, sequence, redriving, lanes[lane], lane, holder);
        }
        return REDRIVE_NONE;
    }

    /**
     * #19, R2 to R5, after the REDRIVING CAS.
     */
    private int redrive(
        final int slot,
        final long position,
        final long sequence,
        final long redriving,
        final RingProducer lane,
        final int laneIndex,
        final int holder)
    {
        final AtomicBuffer slots = this.slots;
        final long claim = lane.tryClaim(holder);
        if (claim < 0)
        {
            ring.returnRedrive(slot, redriving, NO_REDRIVE_TARGET);
            return claim == RingProducer.SEALED ? REDRIVE_SEALED : REDRIVE_FULL;
        }
        final AtomicBuffer laneSlots = lane.ring().buffer();
        final int laneSlot = lane.ring().slotOffset(claim);
        final long claimed = laneSlots.getLongVolatile(laneSlot + LEASE_STATE_OFFSET);
        if (state(claimed) != CLAIMED || holder(claimed) != holder)
        {
            // Repaired already: this process was judged gone. No target stored, so the dead letter simply goes back.
            ring.returnRedrive(slot, redriving, NO_REDRIVE_TARGET);
            return REDRIVE_FENCED;
        }
        if (CrashPoint.ENABLED)
        {
            CrashPoint.REDRIVE_AFTER_CLAIM.reached();
        }
        final int length = Math.max(0, Math.min(slots.getInt(slot + PAYLOAD_LENGTH_OFFSET), maxPayloadLength));
        laneSlots.putLong(laneSlot + MESSAGE_ID_OFFSET, slots.getLong(slot + MESSAGE_ID_OFFSET));
        laneSlots.putLong(laneSlot + ORIGIN_ID_OFFSET, slots.getLong(slot + ORIGIN_ID_OFFSET));
        // The claim wrote delivery count 0 already: the redriven message starts its life again.
        laneSlots.putBytes(laneSlot + PAYLOAD_OFFSET, slots, slot + PAYLOAD_OFFSET, length);
        if (CrashPoint.ENABLED)
        {
            CrashPoint.REDRIVE_AFTER_COPY.reached();
        }
        final long target = redriveTarget(laneIndex, claim);
        slots.putLongRelease(slot + REDRIVE_TARGET_OFFSET, target);
        if (CrashPoint.ENABLED)
        {
            CrashPoint.REDRIVE_AFTER_TARGET.reached();
        }
        if (!lane.commitRedriven(claim, length, claimed))
        {
            // Tombstoned by a repair that judged this process gone; that repair gives the dead letter back too.
            ring.returnRedrive(slot, redriving, target);
            return REDRIVE_FENCED;
        }
        if (CrashPoint.ENABLED)
        {
            CrashPoint.REDRIVE_AFTER_COMMIT.reached();
        }
        // If this CAS fails, a repair saw the copy committed and freed the dead letter itself.
        if (ring.freeRedriven(slot, position, sequence, redriving) && CrashPoint.ENABLED)
        {
            CrashPoint.REDRIVE_AFTER_FREE.reached();
        }
        return REDRIVE_OK;
    }

    /**
     * @return how many slots of this ring are LEASED now (a snapshot: leases come and go meanwhile).
     */
    public int leasedCount()
    {
        final AtomicBuffer slots = this.slots;
        int leased = 0;
        for (long index = 0; index < capacity; index++)
        {
            if (state(slots.getLongVolatile(ring.slotOffset(index) + LEASE_STATE_OFFSET)) == LEASED)
            {
                leased++;
            }
        }
        return leased;
    }

    /**
     * #9: moves the deadline of a lease still held.
     *
     * @param lease                the holder's lease.
     * @param deadlineSinceCreated new deadline, ms since the file's creation epoch.
     * @return false if the lease had been taken away or is being expired.
     */
    public boolean extend(final SlotLease lease, final long deadlineSinceCreated)
    {
        final int slot = lease.slotOffset;
        final int generation = generation(lease.leasedWord);
        final long current = slots.getLongVolatile(slot + DEADLINE_OFFSET);
        if (!deadlineBelongsTo(current, generation) || deadlineSinceCreated(current) == DEADLINE_EXPIRING)
        {
            return false;
        }
        if (!slots.compareAndSetLong(slot + DEADLINE_OFFSET, current, deadlineWord(generation, deadlineSinceCreated)))
        {
            return false;
        }
        if (CrashPoint.ENABLED)
        {
            CrashPoint.EXTEND_AFTER_DEADLINE_CAS.reached();
        }
        return slots.getLongVolatile(slot + LEASE_STATE_OFFSET) == lease.leasedWord;
    }

    /**
     * #8, or #11 once the message has been delivered {@code maxDeliveries} times: gives a leased message back,
     * REQUEUED for redelivery, or to the dead-letter ring. Also the repair path's revocation (#10, #14).
     *
     * @param position      the message's position.
     * @param observed      the lease-state word the caller holds (its own lease, or one a sweeper revokes).
     * @param maxDeliveries the queue's limit; 0 for the dead-letter ring itself (never dead-lettered again).
     * @param deadLetters   the dead-letter ring's producer path.
     * @param mover         participant index + 1 of the caller (the holder written while copying).
     * @return {@link #REQUEUED_OK}, {@link #DEAD_LETTERED_OK}, {@link #PARKED_OK} or {@link #FENCED}.
     */
    public int requeueOrDeadLetter(
        final long position,
        final long observed,
        final int maxDeliveries,
        final RingProducer deadLetters,
        final int mover)
    {
        final int slot = ring.slotOffset(position);
        final int deliveries = slots.getInt(slot + DELIVERY_COUNT_OFFSET);
        if (maxDeliveries > 0 && deliveries >= maxDeliveries)
        {
            final long moving = next(observed, DEAD_LETTERING, mover);
            if (!slots.compareAndSetLong(slot + LEASE_STATE_OFFSET, observed, moving))
            {
                return FENCED;
            }
            if (CrashPoint.ENABLED)
            {
                CrashPoint.DEAD_LETTER_AFTER_STATE_CAS.reached();
            }
            return moveToDeadLetters(slot, position, moving, deadLetters, mover);
        }
        if (!slots.compareAndSetLong(slot + LEASE_STATE_OFFSET, observed, next(observed, REQUEUED, NO_HOLDER)))
        {
            return FENCED;
        }
        if (CrashPoint.ENABLED)
        {
            CrashPoint.RELEASE_AFTER_STATE_CAS.reached();
        }
        ring.bumpRequeueCount();
        if (CrashPoint.ENABLED)
        {
            CrashPoint.RELEASE_AFTER_REQUEUE_COUNT.reached();
        }
        return REQUEUED_OK;
    }

    /**
     * #11, after the DEAD_LETTERING CAS: claim in the dead-letter ring, copy, commit there, free here; or PARKED if
     * the dead-letter ring is full.
     */
    int moveToDeadLetters(
        final int slot, final long position, final long moving, final RingProducer deadLetters, final int mover)
    {
        final long target = deadLetters.tryClaim(mover);
        if (target < 0)
        {
            slots.putLongRelease(slot + LEASE_STATE_OFFSET, next(moving, PARKED, NO_HOLDER));
            return PARKED_OK;
        }
        final AtomicBuffer targetSlots = deadLetters.ring().buffer();
        final int targetSlot = deadLetters.ring().slotOffset(target);
        final int length = Math.max(0, Math.min(slots.getInt(slot + PAYLOAD_LENGTH_OFFSET), maxPayloadLength));
        targetSlots.putLong(targetSlot + MESSAGE_ID_OFFSET, slots.getLong(slot + MESSAGE_ID_OFFSET));
        targetSlots.putLong(targetSlot + ORIGIN_ID_OFFSET, slots.getLong(slot + ORIGIN_ID_OFFSET));
        // A dead letter is never REDRIVING when committed: no Redrive Target (a slot's earlier redrive left one).
        targetSlots.putLong(targetSlot + REDRIVE_TARGET_OFFSET, NO_REDRIVE_TARGET);
        // The dead letter keeps its history: deliveries so far, counting up again from there when it is read.
        targetSlots.putInt(targetSlot + DELIVERY_COUNT_OFFSET, slots.getInt(slot + DELIVERY_COUNT_OFFSET));
        targetSlots.putBytes(targetSlot + PAYLOAD_OFFSET, slots, slot + PAYLOAD_OFFSET, length);
        deadLetters.commit(target, length);
        if (CrashPoint.ENABLED)
        {
            CrashPoint.DEAD_LETTER_AFTER_COPY_COMMIT.reached();
        }
        ring.free(slot, position, position + 1, moving);
        if (CrashPoint.ENABLED)
        {
            CrashPoint.DEAD_LETTER_AFTER_FREE.reached();
        }
        return DEAD_LETTERED_OK;
    }
}
