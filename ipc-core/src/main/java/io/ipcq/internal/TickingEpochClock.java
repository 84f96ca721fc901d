package io.ipcq.internal;

import org.agrona.concurrent.EpochClock;

import java.util.concurrent.locks.LockSupport;

/**
 * Epoch milliseconds for lease deadlines and heartbeats, read with plain loads instead of a clock call on every
 * lease (Aeron's cached-clock pattern; a {@code System.currentTimeMillis()} per lease was measured at 20% of the
 * lease path). One daemon thread per process refreshes it every millisecond, <b>but only while the clock is read</b>:
 * after {@link #IDLE_TICKS} ticks with no read it parks until a reader needs it again, so an idle process has no
 * thread waking a thousand times a second.
 * <p>
 * A reader that finds the ticker parked reads the system clock itself (so a value is never stale by more than
 * about a tick) and wakes the ticker only after a run of such reads close together: hot use (leases one after
 * another) restarts it; a few reads now and then (a heartbeat and a reaper pass a second) do not.
 * Why no fence is needed: the ticker refreshes the value just before it marks itself parked, and refreshes nothing
 * after, so a reader that still sees "ticking" reads a value at most a tick old.
 */
public final class TickingEpochClock implements EpochClock
{
    /** Ticks without a read after which the ticker parks. */
    public static final int IDLE_TICKS = 16;
    private static final long TICK_NS = 1_000_000L;
    /** This many reads in a row that find the ticker parked, each within a millisecond of the last, restart it. */
    private static final int RESTART_AFTER_READS = 16;
    private static final TickingEpochClock CLOCK = new TickingEpochClock();

    private volatile long timeMs = System.currentTimeMillis();
    private volatile boolean parked;
    /** Set by a reader to restart a parked ticker. */
    private volatile boolean restart;
    /** Set by readers with a plain store when clear, cleared by the ticker each tick. */
    private boolean read;
    private long lastSelfReadMs;
    private int selfReadsInARow;
    private volatile long ticks;
    private final Thread ticker;

    private TickingEpochClock()
    {
        ticker = new Thread(this::tick, "ipcq-clock");
        ticker.setDaemon(true);
        ticker.start();
    }

    /**
     * @return the process-wide ticking clock (starts its thread on first use).
     */
    public static TickingEpochClock instance()
    {
        return CLOCK;
    }

    /**
     * @return epoch milliseconds, at most about a millisecond old.
     */
    @Override
    public long time()
    {
        if (!read)
        {
            read = true;
        }
        if (parked)
        {
            return selfRead();
        }
        return timeMs;
    }

    /**
     * @return how many times the ticker thread has woken since the process started (tests: no idle ticking).
     */
    public long ticks()
    {
        return ticks;
    }

    private long selfRead()
    {
        final long nowMs = System.currentTimeMillis();
        final int inARow = nowMs - lastSelfReadMs <= 1 ? selfReadsInARow + 1 : 1;
        lastSelfReadMs = nowMs;
        selfReadsInARow = inARow;
        timeMs = nowMs;
        if (inARow >= RESTART_AFTER_READS && !restart)
        {
            // The ticker clears "parked" itself once it has refreshed the value: until then readers keep reading
            // the system clock, so a ticker slow to be scheduled never hands out a stale time.
            selfReadsInARow = 0;
            restart = true;
            LockSupport.unpark(ticker);
        }
        return nowMs;
    }

    private void tick()
    {
        int idleTicks = 0;
        while (true)
        {
            ticks++;
            timeMs = System.currentTimeMillis();
            if (read)
            {
                read = false;
                idleTicks = 0;
            }
            else if (++idleTicks >= IDLE_TICKS)
            {
                restart = false;
                parked = true;
                while (!restart)
                {
                    LockSupport.park(this);
                }
                timeMs = System.currentTimeMillis();
                parked = false;
                idleTicks = 0;
                continue;
            }
            LockSupport.parkNanos(this, TICK_NS);
        }
    }
}
