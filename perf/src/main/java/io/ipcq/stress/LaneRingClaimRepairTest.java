package io.ipcq.stress;

import io.ipcq.ring.SlotLease;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.ipcq.layout.LeaseState.FREE;
import static io.ipcq.layout.LeaseState.state;
import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Claim against the reaper's repair of a stalled claim. Between its tail CAS and its CLAIMED store a producer has
 * claimed position 0 while the slot still looks FREE: a reaper that finds a position below the tail whose slot is
 * FREE with sequence == position cannot tell a dead producer from a slow one, and after a timeout tombstones it
 * with {@code repairClaim}. Here the reaper acts at once (the limit of a producer stalled past the timeout). A
 * producer whose position was repaired must not write it afterwards: it must claim again (the next position), so
 * the slot is either the producer's message or a tombstone, never both.
 * <p>
 * r1: position the producer committed (-1 FULL). r2: 1 if the reaper's repairClaim returned true. r3 (arbiter): 1
 * if the producer's message is the one and only message delivered, exact, and the lane ends drained, else 0.
 */
@JCStressTest
@Description("Claim against stalled-claim repair: a repaired position is never written by its late producer")
@Outcome(id = "0, 0, 1", expect = ACCEPTABLE,
    desc = "reaper looks before the tail CAS, or after the CLAIMED store/commit (its repair CAS fails): message at 0")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE,
    desc = "tail CAS -> reaper tombstones 0 -> the producer's CLAIMED CAS fails, it claims again: message at 1")
@Outcome(id = "0, 1, .*", expect = FORBIDDEN,
    desc = "the reaper tombstoned position 0 and the late producer still claimed and committed it")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error (lost, duplicated or torn message)")
@State
public class LaneRingClaimRepairTest
{
    private final RingFixture fixture = new RingFixture(2, 0, 0);
    private final SlotLease lease = new SlotLease();

    @Actor
    public void producer(final III_Result r)
    {
        final long position = fixture.lane.producer().tryClaim(PRODUCER_1);
        if (position >= 0)
        {
            fixture.writeAndCommit(position);
        }
        r.r1 = (int)position;
    }

    @Actor
    public void reaper(final III_Result r)
    {
        // What the sweep does at a position below the tail whose sequence says "claimable": a claim in flight.
        if (fixture.ring.tailPosition() > 0 && fixture.ring.sequence(0) == 0)
        {
            final long word = fixture.ring.leaseStateWord(0);
            if (fixture.ring.sequence(0) == 0 && state(word) == FREE)
            {
                r.r2 = fixture.lane.repair().repairClaim(0, word) ? 1 : 0;
            }
        }
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        final long expected = r.r1;
        final boolean ok = expected >= 0 &&
            fixture.ring.tailPosition() == expected + 1 &&
            fixture.consumeExactly(expected, lease) &&
            fixture.isEmptyAndDrained(lease);
        r.r3 = ok ? 1 : 0;
    }
}
