package io.ipcq.reaper;

/**
 * Which holders (participant index + 1) a reaper pass found dead: "dead" holders lose their leases (fencing makes
 * that safe even if they are only paused); "gone" holders' processes no longer exist, so their claims and half-done
 * moves can be repaired without any risk of them writing again.
 */
public final class HolderVerdict
{
    public static final HolderVerdict NONE_DEAD = new HolderVerdict(0);

    private final boolean[] dead;
    private final boolean[] gone;

    public HolderVerdict(final int participantCapacity)
    {
        this.dead = new boolean[participantCapacity + 1];
        this.gone = new boolean[participantCapacity + 1];
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
        return holder > 0 && holder < dead.length && dead[holder];
    }

    /**
     * @param holder a holder id read from a slot (untrusted).
     * @return true if its process is gone: its claims can be repaired.
     */
    public boolean isGone(final int holder)
    {
        return holder > 0 && holder < gone.length && gone[holder];
    }
}
