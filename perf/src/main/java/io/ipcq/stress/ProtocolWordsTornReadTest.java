package io.ipcq.stress;

import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.ring.RingSlots;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

import java.nio.ByteBuffer;

import static io.ipcq.layout.SlotDescriptor.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * Torn reads (as Disruptor's {@code LongFullSet} and Agrona's buffer tests check them): every 64-bit word of the
 * protocol, at its real offset in a ring's sub-buffers (slot header, lane entry), a header and a participant row,
 * goes from 0 to -1 (all 64 bits) by the access the code uses for it (CAS, release store, fetch-and-add, plain
 * store), while a reader loads it by the access the code uses (the ring's own getters where it has them). A load
 * that sees half of the store (0x00000000FFFFFFFF or 0xFFFFFFFF00000000) would let a reader act on a word no one
 * wrote.
 * <p>
 * r1: how many loads saw a value other than 0 or -1. r2: the index of the first such word in {@link #WORDS}, or -1.
 */
@JCStressTest
@Description("No 64-bit protocol word is ever read half-written")
@Outcome(id = "0, -1", expect = ACCEPTABLE, desc = "each load saw the word before or after its store")
@Outcome(expect = FORBIDDEN, desc = "a torn read: r2 names the word")
@State
public class ProtocolWordsTornReadTest
{
    /** The words, by the index r2 reports. */
    static final String[] WORDS = {
        "slot sequence", "slot lease-state word", "slot deadline", "slot message id", "slot Position",
        "lane tail", "lane lease cursor", "lane head hint", "lane requeue count", "lane Full Epoch",
        "header reaper owner", "header reaper heartbeat", "header counter",
        "participant pid", "participant start time", "participant attached", "participant heartbeat",
        "participant leases held", "participant counter",
    };

    private static final long POSITION = 1;

    private final RingFixture fixture = new RingFixture(2, 0, 0);
    private final RingSlots ring = fixture.ring;
    private final AtomicBuffer slots = fixture.slots;
    private final int slot = ring.slotOffset(POSITION);
    private final AtomicBuffer lane = ring.laneEntry();
    private final AtomicBuffer header = new UnsafeBuffer(ByteBuffer.allocateDirect(QueueDescriptor.HEADER_LENGTH));
    private final AtomicBuffer row =
        new UnsafeBuffer(ByteBuffer.allocateDirect(ParticipantDescriptor.PARTICIPANT_LENGTH));

    public ProtocolWordsTornReadTest()
    {
        slots.putLong(slot + SEQUENCE_OFFSET, 0);
        slots.putLong(slot + LEASE_STATE_OFFSET, 0);
        slots.putLong(slot + DEADLINE_OFFSET, 0);
        slots.putLong(slot + MESSAGE_ID_OFFSET, 0);
        slots.putLong(slot + POSITION_OFFSET, 0);
        lane.putLong(LaneDescriptor.TAIL_OFFSET, 0);
        lane.putLong(LaneDescriptor.LEASE_CURSOR_OFFSET, 0);
        lane.putLong(LaneDescriptor.HEAD_OFFSET, 0);
    }

    @Actor
    public void writer()
    {
        slots.compareAndSetLong(slot + SEQUENCE_OFFSET, 0, -1);
        slots.putLongRelease(slot + LEASE_STATE_OFFSET, -1);
        slots.compareAndSetLong(slot + DEADLINE_OFFSET, 0, -1);
        slots.putLong(slot + MESSAGE_ID_OFFSET, -1);
        slots.putLong(slot + POSITION_OFFSET, -1);
        lane.compareAndSetLong(LaneDescriptor.TAIL_OFFSET, 0, -1);
        lane.compareAndSetLong(LaneDescriptor.LEASE_CURSOR_OFFSET, 0, -1);
        lane.compareAndSetLong(LaneDescriptor.HEAD_OFFSET, 0, -1);
        lane.getAndAddLong(LaneDescriptor.REQUEUE_COUNT_OFFSET, -1);
        lane.compareAndSetLong(LaneDescriptor.FULL_EPOCH_OFFSET, 0, -1);
        header.compareAndSetLong(QueueDescriptor.REAPER_OWNER_OFFSET, 0, -1);
        header.putLongRelease(QueueDescriptor.REAPER_HEARTBEAT_OFFSET, -1);
        header.getAndAddLong(QueueDescriptor.counterOffset(CounterIndex.EXPIRED), -1);
        row.putLong(ParticipantDescriptor.PID_OFFSET, -1);
        row.putLong(ParticipantDescriptor.START_TIME_OFFSET, -1);
        row.putLong(ParticipantDescriptor.ATTACHED_EPOCH_MS_OFFSET, -1);
        row.putLongRelease(ParticipantDescriptor.HEARTBEAT_EPOCH_MS_OFFSET, -1);
        row.getAndAddLong(ParticipantDescriptor.LEASES_HELD_OFFSET, -1);
        row.putLongRelease(ParticipantDescriptor.COUNTERS_OFFSET, -1);
    }

    @Actor
    public void reader(final II_Result r)
    {
        final long[] seen = {
            ring.sequence(POSITION),
            ring.leaseStateWord(POSITION),
            slots.getLongVolatile(slot + DEADLINE_OFFSET),
            slots.getLong(slot + MESSAGE_ID_OFFSET),
            slots.getLong(slot + POSITION_OFFSET),
            lane.getLongVolatile(LaneDescriptor.TAIL_OFFSET),
            ring.leaseCursor(),
            ring.headHint(),
            ring.requeueCount(),
            ring.fullEpoch(),
            header.getLongVolatile(QueueDescriptor.REAPER_OWNER_OFFSET),
            header.getLongVolatile(QueueDescriptor.REAPER_HEARTBEAT_OFFSET),
            header.getLongVolatile(QueueDescriptor.counterOffset(CounterIndex.EXPIRED)),
            row.getLongVolatile(ParticipantDescriptor.PID_OFFSET),
            row.getLongVolatile(ParticipantDescriptor.START_TIME_OFFSET),
            row.getLong(ParticipantDescriptor.ATTACHED_EPOCH_MS_OFFSET),
            row.getLongVolatile(ParticipantDescriptor.HEARTBEAT_EPOCH_MS_OFFSET),
            row.getLongVolatile(ParticipantDescriptor.LEASES_HELD_OFFSET),
            row.getLongVolatile(ParticipantDescriptor.COUNTERS_OFFSET),
        };
        int torn = 0;
        int first = -1;
        for (int i = 0; i < seen.length; i++)
        {
            if (seen[i] != 0 && seen[i] != -1)
            {
                torn++;
                first = first < 0 ? i : first;
            }
        }
        r.r1 = torn;
        r.r2 = first;
    }
}
