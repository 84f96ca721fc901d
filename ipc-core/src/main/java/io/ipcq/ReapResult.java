package io.ipcq;

/**
 * What one sweep ({@link IpcQueue#sweep()}) or reaper pass ({@link IpcQueue#reap()}) did.
 *
 * @param expired               leases revoked because their deadline had passed.
 * @param deadLettered          messages moved to the dead-letter ring.
 * @param parked                messages that found the dead-letter ring full and wait for a later pass.
 * @param requeuedSeen          messages found waiting for redelivery.
 * @param revokedDead           leases taken from participants declared dead.
 * @param repairedClaims        claims of dead producers turned into tombstones.
 * @param deadParticipants      participants declared dead by this pass.
 * @param reclaimedParticipants rows freed because their process is gone.
 */
public record ReapResult(int expired, int deadLettered, int parked, int requeuedSeen, int revokedDead,
    int repairedClaims, int deadParticipants, int reclaimedParticipants)
{
    /**
     * @param dead      participants declared dead.
     * @param reclaimed rows freed.
     * @return this result with the participant counts of the pass.
     */
    public ReapResult withParticipants(final int dead, final int reclaimed)
    {
        return new ReapResult(expired, deadLettered, parked, requeuedSeen, revokedDead, repairedClaims, dead,
            reclaimed);
    }

    /** @return true if the pass changed anything. */
    public boolean recoveredAnything()
    {
        return expired + deadLettered + revokedDead + repairedClaims + deadParticipants + reclaimedParticipants > 0;
    }
}
