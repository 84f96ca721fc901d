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
 * Fencing on the dead-letter path: the holder acks an expired lease on its last allowed delivery while a sweeper
 * revokes it, which (max deliveries 1) CASes LEASED -> DEAD_LETTERING, copies the message to the dead-letter ring
 * and frees the lane slot. Exactly one may win: the message ends acked (nowhere) or dead-lettered (exactly once).
 * <p>
 * r1: 1 if ack returned true. r2: sweeper (0 nothing, 1 fenced, 2 requeued, 3 dead-lettered, 4 parked).
 * r3 (arbiter): messages in the dead-letter ring (its tail). r4 (arbiter): 1 if the lane slot is freed and the
 * dead letter, if any, is exact (same id and payload, its history of 1 delivery kept, so a lease of it is
 * delivery 2), else 0.
 */
@JCStressTest
@Description("Ack against revocation that dead-letters: exactly one wins")
@Outcome(id = "1, 0, 0, 1", expect = ACCEPTABLE, desc = "ack -> sweeper: the sweeper finds the slot freed")
@Outcome(id = "1, 1, 0, 1", expect = ACCEPTABLE,
    desc = "sweeper claims expiry -> ack CASes LEASED -> FREE -> sweeper's DEAD_LETTERING CAS is fenced")
@Outcome(id = "0, 3, 1, 1", expect = ACCEPTABLE,
    desc = "sweeper claims expiry, CASes LEASED -> DEAD_LETTERING, copies, frees -> the ack is fenced")
@Outcome(id = "1, 3, .*", expect = FORBIDDEN, desc = "acked and dead-lettered: double apply")
@Outcome(id = "0, [01], .*", expect = FORBIDDEN, desc = "neither applied: the message is lost or stuck")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error")
@State
public class LaneRingAckDeadLetterTest
{
    private static final int MAX_DELIVERIES = 1;

    private final RingFixture fixture = new RingFixture(2, 0, 0, MAX_DELIVERIES);
    private final SlotLease lease = new SlotLease();
    private final SlotLease deadLetter = new SlotLease();

    public LaneRingAckDeadLetterTest()
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
        final long deadLettered = fixture.deadLetters.slots().tailPosition();
        r.r3 = (int)deadLettered;
        boolean ok = fixture.isFreed(0);
        if (deadLettered > 0)
        {
            ok &= fixture.deadLetters.consumer().tryLeaseNext(CONSUMER_2, deadLetter, LEASE_TIMEOUT_MS) &&
                fixture.checkDelivery(deadLetter, fixture.ring.messageId(0), 0, 2) == 0;
        }
        r.r4 = ok ? 1 : 0;
    }
}
