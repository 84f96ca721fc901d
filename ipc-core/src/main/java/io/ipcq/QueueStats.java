package io.ipcq;

import io.ipcq.internal.ParticipantTable;
import io.ipcq.internal.ProcessInfo;
import io.ipcq.internal.QueueFile;
import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.layout.SlotDescriptor;
import org.agrona.concurrent.AtomicBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Counts read from a queue file, slot by slot, without writing anything (works on a read-only mapping and on a
 * queue whose processes are all dead). Not a consistent snapshot while others send and lease: see docs/operations.
 *
 * @param lanes        per lane, highest index = highest priority.
 * @param deadLetters  the dead-letter ring.
 * @param counters     header totals plus every attached participant's counts, indexed by {@link CounterIndex}.
 * @param participants rows in use.
 * @param sealed       whether the queue is sealed.
 */
public record QueueStats(List<LaneStats> lanes, LaneStats deadLetters, long[] counters,
    List<ParticipantStats> participants, boolean sealed)
{
    /**
     * Slots of one ring by state.
     */
    public record LaneStats(int lane, int capacity, long tail, long leaseCursor, long headHint,
        int free, int claimed, int ready, int leased, int requeued, int deadLettering, int parked, int invalid)
    {
        /** @return slots holding a message not yet acked: ready + leased + waiting for redelivery (+ in transit). */
        public int occupied()
        {
            return capacity - free;
        }
    }

    /**
     * One participant row in use.
     */
    public record ParticipantStats(int id, long pid, long startTime, String role, String rowState,
        long heartbeatAgeMs, long leases, boolean processAlive, boolean heartbeatFresh)
    {
        public boolean alive()
        {
            return processAlive && heartbeatFresh;
        }
    }

    public int ready()
    {
        return lanes.stream().mapToInt(LaneStats::ready).sum();
    }

    public int leased()
    {
        return lanes.stream().mapToInt(LaneStats::leased).sum();
    }

    public int redelivery()
    {
        return lanes.stream().mapToInt(LaneStats::requeued).sum();
    }

    public int free()
    {
        return lanes.stream().mapToInt(LaneStats::free).sum();
    }

    public int capacity()
    {
        return lanes.stream().mapToInt(LaneStats::capacity).sum();
    }

    /** @return messages in the dead-letter ring now. */
    public int deadLettered()
    {
        return deadLetters.occupied();
    }

    public long counter(final int counterIndex)
    {
        return counters[counterIndex];
    }

    /**
     * Reads the counts of a mapped file (read-only is enough).
     *
     * @param file       the mapped file.
     * @param participants its participants table.
     * @param nowEpochMs now, to age heartbeats.
     * @return the counts.
     */
    public static QueueStats read(final QueueFile file, final ParticipantTable participants, final long nowEpochMs)
    {
        final QueueDescriptor.Geometry geometry = file.geometry();
        final AtomicBuffer buffer = file.buffer();
        final List<LaneStats> lanes = new ArrayList<>();
        for (int lane = 0; lane < geometry.lanes(); lane++)
        {
            lanes.add(readLane(buffer, geometry, lane, geometry.laneCapacity()));
        }
        final LaneStats deadLetters = readLane(buffer, geometry, geometry.lanes(), geometry.deadLetterCapacity());

        final long[] counters = new long[CounterIndex.COUNTER_COUNT];
        for (int i = 0; i < counters.length; i++)
        {
            counters[i] = participants.counterTotal(i);
        }

        final List<ParticipantStats> rows = new ArrayList<>();
        for (int index = 0; index < participants.capacity(); index++)
        {
            final int row = participants.rowOffset(index);
            final int rowState = buffer.getIntVolatile(row + ParticipantDescriptor.ROW_STATE_OFFSET);
            if (rowState == ParticipantDescriptor.ROW_FREE)
            {
                continue;
            }
            final long pid = buffer.getLong(row + ParticipantDescriptor.PID_OFFSET);
            final long startTime = buffer.getLong(row + ParticipantDescriptor.START_TIME_OFFSET);
            final long heartbeat = buffer.getLongVolatile(row + ParticipantDescriptor.HEARTBEAT_EPOCH_MS_OFFSET);
            final long age = nowEpochMs - heartbeat;
            rows.add(new ParticipantStats(index, pid, startTime,
                ParticipantDescriptor.roleName(buffer.getInt(row + ParticipantDescriptor.ROLE_OFFSET)),
                ParticipantDescriptor.rowStateName(rowState), age,
                buffer.getLongVolatile(row + ParticipantDescriptor.LEASES_HELD_OFFSET),
                pid > 0 && ProcessInfo.isAlive(pid, startTime), age <= file.heartbeatTimeoutMs()));
        }
        return new QueueStats(List.copyOf(lanes), deadLetters, counters, List.copyOf(rows),
            buffer.getIntVolatile(QueueDescriptor.SEALED_OFFSET) != 0);
    }

    private static LaneStats readLane(
        final AtomicBuffer buffer, final QueueDescriptor.Geometry geometry, final int lane, final int capacity)
    {
        final int laneOffset = LaneDescriptor.laneDescriptorOffset(lane);
        final long ringOffset = geometry.ringOffset(lane);
        final int slotLength = geometry.slotLength();
        final int[] byState = new int[8];
        for (int i = 0; i < capacity; i++)
        {
            final int slot = (int)(ringOffset + (long)i * slotLength);
            final int state = LeaseState.state(buffer.getLongVolatile(slot + SlotDescriptor.LEASE_STATE_OFFSET));
            byState[LeaseState.isValidState(state) ? state : 7]++;
        }
        return new LaneStats(lane, capacity,
            buffer.getLongVolatile(laneOffset + LaneDescriptor.TAIL_OFFSET) & ~LaneDescriptor.SEALED_BIT,
            buffer.getLongVolatile(laneOffset + LaneDescriptor.LEASE_CURSOR_OFFSET),
            buffer.getLongVolatile(laneOffset + LaneDescriptor.HEAD_OFFSET),
            byState[LeaseState.FREE], byState[LeaseState.CLAIMED], byState[LeaseState.READY],
            byState[LeaseState.LEASED], byState[LeaseState.REQUEUED], byState[LeaseState.DEAD_LETTERING],
            byState[LeaseState.PARKED], byState[7]);
    }
}
