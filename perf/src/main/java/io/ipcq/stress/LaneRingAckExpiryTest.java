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
 * Fencing: the holder acks a lease whose deadline has passed while a sweeper revokes it (claimExpiry, then
 * requeueOrDeadLetter to REQUEUED). Both CAS the same lease-state word from the same LEASED value: exactly one
 * may win, and the message must end either acked (slot freed) or requeued, never both, never neither.
 * <p>
 * r1: 1 if ack returned true. r2: sweeper (0 nothing to revoke, 1 expiry claimed but the requeue was fenced,
 * 2 requeued, 3/4 dead-lettered/parked). r3 (arbiter): 0 if the slot is freed (FREE, sequence p + capacity),
 * 4 if committed and REQUEUED, -1 otherwise. r4 (arbiter): the lane's requeue count.
 */
@JCStressTest
@Description("Ack against revocation of an expired lease: exactly one wins")
@Outcome(id = "1, 0, 0, 0", expect = ACCEPTABLE,
    desc = "ack -> sweeper: the sweeper sees the slot freed (or FREE between its reads) and does nothing")
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE,
    desc = "sweeper claims expiry (deadline -> EXPIRING) -> ack CASes LEASED -> FREE -> sweeper's requeue is fenced")
@Outcome(id = "0, 2, 4, 1", expect = ACCEPTABLE,
    desc = "sweeper claims expiry and CASes LEASED -> REQUEUED -> the holder's ack is fenced")
@Outcome(id = "1, 2, .*", expect = FORBIDDEN, desc = "both the ack and the requeue applied: double apply")
@Outcome(id = "0, [01], .*", expect = FORBIDDEN, desc = "neither applied: the message is neither acked nor requeued")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingAckExpiryTest
{
    private static final int MAX_DELIVERIES = 16;

    private final RingFixture fixture = new RingFixture(2, 0, 0, MAX_DELIVERIES);
    private final SlotLease lease = new SlotLease();

    public LaneRingAckExpiryTest()
    {
        fixture.produceAndLease(CONSUMER_1, lease);
        fixture.expireLeases();
    }

    @Actor
    public void holder(final IIII_Result r)
    {
        r.r1 = fixture.lane.consumer().ack(lease) ? 1 : 0;
    }

    @Actor
    public void sweeper(final IIII_Result r)
    {
        r.r2 = fixture.sweep(0);
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        r.r3 = fixture.isFreed(0) ? 0 : fixture.isCommittedIn(0, REQUEUED) ? REQUEUED : -1;
        r.r4 = (int)fixture.ring.requeueCount();
    }
}
