package io.ipcq.stress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * {@link WrapAroundScenario} with positions starting at 2^62 - 1, so the lap boundary the race crosses is also
 * the step from 2^62 - 1 to 2^62.
 */
@JCStressTest
@JCStressMeta(WrapAroundScenario.class)
@Description("Producer and consumer across a lap boundary at position 2^62: nothing lost, duplicated or spuriously FULL")
@State
public class LaneRingWrapAround62Test
{
    private final WrapAroundScenario scenario = new WrapAroundScenario((1L << 62) - 1);

    @Actor
    public void consumer(final III_Result r)
    {
        scenario.consumer(r);
    }

    @Actor
    public void producer(final III_Result r)
    {
        scenario.producer(r);
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        scenario.arbiter(r);
    }
}
