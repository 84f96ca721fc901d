package io.ipcq.reaper;

import io.ipcq.ReapResult;
import io.ipcq.internal.ParticipantTable;
import io.ipcq.internal.ProcessInfo;
import io.ipcq.ring.QueueClock;
import io.ipcq.wait.WaitRegistry;

import static io.ipcq.layout.ParticipantDescriptor.*;

/**
 * One reaper pass: judges every participant, then lets the {@link LeaseSweeper} run the repair path with that
 * verdict.
 * <ul>
 *   <li><b>dead</b>: its process is gone (no such pid, or the pid now names a process with another start time), or
 *   its heartbeat is older than the heartbeat timeout. Its row is marked dead and its leases are revoked.</li>
 *   <li><b>gone</b> (dead, and the process is gone): also its claims are tombstoned, its half-done dead-letter
 *   moves parked for retry, and its row is folded into the header's counters and freed.</li>
 * </ul>
 * A participant whose process lives but whose heartbeat is stale (paused, or starved) loses its leases (its late
 * acks are fenced) but keeps its row and its claims: it may wake and commit, and nothing it can still write is
 * ever handed to someone else. A live participant with a fresh heartbeat is never touched, however slow.
 */
public final class Reaper
{
    private final ParticipantTable participants;
    private final LeaseSweeper sweeper;
    private final QueueClock clock;
    private final WaitRegistry waits;
    private final long heartbeatTimeoutMs;
    private final int ownRow;
    /** When this reaper first saw a row stuck in ATTACHING with no pid (its owner died mid-attach). */
    private final long[] attachingSinceNs;

    public Reaper(
        final ParticipantTable participants,
        final LeaseSweeper sweeper,
        final QueueClock clock,
        final long heartbeatTimeoutMs,
        final int ownRow)
    {
        this(participants, sweeper, clock, heartbeatTimeoutMs, ownRow, null);
    }

    /**
     * @param waits the queue's sleepers: a dead participant's wait registration is undone (protocol #W5).
     */
    public Reaper(
        final ParticipantTable participants,
        final LeaseSweeper sweeper,
        final QueueClock clock,
        final long heartbeatTimeoutMs,
        final int ownRow,
        final WaitRegistry waits)
    {
        this.waits = waits;
        this.participants = participants;
        this.sweeper = sweeper;
        this.clock = clock;
        this.heartbeatTimeoutMs = heartbeatTimeoutMs;
        this.ownRow = ownRow;
        this.attachingSinceNs = new long[participants.capacity()];
    }

    /**
     * @return what the pass did.
     */
    public ReapResult reap()
    {
        final long now = clock.nowEpochMs();
        final HolderVerdict verdict = new HolderVerdict(participants);
        int declaredDead = 0;
        final boolean[] reclaim = new boolean[participants.capacity()];
        for (int index = 0; index < participants.capacity(); index++)
        {
            final int state = participants.rowState(index);
            if (state == ROW_FREE || index == ownRow)
            {
                attachingSinceNs[index] = 0;
                continue;
            }
            final long pid = participants.pid(index);
            if (state == ROW_ATTACHING && pid == 0)
            {
                if (attachStalled(index) && participants.markDead(index, state))
                {
                    declaredDead++;
                    reclaim[index] = true;
                }
                continue;
            }
            attachingSinceNs[index] = 0;
            final boolean processGone = !ProcessInfo.isAlive(pid, participants.startTime(index));
            final boolean heartbeatStale = now - participants.heartbeat(index) > heartbeatTimeoutMs;
            if (!processGone && !heartbeatStale)
            {
                continue;
            }
            if (state != ROW_DEAD)
            {
                if (!participants.markDead(index, state))
                {
                    continue;
                }
                declaredDead++;
            }
            verdict.markDead(index + 1, processGone, pid, participants.startTime(index));
            if (waits != null)
            {
                waits.undoDeadRegistration(index);
            }
            reclaim[index] = processGone;
        }

        final ReapResult slots = sweeper.sweep(verdict);

        int reclaimed = 0;
        for (int index = 0; index < reclaim.length; index++)
        {
            // Still dead, and still the process judged (or still a stalled attach): a pass that stalled past the
            // heartbeat timeout must not free a row another reaper freed and a new participant took meanwhile.
            if (reclaim[index] && participants.rowState(index) == ROW_DEAD &&
                (verdict.isStillJudged(index + 1) || participants.pid(index) == 0))
            {
                participants.detach(index);
                attachingSinceNs[index] = 0;
                reclaimed++;
            }
        }
        return slots.withParticipants(declaredDead, reclaimed);
    }

    private boolean attachStalled(final int index)
    {
        final long nowNs = System.nanoTime();
        if (attachingSinceNs[index] == 0)
        {
            attachingSinceNs[index] = nowNs;
            return false;
        }
        return nowNs - attachingSinceNs[index] >= heartbeatTimeoutMs * 1_000_000L;
    }
}
