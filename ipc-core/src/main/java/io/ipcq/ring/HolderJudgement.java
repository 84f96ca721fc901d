package io.ipcq.ring;

/**
 * What the repair path needs to know of a reaper pass's verdict on the holders (participant index + 1) it reads
 * from slots: whose leases to revoke, and whose claims and half-done moves to repair.
 */
public interface HolderJudgement
{
    /** Nobody is dead: a sweep (expiry, parked retries, wake-ups) only. */
    HolderJudgement NONE_DEAD = new HolderJudgement()
    {
        public boolean isDead(final int holder)
        {
            return false;
        }

        public boolean isGone(final int holder)
        {
            return false;
        }
    };

    /**
     * @param holder a holder id read from a slot (untrusted).
     * @return true if its leases must be revoked (it is dead, perhaps only paused).
     */
    boolean isDead(int holder);

    /**
     * @param holder a holder id read from a slot (untrusted).
     * @return true if its process is gone: its claims and half-done dead-letter moves can be repaired.
     */
    boolean isGone(int holder);
}
