package io.ipcq.stress;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;

/**
 * The control of {@link WaitRegisterRecheckTest}: the same real classes called in the wrong order, recheck first and
 * register after. That order loses wake-ups, and this test shows it does: "0, 0" is reported as interesting (the
 * lost wake-up), so the run proves the jcstress test above would catch a broken order. Never a protocol a caller
 * may use: {@code Consumer} and {@code Producer} always register first.
 * <p>
 * r1: the recheck leased the message (1) or not (0); r2: the wake word moved (1) or not (0).
 */
@JCStressTest
@Description("broken order, recheck then register: the lost wake-up must show up here")
@Outcome(id = "1, 0", expect = ACCEPTABLE, desc = "the commit before the recheck")
@Outcome(id = "1, 1", expect = ACCEPTABLE, desc = "the commit before the recheck, its wake after the registration")
@Outcome(id = "0, 1", expect = ACCEPTABLE, desc = "the recheck before the commit, the registration before its wake")
@Outcome(id = "0, 0", expect = ACCEPTABLE_INTERESTING, desc = "LOST WAKE-UP: what the wrong order allows (the " +
    "commit and its count check fell between the recheck and the registration)")
@State
public class WaitRecheckBeforeRegisterTest
{
    private final WaitFixture fixture = new WaitFixture();

    @Actor
    public void sleeper(final II_Result r)
    {
        r.r1 = fixture.recheck();
        fixture.waiter.register(1, false);
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
