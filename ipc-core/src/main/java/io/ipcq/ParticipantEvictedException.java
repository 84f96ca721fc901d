package io.ipcq;

/**
 * This handle's participant was declared dead by the reaper (its heartbeat went stale, e.g. the process was paused
 * past the heartbeat timeout): its leases were revoked and are being delivered to others. Close the handle and
 * attach a new one.
 */
public class ParticipantEvictedException extends QueueException
{
    private static final long serialVersionUID = 1L;

    /**
     * @param message which participant was evicted, and why.
     */
    public ParticipantEvictedException(final String message)
    {
        super(message);
    }
}
