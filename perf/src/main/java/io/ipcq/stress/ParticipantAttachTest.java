package io.ipcq.stress;

import io.ipcq.IpcQueue;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.QueueException;
import org.agrona.concurrent.SystemEpochClock;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * The participant-row attach CAS: two attachers, one free row. Two mappings of one small queue file (as two
 * processes have), each attaching a producer through the real {@code IpcQueue.producer()} at once; row 0 is taken
 * already, so both race for row 1.
 * <p>
 * r1, r2: 1 if attacher 1 (resp. 2) got a row, 0 if it was refused (all rows taken), -1 for any other error.
 * r3 (arbiter): how many participants the file counts after both (2: the first producer and the winner).
 */
@JCStressTest
@Description("Two attachers, one free participant row: exactly one gets it, the other is refused")
@Outcome(id = "1, 0, 2", expect = ACCEPTABLE, desc = "attacher 1's CAS first")
@Outcome(id = "0, 1, 2", expect = ACCEPTABLE, desc = "attacher 2's CAS first")
@Outcome(id = "1, 1, .*", expect = FORBIDDEN, desc = "one row, two owners")
@Outcome(id = "0, 0, .*", expect = FORBIDDEN, desc = "a free row refused to both")
@Outcome(expect = FORBIDDEN, desc = "any other state is an error")
@State
public class ParticipantAttachTest
{
    private static final AtomicLong NEXT = new AtomicLong();
    private static final Path DIRECTORY = Files.isDirectory(Path.of("/dev/shm")) ?
        Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));

    private final Path path = DIRECTORY.resolve(
        "ipcq-jcstress-attach-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet());
    private final IpcQueue mapping1 = IpcQueue.create(path, QueueConfig.builder().capacity(2).maxPayloadLength(8)
        .participantCapacity(2).build(), SystemEpochClock.INSTANCE);
    private final IpcQueue mapping2 = IpcQueue.open(path, SystemEpochClock.INSTANCE);

    public ParticipantAttachTest()
    {
        mapping1.producer();
    }

    @Actor
    public void attacher1(final III_Result r)
    {
        r.r1 = attach(mapping1);
    }

    @Actor
    public void attacher2(final III_Result r)
    {
        r.r2 = attach(mapping2);
    }

    private static int attach(final IpcQueue queue)
    {
        try
        {
            final Producer producer = queue.producer();
            return producer != null ? 1 : -1;
        }
        catch (final QueueException ex)
        {
            return ex.getMessage().contains("participant rows are taken") ? 0 : -1;
        }
        catch (final RuntimeException ex)
        {
            return -1;
        }
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        try
        {
            r.r3 = mapping1.stats().participants().size();
        }
        finally
        {
            mapping2.close();
            mapping1.close();
            IpcQueue.delete(path);
        }
    }
}
