package io.ipcq.internal;

import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.ring.LaneRing;
import io.ipcq.ring.QueueClock;
import io.ipcq.ring.RingProducer;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Slices a mapped queue file into the sub-buffers each ring works over: its lane-table entry and its slots.
 */
public final class QueueRings
{
    private QueueRings()
    {
    }

    /**
     * @param file  the mapped file.
     * @param clock the clock lease deadlines are read from.
     * @return the dead-letter ring.
     */
    public static LaneRing deadLetters(final QueueFile file, final QueueClock clock)
    {
        final QueueDescriptor.Geometry geometry = file.geometry();
        return ring(file.buffer(), geometry, geometry.lanes(), "the dead-letter ring of " + file.path(),
            geometry.deadLetterRingOffset(), geometry.deadLetterCapacity(), clock, null, 0);
    }

    /**
     * @param file        the mapped file.
     * @param lane        the lane.
     * @param clock       the clock lease deadlines are read from.
     * @param deadLetters the dead-letter ring (from {@link #deadLetters}).
     * @return the lane's ring.
     */
    public static LaneRing lane(
        final QueueFile file, final int lane, final QueueClock clock, final LaneRing deadLetters)
    {
        final QueueDescriptor.Geometry geometry = file.geometry();
        return ring(file.buffer(), geometry, lane, "lane " + lane + " of " + file.path(), geometry.ringOffset(lane),
            geometry.laneCapacity(), clock, deadLetters.producer(), file.maxDeliveries());
    }

    private static LaneRing ring(
        final AtomicBuffer file,
        final QueueDescriptor.Geometry geometry,
        final int index,
        final String name,
        final long ringOffset,
        final int capacity,
        final QueueClock clock,
        final RingProducer deadLetters,
        final int maxDeliveries)
    {
        final AtomicBuffer laneEntry = new UnsafeBuffer(
            file, LaneDescriptor.laneDescriptorOffset(index), LaneDescriptor.LANE_DESCRIPTOR_LENGTH);
        final AtomicBuffer slots = new UnsafeBuffer(
            file, Math.toIntExact(ringOffset), Math.multiplyExact(capacity, geometry.slotLength()));
        return new LaneRing(index, name, laneEntry, slots, capacity, geometry.slotLength(),
            geometry.maxPayloadLength(), clock, deadLetters, maxDeliveries);
    }
}
