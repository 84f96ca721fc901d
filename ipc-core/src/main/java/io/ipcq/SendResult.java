package io.ipcq;

/**
 * The answer to a send or claim. FULL is an answer, not an error: it is how the queue says "slow down".
 */
public enum SendResult
{
    /** Committed (or, for a claim, claimed: write, then commit or abort). */
    OK,
    /**
     * No room: the slot this message would take still holds the message sent {@code capacity} positions earlier,
     * not yet acknowledged (or dead-lettered). A lane whose messages are acked in order is FULL exactly when it holds
     * {@code capacity} unacked messages; one message leased for long blocks the lane's producers once they come round
     * to its slot, even if later ones were acked (see docs/protocol.md, "Capacity").
     */
    FULL,
    /** The queue is sealed: it takes no more messages. */
    SEALED
}
