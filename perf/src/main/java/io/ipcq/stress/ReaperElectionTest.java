package io.ipcq.stress;

import io.ipcq.layout.QueueDescriptor;
import io.ipcq.reaper.ReaperElection;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.nio.ByteBuffer;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The reaper election: two candidates (two processes' agents) stand at once for a role whose owner's heartbeat is
 * older than the timeout (the reaper died). The real {@link ReaperElection} of each, over one small header buffer.
 * <p>
 * r1, r2: 1 if candidate 1 (resp. 2) was told it is the reaper. r3 (arbiter): the owner word (1 or 2), or -1 if it
 * is neither, or does not match the one elected, or the reaper heartbeat was not renewed.
 * <p>
 * Each candidate reads the owner, then the reaper heartbeat. Before the election beat ahead of its CAS, this test
 * saw "1, 1": candidate 2 read owner 1 (just elected) with the dead owner's stale heartbeat, and took over.
 */
@JCStressTest
@Description("Two candidates take over a dead reaper's role at once: exactly one is elected")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE, desc = "candidate 1's CAS first")
@Outcome(id = "0, 1, 2", expect = ACCEPTABLE, desc = "candidate 2's CAS first")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "two reapers: both CASed from the same owner")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "nobody took over a dead reaper's role")
@Outcome(expect = FORBIDDEN, desc = "the owner word does not name the one elected")
@State
public class ReaperElectionTest
{
    private static final long TIMEOUT_MS = 1_000;
    private static final long DEAD_OWNER = 7;
    private static final long NOW = 1_000_000;

    private final UnsafeBuffer header = new UnsafeBuffer(ByteBuffer.allocateDirect(QueueDescriptor.HEADER_LENGTH));
    private final ReaperElection candidate1 = new ReaperElection(header, 1, TIMEOUT_MS);
    private final ReaperElection candidate2 = new ReaperElection(header, 2, TIMEOUT_MS);

    public ReaperElectionTest()
    {
        header.putLong(QueueDescriptor.REAPER_OWNER_OFFSET, DEAD_OWNER);
        header.putLong(QueueDescriptor.REAPER_HEARTBEAT_OFFSET, NOW - 2 * TIMEOUT_MS);
    }

    @Actor
    public void candidate1(final III_Result r)
    {
        r.r1 = candidate1.elect(NOW) ? 1 : 0;
    }

    @Actor
    public void candidate2(final III_Result r)
    {
        r.r2 = candidate2.elect(NOW + 1) ? 1 : 0;
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        final long owner = header.getLongVolatile(QueueDescriptor.REAPER_OWNER_OFFSET);
        final long beat = header.getLongVolatile(QueueDescriptor.REAPER_HEARTBEAT_OFFSET);
        // A loser may have beaten too (ahead of its failed CAS): the heartbeat is fresh either way.
        final boolean fresh = beat == NOW || beat == NOW + 1;
        final boolean consistent = fresh && ((owner == 1 && r.r1 == 1) || (owner == 2 && r.r2 == 1));
        r.r3 = consistent ? (int)owner : -1;
    }
}
