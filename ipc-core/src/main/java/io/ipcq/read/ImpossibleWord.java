package io.ipcq.read;

/**
 * The slot words no run of the protocol can leave, whatever process dies where: a reader that finds one is looking at
 * a corrupt file (or a bug). {@link SlotDecoder} reports the first that applies, in this order; docs/layout.md
 * "Impossible words" has the same list. Counted {@code invalid} by {@code ipcq inspect}.
 */
public enum ImpossibleWord
{
    /** The state byte of the lease-state word is not one of FREE (0) .. REDRIVING (7). */
    STATE_NOT_IN_TABLE("a lease state that is not in the table"),
    /** The holder is beyond the participant capacity (holder = row index + 1). */
    HOLDER_BEYOND_CAPACITY("a holder beyond the participant capacity"),
    /** FREE, READY, REQUEUED or PARKED, which nobody holds, with a holder. */
    HOLDER_ON_UNHELD_STATE("a holder on a state nobody holds (FREE, READY, REQUEUED, PARKED)"),
    /** CLAIMED, LEASED, DEAD_LETTERING or REDRIVING, which always have an owner, without one. */
    NO_HOLDER_ON_HELD_STATE("no holder on a state that has one (CLAIMED, LEASED, DEAD_LETTERING, REDRIVING)"),
    /** The sequence names no lap of this slot: neither {@code seq} nor {@code seq - 1} is its index mod capacity. */
    SEQUENCE_OF_ANOTHER_SLOT("a sequence that belongs to another slot"),
    /**
     * A skipped sequence whose last skipped position is not this slot's, or whose Position word is not an earlier
     * position of this slot.
     */
    SKIPPED_POSITION_MISMATCH("a skipped sequence that does not fit its Position word"),
    /** A skipped sequence with state CLAIMED: only a committed message is ever skipped. */
    SKIPPED_CLAIM("a skipped slot in state CLAIMED"),
    /** A committed sequence with state CLAIMED: a commit stores READY before it moves the sequence. */
    COMMITTED_CLAIM("a committed sequence in state CLAIMED"),
    /** LEASED, REQUEUED, DEAD_LETTERING, PARKED or REDRIVING while the sequence says nothing was committed. */
    UNCOMMITTED_DELIVERY(
        "a delivered state (LEASED, REQUEUED, DEAD_LETTERING, PARKED, REDRIVING) at an uncommitted sequence"),
    /** A committed sequence whose Position word names another position (the claim stores it before the commit). */
    POSITION_MISMATCH("a committed sequence whose Position word names another position"),
    /**
     * A committed message (not being freed) whose payload length is below 0 or beyond the max payload: no producer
     * can write one. A free slot's left-over length is never read, so it is not checked.
     */
    LENGTH_BEYOND_MAX_PAYLOAD("a message whose payload length is beyond the max payload (or negative)");

    private final String description;

    ImpossibleWord(final String description)
    {
        this.description = description;
    }

    /** @return what is impossible, in words. */
    public String description()
    {
        return description;
    }
}
