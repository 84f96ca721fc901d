package io.ipcq.ring;

import io.ipcq.layout.LaneDescriptor;
import org.agrona.concurrent.AtomicBuffer;

/**
 * One ring (a lane, or the dead-letter ring) assembled from its parts, each in a room of its own:
 * <ul>
 *   <li>{@link RingSlots}: the two buffers, the geometry, the decoding of the words, the head hint, the free;</li>
 *   <li>{@link RingProducer}: claim, skip, commit, abort, seal;</li>
 *   <li>{@link RingConsumer}: lease, redelivery, ack, release, extend, the move to the dead-letter ring;</li>
 *   <li>{@link RingRepair}: what the reaper does to a slot, and the decisions of its sweep.</li>
 * </ul>
 * No logic lives here: only the wiring. Every part is stateless apart from the geometry, so one ring serves every
 * thread of a process.
 */
public final class LaneRing
{
    private final RingSlots slots;
    private final RingProducer producer;
    private final RingConsumer consumer;
    private final RingRepair repair;

    /**
     * @param lane             lane index; the dead-letter ring has index {@code lanes}.
     * @param name             how errors name it: "lane 0", "the dead-letter ring".
     * @param laneEntry        its lane-table entry ({@link LaneDescriptor#LANE_DESCRIPTOR_LENGTH} bytes).
     * @param slotsBuffer      its slots ({@code capacity * slotLength} bytes).
     * @param capacity         slots, a power of two.
     * @param slotLength       bytes per slot.
     * @param maxPayloadLength largest payload.
     * @param clock            the clock lease deadlines are read from.
     * @param deadLetters      the dead-letter ring's producer path; null when this is the dead-letter ring (its
     *                         slots keep no enqueue time, and nothing in it is dead-lettered again).
     * @param maxDeliveries    deliveries before dead-lettering (ignored for the dead-letter ring).
     */
    public LaneRing(
        final int lane,
        final String name,
        final AtomicBuffer laneEntry,
        final AtomicBuffer slotsBuffer,
        final int capacity,
        final int slotLength,
        final int maxPayloadLength,
        final QueueClock clock,
        final RingProducer deadLetters,
        final int maxDeliveries)
    {
        this.slots = new RingSlots(lane, name, laneEntry, slotsBuffer, capacity, slotLength, maxPayloadLength,
            deadLetters == null);
        this.producer = new RingProducer(slots, clock);
        this.consumer = new RingConsumer(slots, clock);
        this.repair = deadLetters == null ?
            new RingRepair(consumer, producer, 0) :
            new RingRepair(consumer, deadLetters, maxDeliveries);
    }

    public RingSlots slots()
    {
        return slots;
    }

    /**
     * @param wakeups who to wake after a commit, requeue or free (protocol #W3).
     */
    public void wakeups(final io.ipcq.wait.LaneWakeups wakeups)
    {
        slots.wakeups(wakeups);
    }

    public RingProducer producer()
    {
        return producer;
    }

    public RingConsumer consumer()
    {
        return consumer;
    }

    public RingRepair repair()
    {
        return repair;
    }

    public int lane()
    {
        return slots.lane();
    }

    @Override
    public String toString()
    {
        return slots.toString();
    }
}
