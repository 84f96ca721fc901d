package io.ipcq.stress;

import io.ipcq.ring.SlotLease;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

import static io.ipcq.layout.LeaseState.LEASED;
import static io.ipcq.layout.LeaseState.READY;
import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A producer claims, writes a 16-byte payload with plain stores and commits, while a consumer calls
 * {@code tryLeaseNext}. The slot holds the stale length, id, delivery count and payload of an earlier lap, so a
 * consumer that leased before the commit's stores were visible would read some of them.
 * <p>
 * r1: payload length the consumer's lease reports, -1 if it leased nothing. r2: WRONG_* bits of what it read
 * (1 length, 2 payload bytes, 4 message id, 8 delivery count), 0 if exact or nothing leased. r3 (arbiter): state
 * of the committed slot (2 READY, 3 LEASED, -1 sequence not committed). r4 (arbiter): 1 if the producer's claim
 * got position 0 and the lease cursor is where the outcome puts it (1 after a lease, 0 without), else 0.
 */
@JCStressTest
@Description("Commit against lease: a consumer sees nothing or the whole message, and the message is never lost")
@Outcome(id = "-1, 0, 2, 1", expect = ACCEPTABLE,
    desc = "consumer reads the sequence before the commit's release store: nothing to lease; message stays READY")
@Outcome(id = "16, 0, 3, 1", expect = ACCEPTABLE,
    desc = "commit -> consumer: the lease sees the full length, payload, id and first delivery")
@Outcome(id = "16, [1-9][0-9]*, .*", expect = FORBIDDEN,
    desc = "leased, but some of length, payload, id or delivery count was stale: torn publication")
@Outcome(id = "3, .*", expect = FORBIDDEN, desc = "leased with the stale length of the earlier lap")
@Outcome(id = "-1, 0, -1, .*", expect = FORBIDDEN, desc = "message lost: not committed after the producer returned")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingCommitLeaseTest
{
    private final RingFixture fixture = new RingFixture(2, 0, 0);
    private final SlotLease lease = new SlotLease();
    private long claimed;

    @Actor
    public void producer()
    {
        final long position = fixture.lane.producer().tryClaim(PRODUCER_1);
        claimed = position;
        if (position >= 0)
        {
            fixture.writeAndCommit(position);
        }
    }

    @Actor
    public void consumer(final IIII_Result r)
    {
        if (fixture.lane.consumer().tryLeaseNext(CONSUMER_1, lease, LEASE_TIMEOUT_MS))
        {
            r.r1 = lease.payloadLength();
            r.r2 = fixture.checkDelivery(lease, 1);
        }
        else
        {
            r.r1 = -1;
        }
    }

    @Arbiter
    public void arbiter(final IIII_Result r)
    {
        final int state = fixture.committedState(0);
        r.r3 = state;
        final long cursor = fixture.ring.leaseCursor();
        final boolean ok = claimed == 0 &&
            (state == LEASED ? cursor == 1 : state == READY && cursor == 0);
        r.r4 = ok ? 1 : 0;
    }
}
