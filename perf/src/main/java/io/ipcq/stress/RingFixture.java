package io.ipcq.stress;

import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.SlotDescriptor;
import io.ipcq.ring.HolderJudgement;
import io.ipcq.ring.LaneRing;
import io.ipcq.ring.QueueClock;
import io.ipcq.ring.RepairCounts;
import io.ipcq.ring.RingConsumer;
import io.ipcq.ring.RingProducer;
import io.ipcq.ring.RingRepair;
import io.ipcq.ring.RingSlots;
import io.ipcq.ring.SlotLease;
import io.ipcq.ring.StalledClaims;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

import static io.ipcq.layout.LeaseState.state;
import static io.ipcq.layout.SlotDescriptor.*;

/**
 * One lane and its dead-letter ring over a small direct buffer, each ring over its own sub-buffers (its lane entry
 * and its slots, as {@code IpcQueue} slices a file), with no file header: the actors call the real
 * {@link RingProducer}, {@link RingConsumer} and {@link RingRepair} of {@link #lane} and {@link #deadLetters}. The
 * positions of the lane start at any base (so tests can start just below a lap boundary of a large position) and
 * every slot of the lane is pre-filled with the stale leftovers of an earlier lap.
 * <p>
 * jcstress builds thousands of these, so they are small. The clock is a {@link CachedEpochClock} that only the test
 * moves, so expiry is deterministic.
 * <pre>
 *   0     lane 0 entry (tail, cursor, head, requeue count, Full Epoch: 512 bytes)
 *   512   dead-letter ring entry
 *   1024  lane 0 slots: capacity x slotLength
 *   ...   dead-letter ring slots: DEAD_LETTER_CAPACITY x slotLength
 * </pre>
 */
final class RingFixture
{
    /** Two longs; {@link #slotLength} is then 128 bytes. */
    static final int MAX_PAYLOAD = 16;
    static final int DEAD_LETTER_CAPACITY = 2;
    static final long CREATED_EPOCH_MS = 1_000_000L;
    /** The clock starts this long after creation. */
    static final long START_SINCE_CREATED = 1_000L;
    static final long LEASE_TIMEOUT_MS = 100L;
    /** Far from the deadlines the tests use, in either direction. */
    static final long EXTENDED_TIMEOUT_MS = 10_000L;
    /** Deliveries before dead-lettering, unless a test says otherwise. */
    static final int DEFAULT_MAX_DELIVERIES = 16;

    /** Holders (participant index + 1) the tests act as. */
    static final int CONSUMER_1 = 1;
    static final int CONSUMER_2 = 2;
    static final int PRODUCER_1 = 3;
    static final int PRODUCER_2 = 4;
    static final int SWEEPER = 5;
    static final int ARBITER = 6;

    /** What committed payloads never hold: left over in every slot from an earlier lap. */
    static final int STALE_LENGTH = 3;
    static final long STALE_WORD = 0x5A5A_5A5A_5A5A_5A5AL;

    /** Bits of {@link #checkDelivery}: what was wrong with a delivery. 0 means it was exact. */
    static final int WRONG_LENGTH = 1;
    static final int WRONG_PAYLOAD = 2;
    static final int WRONG_MESSAGE_ID = 4;
    static final int WRONG_DELIVERY_COUNT = 8;

    /** Answers of {@link #sweep}. */
    static final int SWEPT_NOTHING = 0;
    static final int SWEPT_FENCED = 1;
    static final int SWEPT_REQUEUED = 2;
    static final int SWEPT_DEAD_LETTERED = 3;
    static final int SWEPT_PARKED = 4;

    /** The whole small buffer. */
    final UnsafeBuffer buffer;
    /** Lane 0's slots (what its slot offsets are relative to). */
    final UnsafeBuffer slots;
    final CachedEpochClock epochClock = new CachedEpochClock();
    final QueueClock clock;
    final LaneRing lane;
    /** Lane 0's shared part (words, decoding, head). */
    final RingSlots ring;
    final LaneRing deadLetters;
    final long base;
    /** The sweeper's memory and tally, as a reaper's sweeper keeps them. */
    private final StalledClaims stalledClaims = new StalledClaims(LEASE_TIMEOUT_MS);
    private final RepairCounts counts = new RepairCounts();

