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
 * A batch lease of up to 3 (#5b: a state CAS per slot, then one cursor CAS) against a single lease (#5) on a lane
 * holding three committed messages (positions 0, 1, 2): each message is leased exactly once, and the cursor never
 * passes one that neither leased (the arbiter must still find it at the cursor).
 * <p>
 * r1: the positions the batch leased, as a bit mask. r2: the position the single lease got, -1 if none. r3
 * (arbiter): 1 if the two sets are disjoint, every delivery was exact, each leased slot is LEASED, the positions
 * neither took are leased next from the cursor in order, and nothing is left after them; else 0.
 */
@JCStressTest
@Description("Batch lease against single lease on three messages: each message leased exactly once")
@Outcome(id = "7, -1, 1", expect = ACCEPTABLE, desc = "the batch takes all three; the single lease finds none")
@Outcome(id = "3, 2, 1", expect = ACCEPTABLE,
    desc = "the batch leases 0 and 1; the single lease steps the cursor over them and takes 2 before the batch")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE,
    desc = "the batch leases 0; the single lease helps the cursor on and takes 1, which ends the batch's run; " +
        "2 is left at the cursor")
@Outcome(id = "6, 0, 1", expect = ACCEPTABLE, desc = "the single lease takes 0 first; the batch takes 1 and 2")
@Outcome(id = "0, .*", expect = FORBIDDEN, desc = "the batch found nothing although messages were READY")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error (a message leased twice, or passed)")
@State
public class LaneRingBatchLeaseSingleLeaseTest
{
    private final RingFixture fixture = new RingFixture(4, 0, 0);
    private final SlotLease[] batch = { new SlotLease(), new SlotLease(), new SlotLease() };
    private final SlotLease single = new SlotLease();
    private final SlotLease scratch = new SlotLease();
    private int batchCount;
    private boolean singleLeased;
    private int wrong;

    public LaneRingBatchLeaseSingleLeaseTest()
    {
        fixture.produce(PRODUCER_1);
        fixture.produce(PRODUCER_1);
        fixture.produce(PRODUCER_1);
    }

    @Actor
    public void batchConsumer(final III_Result r)
    {
        batchCount = fixture.lane.consumer().tryLeaseNext(CONSUMER_1, batch, 0, 3, LEASE_TIMEOUT_MS);
        int mask = 0;
        for (int i = 0; i < batchCount; i++)
        {
            mask |= 1 << batch[i].position();
            wrong |= fixture.checkDelivery(batch[i], 1);
        }
        r.r1 = mask;
    }

    @Actor
    public void singleConsumer(final III_Result r)
    {
        singleLeased = fixture.lane.consumer().tryLeaseNext(CONSUMER_2, single, LEASE_TIMEOUT_MS);
        r.r2 = singleLeased ? (int)single.position() : -1;
        if (singleLeased)
        {
            wrong |= fixture.checkDelivery(single, 1) << 8;
        }
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        boolean ok = wrong == 0;
        int taken = 0;
        for (int i = 0; i < batchCount; i++)
        {
            taken |= 1 << batch[i].position();
            ok &= fixture.committedState(batch[i].position()) == io.ipcq.layout.LeaseState.LEASED;
        }
        if (singleLeased)
        {
            ok &= (taken & (1 << single.position())) == 0;
            taken |= 1 << single.position();
            ok &= fixture.committedState(single.position()) == io.ipcq.layout.LeaseState.LEASED;
        }
        for (int i = 0; i < batchCount; i++)
        {
            ok &= fixture.lane.consumer().ack(batch[i]);
        }
        if (singleLeased)
        {
            ok &= fixture.lane.consumer().ack(single);
        }
        for (long position = 0; position < 3; position++)
        {
            if ((taken & (1 << position)) == 0)
            {
                ok &= fixture.consumeExactly(position, scratch);
            }
        }
        ok &= fixture.isEmptyAndDrained(scratch);
        r.r3 = ok ? 1 : 0;
    }
}
