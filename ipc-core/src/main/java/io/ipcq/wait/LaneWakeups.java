package io.ipcq.wait;

import io.ipcq.layout.LaneDescriptor;
import org.agrona.concurrent.AtomicBuffer;

/**
 * What a lane's ring calls after making a message available (commit, requeue) or room (free): one load of the
 * lane's count of sleepers, and a wake only when it is not zero (protocol #W3). The load comes after the ring's
 * sequence CAS (a full fence), which is what makes a lost wake-up impossible (protocol.md, "Why no wake-up is lost").
 */
public final class LaneWakeups
{
    private final AtomicBuffer laneEntry;
    private final int lane;
    private final int messageSleepersOffset;
    private final int roomSleepersOffset;
    private final WaitRegistry registry;

    /**
     * @param laneEntry the lane's entry in the lane table ({@link LaneDescriptor#LANE_DESCRIPTOR_LENGTH} bytes), as
     *                  the ring sees it.
     * @param lane      the lane index (the dead-letter ring is {@code lanes}).
     * @param registry  the queue's sleepers, or null where no one may sleep (a ring built for a test alone).
     */
    public LaneWakeups(final AtomicBuffer laneEntry, final int lane, final WaitRegistry registry)
    {
        this.laneEntry = laneEntry;
        this.lane = lane;
        this.messageSleepersOffset = WaitDescriptor.sleepersOffset(0, false);
        this.roomSleepersOffset = WaitDescriptor.sleepersOffset(0, true);
        this.registry = registry;
    }

    /**
     * After a commit's (or a requeue's) CAS: wakes the consumers sleeping on this lane, if any.
     */
    public void messageAvailable()
    {
        if (laneEntry.getIntVolatile(messageSleepersOffset) != 0 && registry != null)
        {
            registry.wake(lane, false);
        }
    }

    /**
     * After a free's sequence CAS: wakes the producers sleeping on this lane for room, if any.
     */
    public void roomAvailable()
    {
        if (laneEntry.getIntVolatile(roomSleepersOffset) != 0 && registry != null)
        {
            registry.wake(lane, true);
        }
    }
}
