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
import static io.ipcq.layout.LeaseState.holder;
import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Two consumers call {@code tryLeaseNext} on a lane holding exactly one committed message.
 * <p>
 * r1, r2: 1 if consumer 1 (resp. 2) was granted the lease. r3 (arbiter): holder of the slot's LEASED word, or 0
 * if the slot is not LEASED, or -1 if the rest of the state is wrong (cursor not moved past the message,
 * delivery count not 1, or the winner's delivery not exactly what the producer wrote).
 */
@JCStressTest
@Description("Two consumers lease the one committed message: exactly one wins")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE,
    desc = "consumer1 CASes READY -> LEASED first; consumer2 sees LEASED, steps the cursor, finds nothing")
@Outcome(id = "0, 1, 2", expect = ACCEPTABLE,
    desc = "consumer2 CASes READY -> LEASED first; consumer1 sees LEASED, steps the cursor, finds nothing")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "both were granted the same message: double delivery")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "neither was granted it: a committed message was skipped")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingTwoConsumersOneMessageTest
{
    private final RingFixture fixture = new RingFixture(2, 0, 0);
    private final SlotLease lease1 = new SlotLease();
    private final SlotLease lease2 = new SlotLease();
    private int wrong1;
    private int wrong2;

    public LaneRingTwoConsumersOneMessageTest()
    {
        fixture.produce(PRODUCER_1);
    }

    @Actor
    public void consumer1(final III_Result r)
    {
        if (fixture.lane.consumer().tryLeaseNext(CONSUMER_1, lease1, LEASE_TIMEOUT_MS))
        {
            r.r1 = 1;
            wrong1 = fixture.checkDelivery(lease1, 1);
        }
    }

    @Actor
    public void consumer2(final III_Result r)
    {
        if (fixture.lane.consumer().tryLeaseNext(CONSUMER_2, lease2, LEASE_TIMEOUT_MS))
        {
            r.r2 = 1;
            wrong2 = fixture.checkDelivery(lease2, 1);
        }
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        final long word = fixture.ring.leaseStateWord(0);
        if (wrong1 != 0 || wrong2 != 0 || fixture.ring.leaseCursor() != 1 || fixture.committedState(0) != LEASED)
        {
            r.r3 = -1;
            return;
        }
        r.r3 = holder(word);
    }
}
