package io.ipcq.read;

import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.QueueDescriptor;

/**
 * Where things are in a file of a given geometry: the one place a reader computes a lane entry's, a slot's or a
 * participant row's offset (docs/layout.md "Sections"). Rings are numbered 0 .. lanes - 1 for the lanes and
 * {@code lanes} for the dead-letter ring, as in the lane table.
 */
public final class QueueLayout
{
    private final QueueDescriptor.Geometry geometry;
    private final int slotLength;
    private final long participantTableOffset;

    /**
     * @param geometry a validated geometry (see {@link HeaderFlyweight#validate(String, long)}).
     */
    public QueueLayout(final QueueDescriptor.Geometry geometry)
    {
        this.geometry = geometry;
        this.slotLength = geometry.slotLength();
        this.participantTableOffset = geometry.participantTableOffset();
    }

    /** @return the validated geometry. */
    public QueueDescriptor.Geometry geometry()
    {
        return geometry;
    }

    /** @return the number of rings: every lane, then the dead-letter ring. */
    public int ringCount()
    {
        return geometry.lanes() + 1;
    }

    /** @return the ring number of the dead-letter ring. */
    public int deadLetterRing()
    {
        return geometry.lanes();
    }

    /**
     * @param ring a ring number.
     * @return true for the dead-letter ring's.
     */
    public boolean isDeadLetterRing(final int ring)
    {
        return ring == geometry.lanes();
    }

    /**
     * @param ring a lane, or {@link #deadLetterRing()}.
     * @return its number of slots.
     */
    public int capacity(final int ring)
    {
        checkRing(ring);
        return isDeadLetterRing(ring) ? geometry.deadLetterCapacity() : geometry.laneCapacity();
    }

    /**
     * @param ring a lane, or {@link #deadLetterRing()}.
     * @return offset of its lane table entry.
     */
    public int laneOffset(final int ring)
    {
        checkRing(ring);
        return LaneDescriptor.laneDescriptorOffset(ring);
    }

    /**
     * @param ring  a lane, or {@link #deadLetterRing()}.
     * @param index a slot index below {@link #capacity(int)}.
     * @return offset of that slot.
     */
    public int slotOffset(final int ring, final int index)
    {
        if (index < 0 || index >= capacity(ring))
        {
            throw new IndexOutOfBoundsException("slot " + index + " of ring " + ring + " (capacity " +
                capacity(ring) + ")");
        }
        return (int)(geometry.ringOffset(ring) + (long)index * slotLength);
    }

    /**
     * @param ring     a lane, or {@link #deadLetterRing()}.
     * @param position any position of that ring.
     * @return the slot index that serves it: {@code position & (capacity - 1)}.
     */
    public int slotIndex(final int ring, final long position)
    {
        return (int)(position & (capacity(ring) - 1));
    }

    /**
     * @param index a row below the participant capacity.
     * @return offset of that participants table row.
     */
    public int participantOffset(final int index)
    {
        if (index < 0 || index >= geometry.participantCapacity())
        {
            throw new IndexOutOfBoundsException("participant row " + index + " (capacity " +
                geometry.participantCapacity() + ")");
        }
        return (int)(participantTableOffset + (long)index * ParticipantDescriptor.PARTICIPANT_LENGTH);
    }

    private void checkRing(final int ring)
    {
        if (ring < 0 || ring > geometry.lanes())
        {
            throw new IndexOutOfBoundsException("ring " + ring + " (lanes " + geometry.lanes() + ")");
        }
    }
}
