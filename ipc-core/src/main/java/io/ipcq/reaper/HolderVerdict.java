package io.ipcq.reaper;

import io.ipcq.internal.ParticipantTable;
import io.ipcq.layout.ParticipantDescriptor;

/**
 * Which holders (participant index + 1) a reaper pass found dead: "dead" holders lose their leases (fencing makes
 * that safe even if they are only paused); "gone" holders' processes no longer exist, so their claims and half-done
 * moves can be repaired without any risk of them writing again.
 */
public final class HolderVerdict
{
    public static final HolderVerdict NONE_DEAD = new HolderVerdict(null);

    private final ParticipantTable participants;
    private final boolean[] dead;
    private final boolean[] gone;

    /**
     * @param participants the table judged; null for a verdict that finds no one dead.
     */
    public HolderVerdict(final ParticipantTable participants)
    {
        this.participants = participants;
        final int rows = participants == null ? 0 : participants.capacity();
        this.dead = new boolean[rows + 1];
        this.gone = new boolean[rows + 1];
    }

    void markDead(final int holder, final boolean processGone)
    {
        dead[holder] = true;
        gone[holder] |= processGone;
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
     * freed and taken by a new participant meanwhile.
     */
    private boolean stillDead(final int holder)
    {
        return participants.rowState(holder - 1) == ParticipantDescriptor.ROW_DEAD;
    }
}
