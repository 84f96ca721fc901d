package io.ipcq;

import io.ipcq.layout.ParticipantDescriptor;
import org.agrona.concurrent.AtomicBuffer;

/**
 * The four bridge words of a bridge's participant row (offsets 216..247, {@link ParticipantDescriptor}), so
 * {@code ipcq inspect} shows what a bridge did: published, confirmed, duplicates, in flight (docs/bridge.md says
 * what each counts on either side). Single writer: the thread that owns the bridge's handle; each update is a plain
 * load and a release store, never a locked instruction. Stops writing once its handle is closed (the row may be
 * someone else's by then).
 */
public final class BridgeCounters
{
    private final AttachedHandle handle;
    private final AtomicBuffer buffer;
    private final int rowOffset;

    BridgeCounters(final AttachedHandle handle)
    {
        this.handle = handle;
        this.buffer = handle.buffer;
        this.rowOffset = handle.rowOffset;
    }

    public void addPublished(final long delta)
    {
        add(ParticipantDescriptor.BRIDGE_PUBLISHED_OFFSET, delta);
    }

    public void addConfirmed(final long delta)
    {
        add(ParticipantDescriptor.BRIDGE_CONFIRMED_OFFSET, delta);
    }

    public void addDuplicates(final long delta)
    {
        add(ParticipantDescriptor.BRIDGE_DUPLICATES_OFFSET, delta);
    }

    /**
     * @param inFlight messages held now, not yet confirmed (a gauge, not a count).
     */
    public void inFlight(final long inFlight)
    {
        if (!handle.closed)
        {
            buffer.putLongRelease(rowOffset + ParticipantDescriptor.BRIDGE_IN_FLIGHT_OFFSET, inFlight);
        }
    }

    public long published()
    {
        return buffer.getLongVolatile(rowOffset + ParticipantDescriptor.BRIDGE_PUBLISHED_OFFSET);
    }

    public long confirmed()
    {
        return buffer.getLongVolatile(rowOffset + ParticipantDescriptor.BRIDGE_CONFIRMED_OFFSET);
    }

    public long duplicates()
    {
        return buffer.getLongVolatile(rowOffset + ParticipantDescriptor.BRIDGE_DUPLICATES_OFFSET);
    }

    public long inFlight()
    {
        return buffer.getLongVolatile(rowOffset + ParticipantDescriptor.BRIDGE_IN_FLIGHT_OFFSET);
    }

    private void add(final int offset, final long delta)
    {
        if (!handle.closed)
        {
            buffer.putLongRelease(rowOffset + offset, buffer.getLong(rowOffset + offset) + delta);
        }
    }
}
