package io.ipcq.tools.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT) and SIGTERM: a shutdown hook raises {@link #stopping()} and waits a little for the command to
 * close its queue handles, so that leases it holds are released at once instead of waiting for their expiry.
 * Commands that wait (recv, send with a timeout, inspect --watch) poll {@link #stopping()} in short steps.
 */
public final class Stopper
{
    private static final long GRACE_MS = 2_000;

    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile boolean stopping;
    private Thread hook;

    /**
     * Installs the hook; call once before the command runs.
     */
    public void install()
    {
        hook = new Thread(() ->
        {
            stopping = true;
            try
            {
                finished.await(GRACE_MS, TimeUnit.MILLISECONDS);
            }
            catch (final InterruptedException ignore)
            {
                Thread.currentThread().interrupt();
            }
        }, "ipcq-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    public boolean stopping()
    {
        return stopping;
    }

    /**
     * The command has closed everything: the hook, if running, may let the JVM go.
     */
    void finished()
    {
        finished.countDown();
    }

    /**
     * Sleeps up to {@code ms}, in short steps, returning early if asked to stop.
     *
     * @param ms how long.
     * @return false if it stopped early.
     */
    boolean sleep(final long ms)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        while (!stopping)
        {
            final long left = deadline - System.nanoTime();
            if (left <= 0)
            {
                return true;
            }
            try
            {
                Thread.sleep(Math.max(1, Math.min(50, TimeUnit.NANOSECONDS.toMillis(left))));
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }
}
