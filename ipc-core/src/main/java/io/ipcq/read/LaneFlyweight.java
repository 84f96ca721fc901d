package io.ipcq.read;

import io.ipcq.layout.LaneDescriptor;
import org.agrona.concurrent.AtomicBuffer;

import static io.ipcq.layout.LaneDescriptor.*;

/**
 * Read-only flyweight over one lane table entry (diagram: {@link LaneDescriptor}; docs/layout.md "Lane table
 * entry"). Wrap it at {@link QueueLayout#laneOffset(int)}.
 */
public final class LaneFlyweight
{
    private AtomicBuffer buffer;
    private int offset;

    /**
     * @param buffer over the file.
     * @param offset of the entry.
     * @return this.
     */
    public LaneFlyweight wrap(final AtomicBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return the Tail word as stored, the sealed bit (63) included. */
    public long tailWord()
    {
        return buffer.getLongVolatile(offset + TAIL_OFFSET);
    }

    /** @return the next position a producer claims or skips (the Tail without its sealed bit). */
    public long tail()
    {
        return tailWord() & ~SEALED_BIT;
    }

    /** @return true once seal set bit 63 of the Tail: no claim succeeds. */
    public boolean sealed()
    {
        return (tailWord() & SEALED_BIT) != 0;
    }

    /** @return the Lease Cursor: the next position never yet delivered. */
    public long leaseCursor()
    {
        return buffer.getLongVolatile(offset + LEASE_CURSOR_OFFSET);
    }

    /** @return the Head Hint: every position below it has been freed or skipped. */
    public long headHint()
    {
        return buffer.getLongVolatile(offset + HEAD_OFFSET);
    }

    /** @return the Requeue Count: bumped after every requeue. */
    public long requeueCount()
    {
        return buffer.getLongVolatile(offset + REQUEUE_COUNT_OFFSET);
    }

    /** @return the Full Epoch (odd: a producer searched past held slots and nothing was freed since). */
    public long fullEpoch()
    {
        return buffer.getLongVolatile(offset + FULL_EPOCH_OFFSET);
    }

    /**
     * @param fullEpoch a Full Epoch.
     * @return true if odd: a producer searched past slots holding messages and nothing was freed since.
     */
    public static boolean isFullEpochOdd(final long fullEpoch)
    {
        return (fullEpoch & 1) != 0;
    }
}
