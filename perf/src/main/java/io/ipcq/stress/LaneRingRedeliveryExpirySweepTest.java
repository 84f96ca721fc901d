package io.ipcq.stress;

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
 * A fresh lease must not inherit the expiry of the lease before it. A lease has expired and been revoked by a
 * sweep (its deadline word is left EXPIRING, tagged with the old lease's generation, and the clock stays past the
 * old deadline). Consumer 2 now takes the REQUEUED message ({@code tryLeaseRequeued}) and acks it, while a
 * sweeper passes over the slot: between consumer 2's lease CAS and its deadline store the slot is LEASED with
 * the old, expired deadline still in place, and the sweeper must see that deadline as not this lease's.
 * <p>
 * r1: 1 if consumer 2 leased it (as delivery 2, exact payload). r2: 1 if its ack succeeded. r3: sweeper
 * (0 nothing, 1 expiry claimed but the requeue fenced, 2 requeued). r4 (arbiter): 1 if the slot is freed, else 0.
 */
@JCStressTest
@Description("A redelivered lease is never revoked on the deadline of the lease before it")
@Outcome(id = "1, 1, 0, 1", expect = ACCEPTABLE,
    desc = "sweeper sees REQUEUED, or LEASED with the old lease's deadline tag (fresh), or the new deadline, or " +
        "the freed slot: it does nothing; consumer2's ack frees the slot")
@Outcome(id = "1, .*, [12], .*", expect = FORBIDDEN,
    desc = "the sweeper claimed expiry of the fresh lease on the previous lease's deadline")
@Outcome(id = "1, 0, .*", expect = FORBIDDEN, desc = "the fresh lease was taken away: its ack was fenced")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "the REQUEUED message was not leased")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingRedeliveryExpirySweepTest
{
    private static final int MAX_DELIVERIES = 16;

    private final RingFixture fixture = new RingFixture(2, 0, 0, MAX_DELIVERIES);
    private final SlotLease lease = new SlotLease();
    private int wrong;

    public LaneRingRedeliveryExpirySweepTest()
    {
        fixture.produceAndLease(CONSUMER_1, lease);
        fixture.expireLeases();
        if (fixture.sweep(0) != SWEPT_REQUEUED)
        {
            throw new IllegalStateException("fixture: the expired lease was not requeued");
        }
    }

    @Actor
    public void consumer2(final IIII_Result r)
    {
        if (fixture.lane.consumer().tryLeaseRequeued(CONSUMER_2, lease, LEASE_TIMEOUT_MS))
        {
            r.r1 = 1;
            wrong = fixture.checkDelivery(lease, 2);
            r.r2 = fixture.lane.consumer().ack(lease) ? 1 : 0;
        }
    }

    @Actor
    public void sweeper(final IIII_Result r)
    {
        r.r3 = fixture.sweep(0);
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        r.r4 = wrong == 0 && fixture.isFreed(0) ? 1 : 0;
    }
}
