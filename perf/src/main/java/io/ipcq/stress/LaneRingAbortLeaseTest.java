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
 * Abort against lease: the producer claims position 0 and aborts it (a tombstone: FREE, sequence 0 + capacity),
 * then claims position 1, writes and commits it; a consumer tries {@code tryLeaseNext} twice meanwhile. The
 * consumer must step over the tombstone, never deliver it, and the committed message must be delivered once.
 * <p>
 * r1: 1 if the consumer leased position 1 (exact payload), 0 if it leased nothing, -1 for anything else
 * (the tombstone, a stale payload, two leases). r2: position the producer's second claim got (-1 FULL).
 * r3 (arbiter): 1 if position 1 is leased exactly once in all (consumer or arbiter), the tombstone never, and the
 * lane ends drained, else 0.
 */
@JCStressTest
@Description("Abort against lease: a tombstone is never delivered, the next message is")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE, desc = "commit(1) -> consumer steps over the tombstone, leases 1")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE,
    desc = "consumer looks before commit(1) (at the claimed 0, or past the tombstone at 1): nothing yet; the " +
        "arbiter leases 1")
@Outcome(id = "-1, .*", expect = FORBIDDEN, desc = "the tombstone, a torn message, or the same message twice")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingAbortLeaseTest
{
    private final RingFixture fixture = new RingFixture(2, 0, 0);
    private final SlotLease lease = new SlotLease();
    private final SlotLease arbiterLease = new SlotLease();
    private int leased;

    @Actor
    public void producer(final III_Result r)
    {
        final long aborted = fixture.lane.producer().tryClaim(PRODUCER_1);
        if (aborted >= 0)
        {
            fixture.lane.producer().abort(aborted);
        }
        final long position = fixture.lane.producer().tryClaim(PRODUCER_1);
        if (position >= 0)
        {
            fixture.writeAndCommit(position);
        }
        r.r2 = (int)position;
    }

    @Actor
    public void consumer(final III_Result r)
    {
        int result = 0;
        for (int i = 0; i < 2; i++)
        {
            if (fixture.lane.consumer().tryLeaseNext(CONSUMER_1, lease, LEASE_TIMEOUT_MS))
            {
                result = result == 0 && lease.position() == 1 && fixture.checkDelivery(lease, 1) == 0 ? 1 : -1;
            }
        }
        leased = result;
        r.r1 = result;
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        final boolean ok = leased == 1 ?
            fixture.lane.consumer().ack(lease) && fixture.isEmptyAndDrained(arbiterLease) :
            fixture.consumeExactly(1, arbiterLease) && fixture.isEmptyAndDrained(arbiterLease);
        r.r3 = ok ? 1 : 0;
    }
}
