package io.ipcq.internal;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The cached clock parks its thread when no one reads it, hands out a fresh time while parked, and restarts its
 * thread when reads come close together. Bounds are on tick counts; the only time bound is the clock's own
 * promise (a value at most a few milliseconds old), checked against {@code System.currentTimeMillis()}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TickingEpochClockTest
{
    private final TickingEpochClock clock = TickingEpochClock.instance();

    @Test
    void unreadClockStopsTickingAndStillReadsFresh() throws InterruptedException
    {
        clock.time();
        awaitParked();
        final long ticks = clock.ticks();
        Thread.sleep(300);
        assertTrue(clock.ticks() - ticks <= 1, "ticks while nobody reads: " + (clock.ticks() - ticks));
        final long before = System.currentTimeMillis();
        final long read = clock.time();
        final long after = System.currentTimeMillis();
        assertTrue(read >= before && read <= after, "a parked clock reads the system clock: " + read + " not in [" +
            before + ", " + after + "]");
    }

    @Test
    void readsCloseTogetherRestartTheTicker() throws InterruptedException
    {
        clock.time();
        awaitParked();
        final long ticks = clock.ticks();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long maxLagMs = 0;
        while (clock.ticks() - ticks < 5)
        {
            final long read = clock.time();
            maxLagMs = Math.max(maxLagMs, System.currentTimeMillis() - read);
            assertTrue(System.nanoTime() - deadline < 0, "ticker not restarted by a run of reads");
        }
        assertTrue(maxLagMs <= 50, "a value handed out while restarting was " + maxLagMs + " ms old");
    }

    private void awaitParked() throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long last = clock.ticks();
        while (true)
        {
            Thread.sleep(5L * TickingEpochClock.IDLE_TICKS);
            final long now = clock.ticks();
            if (now == last)
            {
                return;
            }
            last = now;
            assertTrue(System.nanoTime() - deadline < 0, "the ticker never parked");
        }
    }
}
