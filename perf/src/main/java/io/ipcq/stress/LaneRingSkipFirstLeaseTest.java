package io.ipcq.stress;

import io.ipcq.ring.LaneRing;
import io.ipcq.ring.SlotLease;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A producer skips the slot of a message never delivered while a consumer leases it at the lease cursor. Capacity 2:
 * position 0 is committed READY, position 1 was claimed and aborted (a tombstone: slot 1 is free for position 3); tail
 * 2, lease cursor 0. So the producer comes round to slot 0 while its message waits for its first delivery, and skips
 * position 2 (slot 0's sequence 1 -> SKIPPED_BIT | 3, the Position word still 0) to claim 3 in slot 1, unless the
 * consumer has acked message 0 first (slot 0 free for 2: the producer claims 2).
 * <p>
 * The consumer leases at the cursor, acks, and leases once more (acking what it gets). Its lease of 0 may see the
 * committed sequence, the skip mark, or the skip mark landing between its two reads of the sequence: in every case it
 * must lease message 0, exactly once, as its first delivery; a consumer that took the skip mark for "delivered
 * already" would step the cursor over a message nobody ever leased (lost: it is READY, never requeued, so no sweep
 * brings it back). The new message must come after it, once.
 * <p>
 * r1, r2: positions the consumer's first and second lease got (-1 none). r3: position the producer claimed and
 * committed (-1 FULL). r4 (arbiter): 0 if everything held, else bits: {@link #BAD_DELIVERY} 1 (payload, id or
 * delivery count not exact), {@link #ACK_FENCED} 2, {@link #LOST_OR_DUPLICATED} 4 (the consumer's deliveries and the
 * arbiter's drain are not exactly 0 then the producer's position), {@link #WRONG_TAIL} 8, {@link #NOT_DRAINED} 16,
 * {@link #CAPACITY_LOST} 32 (once drained, the lane does not take exactly 2 messages and then answer FULL).
 */
@JCStressTest
@Description("Skip against the first lease at the cursor: message 0 delivered exactly once, the new one after it")
@Outcome(id = "0, -1, 2, 0", expect = ACCEPTABLE,
    desc = "lease 0, ack 0 (slot 0 free for 2) before the producer looks: it claims 2; the second lease ran before its " +
        "commit, the arbiter drains 2")
@Outcome(id = "0, 2, 2, 0", expect = ACCEPTABLE, desc = "as above, and the second lease gets 2")
@Outcome(id = "0, -1, 3, 0", expect = ACCEPTABLE,
    desc = "the producer skips 2 (message 0 READY or leased) and claims 3 in slot 1; the second lease ran before its " +
        "commit, the arbiter drains 3")
@Outcome(id = "0, 3, 3, 0", expect = ACCEPTABLE,
    desc = "the producer skips 2 and commits 3; the consumer steps the cursor over 1 (tombstone) and 2 (skipped) to 3")
@Outcome(id = "-1, .*", expect = FORBIDDEN, desc = "message 0 not leased at the cursor: lost (or stepped over)")
@Outcome(id = ".*, 0, .*", expect = FORBIDDEN, desc = "message 0 leased twice")
@Outcome(id = ".*, .*, .*, [1-9][0-9]*", expect = FORBIDDEN,
    desc = "a delivery torn or duplicated, a message lost, an ack fenced, a wrong tail, a leftover, capacity lost")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingSkipFirstLeaseTest
{
    static final int BAD_DELIVERY = 1;
    static final int ACK_FENCED = 2;
    static final int LOST_OR_DUPLICATED = 4;
    static final int WRONG_TAIL = 8;
    static final int NOT_DRAINED = 16;
    static final int CAPACITY_LOST = 32;

    private final RingFixture fixture = new RingFixture(2, 0, 0);
    private final SlotLease consumerLease = new SlotLease();
    private final SlotLease arbiterLease = new SlotLease();
    private final long[] fullEpochsSeen = new long[1];
    private int consumerVerdict;

    public LaneRingSkipFirstLeaseTest()
    {
        fixture.produce(PRODUCER_1);
        final long aborted = fixture.lane.producer().tryClaim(PRODUCER_1);
        if (aborted != 1)
        {
            throw new IllegalStateException("setup claim: " + aborted);
        }
        fixture.lane.producer().abort(aborted);
    }

    @Actor
    public void consumer(final IIII_Result r)
    {
        r.r1 = leaseAndAck();
        r.r2 = leaseAndAck();
    }

    private int leaseAndAck()
    {
        if (!fixture.lane.consumer().tryLeaseNext(CONSUMER_1, consumerLease, LEASE_TIMEOUT_MS))
        {
            return -1;
        }
        if (fixture.checkDelivery(consumerLease, 1) != 0)
        {
            consumerVerdict |= BAD_DELIVERY;
        }
        if (!fixture.lane.consumer().ack(consumerLease))
        {
            consumerVerdict |= ACK_FENCED;
        }
        return (int)consumerLease.position();
    }

    @Actor
    public void producer(final IIII_Result r)
    {
        final long position = fixture.lane.producer().tryClaim(PRODUCER_2, fullEpochsSeen);
        if (position >= 0)
        {
            fixture.writeAndCommit(position);
        }
        r.r3 = (int)position;
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        final LaneRing ring = fixture.lane;
        final long produced = r.r3;
        if (produced != 2 && produced != 3)
        {
            r.r4 = -1;
            return;
        }
        int verdict = consumerVerdict;
        if (r.r1 != 0 || (r.r2 != -1 && r.r2 != produced))
        {
            verdict |= LOST_OR_DUPLICATED;
        }
        if (ring.slots().tailPosition() != produced + 1)
        {
            verdict |= WRONG_TAIL;
        }
        if (r.r2 == -1)
        {
            if (ring.consumer().tryLeaseNext(ARBITER, arbiterLease, LEASE_TIMEOUT_MS))
            {
                if (arbiterLease.position() != produced)
                {
                    verdict |= LOST_OR_DUPLICATED;
                }
                if (fixture.checkDelivery(arbiterLease, 1) != 0)
                {
                    verdict |= BAD_DELIVERY;
                }
                if (!ring.consumer().ack(arbiterLease))
                {
                    verdict |= ACK_FENCED;
                }
            }
            else
            {
                verdict |= LOST_OR_DUPLICATED;
            }
        }
        if (!fixture.isEmptyAndDrained(arbiterLease) || ring.slots().leaseCursor() != produced + 1)
        {
            verdict |= NOT_DRAINED;
        }
        if (!fixture.refillsExactly(2))
        {
            verdict |= CAPACITY_LOST;
        }
        r.r4 = verdict;
    }
}
