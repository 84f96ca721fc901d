package io.ipcq.stress;

import io.ipcq.ring.SlotLease;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static io.ipcq.layout.LeaseState.REQUEUED;
import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two sweepers revoke the same expired lease. claimExpiry lets a second sweeper through once the deadline says
 * EXPIRING (so a sweep that died after claiming is finished by the next one): both may reach
 * requeueOrDeadLetter, and its CAS must let exactly one requeue apply.
 * <p>
 * r1, r2: sweeper 1 (resp. 2): 0 nothing, 1 expiry claimed but the requeue fenced, 2 requeued. r3 (arbiter):
 * 4 if the slot is committed and REQUEUED, else -1. r4 (arbiter): the lane's requeue count.
 */
@JCStressTest
@Description("Two sweepers, one expired lease: requeued exactly once")
@Outcome(id = "2, 0, 4, 1", expect = ACCEPTABLE, desc = "sweeper1 requeues before sweeper2 looks: sweeper2 sees REQUEUED")
@Outcome(id = "0, 2, 4, 1", expect = ACCEPTABLE, desc = "sweeper2 requeues before sweeper1 looks: sweeper1 sees REQUEUED")
@Outcome(id = "2, 1, 4, 1", expect = ACCEPTABLE,
    desc = "both see LEASED and pass claimExpiry (the second one on EXPIRING); sweeper1's requeue CAS wins")
@Outcome(id = "1, 2, 4, 1", expect = ACCEPTABLE,
    desc = "both see LEASED and pass claimExpiry (the second one on EXPIRING); sweeper2's requeue CAS wins")
@Outcome(id = "2, 2, .*", expect = FORBIDDEN, desc = "requeued twice")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error (e.g. nobody requeued it)")
@State
public class LaneRingTwoSweepersTest
{
    private static final int MAX_DELIVERIES = 16;

    private final RingFixture fixture = new RingFixture(2, 0, 0, MAX_DELIVERIES);
    private final SlotLease lease = new SlotLease();

    public LaneRingTwoSweepersTest()
    {
        fixture.produceAndLease(CONSUMER_1, lease);
        fixture.expireLeases();
    }

    @Actor
    public void sweeper1(final IIII_Result r)
    {
        r.r1 = fixture.sweep(0);
    }

    @Actor
    public void sweeper2(final IIII_Result r)
    {
        r.r2 = fixture.sweep(0);
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        r.r3 = fixture.isCommittedIn(0, REQUEUED) ? REQUEUED : -1;
        r.r4 = (int)fixture.ring.requeueCount();
    }
}
