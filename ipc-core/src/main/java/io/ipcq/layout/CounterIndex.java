package io.ipcq.layout;

/**
 * Index of each counter in the header's counters block and in every participant's counters block.
 * The true value of a counter is the header's total plus the sum over participants.
 */
public final class CounterIndex
{
    /** Messages committed by producers. */
    public static final int SENT = 0;
    /** Leases granted (first deliveries and redeliveries). */
    public static final int DELIVERED = 1;
    /** Leases acknowledged. */
    public static final int ACKED = 2;
    /** Leases given back without ack (release or close). */
    public static final int RELEASED = 3;
    /** Leases revoked because their deadline passed. */
    public static final int EXPIRED = 4;
    /** Leases granted on a message that had been delivered before. */
    public static final int REDELIVERED = 5;
    /** Messages moved to the dead-letter ring. */
    public static final int DEAD_LETTERED = 6;
    /** Sends answered FULL. */
    public static final int REJECTED_FULL = 7;
    /** Acks, releases or extends refused because the lease had been taken away. */
    public static final int FENCED_ACKS = 8;
    /** Leases taken from holders declared dead. */
    public static final int REVOKED_DEAD = 9;
    /** Claims of dead producers turned into tombstones. */
    public static final int REPAIRED_CLAIMS = 10;

    public static final int COUNTER_COUNT = 11;

    private static final String[] NAMES = {
        "sent", "delivered", "acked", "released", "expired", "redelivered", "deadLettered", "rejectedFull",
        "fencedAcks", "revokedDead", "repairedClaims" };

    private CounterIndex()
    {
    }

    /**
     * @param counterIndex an index below {@link #COUNTER_COUNT}.
     * @return the counter's name as printed by tools and in JSON.
     */
    public static String name(final int counterIndex)
    {
        return NAMES[counterIndex];
    }
}
