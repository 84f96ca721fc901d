package io.ipcq.stress;

import io.ipcq.layout.LaneDescriptor;
import io.ipcq.ring.LaneRing;
import io.ipcq.ring.QueueClock;
import io.ipcq.ring.SlotLease;
import io.ipcq.wait.LaneWakeups;
import io.ipcq.wait.WaitDescriptor;
import io.ipcq.wait.WaitRegistry;
import io.ipcq.wait.Waiter;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

import static io.ipcq.layout.SlotDescriptor.SEQUENCE_OFFSET;

/**
 * One lane (capacity 4), its lane entry, and a participant table of two rows, in one direct buffer laid out as in a
 * queue file: the real {@link LaneRing} wired to the real {@link LaneWakeups} and {@link WaitRegistry}, and a
 * futex-kind {@link Waiter} on row 0 (the wake word moves on a wake whether or not this JVM can call futex).
 */
final class WaitFixture
{
    static final int CAPACITY = 4;
    static final int SLEEPER_ROW = 0;
    static final int PARTICIPANTS = 2;

    final UnsafeBuffer buffer;
    final LaneRing ring;
    final WaitRegistry registry;
    final Waiter waiter;
    final SlotLease lease = new SlotLease();
    private final int wakeWordOffset;

    WaitFixture()
    {
        final int tableOffset = LaneDescriptor.laneDescriptorOffset(2);
        final int ringOffset = tableOffset + PARTICIPANTS * 256;
        final int slotLength = RingFixture.slotLength();
        buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(ringOffset + CAPACITY * slotLength));
        final CachedEpochClock epochClock = new CachedEpochClock();
        epochClock.update(RingFixture.CREATED_EPOCH_MS + RingFixture.START_SINCE_CREATED);
        final UnsafeBuffer laneEntry = new UnsafeBuffer(
            buffer, LaneDescriptor.laneDescriptorOffset(0), LaneDescriptor.LANE_DESCRIPTOR_LENGTH);
        final UnsafeBuffer slots = new UnsafeBuffer(buffer, ringOffset, CAPACITY * slotLength);
        // Its own dead-letter ring is not needed: nothing here is released or expired.
        ring = new LaneRing(0, "lane 0", laneEntry, slots, CAPACITY, slotLength, RingFixture.MAX_PAYLOAD,
            new QueueClock(epochClock, RingFixture.CREATED_EPOCH_MS), null, 0);
        registry = new WaitRegistry(buffer, tableOffset, PARTICIPANTS);
        ring.wakeups(new LaneWakeups(laneEntry, 0, registry));
        for (int position = 0; position < CAPACITY; position++)
        {
            slots.putLong(ring.slots().slotOffset(position) + SEQUENCE_OFFSET, position);
        }
        waiter = Waiter.futexKind(registry, SLEEPER_ROW);
        wakeWordOffset = tableOffset + SLEEPER_ROW * 256 + WaitDescriptor.WAKE_WORD_OFFSET;
    }

    /** The producer's side: claim and commit one message (the commit calls the wake-up). */
    void send()
    {
        final long position = ring.producer().tryClaim(RingFixture.PRODUCER_1);
        ring.producer().commit(position, 0);
    }

    /** The sleeper's recheck: 1 if it leased the message. */
    int recheck()
    {
        return ring.consumer().tryLeaseNext(RingFixture.CONSUMER_1, lease, RingFixture.LEASE_TIMEOUT_MS) ? 1 : 0;
    }

    /** 1 if the sleeper's futex wait would return: the wake word moved since it registered. */
    int woken()
    {
        return buffer.getIntVolatile(wakeWordOffset) != waiter.wakeSeen() ? 1 : 0;
    }
}
