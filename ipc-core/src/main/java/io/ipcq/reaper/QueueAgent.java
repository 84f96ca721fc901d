package io.ipcq.reaper;

import io.ipcq.ReapResult;
import io.ipcq.internal.ParticipantTable;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.ring.QueueClock;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AtomicBuffer;


/**
 * The one background agent of a process attached to a queue (run by an Agrona {@code AgentRunner}): beats the
 * heartbeat of every participant row the process holds, notices when the reaper evicted one, and stands for the
 * reaper election. The reaper is elected through the header's reaper-owner word: whoever finds it empty, or its
 * owner's reaper heartbeat older than the heartbeat timeout, takes it by CAS; so when the reaper's process dies
 * another attached process takes over within one heartbeat timeout. Nothing here touches the hot path.
 */
public final class QueueAgent implements Agent
{
    /**
     * The rows this process holds, as the queue sees them.
     */
    public interface Rows
    {
        /** @return the row indexes of the handles attached now (a snapshot). */
        int[] attachedRows();

        /**
         * The reaper evicted this row.
         *
         * @param row the row.
         */
        void evicted(int row);

        /**
         * Checks the file's size and identity (once per beat).
         *
         * @return false once it was truncated or replaced: the agent then stops touching the mapping.
         */
        boolean fileIntact();
    }

    /**
     * The agent's idle strategy: parks between duty cycles, and can be woken at once (on close), so closing a
     * queue never waits out the rest of a sleep. After {@link #wake()} it no longer parks.
     */
    public static final class Idle implements org.agrona.concurrent.IdleStrategy
    {
        private final long parkNs;
        private volatile Thread parked;
        private volatile boolean woken;

        /**
         * @param parkNs how long to park when a duty cycle did nothing.
         */
        public Idle(final long parkNs)
        {
            this.parkNs = parkNs;
        }

        @Override
        public void idle(final int workCount)
        {
            if (workCount <= 0)
            {
                idle();
            }
        }

        @Override
        public void idle()
        {
            if (woken)
            {
                Thread.onSpinWait();
                return;
            }
            parked = Thread.currentThread();
            if (!woken)
            {
                java.util.concurrent.locks.LockSupport.parkNanos(this, parkNs);
            }
        }

        @Override
        public void reset()
        {
        }

        /**
         * Wakes the agent's thread and keeps it from parking again (it is about to be stopped).
         */
        public void wake()
        {
            woken = true;
            final Thread thread = parked;
            if (thread != null)
            {
                java.util.concurrent.locks.LockSupport.unpark(thread);
            }
        }

        @Override
        public String alias()
        {
            return "ipcq-agent-park";
        }
    }

    private final AtomicBuffer buffer;
    private final ParticipantTable participants;
    private final QueueClock clock;
    private final Reaper reaper;
    private final Rows rows;
    private final int ownRow;
    private final ReaperElection election;
    private final long beatIntervalMs;
    private final long reapIntervalMs;
    private long nextBeatMs;
    private long nextReapMs;
    private volatile ReapResult lastReap;
    private boolean fileBroken;

    /**
     * @param buffer             the file.
     * @param participants       its participants table.
     * @param clock              the shared clock.
     * @param reaper             what to run when elected.
     * @param rows               this process's rows.
     * @param ownRow             this agent's own (admin) row: its identity in the election.
     * @param heartbeatTimeoutMs the queue's heartbeat timeout.
     */
    public QueueAgent(
        final AtomicBuffer buffer,
        final ParticipantTable participants,
        final QueueClock clock,
        final Reaper reaper,
        final Rows rows,
        final int ownRow,
        final long heartbeatTimeoutMs)
    {
        this.buffer = buffer;
        this.participants = participants;
        this.clock = clock;
        this.reaper = reaper;
        this.rows = rows;
        this.ownRow = ownRow;
        this.election = new ReaperElection(buffer, ownRow + 1, heartbeatTimeoutMs);
        this.beatIntervalMs = beatInterval(heartbeatTimeoutMs);
        this.reapIntervalMs = beatIntervalMs;
    }

    /**
     * @param heartbeatTimeoutMs the queue's heartbeat timeout.
     * @return how often to beat: four beats per timeout, between 1 ms and 1 s.
     */
    public static long beatInterval(final long heartbeatTimeoutMs)
    {
        return Math.max(1, Math.min(1000, heartbeatTimeoutMs / 4));
    }

    @Override
    public int doWork()
    {
        if (fileBroken)
        {
            return 0;
        }
        final long now = clock.nowEpochMs();
        if ((now - nextBeatMs >= 0 || now - nextReapMs >= 0) && !rows.fileIntact())
        {
            // Each pass first checks the file's size and identity: a write (or CAS) to a truncated mapping is a
            // SIGBUS the JVM cannot turn into an exception. Truncated or replaced: touch nothing from now on.
            fileBroken = true;
            return 1;
        }
        int work = 0;
        if (now - nextBeatMs >= 0)
        {
            nextBeatMs = now + beatIntervalMs;
            participants.beat(ownRow, now);
            for (final int row : rows.attachedRows())
            {
                if (participants.isOwnedActive(row))
                {
                    participants.beat(row, now);
                }
                else
                {
                    rows.evicted(row);
                }
            }
            work++;
        }
        if (isReaper(now) && now - nextReapMs >= 0)
        {
            nextReapMs = now + reapIntervalMs;
            election.beat(now);
            lastReap = reaper.reap();
            work++;
        }
        return work;
    }

    private boolean isReaper(final long now)
    {
        final boolean wasReaper = buffer.getLongVolatile(QueueDescriptor.REAPER_OWNER_OFFSET) == ownRow + 1;
        if (election.elect(now))
        {
            if (!wasReaper)
            {
                nextReapMs = now;
            }
            return true;
        }
        return false;
    }

    /**
     * Hands the reaper role back on a clean close, so another process takes it at its next duty cycle.
     */
    @Override
    public void onClose()
    {
        if (fileBroken || !rows.fileIntact())
        {
            return;
        }
        election.resign();
    }

    public ReapResult lastReap()
    {
        return lastReap;
    }

    @Override
    public String roleName()
    {
        return "ipcq-agent";
    }

}
