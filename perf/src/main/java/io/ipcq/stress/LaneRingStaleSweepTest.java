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

import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A sweeper acting on a stale observation. It read the LEASED word of lease 1 (now expired) before the race and
 * then stalled; meanwhile the holder releases lease 1, leases the message again from the redelivery scan (lease 2,
 * a new generation, a fresh deadline) and acks it. The sweeper wakes and runs claimExpiry and
 * requeueOrDeadLetter with the word of lease 1: that may revoke lease 1 if it is still current, but must never
 * touch lease 2 (its deadline is not lease 1's, its word is not the observed one).
 * <p>
 * r1: 1 if the release of lease 1 requeued. r2: 1 if the holder then leased it again (delivery 2, exact).
 * r3: 1 if the ack of lease 2 succeeded. r4: sweeper (0 claimExpiry refused, 1 expiry claimed but the requeue
 * fenced, 2 requeued).
 */
@JCStressTest
@Description("A sweeper's stale observation revokes at most the lease it observed, never the next one")
@Outcome(id = "1, 1, 1, 0", expect = ACCEPTABLE,
    desc = "release -> re-lease writes lease 2's deadline -> the sweeper's claimExpiry sees another lease's " +
        "deadline and refuses")
@Outcome(id = "1, 1, 1, 1", expect = ACCEPTABLE,
    desc = "release -> sweeper claims expiry on lease 1's old deadline (still in place) -> its requeue CAS with " +
        "lease 1's word is fenced; lease 2 is untouched")
@Outcome(id = "0, 1, 1, 2", expect = ACCEPTABLE,
    desc = "sweeper revokes lease 1 first (REQUEUED) -> the release is fenced -> the holder's scan leases the " +
        "requeued message (lease 2) and acks it")
@Outcome(id = ".*, 1, 0, .*", expect = FORBIDDEN, desc = "lease 2's ack was fenced: the stale sweeper took lease 2")
@Outcome(id = "1, .*, .*, 2", expect = FORBIDDEN, desc = "released and requeued by the sweeper: double apply")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingStaleSweepTest
{
    private static final int MAX_DELIVERIES = 16;

    private final RingFixture fixture = new RingFixture(2, 0, 0, MAX_DELIVERIES);
    private final SlotLease lease = new SlotLease();
    private final long observedWord;
    private int wrong;

    public LaneRingStaleSweepTest()
    {
        fixture.produceAndLease(CONSUMER_1, lease);
        fixture.expireLeases();
        observedWord = fixture.ring.leaseStateWord(0);
    }

    @Actor
    public void holder(final IIII_Result r)
    {
        final LaneRing ring = fixture.lane;
        r.r1 = ring.consumer().requeueOrDeadLetter(
            0, lease.leasedWord(), MAX_DELIVERIES, fixture.deadLetters.producer(), CONSUMER_1) ==
            RingConsumer.REQUEUED_OK ? 1 : 0;
        if (ring.consumer().tryLeaseRequeued(CONSUMER_1, lease, LEASE_TIMEOUT_MS))
        {
            r.r2 = 1;
            wrong = fixture.checkDelivery(lease, 2);
            r.r3 = ring.consumer().ack(lease) ? 1 : 0;
        }
    }

    @Actor
    public void sweeper(final IIII_Result r)
    {
        final LaneRing ring = fixture.lane;
        if (!ring.repair().claimExpiry(0, observedWord, fixture.clock.nowSinceCreated()))
        {
            r.r4 = SWEPT_NOTHING;
            return;
        }
        r.r4 = ring.repair().revoke(0, observedWord, SWEEPER) ==
            RingConsumer.REQUEUED_OK ? SWEPT_REQUEUED : SWEPT_FENCED;
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        if (wrong != 0 || !fixture.isFreed(0) || fixture.ring.requeueCount() != 1)
        {
            r.r3 = -1;
        }
    }
}
