package io.ipcq.stress;

import io.ipcq.ring.LaneRing;
import io.ipcq.ring.RingConsumer;
import io.ipcq.ring.SlotLease;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static io.ipcq.layout.LeaseState.REQUEUED;
import static io.ipcq.layout.SlotDescriptor.DELIVERY_COUNT_OFFSET;
import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Release against expiry: the holder releases a lease past its deadline while a sweeper revokes it. Both want
 * LEASED -> REQUEUED from the same word: exactly one requeue may apply (a second would requeue a message someone
 * may already have leased again), and the message must end REQUEUED, still on its first delivery count.
 * <p>
 * r1: 1 if the holder's release requeued. r2: sweeper (0 nothing, 1 expiry claimed but fenced, 2 requeued).
 * r3 (arbiter): 4 if the slot is committed and REQUEUED with delivery count 1, else -1. r4 (arbiter): the lane's
 * requeue count (one bump per successful requeue).
 */
@JCStressTest
@Description("Release against revocation of an expired lease: the message is requeued exactly once")
@Outcome(id = "1, 0, 4, 1", expect = ACCEPTABLE, desc = "release -> sweeper: the sweeper sees REQUEUED, does nothing")
@Outcome(id = "1, 1, 4, 1", expect = ACCEPTABLE,
    desc = "sweeper claims expiry -> release CASes LEASED -> REQUEUED -> the sweeper's requeue is fenced")
@Outcome(id = "0, 2, 4, 1", expect = ACCEPTABLE, desc = "sweeper requeues first -> the release is fenced")
@Outcome(id = "1, 2, .*", expect = FORBIDDEN, desc = "requeued twice: double apply")
@Outcome(id = "0, [01], .*", expect = FORBIDDEN, desc = "neither requeued: the message is stuck LEASED")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingReleaseExpiryTest
{
    private static final int MAX_DELIVERIES = 16;

    private final RingFixture fixture = new RingFixture(2, 0, 0, MAX_DELIVERIES);
    private final SlotLease lease = new SlotLease();

    public LaneRingReleaseExpiryTest()
    {
        fixture.produceAndLease(CONSUMER_1, lease);
        fixture.expireLeases();
    }

    @Actor
    public void holder(final IIII_Result r)
    {
        r.r1 = fixture.lane.consumer().requeueOrDeadLetter(
            lease.position(), lease.leasedWord(), MAX_DELIVERIES, fixture.deadLetters.producer(), CONSUMER_1) ==
            RingConsumer.REQUEUED_OK ? 1 : 0;
    }

    @Actor
    public void sweeper(final IIII_Result r)
    {
        r.r2 = fixture.sweep(0);
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        final int deliveries = fixture.slots.getInt(fixture.ring.slotOffset(0) + DELIVERY_COUNT_OFFSET);
        r.r3 = fixture.isCommittedIn(0, REQUEUED) && deliveries == 1 ? REQUEUED : -1;
        r.r4 = (int)fixture.ring.requeueCount();
    }
}
