package io.ipcq.ring;

import org.agrona.concurrent.EpochClock;

/**
 * The clock every process of a queue agrees on: epoch milliseconds (never {@code System.nanoTime}, whose origin
 * differs per JVM), counted from the file's creation so a deadline fits the 40 bits of a deadline word.
 */
public final class QueueClock
{
    private final EpochClock epochClock;
    private final long createdEpochMs;

    public QueueClock(final EpochClock epochClock, final long createdEpochMs)
    {
        this.epochClock = epochClock;
        this.createdEpochMs = createdEpochMs;
    }

    public long nowEpochMs()
    {
        return epochClock.time();
    }

    /**
     * @return ms since the file was created; at least 1, so that 0 stays free to mean "expiring".
     */
    public long nowSinceCreated()
    {
        return Math.max(1, epochClock.time() - createdEpochMs);
    }

    public long toEpochMs(final long sinceCreated)
    {
        return createdEpochMs + sinceCreated;
    }

    public long createdEpochMs()
    {
        return createdEpochMs;
    }
}
