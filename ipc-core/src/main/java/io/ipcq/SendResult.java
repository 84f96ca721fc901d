package io.ipcq;

/**
 * The answer to a send or claim. FULL is an answer, not an error: it is how the queue says "slow down".
 */
public enum SendResult
{
    /** Committed (or, for a claim, claimed: write, then commit or abort). */
    OK,
    /**
     * No room: every slot of the lane holds a message not yet acknowledged (or dead-lettered), or a zero-copy claim
     * not yet committed, a lap back, blocks the way to a free slot until it is committed or aborted (a claim is never
     * skipped). Capacity counts messages, not positions: a message leased for long takes up its own slot only, and
     * producers step over it (see docs/protocol.md, "Capacity counts messages").
     */
    FULL,
    /** The queue is sealed: it takes no more messages. */
    SEALED
}
