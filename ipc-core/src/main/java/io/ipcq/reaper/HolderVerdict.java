package io.ipcq.reaper;

import io.ipcq.internal.ParticipantTable;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.ring.HolderJudgement;

/**
 * Which holders (participant index + 1) a reaper pass found dead: "dead" holders lose their leases (fencing makes
 * that safe even if they are only paused); "gone" holders' processes no longer exist, so their claims and half-done
 * moves can be repaired without any risk of them writing again.
 */
public final class HolderVerdict implements HolderJudgement
{
    public static final HolderVerdict NONE_DEAD = new HolderVerdict(null);

    private final ParticipantTable participants;
    private final boolean[] dead;
    private final boolean[] gone;
    /** The process judged, per holder: the row names it still, or the verdict is about someone else now. */
    private final long[] pids;
    private final long[] startTimes;

    /**
     * @param participants the table judged; null for a verdict that finds no one dead.
     */
    public HolderVerdict(final ParticipantTable participants)
    {
        this.participants = participants;
        final int rows = participants == null ? 0 : participants.capacity();
        this.dead = new boolean[rows + 1];
        this.gone = new boolean[rows + 1];
        this.pids = new long[rows + 1];
        this.startTimes = new long[rows + 1];
    }

    /**
     * @param holder      the row's holder id.
     * @param processGone its process no longer exists.
     * @param pid         the pid the row named when it was judged.
     * @param startTime   the start time the row named when it was judged.
     */
    void markDead(final int holder, final boolean processGone, final long pid, final long startTime)
    {
        dead[holder] = true;
        gone[holder] |= processGone;
        pids[holder] = pid;
        startTimes[holder] = startTime;
    }

    /**
     * @param holder a holder id read from a slot (untrusted).
     * @return true if its leases must be revoked.
     */
    public boolean isDead(final int holder)
    {
        return holder > 0 && holder < dead.length && dead[holder] && stillDead(holder);
    }

    /**
     * @param holder a holder id read from a slot (untrusted).
     * @return true if its process is gone: its claims can be repaired.
     */
    public boolean isGone(final int holder)
    {
        return holder > 0 && holder < gone.length && gone[holder] && stillDead(holder);
    }

    /**
     * Asked again right before each revocation or repair: a reaper stalled mid-pass must not act on a row that was
     * freed and taken by a new participant meanwhile, even if that one was declared dead too since (paused, alive):
     * the row must still be dead and still name the process judged.
     */
    private boolean stillDead(final int holder)
    {
        final int index = holder - 1;
        return participants.rowState(index) == ParticipantDescriptor.ROW_DEAD &&
            participants.pid(index) == pids[holder] && participants.startTime(index) == startTimes[holder];
    }

    /**
     * @param holder a holder this verdict judged.
     * @return true if its row is still dead and still names the process judged (see {@link #isDead}).
     */
    boolean isStillJudged(final int holder)
    {
        return holder > 0 && holder < dead.length && dead[holder] && stillDead(holder);
    }
}
