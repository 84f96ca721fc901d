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
 * Two producers claim on an empty capacity-2 lane: both must get a position, different ones; a producer that
 * loses the tail CAS must retry, never report FULL.
 * <p>
 * r1, r2: position claimed by producer 1 (resp. 2), -1 for FULL, -2 for SEALED. r3 (arbiter): 1 if both
 * messages can be leased in order with their exact payloads and acked, leaving the lane drained, else 0.
 */
@JCStressTest
@Description("Two producers, two free slots: both claim, different positions, never FULL")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "producer1 CASes the tail first, producer2 claims the next")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "producer2 CASes the tail first, producer1 claims the next")
@Outcome(id = "-1, .*", expect = FORBIDDEN, desc = "producer1 told FULL with a slot free: spurious FULL")
@Outcome(id = ".*, -1, .*", expect = FORBIDDEN, desc = "producer2 told FULL with a slot free: spurious FULL")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "both claimed position 0")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both claimed position 1")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingTwoProducersTwoFreeSlotsTest
{
    private final RingFixture fixture = new RingFixture(2, 0, 0);
    private final SlotLease lease = new SlotLease();

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
        if (position >= 0)
        {
            fixture.writeAndCommit(position);
        }
        return (int)position;
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        final boolean ok = fixture.ring.tailPosition() == 2 &&
            fixture.consumeExactly(0, lease) &&
            fixture.consumeExactly(1, lease) &&
            fixture.isEmptyAndDrained(lease);
        r.r3 = ok ? 1 : 0;
    }
}
