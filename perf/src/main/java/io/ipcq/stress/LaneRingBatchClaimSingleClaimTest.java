package io.ipcq.stress;

import io.ipcq.ring.SlotLease;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A batch claim of up to 3 (#1d: the run of free slots at the tail, one tail CAS, then a CLAIMED CAS per slot)
 * against a single claim (#1) on an empty capacity-4 lane; each writes and commits what it claimed. Every position
 * is claimed once, neither is told FULL, and no message is lost: the arbiter leases all four in position order,
 * each with the payload of its position.
 * <p>
 * r1: the positions the batch claimed, as a bit mask (-1 FULL, -2 SEALED). r2: the position of the single claim
 * (-1 FULL, -2 SEALED). r3 (arbiter): 1 if the tail is 4 and positions 0 to 3 are each consumed exactly once, in
 * order, leaving the lane drained; else 0.
 */
@JCStressTest
@Description("Batch claim against single claim: each position claimed once, no message lost")
@Outcome(id = "7, 3, 1", expect = ACCEPTABLE, desc = "the batch CASes the tail first (0 -> 3); the single claim takes 3")
@Outcome(id = "14, 0, 1", expect = ACCEPTABLE,
    desc = "the single claim CASes the tail first; the batch's CAS fails, it reads the tail again and takes 1 to 3")
@Outcome(id = "-1, .*", expect = FORBIDDEN, desc = "the batch told FULL with slots free")
@Outcome(id = ".*, -1, .*", expect = FORBIDDEN, desc = "the single claim told FULL with a slot free")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error (a position claimed twice, or lost)")
@State
public class LaneRingBatchClaimSingleClaimTest
{
    private final RingFixture fixture = new RingFixture(4, 0, 0);
    private final long[] claimed = new long[3];
    private final SlotLease lease = new SlotLease();

    @Actor
    public void batchProducer(final III_Result r)
    {
        final int count = fixture.lane.producer().tryClaim(PRODUCER_1, 3, null, claimed);
        if (count < 0)
        {
            r.r1 = count;
            return;
        }
        int mask = 0;
        for (int i = 0; i < count; i++)
        {
            mask |= 1 << claimed[i];
            fixture.writeAndCommit(claimed[i]);
        }
        r.r1 = mask;
    }

    @Actor
    public void singleProducer(final III_Result r)
    {
        final long position = fixture.lane.producer().tryClaim(PRODUCER_2);
        if (position >= 0)
        {
            fixture.writeAndCommit(position);
        }
        r.r2 = (int)position;
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        final boolean ok = fixture.ring.tailPosition() == 4 &&
            fixture.consumeExactly(0, lease) &&
            fixture.consumeExactly(1, lease) &&
            fixture.consumeExactly(2, lease) &&
            fixture.consumeExactly(3, lease) &&
            fixture.isEmptyAndDrained(lease);
        r.r3 = ok ? 1 : 0;
    }
}
