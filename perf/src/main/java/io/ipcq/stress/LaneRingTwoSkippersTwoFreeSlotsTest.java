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
 * {@link TwoSkippersScenario} with slots 0 and 1 held and slots 2 and 3 free (for positions 6 and 7): both producers
 * must skip positions 4 and 5 and both must get a position, different ones; FULL is never right here.
 */
@JCStressTest
@Description("Two producers skip the same two held slots: both claim, distinct positions 6 and 7, never FULL")
@Outcome(id = "6, 7, 0", expect = ACCEPTABLE,
    desc = "producer1 claims 6 (after its own skips or the other's), producer2 the next free slot")
@Outcome(id = "7, 6, 0", expect = ACCEPTABLE,
    desc = "producer2 claims 6 (after its own skips or the other's), producer1 the next free slot")
@Outcome(id = "-1, .*", expect = FORBIDDEN, desc = "producer1 told FULL with a slot free: spurious FULL")
@Outcome(id = ".*, -1, .*", expect = FORBIDDEN, desc = "producer2 told FULL with a slot free: spurious FULL")
@Outcome(id = "6, 6, .*", expect = FORBIDDEN, desc = "both claimed position 6")
@Outcome(id = "7, 7, .*", expect = FORBIDDEN, desc = "both claimed position 7")
@Outcome(id = ".*, .*, [1-9][0-9]*", expect = FORBIDDEN,
    desc = "wrong tail or skip marks, a message lost or duplicated, a holder fenced, a leftover, capacity lost")
@Outcome(expect = FORBIDDEN, desc = "any other state is a protocol error (a held slot claimed, a position skipped twice)")
@State
public class LaneRingTwoSkippersTwoFreeSlotsTest
{
    private final TwoSkippersScenario scenario = new TwoSkippersScenario(2);

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