    /**
     * @param capacity          slots of lane 0, a power of two.
     * @param base              first position of lane 0 (tail, lease cursor and head hint all start here).
     * @param initialGeneration generation of every slot's lease-state word (FREE) before the first claim.
     */
    RingFixture(final int capacity, final long base, final int initialGeneration)
    {
        this(capacity, base, initialGeneration, DEFAULT_MAX_DELIVERIES);
    }

    /**
     * @param capacity          slots of lane 0, a power of two.
     * @param base              first position of lane 0 (tail, lease cursor and head hint all start here).
     * @param initialGeneration generation of every slot's lease-state word (FREE) before the first claim.
     * @param maxDeliveries     deliveries before a release or expiry dead-letters the message.
     */
    RingFixture(final int capacity, final long base, final int initialGeneration, final int maxDeliveries)
    {
        final int slotLength = slotLength();
        final int entry = LaneDescriptor.LANE_DESCRIPTOR_LENGTH;
        final int slotsOffset = 2 * entry;
        final int deadLetterSlotsOffset = slotsOffset + capacity * slotLength;
        buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(
            deadLetterSlotsOffset + DEAD_LETTER_CAPACITY * slotLength + SlotDescriptor.SLOT_ALIGNMENT));
        // allocateDirect aligns to 8 or 16 bytes: start the layout on a cache line, as a mapping does.
        final int start = (int)(-buffer.addressOffset() & (SlotDescriptor.SLOT_ALIGNMENT - 1));
        slots = new UnsafeBuffer(buffer, start + slotsOffset, capacity * slotLength);
        final UnsafeBuffer deadLetterSlots =
            new UnsafeBuffer(buffer, start + deadLetterSlotsOffset, DEAD_LETTER_CAPACITY * slotLength);
        final UnsafeBuffer laneEntry = new UnsafeBuffer(buffer, start, entry);
        laneEntry.verifyAlignment();
        epochClock.update(CREATED_EPOCH_MS + START_SINCE_CREATED);
        clock = new QueueClock(epochClock, CREATED_EPOCH_MS);
        deadLetters = new LaneRing(1, "the dead-letter ring", new UnsafeBuffer(buffer, start + entry, entry),
            deadLetterSlots, DEAD_LETTER_CAPACITY, slotLength, MAX_PAYLOAD, clock, null, 0);
        lane = new LaneRing(0, "lane 0", laneEntry, slots, capacity, slotLength, MAX_PAYLOAD, clock,
            deadLetters.producer(), maxDeliveries);
        ring = lane.slots();
        this.base = base;

        for (long position = base; position < base + capacity; position++)
        {
            final int slot = ring.slotOffset(position);
            slots.putLong(slot + SEQUENCE_OFFSET, position);
            slots.putLong(slot + LEASE_STATE_OFFSET, LeaseState.pack(LeaseState.FREE, 0, initialGeneration));
            // A deadline of the previous lease of the slot, already passed: never the current lease's.
            slots.putLong(slot + DEADLINE_OFFSET, deadlineWord(initialGeneration - 1, 1));
            slots.putLong(slot + MESSAGE_ID_OFFSET, STALE_WORD);
            slots.putInt(slot + DELIVERY_COUNT_OFFSET, 7);
            slots.putInt(slot + PAYLOAD_LENGTH_OFFSET, STALE_LENGTH);
            for (int i = 0; i < MAX_PAYLOAD; i += 8)
            {
                slots.putLong(slot + PAYLOAD_OFFSET + i, STALE_WORD);
            }
        }
        laneEntry.putLong(LaneDescriptor.TAIL_OFFSET, base);
        laneEntry.putLong(LaneDescriptor.LEASE_CURSOR_OFFSET, base);
        laneEntry.putLong(LaneDescriptor.HEAD_OFFSET, base);

