package io.ipcq;

import io.ipcq.layout.QueueDescriptor;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Small helpers shared by the crash tests.
 */
final class CrashSupport
{
    private CrashSupport()
    {
    }

    /**
     * @return the reaper-owner word of the header: participant index + 1 of the elected reaper, 0 for none.
     */
    static long reaperOwner(final IpcQueue queue)
    {
        return queue.buffer().getLongVolatile(QueueDescriptor.REAPER_OWNER_OFFSET);
    }

    /**
     * @return the pid of the process holding the reaper role, or 0.
     */
    static long reaperPid(final IpcQueue queue)
    {
        final long owner = reaperOwner(queue);
        return owner == 0 ? 0 : queue.participants().pid((int)owner - 1);
    }

    /**
     * Waits (generously bounded) until the given process holds the reaper role.
     */
    static void awaitReaperIs(final IpcQueue queue, final long pid) throws InterruptedException
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (reaperPid(queue) != pid)
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("process " + pid + " did not get the reaper role; owner word " + reaperOwner(queue) +
                    " names pid " + reaperPid(queue));
            }
            Thread.sleep(2);
        }
    }
}
