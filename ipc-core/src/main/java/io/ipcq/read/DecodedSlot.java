package io.ipcq.read;

import io.ipcq.layout.LeaseState;

/**
 * What one slot holds, as {@link SlotDecoder} reads its words.
 *
 * @param sequence       the Sequence word as read (bit 63 set for a skipped slot).
 * @param content        free, claimed, a message, a message being freed, or invalid.
 * @param position       FREE: the position the slot is free for; CLAIMED: the position claimed; MESSAGE and
 *                       FREEING: the message's position (the Position word); INVALID: the Position word as read.
 * @param skippedThrough the last position producers skipped this slot at (its message still unacked), or -1.
 * @param state          the state of the lease-state word ({@link LeaseState}).
 * @param holder         the holder of the lease-state word: participant row + 1, 0 for none.
 * @param generation     the generation of the lease-state word, unsigned.
 * @param impossible     why the words cannot be, for INVALID; null otherwise.
 * @param enqueuedEpochMs MESSAGE and FREEING in a lane: when the message was committed (the Enqueued Epoch ms word);
 *                       {@link io.ipcq.layout.SlotDescriptor#UNKNOWN_ENQUEUE_TIME} (0) if a writer older than the
 *                       word sent it, for every other content, and in the dead-letter ring (which keeps none).
 */
public record DecodedSlot(
    long sequence, Content content, long position, long skippedThrough, int state, int holder, long generation,
    ImpossibleWord impossible, long enqueuedEpochMs)
{
    /** What a slot holds. */
    public enum Content
    {
        /** No message: free for {@link #position()} (a producer may claim it). */
        FREE,
        /**
         * Claimed at {@link #position()} and not committed: state CLAIMED, or FREE / READY while a claim or a commit is
         * half done (protocol #1 and #3).
         */
        CLAIMED,
        /** The committed message of {@link #position()}, in state READY, LEASED, REQUEUED, DEAD_LETTERING, PARKED or
         * REDRIVING. */
        MESSAGE,
        /** The message of {@link #position()} is being freed: FREE is stored, the sequence not yet moved on. */
        FREEING,
        /** Words no run of the protocol leaves: see {@link #impossible()}. */
        INVALID
    }

    /** @return true if producers skipped the slot (bit 63 of the sequence): its message was unacked when they came. */
    public boolean skipped()
    {
        return skippedThrough >= 0;
    }

    /** @return true if the slot holds a message whose enqueue time is known. */
    public boolean enqueueTimeKnown()
    {
        return enqueuedEpochMs != io.ipcq.layout.SlotDescriptor.UNKNOWN_ENQUEUE_TIME;
    }

    /**
     * @param nowEpochMs now.
     * @return how long ago the message was committed, never below 0 (clocks of two hosts, through a bridge, may
     * disagree); -1 if its enqueue time is not known.
     */
    public long ageMs(final long nowEpochMs)
    {
        return enqueueTimeKnown() ? Math.max(0, nowEpochMs - enqueuedEpochMs) : -1;
    }

    /** @return true if the words are impossible (content INVALID). */
    public boolean invalid()
    {
        return content == Content.INVALID;
    }

    /** @return the state's name, or {@code INVALID(n)}. */
    public String stateName()
    {
        return LeaseState.stateName(state);
    }
}
