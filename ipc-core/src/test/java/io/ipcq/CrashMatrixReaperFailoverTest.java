package io.ipcq;

import io.ipcq.internal.QueueFile;
import io.ipcq.layout.QueueDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The reaper role moves (docs/crash-matrix.md, "The reaper dies"): a child JVM wins the election, this process attaches
 * too and must not take the role while the child's reaper beats; the child is killed (kill -9); this process's agent
 * takes the role over within about one heartbeat timeout, observed through a read-only view of the header's
 * reaper-owner word, and then reclaims the dead reaper's rows.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CrashMatrixReaperFailoverTest
{
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofMillis(500);
    static final Duration BOUND = HEARTBEAT_TIMEOUT.plusSeconds(5);

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void reaperRoleMovesWhenItsHolderIsKilled() throws Exception
    {
        final Path path = queues.newPath();
        ChildJvm child = null;
        // No handle attached here yet: this process runs no agent, so the child wins the vacant role.
        try (IpcQueue queue = IpcQueue.create(path, QueueConfig.builder().capacity(16).maxPayloadLength(64)
            .heartbeatTimeout(HEARTBEAT_TIMEOUT).build());
             QueueFile view = QueueFile.open(path, true))
        {
            try
            {
                child = ChildJvm.start(null, "reaper", path.toString());
                final String line = child.awaitLine("REAPER ", Duration.ofSeconds(30));
                assertNotNull(line, "the child takes the reaper role\n" + child.log());
                final long childOwner = Long.parseLong(line.split(" ")[0]);
                assertEquals(childOwner, ownerWord(view), "the read-only view shows the child as reaper");
                assertEquals(child.pid(), queue.participants().pid((int)childOwner - 1), "owner row names the child");

                queue.producer();
                // Three heartbeat timeouts with both agents running: the live reaper keeps its role.
                final long until = System.nanoTime() + 3 * HEARTBEAT_TIMEOUT.toNanos();
                while (System.nanoTime() - until < 0)
                {
                    assertEquals(childOwner, ownerWord(view), "no takeover while the reaper lives");
                    Thread.sleep(10);
                }

                final long killedNs = System.nanoTime();
                child.process().destroyForcibly();
                long owner;
                while ((owner = ownerWord(view)) == childOwner)
                {
                    assertTrue(System.nanoTime() - killedNs < BOUND.toNanos(), "no takeover within " + BOUND);
                    Thread.sleep(1);
                }
                final long takeoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs);
                assertNotEquals(0, owner, "the role is taken, not just dropped");
                assertEquals(ProcessHandle.current().pid(), queue.participants().pid((int)owner - 1),
                    "this process is the new reaper");
                final long childPid = child.pid();
                while (queue.stats().participants().stream().anyMatch(p -> p.pid() == childPid))
                {
                    assertTrue(System.nanoTime() - killedNs < BOUND.toNanos(), "the dead reaper's rows are not " +
                        "reclaimed\n" + CrashEvidence.dump(path));
                    Thread.sleep(5);
                }
                final long reclaimedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedNs);
                System.out.println("[crash-matrix] reaper killed: role taken over after " + takeoverMs +
                    " ms, its rows reclaimed after " + reclaimedMs + " ms (heartbeat timeout " +
                    HEARTBEAT_TIMEOUT.toMillis() + " ms)");
            }
            catch (final Throwable failure)
            {
                final Path evidence = CrashEvidence.save("CrashMatrixReaperFailoverTest", path, child, failure);
                throw new AssertionError("failed (evidence in " + evidence + "): " + failure.getMessage(), failure);
            }
            finally
            {
                if (child != null)
                {
                    child.close();
                }
            }
        }
    }

    private static long ownerWord(final QueueFile view)
    {
        return view.buffer().getLongVolatile(QueueDescriptor.REAPER_OWNER_OFFSET);
    }
}
