package io.ipcq.stress;

import io.ipcq.ring.LaneRing;
import io.ipcq.ring.SlotLease;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.ipcq.layout.LeaseState.LEASED;
import static io.ipcq.stress.RingFixture.*;

/**
 * Two producers in the slow path of a claim at once. Capacity 4: positions 0..3 were produced and leased, and
 * positions {@code held}..3 acked, so slots 0..held-1 still hold leased messages and the other slots are free for
 * positions 4 + held..7; the tail is 4. Both producers come round to slot 0, search forward, and must skip the same
 * held positions 4..3 + held (each: CAS the slot's sequence to SKIPPED_BIT | (position + 1), then help the tail on)
 * before claiming a free slot: their skip CASes race on the same sequence words, the loser of each reads the tail
 * again. Each gets a distinct free position, or FULL only once no slot is free.
 * <p>
 * r1, r2: position producer 1 (resp. 2) claimed and committed, -1 FULL, -2 SEALED. r3 (arbiter): 0 if everything
 * held, else bits: {@link #WRONG_TAIL} 1 (the tail is not past the last position used), {@link #WRONG_SKIP} 2 (a held
 * slot not skipped exactly through its position of this lap, with its message, still LEASED, at the Position word),
 * {@link #LOST_OR_DUPLICATED} 4 (a consumer does not get exactly the claimed positions, in order, exact),
 * {@link #HOLDER_FENCED} 8 (an ack of a held message failed), {@link #NOT_DRAINED} 16, {@link #CAPACITY_LOST} 32
 * (once drained, the lane does not take exactly 4 messages and then answer FULL), {@link #SAME_POSITION} 64.
 * <p>
 * jcstress wants the actor methods on the test class: the tests hold one of these and delegate.
 */
final class TwoSkippersScenario
{
    static final int WRONG_TAIL = 1;
    static final int WRONG_SKIP = 2;
    static final int LOST_OR_DUPLICATED = 4;
    static final int HOLDER_FENCED = 8;
    static final int NOT_DRAINED = 16;
    static final int CAPACITY_LOST = 32;
    static final int SAME_POSITION = 64;

    private static final int CAPACITY = 4;

    private final RingFixture fixture = new RingFixture(CAPACITY, 0, 0);
    private final int held;
    private final SlotLease[] heldLeases;
    private final long[] fullEpochsSeen1 = new long[1];
    private final long[] fullEpochsSeen2 = new long[1];
    private final SlotLease lease = new SlotLease();

    /**
     * @param held how many slots (0..held-1) still hold a leased message: 1..3.
     */
    TwoSkippersScenario(final int held)
    {
        this.held = held;
        this.heldLeases = new SlotLease[held];
        for (int i = 0; i < CAPACITY; i++)
        {
            fixture.produce(PRODUCER_1);
        }
        for (int i = 0; i < CAPACITY; i++)
        {
            final SlotLease leased = fixture.leaseNext(CONSUMER_1);
            if (i < held)
            {
                heldLeases[i] = leased;
            }
            else if (!fixture.lane.consumer().ack(leased))
            {
                throw new IllegalStateException("setup ack fenced");
            }
        }
    }

    void producer1(final III_Result r)
    {
        r.r1 = claimAndCommit(PRODUCER_1, fullEpochsSeen1);
    }

    void producer2(final III_Result r)
    {
        r.r2 = claimAndCommit(PRODUCER_2, fullEpochsSeen2);
    }

    private int claimAndCommit(final int holder, final long[] fullEpochsSeen)
    {
        final long position = fixture.lane.producer().tryClaim(holder, fullEpochsSeen);
        if (position >= 0)
        {
            fixture.writeAndCommit(position);
        }
        return (int)position;
    }

    void arbiter(final III_Result r)
    {
        final LaneRing ring = fixture.lane;
        final long first = Math.min(r.r1 < 0 ? Long.MAX_VALUE : r.r1, r.r2 < 0 ? Long.MAX_VALUE : r.r2);
        final long second = Math.max(r.r1, r.r2);
        int verdict = 0;
        if (r.r1 >= 0 && r.r1 == r.r2)
        {
            verdict |= SAME_POSITION;
        }
        final long end = Math.max(CAPACITY + held, second + 1);
        if (ring.slots().tailPosition() != end)
        {
            verdict |= WRONG_TAIL;
        }
        for (int i = 0; i < held; i++)
        {
            if (!fixture.isSkippedIn(i, CAPACITY + i, LEASED))
            {
                verdict |= WRONG_SKIP;
            }
        }
        // The claimed positions, oldest first, each once; the cursor steps over the skipped ones.
        if (first != Long.MAX_VALUE && !fixture.consumeExactly(first, lease))
        {
            verdict |= LOST_OR_DUPLICATED;
        }
        if (second != first && second >= 0 && !fixture.consumeExactly(second, lease))
        {
            verdict |= LOST_OR_DUPLICATED;
        }
        if (ring.consumer().tryLeaseNext(ARBITER, lease, LEASE_TIMEOUT_MS))
        {
            verdict |= LOST_OR_DUPLICATED;
        }
        for (final SlotLease heldLease : heldLeases)
        {
            if (!ring.consumer().ack(heldLease))
            {
                verdict |= HOLDER_FENCED;
            }
        }
        if (!fixture.isEmptyAndDrained(lease) || ring.slots().leaseCursor() != end)
        {
            verdict |= NOT_DRAINED;
        }
        if (!fixture.refillsExactly(CAPACITY))
        {
            verdict |= CAPACITY_LOST;
        }
        r.r3 = verdict;
    }
}
