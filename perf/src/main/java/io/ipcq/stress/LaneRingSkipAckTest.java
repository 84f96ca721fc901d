package io.ipcq.stress;

import io.ipcq.ring.SlotLease;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.ipcq.layout.LeaseState.FREE;
import static io.ipcq.layout.LeaseState.READY;
import static io.ipcq.layout.LeaseState.state;
import static io.ipcq.layout.SlotDescriptor.POSITION_OFFSET;
import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A producer skips the slot of a held message while its holder acks it. Capacity 4: positions 0..3 were produced and
 * leased, 1..3 acked, so slot 0 holds the only message (position 0, LEASED) and slots 1..3 are free for positions
 * 5..7; the tail is 4. The holder acks position 0 (state FREE, then the sequence CAS 1 -> 4). The producer claims: if
 * slot 0 is still held it marks it skipped through 4 (sequence SKIPPED_BIT | 5, a CAS from the committed 1), moves the
 * tail to 5 and claims 5 in slot 1; if the ack's sequence CAS came first, its skip CAS fails and it claims 4 in slot 0.
 * An ack whose sequence CAS loses to the skip mark must move the sequence past the skip (to 4 + 4 = 8), or slot 0 is
 * FREE with a sequence that says "holds a message" and the lane loses a slot of capacity for good.
 * <p>
 * r1: position the producer claimed and committed (-1 FULL, -2 SEALED). r2: 1 if the ack returned true. r3 (arbiter):
 * 0 if everything held, else bits: {@link #WRONG_SLOT_0} 1 (r1 = 5: slot 0 not FREE with sequence 8; r1 = 4: slot 0 not
 * committed READY with Position word 4), {@link #WRONG_TAIL} 2, {@link #LOST_OR_DUPLICATED} 4 (a consumer does not
 * drain exactly the new message), {@link #NOT_DRAINED} 8, {@link #CAPACITY_LOST} 16 (once drained, the lane does not
 * take exactly 4 messages at consecutive positions and then answer FULL).
 */
@JCStressTest
@Description("Skip against ack: the free of a slot a producer skipped moves past the skip; nothing lost")
@Outcome(id = "4, 1, 0", expect = ACCEPTABLE,
    desc = "the ack's sequence CAS (1 -> 4) before the producer's look or its skip CAS: the producer claims 4 in slot 0")
@Outcome(id = "5, 1, 0", expect = ACCEPTABLE,
    desc = "skip CAS first (slot 0 -> SKIPPED|5, tail -> 5), the producer claims 5 in slot 1; the ack's free sees the " +
        "skip mark and moves slot 0 on to 8")
@Outcome(id = "-1, .*", expect = FORBIDDEN, desc = "FULL with three slots free")
@Outcome(id = ".*, 0, .*", expect = FORBIDDEN, desc = "the holder's ack was fenced by the skip")
@Outcome(id = ".*, .*, [1-9][0-9]*", expect = FORBIDDEN,
    desc = "slot 0 left in a wrong state (a skipped sequence on a FREE slot), wrong tail, a message lost or " +
        "duplicated, or capacity lost")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingSkipAckTest
{
    static final int WRONG_SLOT_0 = 1;
    static final int WRONG_TAIL = 2;
    static final int LOST_OR_DUPLICATED = 4;
    static final int NOT_DRAINED = 8;
    static final int CAPACITY_LOST = 16;

    private final RingFixture fixture = new RingFixture(4, 0, 0);
    private final SlotLease held;
    private final long[] fullEpochsSeen = new long[1];
    private final SlotLease lease = new SlotLease();

    public LaneRingSkipAckTest()
    {
        for (int i = 0; i < 4; i++)
        {
            fixture.produce(PRODUCER_1);
        }
        held = fixture.leaseNext(CONSUMER_1);
        for (int i = 1; i < 4; i++)
        {
            if (!fixture.lane.consumer().ack(fixture.leaseNext(CONSUMER_2)))
            {
                throw new IllegalStateException("setup ack fenced");
            }
        }
    }

    @Actor
    public void holder(final III_Result r)
    {
        r.r2 = fixture.lane.consumer().ack(held) ? 1 : 0;
    }

    @Actor
    public void producer(final III_Result r)
    {
        final long position = fixture.lane.producer().tryClaim(PRODUCER_2, fullEpochsSeen);
        if (position >= 0)
        {
            fixture.writeAndCommit(position);
        }
        r.r1 = (int)position;
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        final long claimed = r.r1;
        if (claimed != 4 && claimed != 5)
        {
            r.r3 = -1;
            return;
        }
        int verdict = 0;
        final boolean slot0 = claimed == 5 ?
            fixture.isFreeFor(8) :
            fixture.isCommittedIn(4, READY) &&
                fixture.slots.getLong(fixture.ring.slotOffset(4) + POSITION_OFFSET) == 4;
        if (!slot0)
        {
            verdict |= WRONG_SLOT_0;
        }
        if (fixture.ring.tailPosition() != claimed + 1)
        {
            verdict |= WRONG_TAIL;
        }
        if (!fixture.consumeExactly(claimed, lease))
        {
            verdict |= LOST_OR_DUPLICATED;
        }
        if (!fixture.isEmptyAndDrained(lease) || fixture.ring.leaseCursor() != claimed + 1 ||
            state(fixture.ring.leaseStateWord(0)) != FREE)
        {
            verdict |= NOT_DRAINED;
        }
        if (!fixture.refillsExactly(4))
        {
            verdict |= CAPACITY_LOST;
        }
        r.r3 = verdict;
    }
}