        for (int i = 0; i < DEAD_LETTER_CAPACITY; i++)
        {
            deadLetterSlots.putLong(deadLetters.slots().slotOffset(i) + SEQUENCE_OFFSET, i);
        }
        // Published to the actors by jcstress (the state object is handed over with a happens-before edge).
    }

    static int slotLength()
    {
        return SlotDescriptor.slotLength(MAX_PAYLOAD);
    }

    /**
     * @param position a position.
     * @param index    0 or 1: which long of the payload.
     * @return the payload long the tests write for that position: distinct per position and never stale.
     */
    static long payloadWord(final long position, final int index)
    {
        return ((position * 0x9E37_79B9_7F4A_7C15L + index) & ~0xFFL) | (0x11 + index);
    }

    /**
     * Writes the payload of a claimed position the way a producer does: plain stores, then commit.
     *
     * @param position the claimed position.
     */
    void writeAndCommit(final long position)
    {
        final int payload = ring.slotOffset(position) + PAYLOAD_OFFSET;
        slots.putLong(payload, payloadWord(position, 0));
        slots.putLong(payload + 8, payloadWord(position, 1));
        lane.producer().commit(position, MAX_PAYLOAD);
    }

    /**
     * Claims, writes and commits one message (setup only: the ring must have room).
     *
     * @param holder the producer.
     * @return its position.
     */
    long produce(final int holder)
    {
        final long position = lane.producer().tryClaim(holder);
        if (position < 0)
        {
            throw new IllegalStateException("fixture ring full: " + ring);
        }
        writeAndCommit(position);
        return position;
    }

    /**
     * Produces one message and leases it (setup only).
     *
     * @param holder consumer that takes the lease.
     * @param lease  filled in.
     */
    void produceAndLease(final int holder, final SlotLease lease)
    {
        produce(PRODUCER_1);
        if (!lane.consumer().tryLeaseNext(holder, lease, LEASE_TIMEOUT_MS))
        {
            throw new IllegalStateException("fixture could not lease: " + ring);
        }
    }

    /**
     * Moves the clock past every deadline granted so far with {@link #LEASE_TIMEOUT_MS}.
     */
    void expireLeases()
    {
        epochClock.advance(LEASE_TIMEOUT_MS + 1);
    }

    /**
     * Checks what a lease sees against what the producer of its position wrote.
     *
     * @param lease              a granted lease.
     * @param expectedDeliveries which delivery it must be.
     * @return 0 if length, payload, message id and delivery count are all exact; else WRONG_* bits.
     */
    int checkDelivery(final SlotLease lease, final int expectedDeliveries)
    {
        return checkDelivery(lease, ring.messageId(lease.position()), lease.position(), expectedDeliveries);
    }

    /**
     * @param lease              a granted lease (of any ring of this fixture).
     * @param messageId          the id it must carry.
     * @param producedAt         the lane position its payload was written for.
     * @param expectedDeliveries which delivery it must be.
     * @return 0 if exact; else WRONG_* bits.
     */
    int checkDelivery(final SlotLease lease, final long messageId, final long producedAt, final int expectedDeliveries)
    {
        int wrong = 0;
        if (lease.payloadLength() != MAX_PAYLOAD)
        {
            wrong |= WRONG_LENGTH;
        }
        final int payload = lease.payloadOffset();
        final UnsafeBuffer leased = (UnsafeBuffer)lease.ring().ring().buffer();
        if (leased.getLong(payload) != payloadWord(producedAt, 0) ||
            leased.getLong(payload + 8) != payloadWord(producedAt, 1))
        {
            wrong |= WRONG_PAYLOAD;
        }
        if (lease.messageId() != messageId)
        {
            wrong |= WRONG_MESSAGE_ID;
        }
        if (lease.deliveryCount() != expectedDeliveries)
        {
            wrong |= WRONG_DELIVERY_COUNT;
        }
        return wrong;
    }

    /**
     * Arbiter helper: leases the next message of lane 0 as a first delivery, checks it is exactly the one
     * produced at {@code position}, and acks it.
     *
     * @param position the position expected next.
     * @param lease    scratch lease.
     * @return true if it was there, exact, and acked.
     */
    boolean consumeExactly(final long position, final SlotLease lease)
    {
        return lane.consumer().tryLeaseNext(ARBITER, lease, LEASE_TIMEOUT_MS) &&
            lease.position() == position &&
            checkDelivery(lease, 1) == 0 &&
            lane.consumer().ack(lease);
    }

    /**
     * Arbiter helper.
     *
     * @param lease scratch lease.
     * @return true if lane 0 has nothing left to lease and every position ever claimed is freed.
     */
    boolean isEmptyAndDrained(final SlotLease lease)
    {
        return !lane.consumer().tryLeaseNext(ARBITER, lease, LEASE_TIMEOUT_MS) &&
            !lane.consumer().tryLeaseRequeued(ARBITER, lease, LEASE_TIMEOUT_MS) &&
            ring.isDrained();
    }

    /**
     * The sweep's step at one position, by the real repair path ({@link RingRepair#repairSlot}) with no holder
     * judged dead, at the clock's now: for a LEASED message past its deadline, claim the expiry, then requeue or
     * dead-letter it; whatever else the slot's words call for (finish a half-done free or commit) is done as well.
     *
     * @param position the position to look at.
     * @return one of SWEPT_*.
     */
    int sweep(final long position)
    {
        counts.clear();
        switch (lane.repair().repairSlot(
            position, HolderJudgement.NONE_DEAD, clock.nowSinceCreated(), SWEEPER, stalledClaims, counts))
        {
            case RingConsumer.REQUEUED_OK:
                return SWEPT_REQUEUED;
            case RingConsumer.DEAD_LETTERED_OK:
                return SWEPT_DEAD_LETTERED;
            case RingConsumer.PARKED_OK:
                return SWEPT_PARKED;
            case RingConsumer.FENCED:
                return SWEPT_FENCED;
            default:
                return SWEPT_NOTHING;
        }
    }

    /**
     * @param position a position of lane 0.
     * @return true if its slot is freed for the next lap: state FREE, sequence position + capacity.
     */
    boolean isFreed(final long position)
    {
        return ring.sequence(position) == position + ring.capacity() &&
            state(ring.leaseStateWord(position)) == LeaseState.FREE;
    }

    /**
     * @param position a position of lane 0.
     * @return true if it is committed (sequence position + 1) in the given state.
     */
    boolean isCommittedIn(final long position, final int state)
    {
        return ring.sequence(position) == position + 1 && state(ring.leaseStateWord(position)) == state;
    }

    /**
     * Leases the next message as a first delivery (setup only).
     *
     * @param holder the consumer.
     * @return a new lease of it.
     */
    SlotLease leaseNext(final int holder)
    {
        final SlotLease lease = new SlotLease();
        if (!lane.consumer().tryLeaseNext(holder, lease, LEASE_TIMEOUT_MS))
        {
            throw new IllegalStateException("fixture could not lease: " + ring);
        }
        return lease;
    }

    /**
     * @param held        position of the message a slot of lane 0 still holds.
     * @param lastSkipped the last position that should have skipped the slot.
     * @param state       the lease state the message should be in.
     * @return true if the slot's sequence says skipped through {@code lastSkipped}, its Position word is
     * {@code held}, and its lease state is {@code state}.
     */
    boolean isSkippedIn(final long held, final long lastSkipped, final int state)
    {
        final int slot = ring.slotOffset(held);
        return ring.sequence(held) == skippedSequence(lastSkipped) &&
            slots.getLong(slot + POSITION_OFFSET) == held &&
            state(ring.leaseStateWord(held)) == state;
    }

    /**
     * @param next the next position a slot of lane 0 should be free for.
     * @return true if its slot is FREE with sequence {@code next}.
     */
    boolean isFreeFor(final long next)
    {
        return ring.sequence(next) == next && state(ring.leaseStateWord(next)) == LeaseState.FREE;
    }

    /**
     * Arbiter helper, on a drained lane: claims and commits until FULL.
     *
     * @param expectedFree how many claims must succeed.
     * @return true if exactly {@code expectedFree} claims succeeded, at consecutive positions from the tail.
     */
    boolean refillsExactly(final int expectedFree)
    {
        final long from = ring.tailPosition();
        for (int i = 0; i < expectedFree; i++)
        {
            final long position = lane.producer().tryClaim(ARBITER);
            if (position != from + i)
            {
                return false;
            }
            writeAndCommit(position);
        }
        return lane.producer().tryClaim(ARBITER) == RingProducer.FULL;
    }

    /**
     * @param position a position of lane 0.
     * @return the state of its lease-state word, or -1 if the sequence does not say committed.
     */
    int committedState(final long position)
    {
        return ring.sequence(position) == position + 1 ? state(ring.leaseStateWord(position)) : -1;
    }
}
