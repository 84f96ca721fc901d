package io.ipcq;

/**
 * The answer to a send or claim. FULL is an answer, not an error: it is how the queue says "slow down".
 */
public enum SendResult
{
    /** Committed (or, for a claim, claimed: write, then commit or abort). */
    OK,
    /** No room: the lane holds {@code capacity} messages that are not acknowledged yet. */
    FULL,
    /** The queue is sealed: it takes no more messages. */
    SEALED
}
