package io.ipcq.stress;

import io.ipcq.ring.LaneRing;
import io.ipcq.ring.RingProducer;
import io.ipcq.ring.SlotLease;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.ipcq.layout.LeaseState.READY;
import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two producers claim on a capacity-2 lane that holds one unconsumed message (position 0), so exactly one slot
 * (position 1) is free. Each producer that gets a position writes and commits it.
 * <p>
 * r1, r2: 1 if producer 1 (resp. 2) got position 1, 0 if it was told FULL, -1 for anything else (another
 * position, or SEALED). r3 (arbiter): 1 if the tail is 2, both messages are committed READY and both can be
 * leased with their exact payloads and acked, leaving the lane drained, else 0.
 */
@JCStressTest
@Description("Two producers, one free slot: exactly one claims it, the other is told FULL")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "producer1 CASes the tail first; producer2 finds slot 0 unacked")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "producer2 CASes the tail first; producer1 finds slot 0 unacked")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both claimed: one overwrote the other, or claimed an unacked slot")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "both told FULL although a slot was free")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingTwoProducersOneFreeSlotTest
{
    private final RingFixture fixture = new RingFixture(2, 0, 0);
    private final SlotLease lease = new SlotLease();

    public LaneRingTwoProducersOneFreeSlotTest()
    {
        fixture.produce(PRODUCER_1);
    }

    @Actor
    public void producer1(final III_Result r)
    {
        r.r1 = claimAndCommit(PRODUCER_1);
    }

    @Actor
    public void producer2(final III_Result r)
    {
        r.r2 = claimAndCommit(PRODUCER_2);
    }

    private int claimAndCommit(final int holder)
    {
        final long position = fixture.lane.producer().tryClaim(holder);
        if (position == 1)
        {
            fixture.writeAndCommit(position);
            return 1;
        }
        return position == RingProducer.FULL ? 0 : -1;
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        final boolean ok = fixture.ring.tailPosition() == 2 &&
            fixture.isCommittedIn(0, READY) &&
            fixture.isCommittedIn(1, READY) &&
            fixture.consumeExactly(0, lease) &&
            fixture.consumeExactly(1, lease) &&
            fixture.isEmptyAndDrained(lease);
        r.r3 = ok ? 1 : 0;
    }
}
