package io.ipcq.layout;

/**
 * The lease-state word of a slot: one long, so that one CAS moves state, holder and generation together.
 * <pre>
 *   63        56 55                      32 31                          0
 *  +------------+--------------------------+-----------------------------+
 *  |   state    |  holder (participant + 1)|        generation           |
 *  +------------+--------------------------+-----------------------------+
 * </pre>
 * Every transition adds one to the generation, so a CAS that expects an old word fails after any change
 * (until 2^32 changes of the same slot have passed under one stalled thread).
 * States and who moves between them are in {@code docs/protocol.md}.
 */
public final class LeaseState
{
    /** Acked, aborted or never used: waiting for a producer. */
    public static final int FREE = 0;
    /** Claimed by the producer in holder; payload being written. */
    public static final int CLAIMED = 1;
    /** Committed, never delivered. */
    public static final int READY = 2;
    /** Leased to the consumer in holder; the deadline word holds the deadline. */
    public static final int LEASED = 3;
    /** Released or expired: waiting for redelivery, served before new messages of its lane. */
    public static final int REQUEUED = 4;
    /** Being copied to the dead-letter ring by holder. */
    public static final int DEAD_LETTERING = 5;
    /** Past max deliveries but the dead-letter ring was full: waits for a sweep to move it. */
    public static final int PARKED = 6;
    /**
     * A dead letter being moved back to a lane by holder (docs/protocol.md #19): its copy is claimed, and perhaps
     * committed, in the lane that the dead letter's Redrive Target word names; nobody leases it meanwhile.
     */
    public static final int REDRIVING = 7;

    public static final int NO_HOLDER = 0;
    public static final int MAX_HOLDER = (1 << 24) - 1;

    private static final String[] NAMES = {
        "FREE", "CLAIMED", "READY", "LEASED", "REQUEUED", "DEAD_LETTERING", "PARKED", "REDRIVING" };

    private LeaseState()
    {
    }

    public static long pack(final int state, final int holder, final int generation)
    {
        return ((long)state << 56) | ((long)(holder & MAX_HOLDER) << 32) | (generation & 0xFFFF_FFFFL);
    }

    public static int state(final long word)
    {
        return (int)(word >>> 56);
    }

    public static int holder(final long word)
    {
        return (int)(word >>> 32) & MAX_HOLDER;
    }

    public static int generation(final long word)
    {
        return (int)word;
    }

    /**
     * @param word  current word.
     * @param state new state.
     * @param holder new holder.
     * @return the word that follows: new state and holder, generation plus one.
     */
    public static long next(final long word, final int state, final int holder)
    {
        return pack(state, holder, generation(word) + 1);
    }

    public static String stateName(final int state)
    {
        return state >= 0 && state < NAMES.length ? NAMES[state] : "INVALID(" + state + ")";
    }

    public static boolean isValidState(final int state)
    {
        return state >= FREE && state <= REDRIVING;
    }

    public static String toString(final long word)
    {
        return stateName(state(word)) + "/holder=" + holder(word) + "/gen=" + Integer.toUnsignedString(generation(word));
    }
}
