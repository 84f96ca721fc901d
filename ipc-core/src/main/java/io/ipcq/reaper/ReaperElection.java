package io.ipcq.reaper;

import io.ipcq.layout.QueueDescriptor;
import org.agrona.concurrent.AtomicBuffer;

/**
 * The reaper election of one candidate, over the header's two reaper words: the owner (holder id of the reaper's
 * admin row, 0 for none) and the reaper heartbeat (epoch ms of its last pass). Whoever finds the owner empty, or its
 * heartbeat older than the heartbeat timeout, beats for the role and then takes it by CAS from the owner it read; so
 * two candidates that read the same owner cannot both win, and when the reaper's process dies another takes over
 * within one heartbeat timeout.
 * <p>
 * The beat comes before the CAS: a candidate that reads the new owner (load of the owner, then of the heartbeat)
 * also sees that owner's fresh heartbeat, never the dead owner's stale one. With the beat after the CAS, a second
 * candidate between the two would take the role over from a reaper elected a moment before, and both would run a
 * pass (found by the jcstress test {@code ReaperElectionTest}).
 */
public final class ReaperElection
{
    private final AtomicBuffer header;
    private final long candidate;
    private final long heartbeatTimeoutMs;

    /**
     * @param header             the file's header (the owner word at {@link QueueDescriptor#REAPER_OWNER_OFFSET}).
     * @param candidate          this candidate's holder id (its admin row + 1), never 0.
     * @param heartbeatTimeoutMs the queue's heartbeat timeout.
     */
    public ReaperElection(final AtomicBuffer header, final long candidate, final long heartbeatTimeoutMs)
    {
        if (candidate <= 0)
        {
            throw new IllegalArgumentException("candidate must be a holder id (row + 1): " + candidate);
        }
        this.header = header;
        this.candidate = candidate;
        this.heartbeatTimeoutMs = heartbeatTimeoutMs;
    }

    /**
     * @param nowEpochMs now.
     * @return true if this candidate is the reaper: it was, or it just took the role (and beat for it).
     */
    public boolean elect(final long nowEpochMs)
    {
        final long owner = header.getLongVolatile(QueueDescriptor.REAPER_OWNER_OFFSET);
        if (owner == candidate)
        {
            return true;
        }
        final long ownerBeat = header.getLongVolatile(QueueDescriptor.REAPER_HEARTBEAT_OFFSET);
        if (owner == 0 || nowEpochMs - ownerBeat > heartbeatTimeoutMs)
        {
            // A loser's beat only renews the winner's, who beats again before each pass.
            beat(nowEpochMs);
            return header.compareAndSetLong(QueueDescriptor.REAPER_OWNER_OFFSET, owner, candidate);
        }
        return false;
    }

    /**
     * The reaper's heartbeat, before each pass.
     *
     * @param nowEpochMs now.
     */
    public void beat(final long nowEpochMs)
    {
        header.putLongRelease(QueueDescriptor.REAPER_HEARTBEAT_OFFSET, nowEpochMs);
    }

    /**
     * Hands the role back on a clean close, so another candidate takes it at once.
     */
    public void resign()
    {
        header.compareAndSetLong(QueueDescriptor.REAPER_OWNER_OFFSET, candidate, 0);
    }
}
