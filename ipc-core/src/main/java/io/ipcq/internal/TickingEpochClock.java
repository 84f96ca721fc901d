package io.ipcq.internal;

import org.agrona.concurrent.CachedEpochClock;

import java.util.concurrent.locks.LockSupport;

/**
 * Epoch milliseconds for lease deadlines and heartbeats, read with one plain load instead of a clock call on every
 * lease (Aeron's cached-clock pattern). One daemon thread per process refreshes it every millisecond, so a deadline
 * can be up to about a millisecond early: harmless against leases of seconds.
 */
public final class TickingEpochClock
{
    private static final long TICK_NS = 1_000_000L;
    private static final CachedEpochClock CLOCK = new CachedEpochClock();

    static
    {
        CLOCK.update(System.currentTimeMillis());
        final Thread ticker = new Thread(TickingEpochClock::tick, "ipcq-clock");
        ticker.setDaemon(true);
        ticker.start();
    }

    private TickingEpochClock()
    {
    }

    /**
     * @return the process-wide ticking clock (starts its thread on first use).
     */
    public static CachedEpochClock instance()
    {
        return CLOCK;
    }

    private static void tick()
    {
        while (true)
        {
            CLOCK.update(System.currentTimeMillis());
            LockSupport.parkNanos(TICK_NS);
        }
    }
}
