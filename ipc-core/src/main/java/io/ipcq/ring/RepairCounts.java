package io.ipcq.ring;

/**
 * What the repair path did in one pass, added up over the rings it was given. Mutable and reused by its owner (the
 * reaper's sweeper); {@link #clear()} before each pass.
 */
public final class RepairCounts
{
    int expired;
    int deadLettered;
    int parked;
    int requeuedSeen;
    int revokedDead;
    int repairedClaims;

    public void clear()
    {
        expired = 0;
        deadLettered = 0;
        parked = 0;
        requeuedSeen = 0;
        revokedDead = 0;
        repairedClaims = 0;
    }

    /** @return leases revoked because their deadline had passed (#10). */
    public int expired()
    {
        return expired;
    }

    /** @return messages moved to the dead-letter ring (#11, #12). */
    public int deadLettered()
    {
        return deadLettered;
    }

    /** @return messages that found the dead-letter ring full and wait for a later pass. */
    public int parked()
    {
        return parked;
    }

    /** @return messages found waiting for redelivery. */
    public int requeuedSeen()
    {
        return requeuedSeen;
    }

    /** @return leases taken from holders declared dead (#14). */
    public int revokedDead()
    {
        return revokedDead;
    }

    /** @return claims turned into tombstones (#13). */
    public int repairedClaims()
    {
        return repairedClaims;
    }

    void tally(final int moveResult)
    {
        if (moveResult == RingConsumer.DEAD_LETTERED_OK)
        {
            deadLettered++;
        }
        else if (moveResult == RingConsumer.PARKED_OK)
        {
            parked++;
        }
    }
}
