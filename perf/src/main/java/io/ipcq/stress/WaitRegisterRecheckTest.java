package io.ipcq.stress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * No lost wake-up (docs/protocol.md #W1 to #W3): a consumer registers as a sleeper and then rechecks the lane, against
 * a producer that commits a message (its sequence CAS, then one load of the lane's sleeper count, then a wake if it
 * is not 0). Either the recheck finds the message, or the producer saw the registration and moved the sleeper's wake
 * word, so its futex wait returns at once. Both failing is the lost wake-up: a message in the lane and a consumer
 * asleep until its timeout. The real {@code Waiter}, {@code LaneRing}, {@code LaneWakeups} and {@code WaitRegistry}.
 * <p>
 * r1: the recheck leased the message (1) or found the lane empty (0); r2: the wake word moved (1) or not (0).
 */
@JCStressTest
@Description("register, then recheck, against commit, then check the count: the sleeper always learns of the message")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the commit and its count check before the registration; the " +
    "recheck finds the message")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the producer saw the registration and woke; the recheck found the " +
    "message too")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the recheck before the commit; the producer saw the registration " +
    "and moved the wake word: the sleep returns at once")
@Outcome(id = "0, 0", expect = FORBIDDEN, desc = "lost wake-up: the message is there, the sleeper sleeps on")
@State
public class WaitRegisterRecheckTest
{
    private final WaitFixture fixture = new WaitFixture();

    @Actor
    public void sleeper(final II_Result r)
    {
        fixture.waiter.register(1, false);
        r.r1 = fixture.recheck();
    }

    @Actor
    public void producer()
    {
        fixture.send();
    }

    @Arbiter
    public void arbiter(final II_Result r)
    {
        r.r2 = fixture.woken();
    }
}
