package io.ipcq.stress;

import io.ipcq.ring.RingProducer;
import io.ipcq.ring.SlotLease;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Seal (#15) against a claim (#1) on an empty lane: the claim's tail CAS and seal's CAS of the sealed bit into the
 * same word. Either the claim got position 0 before the bit (and its message, committed, is delivered), or it is
 * told SEALED; never both a claim and a lost seal, nor a claimed position the tail does not count.
 * <p>
 * r1: the claim's answer, 0 (position 0) or -2 (SEALED), -9 for anything else. r2 (arbiter): 1 if the tail is
 * sealed, its position is 1 after a claim and 0 after SEALED, a later claim is SEALED, and the claimed message (if
 * any) is leased exactly and acked, leaving the lane drained; else 0.
 */
@JCStressTest
@Description("Seal against a claim: the claim comes before the sealed bit, or is refused; the seal is never lost")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "claim first: its message is delivered, later claims are SEALED")
@Outcome(id = "-2, 1", expect = ACCEPTABLE, desc = "seal first: the claim is refused")
@Outcome(expect = FORBIDDEN, desc = "a lost seal, a claim the tail lost, or a message not delivered")
@State
public class LaneRingSealClaimTest
{
    private final RingFixture fixture = new RingFixture(2, 0, 0);
    private final SlotLease lease = new SlotLease();

    @Actor
    public void producer(final II_Result r)
    {
        final long position = fixture.lane.producer().tryClaim(PRODUCER_1);
        if (position == 0)
        {
            fixture.writeAndCommit(position);
            r.r1 = 0;
        }
        else
        {
            r.r1 = position == RingProducer.SEALED ? -2 : -9;
        }
    }

    @Actor
    public void sealer()
    {
        fixture.lane.producer().seal();
    }

    @Arbiter
    public void arbiter(final II_Result r)
    {
        final boolean claimed = r.r1 == 0;
        final boolean ok = fixture.ring.isSealed() &&
            fixture.ring.tailPosition() == (claimed ? 1 : 0) &&
            fixture.lane.producer().tryClaim(ARBITER) == RingProducer.SEALED &&
            (!claimed || fixture.consumeExactly(0, lease)) &&
            fixture.isEmptyAndDrained(lease);
        r.r2 = ok ? 1 : 0;
    }
}
