package io.ipcq;

/**
 * Why the last receive of a {@link Consumer} returned what it did.
 */
public enum ReceiveStatus
{
    /** A lease was granted. */
    LEASED,
    /** Nothing to lease right now. */
    EMPTY,
    /** A blocking receive waited its whole timeout. */
    TIMED_OUT,
    /** The queue is sealed and every message in it has been acknowledged or dead-lettered: nothing more will come. */
    END_OF_STREAM
}
