package io.ipcq.ring;

import io.ipcq.internal.CrashPoint;
import io.ipcq.layout.LaneDescriptor;
import org.agrona.concurrent.AtomicBuffer;

import static io.ipcq.layout.LeaseState.*;
import static io.ipcq.layout.SlotDescriptor.*;

/**
 * The producer's path of one ring: claim (#1), the Full Epoch search past held slots (#1a), skip (#1b), help the
 * tail (#1c), commit (#3), abort (#4) and seal (#15) of docs/protocol.md.
 * <p>
 * Producers claim positions in order (Vyukov: a slot is claimable for position p when its sequence is p), write in
 * place, and commit by storing state READY then sequence p + 1. A producer that comes round to a slot still holding
 * an unacked message skips that position (marks the slot's sequence, see
 * {@link io.ipcq.layout.SlotDescriptor#SKIPPED_BIT}) and claims the next free slot, so capacity counts messages, not positions: the lane is FULL only when every slot
 * holds one. Stateless apart from the geometry: one instance serves every thread of a process.
 */
public final class RingProducer
{
    /** {@link #tryClaim} answer: every slot holds an unacked message (or the way to a free one is blocked by a claim
     * not yet committed). */
    public static final long FULL = -1;
    /** {@link #tryClaim} answer: the queue is sealed. */
    public static final long SEALED = -2;
    /** Internal answer of the slow claim path: the ring changed under the search, read the tail again. */
    private static final long RETRY = -3;

    private final RingSlots ring;
    private final AtomicBuffer slots;
    private final AtomicBuffer laneEntry;
    private final int capacity;
    /** Stamps the Enqueued Epoch ms of a commit; null for the dead-letter ring, whose slots keep none. */
    private final QueueClock enqueueClock;

    /**
     * @param ring  the ring.
     * @param clock the clock commits read their enqueue time from (the process's ticking clock: a plain load).
     */
    public RingProducer(final RingSlots ring, final QueueClock clock)
    {
        this.ring = ring;
        this.slots = ring.buffer();
        this.laneEntry = ring.laneEntry();
        this.capacity = ring.capacity();
        this.enqueueClock = ring.keepsEnqueueTime() ? clock : null;
    }

    public RingSlots ring()
    {
        return ring;
    }

    /**
     * #1: claims the next position and marks its slot CLAIMED by {@code holder}, searching the ring every time the
     * lane is full (for callers that keep no memory between claims, such as a dead-letter move).
     *
     * @param holder the producer's participant index + 1.
     * @return the position, or {@link #FULL} or {@link #SEALED}.
     */
    public long tryClaim(final int holder)
    {
        return tryClaim(holder, null);
    }

    /**
     * #1 (with #1a, #1b, #1c): claims the next position for a producer and marks its slot CLAIMED by {@code holder}.
     * Positions whose slot still holds an unacked message are skipped; FULL means no slot is free.
     *
     * @param holder         the producer's participant index + 1.
     * @param fullEpochsSeen the caller's memory of the Full Epoch its last search ended with, per lane index (or
     *                       null): while the epoch still has that value nothing was freed, and FULL is answered
     *                       without searching the ring again.
     * @return the position, or {@link #FULL} or {@link #SEALED}.
     * @throws io.ipcq.CorruptQueueException if the tail and the slot at it contradict each other.
     */
    public long tryClaim(final int holder, final long[] fullEpochsSeen)
    {
        return claimRun(holder, 1, fullEpochsSeen, null);
    }

    /**
     * #1d: claims up to {@code max} positions with one tail step. The slot of the tail is dealt with as #1 does
     * (help the tail, skip held slots, FULL); once it is free for the tail {@code t}, the run of slots free for
     * {@code t + 1}, {@code t + 2}, ... right after it (at most {@code max}, at most a lap) is taken with one tail CAS
     * {@code t -> t + k}, then each slot by its own CLAIMED CAS, as #1. A slot that is not free for its position (it
     * still holds a message, or a claim of an earlier lap) ends the run: the caller claims again for the rest, and
     * that claim skips or answers FULL as #1 does.
     *
     * @param holder         the producer's participant index + 1.
     * @param max            how many positions at most.
     * @param fullEpochsSeen as for {@link #tryClaim(int, long[])}.
     * @param claimed        at least {@code max} entries: the positions claimed, in order, from index 0. (Also the
     *                       scratch space for the FREE words read before the tail CAS: no allocation.)
     * @return how many positions were claimed (at least 1: a position the reaper tombstoned while this producer
     * stalled after its tail CAS is not claimed, and if that was every one, the claim starts again), or
     * {@link #FULL} or {@link #SEALED}.
     * @throws io.ipcq.CorruptQueueException if the tail and the slot at it contradict each other.
     */
    public int tryClaim(final int holder, final int max, final long[] fullEpochsSeen, final long[] claimed)
    {
        if (max < 1 || max > claimed.length)
        {
            throw new IllegalArgumentException("claim of " + max + " positions into " + claimed.length + " entries");
        }
        return (int)claimRun(holder, Math.min(max, capacity), fullEpochsSeen, claimed);
    }

