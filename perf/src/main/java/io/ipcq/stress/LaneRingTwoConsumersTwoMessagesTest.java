package io.ipcq.stress;

import io.ipcq.ring.SlotLease;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.ipcq.layout.LeaseState.LEASED;
import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two consumers call {@code tryLeaseNext} on a lane holding two committed messages (positions 0 and 1): each
 * must get one, and not the same one, even when one of them finds the other's lease at the cursor and has to help
 * the cursor on.
 * <p>
 * r1, r2: position leased by consumer 1 (resp. 2), -1 if none. r3 (arbiter): 1 if both slots are LEASED, the
 * cursor is at 2 and each delivery was exact, else 0.
 */
@JCStressTest
@Description("Two consumers, two committed messages: each gets a different one")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE, desc = "consumer1 wins position 0; consumer2 takes position 1")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE,
    desc = "consumer2 wins position 0 (or consumer1's lease of 0 not yet reflected in the cursor: consumer2 " +
        "helps it on), consumer1 takes position 1")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "both leased position 0")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both leased position 1")
@Outcome(id = "-1, .*", expect = FORBIDDEN, desc = "consumer1 found nothing although a message was READY")
@Outcome(id = ".*, -1, .*", expect = FORBIDDEN, desc = "consumer2 found nothing although a message was READY")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingTwoConsumersTwoMessagesTest
{
    private final RingFixture fixture = new RingFixture(2, 0, 0);
    private final SlotLease lease1 = new SlotLease();
    private final SlotLease lease2 = new SlotLease();
    private int wrong1;
    private int wrong2;

    public LaneRingTwoConsumersTwoMessagesTest()
    {
        fixture.produce(PRODUCER_1);
        fixture.produce(PRODUCER_1);
    }

    @Actor
    public void consumer1(final III_Result r)
    {
        if (fixture.lane.consumer().tryLeaseNext(CONSUMER_1, lease1, LEASE_TIMEOUT_MS))
        {
            r.r1 = (int)lease1.position();
            wrong1 = fixture.checkDelivery(lease1, 1);
        }
        else
        {
            r.r1 = -1;
        }
    }

    @Actor
    public void consumer2(final III_Result r)
    {
        if (fixture.lane.consumer().tryLeaseNext(CONSUMER_2, lease2, LEASE_TIMEOUT_MS))
        {
            r.r2 = (int)lease2.position();
            wrong2 = fixture.checkDelivery(lease2, 1);
        }
        else
        {
            r.r2 = -1;
        }
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        final boolean ok = wrong1 == 0 && wrong2 == 0 &&
            fixture.ring.leaseCursor() == 2 &&
            fixture.committedState(0) == LEASED &&
            fixture.committedState(1) == LEASED;
        r.r3 = ok ? 1 : 0;
    }
}
