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

import static io.ipcq.layout.LeaseState.LEASED;
import static io.ipcq.layout.LeaseState.holder;
import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Release against a second consumer's redelivery scan. Consumer 1 holds the lease of position 0 (the cursor is
 * past it); it releases it (LEASED -> REQUEUED) and then scans for redeliveries itself, while consumer 2 scans
 * ({@code tryLeaseRequeued}) at the same time. The released message must be leased again by exactly one of them:
 * by at most one (exclusive delivery), and by at least one, since consumer 1's own scan runs after its release
 * and can only miss the message if consumer 2 took it.
 * <p>
 * r1: 1 if the release requeued. r2: 1 if consumer 1's scan leased it. r3: 1 if consumer 2's scan leased it.
 * r4 (arbiter): holder of the slot's LEASED word (1 or 2) if it is LEASED as the second delivery of the same
 * message with the exact payload and a requeue count of 1, else -1.
 */
@JCStressTest
@Description("Release against a redelivery scan: the message is redelivered to exactly one consumer")
@Outcome(id = "1, 1, 0, 1", expect = ACCEPTABLE,
    desc = "consumer2 scans before the release (nothing REQUEUED) or loses the CAS; consumer1 re-leases it")
@Outcome(id = "1, 0, 1, 2", expect = ACCEPTABLE,
    desc = "release -> consumer2's scan CASes REQUEUED -> LEASED -> consumer1's scan finds it LEASED")
@Outcome(id = "1, 1, 1, .*", expect = FORBIDDEN, desc = "both consumers leased the released message")
@Outcome(id = "1, 0, 0, .*", expect = FORBIDDEN, desc = "nobody leased the released message: redelivery missed")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingReleaseRedeliveryTest
{
    private static final int MAX_DELIVERIES = 16;

    private final RingFixture fixture = new RingFixture(2, 0, 0, MAX_DELIVERIES);
    private final SlotLease lease1 = new SlotLease();
    private final SlotLease lease2 = new SlotLease();
    private int wrong1;
    private int wrong2;

    public LaneRingReleaseRedeliveryTest()
    {
        fixture.produceAndLease(CONSUMER_1, lease1);
    }

    @Actor
    public void consumer1(final IIII_Result r)
    {
        final LaneRing ring = fixture.lane;
        r.r1 = ring.consumer().requeueOrDeadLetter(
            lease1.position(), lease1.leasedWord(), MAX_DELIVERIES, fixture.deadLetters.producer(), CONSUMER_1) ==
            RingConsumer.REQUEUED_OK ? 1 : 0;
        if (ring.consumer().tryLeaseRequeued(CONSUMER_1, lease1, LEASE_TIMEOUT_MS))
        {
            r.r2 = 1;
            wrong1 = fixture.checkDelivery(lease1, 2);
        }
    }

    @Actor
    public void consumer2(final IIII_Result r)
    {
        if (fixture.lane.consumer().tryLeaseRequeued(CONSUMER_2, lease2, LEASE_TIMEOUT_MS))
        {
            r.r3 = 1;
            wrong2 = fixture.checkDelivery(lease2, 2);
        }
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        final boolean ok = wrong1 == 0 && wrong2 == 0 &&
            fixture.committedState(0) == LEASED &&
            fixture.ring.requeueCount() == 1 &&
            fixture.ring.leaseCursor() == 1;
        r.r4 = ok ? holder(fixture.ring.leaseStateWord(0)) : -1;
    }
}