    /**
     * #1 (with #1a, #1b, #1c) and, when {@code max > 1}, #1d.
     *
     * @return without {@code claimed} (then {@code max} is 1): the position; with it: how many were claimed into it;
     * or {@link #FULL} or {@link #SEALED}.
     */
    private long claimRun(final int holder, final int max, final long[] fullEpochsSeen, final long[] claimed)
    {
        final AtomicBuffer slots = this.slots;
        final AtomicBuffer laneEntry = this.laneEntry;
        while (true)
        {
            final long tail = laneEntry.getLongVolatile(LaneDescriptor.TAIL_OFFSET);
            if ((tail & LaneDescriptor.SEALED_BIT) != 0)
            {
                return SEALED;
            }
            final int slot = ring.slotOffset(tail);
            final long sequence = slots.getLongVolatile(slot + SEQUENCE_OFFSET);
            if (sequence == tail)
            {
                // Read before the tail CAS, while nobody can have claimed (or repaired) this position yet: the
                // lap's FREE word. The CLAIMED CAS below expects exactly it, so if this thread stalls after the
                // tail CAS long enough for the reaper to tombstone the position (it cannot know who claimed it),
                // the CAS fails and the producer claims again instead of overwriting the repair.
                final long free = slots.getLongVolatile(slot + LEASE_STATE_OFFSET);
                // #1d: the run of slots free for their positions right after the tail, each word read after its
                // sequence and before the tail CAS, as the first one's (kept in claimed[], the caller's space).
                int run = 1;
                while (run < max)
                {
                    final int runSlot = ring.slotOffset(tail + run);
                    if (slots.getLongVolatile(runSlot + SEQUENCE_OFFSET) != tail + run)
                    {
                        break;
                    }
                    claimed[run] = slots.getLongVolatile(runSlot + LEASE_STATE_OFFSET);
                    run++;
                }
                if (laneEntry.compareAndSetLong(LaneDescriptor.TAIL_OFFSET, tail, tail + run))
                {
                    if (CrashPoint.ENABLED)
                    {
                        CrashPoint.CLAIM_AFTER_TAIL_CAS.reached();
                    }
                    if (claimed == null)
                    {
                        if (claimSlot(slot, tail, free, holder))
                        {
                            return tail;
                        }
                        continue;
                    }
                    int count = 0;
                    for (int i = 0; i < run; i++)
                    {
                        final long position = tail + i;
                        // Read before claimed[count] is overwritten (count <= i).
                        final long word = i == 0 ? free : claimed[i];
                        if (claimSlot(ring.slotOffset(position), position, word, holder))
                        {
                            claimed[count++] = position;
                        }
                    }
                    if (count > 0)
                    {
                        return count;
                    }
                    continue;
                }
            }
            else if (RingSlots.isTaken(sequence, tail))
            {
                checkNotAhead(tail, sequence);
                // #1c: claimed or skipped already, the tail not moved on yet (a skipper marks first): help it on.
                laneEntry.compareAndSetLong(LaneDescriptor.TAIL_OFFSET, tail, tail + 1);
            }
            else if (ring.holdsCommittedMessage(sequence, tail))
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
                checkNotALapBehind(tail, tail, sequence);
                return FULL;
            }
        }
    }

    /**
     * #1, after the tail CAS: the CLAIMED CAS from the FREE word read before it, then the Position word, message id
     * and delivery count 0.
     *
     * @return false if the reaper tombstoned the position while this producer stalled (nothing written).
     */
    private boolean claimSlot(final int slot, final long position, final long free, final int holder)
    {
        if (state(free) == FREE &&
            slots.compareAndSetLong(slot + LEASE_STATE_OFFSET, free, next(free, CLAIMED, holder)))
        {
            slots.putLong(slot + POSITION_OFFSET, position);
            slots.putLong(slot + MESSAGE_ID_OFFSET, ring.messageId(position));
            slots.putInt(slot + DELIVERY_COUNT_OFFSET, 0);
            if (CrashPoint.ENABLED)
            {
                CrashPoint.CLAIM_AFTER_CLAIMED.reached();
            }
            return true;
        }
        return false;
    }

    /**
     * The slot of the tail cannot be further on than the tail's own position freed ({@code tail + C}, a skipped
     * position freed before its skipper moved the tail), nor skipped past the tail.
     */
    private void checkNotAhead(final long tail, final long sequence)
    {
        // Only while the tail still says the same: the sequence was read after the tail, so producers may have moved
        // the tail on and reused the slot a lap later meanwhile. With the tail unchanged nothing at or past it was
        // claimed, and a slot further on than tail + C is corrupt.
        if ((isSkipped(sequence) ? lastSkippedPosition(sequence) > tail : sequence > tail + capacity) &&
            laneEntry.getLongVolatile(LaneDescriptor.TAIL_OFFSET) == tail)
        {
            throw ring.corrupt("tail", tail, "the sequence of its slot, " + sequence + ", is further on");
        }
    }

    /**
     * Every position below the tail has been claimed or skipped, so the slot of a position {@code q} at or below the
     * tail serves {@code q - C} at least.
     */
    private void checkNotALapBehind(final long tail, final long position, final long sequence)
    {
        if (!isSkipped(sequence) && sequence < position - capacity)
        {
            throw ring.corrupt("tail", tail, "the slot of position " + position + " is more than a lap behind it " +
                "(sequence " + sequence + ")");
        }
    }

    /**
     * #1a and #1b, the slow path of a claim: the slot at the tail holds an unacked message. Searches forward, at
     * most one lap, for the first slot free for its position, stepping only over slots that hold committed
     * messages; if there is one, skips every position before it (each: mark the slot, then move the tail), and the
     * caller claims it as usual.
     *
     * @return {@link #FULL}, or {@link #RETRY} to read the tail again.
     */
    private long claimPastHeldSlots(final long tail, final long[] fullEpochsSeen)
    {
        final AtomicBuffer slots = this.slots;
        final AtomicBuffer laneEntry = this.laneEntry;
        final int lane = ring.lane();
        final long epoch = laneEntry.getLongVolatile(LaneDescriptor.FULL_EPOCH_OFFSET);
        final boolean odd = (epoch & 1) != 0;
        if (odd && fullEpochsSeen != null && fullEpochsSeen[lane] == epoch)
        {
            return FULL;
        }
        // Odd before the search (a full fence): a slot freed after this point makes it even again, one freed before
        // it is seen by the search. So a search that ends FULL may remember this odd value.
        if (!odd && !laneEntry.compareAndSetLong(LaneDescriptor.FULL_EPOCH_OFFSET, epoch, epoch + 1))
        {
            return RETRY;
        }
        final long announced = odd ? epoch : epoch + 1;
        final long limit = tail + capacity;
        long target = tail + 1;
        for (; target < limit; target++)
        {
            final long sequence = slots.getLongVolatile(ring.slotOffset(target) + SEQUENCE_OFFSET);
            if (sequence == target)
            {
                break;
            }
            if (RingSlots.isTaken(sequence, target))
            {
                return RETRY;
            }
            if (!ring.holdsCommittedMessage(sequence, target))
            {
                checkNotALapBehind(tail, target, sequence);
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
            final int slot = ring.slotOffset(position);
            final long sequence = slots.getLongVolatile(slot + SEQUENCE_OFFSET);
            if (RingSlots.isTaken(sequence, position) || !ring.holdsCommittedMessage(sequence, position) ||
                !slots.compareAndSetLong(slot + SEQUENCE_OFFSET, sequence, skippedSequence(position)))
            {
                return RETRY;
            }
            if (CrashPoint.ENABLED)
            {
                CrashPoint.SKIP_AFTER_MARK.reached();
            }
            if (!laneEntry.compareAndSetLong(LaneDescriptor.TAIL_OFFSET, position, position + 1) &&
                laneEntry.getLongVolatile(LaneDescriptor.TAIL_OFFSET) != position + 1)
            {
                return RETRY;
            }
        }
        return RETRY;
    }

    /**
     * #3: publishes a claimed message: its enqueue time (lane rings), state READY, then the sequence that tells
     * consumers it is there.
     *
     * @param position      the claimed position.
     * @param payloadLength bytes written at the payload offset.
     */
    public void commit(final long position, final int payloadLength)
    {
        commit(position, payloadLength, UNKNOWN_ENQUEUE_TIME);
    }

    /**
     * #3, with the time the message was enqueued in the queue it came from (a bridge's copy).
     *
     * @param position        the claimed position.
     * @param payloadLength   bytes written at the payload offset.
     * @param enqueuedEpochMs epoch ms to keep as its enqueue time; {@link
     *                        io.ipcq.layout.SlotDescriptor#UNKNOWN_ENQUEUE_TIME} for now (the queue clock's).
     */
    public void commit(final long position, final int payloadLength, final long enqueuedEpochMs)
    {
        final AtomicBuffer slots = this.slots;
        final int slot = ring.slotOffset(position);
        slots.putInt(slot + PAYLOAD_LENGTH_OFFSET, payloadLength);
        stampEnqueueTime(slot, enqueuedEpochMs);
        final long claimed = slots.getLong(slot + LEASE_STATE_OFFSET);
        slots.putLongRelease(slot + LEASE_STATE_OFFSET, next(claimed, READY, NO_HOLDER));
        if (CrashPoint.ENABLED)
        {
            CrashPoint.COMMIT_AFTER_READY.reached();
        }
        // A CAS, not a store: a reaper that found this commit half-done (READY, sequence still p) may have
        // published it already (#13a), and the message may even be acked since; then this changes nothing.
        slots.compareAndSetLong(slot + SEQUENCE_OFFSET, position, position + 1);
        // After the sequence CAS (a full fence): a sleeper that registered before it is seen here (protocol #W3).
        ring.wakeups().messageAvailable();
        if (CrashPoint.ENABLED)
        {
            CrashPoint.COMMIT_AFTER_SEQUENCE.reached();
        }
    }

    /**
     * #19, step R4: commits a dead letter's copy claimed at {@code position} by a redriver. The one decision point of
     * a redrive: a CAS of the lease-state word from the CLAIMED word the claim left to READY, where a plain commit
     * (#3) stores READY. The reaper's repair of that claim (#13, or #19's repair) CASes the same word to FREE, so
     * exactly one of the two wins: committed here, or tombstoned there (then this changes nothing and the dead letter
     * goes back). Then the sequence CAS {@code p -> p + 1}, as #3 (the reaper may have done it already, #13a).
     *
     * @param position      the claimed position.
     * @param payloadLength bytes written.
     * @param claimed       the CLAIMED word of the claim, read right after it.
     * @return true if this call committed it; false if the claim had been repaired (tombstoned) meanwhile.
     */
    public boolean commitRedriven(final long position, final int payloadLength, final long claimed)
    {
        final AtomicBuffer slots = this.slots;
        final int slot = ring.slotOffset(position);
        slots.putInt(slot + PAYLOAD_LENGTH_OFFSET, payloadLength);
        // The dead letter kept no enqueue time (no word for it there): the copy is stamped as a new enqueue.
        stampEnqueueTime(slot, UNKNOWN_ENQUEUE_TIME);
        if (!slots.compareAndSetLong(slot + LEASE_STATE_OFFSET, claimed, next(claimed, READY, NO_HOLDER)))
        {
            return false;
        }
        if (CrashPoint.ENABLED)
        {
            CrashPoint.REDRIVE_AFTER_READY_CAS.reached();
        }
        slots.compareAndSetLong(slot + SEQUENCE_OFFSET, position, position + 1);
        // As a commit's: after the sequence CAS, wake the lane's sleeping consumers (protocol #W3).
        ring.wakeups().messageAvailable();
        return true;
    }

    /**
     * Part of #3 and #19 R4: a plain store of the Enqueued Epoch ms (the time given, else the queue clock's now),
     * before the store or CAS that publishes the message (which orders it for every reader that sees the message
     * committed). Every commit of a lane writes it, so a reused slot never shows an earlier message's time.
     */
    private void stampEnqueueTime(final int slot, final long enqueuedEpochMs)
    {
        final QueueClock clock = enqueueClock;
        if (clock != null)
        {
            slots.putLong(slot + ENQUEUED_EPOCH_MS_OFFSET,
                enqueuedEpochMs != UNKNOWN_ENQUEUE_TIME ? enqueuedEpochMs : clock.nowEpochMs());
        }
    }

    /**
     * #4: gives a claimed position back unused: the slot becomes a tombstone that consumers step over.
     *
     * @param position the claimed position.
     */
    public void abort(final long position)
    {
        final int slot = ring.slotOffset(position);
        final long claimed = slots.getLong(slot + LEASE_STATE_OFFSET);
        ring.free(slot, position, position, claimed);
    }

    /**
     * #15 (per ring): sets the sealed bit of the tail; every claim after this fails.
     */
    public void seal()
    {
        while (true)
        {
            final long tail = laneEntry.getLongVolatile(LaneDescriptor.TAIL_OFFSET);
            if ((tail & LaneDescriptor.SEALED_BIT) != 0 ||
                laneEntry.compareAndSetLong(LaneDescriptor.TAIL_OFFSET, tail, tail | LaneDescriptor.SEALED_BIT))
            {
                return;
            }
        }
    }
}
