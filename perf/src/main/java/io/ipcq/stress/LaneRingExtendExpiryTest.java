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
 * Extend against expiry: the holder of a lease past its deadline extends it far into the future and then acks,
 * while a sweeper revokes it. extend and claimExpiry CAS the same deadline word; an extend that returned true
 * must keep the lease, so the ack that follows it must succeed and the sweeper must not requeue.
 * <p>
 * r1: 1 if extend returned true. r2: 1 if the ack that follows returned true. r3: sweeper (0 nothing, 1 expiry
 * claimed but the requeue fenced, 2 requeued). r4 (arbiter): 0 if the slot is freed, 4 if committed and REQUEUED,
 * -1 otherwise.
 */
@JCStressTest
@Description("Extend against expiry: an extend that succeeded is never revoked")
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE,
    desc = "extend CASes the deadline first: the sweeper reads a future deadline (or loses its CAS) and does " +
        "nothing; the ack frees the slot")
@Outcome(id = "0, 1, 1, 0", expect = ACCEPTABLE,
    desc = "sweeper claims expiry (EXPIRING) -> extend fails -> the ack still wins the lease-state CAS -> the " +
        "sweeper's requeue is fenced: acked once")
@Outcome(id = "0, 0, 2, 4", expect = ACCEPTABLE,
    desc = "sweeper claims expiry and requeues -> extend fails -> the ack is fenced: requeued once")
@Outcome(id = "1, .*, 2, .*", expect = FORBIDDEN, desc = "extend returned true and the lease was revoked anyway")
@Outcome(id = "1, 0, .*", expect = FORBIDDEN, desc = "extend returned true but the holder's ack was fenced")
@Outcome(id = ".*, 1, 2, .*", expect = FORBIDDEN, desc = "acked and requeued: double apply")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingExtendExpiryTest
{
    private static final int MAX_DELIVERIES = 16;

    private final RingFixture fixture = new RingFixture(2, 0, 0, MAX_DELIVERIES);
    private final SlotLease lease = new SlotLease();
    private final long extendedDeadline;

    public LaneRingExtendExpiryTest()
    {
        fixture.produceAndLease(CONSUMER_1, lease);
        fixture.expireLeases();
        extendedDeadline = fixture.clock.nowSinceCreated() + EXTENDED_TIMEOUT_MS;
    }

    @Actor
    public void holder(final IIII_Result r)
    {
        r.r1 = fixture.lane.consumer().extend(lease, extendedDeadline) ? 1 : 0;
        r.r2 = fixture.lane.consumer().ack(lease) ? 1 : 0;
    }

    @Actor
    public void sweeper(final IIII_Result r)
    {
        r.r3 = fixture.sweep(0);
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        r.r4 = fixture.isFreed(0) ? 0 : fixture.isCommittedIn(0, REQUEUED) ? REQUEUED : -1;
    }
}
