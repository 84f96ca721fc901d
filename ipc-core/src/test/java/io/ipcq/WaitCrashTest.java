package io.ipcq;

import io.ipcq.internal.CrashPoint;
import io.ipcq.wait.WaitStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Crash-matrix row W1-sleeper-killed (docs/crash-matrix.md): a consumer in another process dies while registered
 * as a sleeper, halted right after its registration (crash point WAIT_AFTER_REGISTER) or killed with
 * {@code kill -9} while blocked in the kernel. The reaper undoes its registration (protocol #W5): the lane's count
 * of sleepers is back to 0, so sends make no wake call any more, and nothing is lost or wedged. And the living case
 * beside it: a sleeper in another process is woken by this one's send (the socket fallback across processes).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WaitCrashTest
{
    static final Duration BOUND = Duration.ofSeconds(30);

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void sleeperHaltedRightAfterRegistering() throws Exception
    {
        final IpcQueue queue = queues.create(WakeupScenarios.config(16));
        try (ChildJvm child = ChildJvm.start(CrashPoint.WAIT_AFTER_REGISTER.name() + ":1", "sleep",
            queue.path().toString()))
        {
            assertEquals(CrashPoint.HALT_STATUS, child.awaitExit(BOUND), child.log());
            assertEquals(1, queue.waits().sleepers(0, false), "the dead sleeper is still counted");
            assertEquals(1, queue.waits().registeredRows(0, false));
            assertRepairedAndNothingWedged(queue);
        }
    }

    @Test
    void sleeperKilledWhileBlocked() throws Exception
    {
        final IpcQueue queue = queues.create(WakeupScenarios.config(16));
        try (ChildJvm child = ChildJvm.start(null, "sleep", queue.path().toString()))
        {
            child.awaitLine("ATTACHED", BOUND);
            WakeupScenarios.awaitTrue(() -> queue.waits().registeredRows(1, false) == 1, "child asleep");
            child.signal("KILL");
            assertNotEquals(-1, child.awaitExit(BOUND));
            assertRepairedAndNothingWedged(queue);
        }
    }

    @Test
    void sleeperInAnotherProcessIsWokenBySend() throws Exception
    {
        final IpcQueue queue = queues.create(WakeupScenarios.config(16));
        try (ChildJvm child = ChildJvm.start(null, "sleep", queue.path().toString());
             Producer producer = queue.producer())
        {
            child.awaitLine("ATTACHED", BOUND);
            WakeupScenarios.awaitTrue(() -> queue.waits().registeredRows(0, false) == 1, "child asleep");
            final long wakeCalls = WaitStats.wakeCalls();
            assertEquals(SendResult.OK, producer.trySend(1, CrashChild.payload(42)));
            assertEquals(1, WaitStats.wakeCalls() - wakeCalls);
            assertEquals(0, child.awaitExit(BOUND), child.log());
            assertTrue(child.anyLine(line -> line.equals("WOKE LEASED 42")), child.log());
        }
    }

    private static void assertRepairedAndNothingWedged(final IpcQueue queue) throws Exception
    {
        WakeupScenarios.awaitTrue(() ->
        {
            queue.reap();
            return queue.waits().sleepers(0, false) == 0 && queue.waits().sleepers(1, false) == 0;
        }, "the reaper undid the dead sleeper's registration");
        assertEquals(0, queue.waits().registeredRows(0, false));
        assertEquals(0, queue.waits().registeredRows(1, false));
        try (Producer producer = queue.producer();
             Consumer consumer = queue.consumer())
        {
            final long wakeCalls = WaitStats.wakeCalls();
            for (long seq = 0; seq < 1_000; seq++)
            {
                assertEquals(SendResult.OK, producer.trySend((int)(seq & 1), CrashChild.payload(seq)));
                final Lease lease = consumer.lease(Duration.ofSeconds(5));
                assertNotNull(lease, "lost or wedged: " + consumer.status());
                assertEquals(seq, CrashChild.seqOf(lease));
                assertTrue(lease.ack());
            }
            assertEquals(0, WaitStats.wakeCalls() - wakeCalls, "no wake call once the dead sleeper is undone");
        }
    }
}
