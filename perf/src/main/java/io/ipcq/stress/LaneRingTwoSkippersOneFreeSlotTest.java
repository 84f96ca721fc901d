package io.ipcq.stress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * {@link TwoSkippersScenario} with slots 0, 1 and 2 held and only slot 3 free (for position 7): both producers
 * search past the same three held slots; exactly one skips (or finishes the other's skips of) positions 4..6 and
 * claims 7, the other finds every slot holding a message (or the winner's claim) and answers FULL.
 */
@JCStressTest
@Description("Two producers skip the same three held slots, one slot free: exactly one claims it (7), the other is FULL")
@Outcome(id = "7, -1, 0", expect = ACCEPTABLE, desc = "producer1 claims 7; producer2 then finds all four slots taken")
@Outcome(id = "-1, 7, 0", expect = ACCEPTABLE, desc = "producer2 claims 7; producer1 then finds all four slots taken")
@Outcome(id = "7, 7, .*", expect = FORBIDDEN, desc = "both claimed position 7: one overwrote the other")
@Outcome(id = "-1, -1, .*", expect = FORBIDDEN, desc = "both told FULL although slot 3 was free")
@Outcome(id = ".*, .*, [1-9][0-9]*", expect = FORBIDDEN,
    desc = "wrong tail or skip marks, a message lost or duplicated, a holder fenced, a leftover, capacity lost")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error (a held slot claimed, a position skipped twice)")
@State
public class LaneRingTwoSkippersOneFreeSlotTest
{
    private final TwoSkippersScenario scenario = new TwoSkippersScenario(3);

    @Actor
    public void producer1(final III_Result r)
    {
        scenario.producer1(r);
    }

    @Actor
    public void producer2(final III_Result r)
    {
        scenario.producer2(r);
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        scenario.arbiter(r);
    }
}
