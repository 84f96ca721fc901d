package io.ipcq;

import org.agrona.concurrent.AtomicBuffer;

/**
 * What a producer and a consumer have in common: the participant row they hold, and the two ways a handle stops
 * working, closed by its owner or evicted by the reaper (which declared its participant dead).
 */
abstract class AttachedHandle implements AutoCloseable
{
    final IpcQueue queue;
    final AtomicBuffer buffer;
    final int row;
    final int rowOffset;
    /** Participant index + 1: what this handle writes into the lease-state words it owns. */
    final int holder;
    boolean closed;
    private volatile boolean evicted;

    AttachedHandle(final IpcQueue queue, final int row)
    {
        this.queue = queue;
        this.buffer = queue.buffer();
        this.row = row;
        this.rowOffset = queue.participants().rowOffset(row);
        this.holder = row + 1;
    }

    /**
     * @return the participant row this handle holds (its id in {@code ipcq inspect}).
     */
    public int participantIndex()
    {
        return row;
    }

    /**
     * @return true once the reaper declared this participant dead (e.g. its process was paused past the heartbeat
     * timeout): its leases were revoked, and every further call fails with {@link ParticipantEvictedException}.
     */
    public boolean isEvicted()
    {
        return evicted;
    }

    void evict()
    {
        evicted = true;
    }

    /**
     * @return the bridge words of this handle's participant row (docs/bridge.md); meaningful for the handles of
     * {@link IpcQueue#bridgeOutConsumer(int)} and {@link IpcQueue#bridgeInProducer()}.
     */
    public BridgeCounters bridgeCounters()
    {
        return new BridgeCounters(this);
    }

    abstract String role();

    /**
     * @throws QueueException if the queue file was found truncated or replaced (then every handle is evicted too,
     * so the hot path pays nothing more than its eviction check).
     */
    final void checkFileIntact()
    {
        queue.file().checkNotBroken();
    }

    /**
     * What a call answers when the JVM turned a fault on the mapping (its file truncated under it) into an
     * {@link InternalError}: the file is marked broken (every handle fails from now on) and a
     * {@link QueueException} says why.
     *
     * @param error what the JVM threw.
     * @return the exception to throw.
     */
    final QueueException faulted(final InternalError error)
    {
        queue.brokenByFault(error);
        return io.ipcq.internal.QueueFile.brokenException(queue.file().broken());
    }

    /**
     * @return true if the file was found truncated or replaced: closing must then write nothing to it.
     */
    final boolean fileBroken()
    {
        return queue.file().broken() != null;
    }

    final void checkOpen()
    {
        if (closed)
        {
            throw new IllegalStateException(role() + " is closed");
        }
        if (evicted)
        {
            checkFileIntact();
            throw new ParticipantEvictedException(role() + " (participant " + row + ") was declared dead by the " +
                "reaper (its heartbeat was older than the heartbeat timeout): its leases went back to the queue; " +
                "close it and attach a new one");
        }
    }
}
