package io.ipcq;

import io.ipcq.internal.ProcessInfo;
import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.SlotDescriptor;
import io.ipcq.read.DecodedSlot;
import io.ipcq.read.LaneFlyweight;
import io.ipcq.read.ParticipantFlyweight;
import io.ipcq.read.QueueLayout;
import io.ipcq.read.QueueView;

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
 * @param reaperParticipant      row index of the elected reaper (the Reaper Owner word less one), -1 if none.
 * @param reaperHeartbeatEpochMs epoch ms of the elected reaper's last pass, 0 if no reaper ever ran.
 */
public record QueueStats(List<LaneStats> lanes, LaneStats deadLetters, long[] counters,
    List<ParticipantStats> participants, boolean sealed, int reaperParticipant, long reaperHeartbeatEpochMs)
{
    /**
     * Slots of one ring by state; a slot whose words are impossible (see {@link io.ipcq.read.ImpossibleWord}) is
     * counted {@code invalid}, not under its state.
     *
     * @param oldestReadyEnqueuedEpochMs when the oldest message ready for a delivery (READY, or REQUEUED for a
     *                                   redelivery) was committed, among those whose enqueue time is known;
     *                                   {@link io.ipcq.layout.SlotDescriptor#UNKNOWN_ENQUEUE_TIME} (0) if none is (no
     *                                   message waits, only writers older than the word sent them, or the
     *                                   dead-letter ring, which keeps no enqueue time).
     * @param oldestReadyAgeMs           how long ago, at the read's {@code now} (never below 0); -1 if none is known.
     */
    public record LaneStats(int lane, int capacity, long tail, long leaseCursor, long headHint, long fullEpoch,
        int free, int claimed, int ready, int leased, int requeued, int deadLettering, int parked, int redriving,
        int invalid, long oldestReadyEnqueuedEpochMs, long oldestReadyAgeMs)
    {
        /** @return slots holding a message not yet acked: ready + leased + waiting for redelivery (+ in transit). */
        public int occupied()
        {
            return capacity - free;
        }
    }

    /**
     * One participant row in use.
     *
     * @param reaper true if this row is the elected reaper (the header's Reaper Owner word names it).
     */
    public record ParticipantStats(int id, long pid, long startTime, String role, String rowState,
        long heartbeatAgeMs, long leases, boolean processAlive, boolean heartbeatFresh, boolean reaper,
        BridgeStats bridge)
    {
        /** @return true if the process runs and the heartbeat is fresh. */
        public boolean alive()
        {
            return processAlive && heartbeatFresh;
        }
    }

    /**
     * A bridge's own counters (participant row words 216..247, docs/bridge.md); not folded into the queue's totals.
     */
    public record BridgeStats(long published, long confirmed, long duplicates, long inFlight)
    {
    }

    /** @return READY slots over all lanes. */
    public int ready()
    {
        return lanes.stream().mapToInt(LaneStats::ready).sum();
    }

    /** @return LEASED slots over all lanes. */
    public int leased()
    {
        return lanes.stream().mapToInt(LaneStats::leased).sum();
    }

    /** @return REQUEUED slots over all lanes: messages waiting for redelivery. */
    public int redelivery()
    {
        return lanes.stream().mapToInt(LaneStats::requeued).sum();
    }

    /**
     * @return the age of the oldest message ready for a delivery in any lane (see
     * {@link LaneStats#oldestReadyAgeMs()}), -1 if no lane knows one.
     */
    public long oldestReadyAgeMs()
    {
        return lanes.stream().mapToLong(LaneStats::oldestReadyAgeMs).max().orElse(-1);
    }

    /** @return FREE slots over all lanes. */
    public int free()
    {
        return lanes.stream().mapToInt(LaneStats::free).sum();
    }

    /** @return slots over all lanes. */
    public int capacity()
    {
        return lanes.stream().mapToInt(LaneStats::capacity).sum();
    }

    /** @return messages in the dead-letter ring now. */
    public int deadLettered()
    {
        return deadLetters.occupied();
    }

    /**
     * @param counterIndex one of {@link CounterIndex}.
     * @return that counter's total.
     */
    public long counter(final int counterIndex)
    {
        return counters[counterIndex];
    }

    /**
     * Reads the counts of a queue through its read-only view.
     *
     * @param view       the queue.
     * @param nowEpochMs now, to age heartbeats and the oldest ready messages.
     * @return the counts.
     */
    public static QueueStats read(final QueueView view, final long nowEpochMs)
    {
        final QueueLayout layout = view.layout();
        final List<LaneStats> lanes = new ArrayList<>();
        for (int lane = 0; lane < layout.deadLetterRing(); lane++)
        {
            lanes.add(readRing(view, lane, nowEpochMs));
        }
        final LaneStats deadLetters = readRing(view, layout.deadLetterRing(), nowEpochMs);

        final long[] counters = new long[CounterIndex.COUNTER_COUNT];
        for (int i = 0; i < counters.length; i++)
        {
            counters[i] = view.counterTotal(i);
        }

        final long heartbeatTimeoutMs = view.header().heartbeatTimeoutMs();
        final int reaper = view.reaperParticipant();
        final List<ParticipantStats> rows = new ArrayList<>();
        for (int index = 0; index < layout.geometry().participantCapacity(); index++)
        {
            final ParticipantFlyweight row = view.participant(index);
            final int rowState = row.rowState();
            if (rowState == ParticipantDescriptor.ROW_FREE)
            {
                continue;
            }
            final long pid = row.pid();
            final long startTime = row.startTime();
            final long age = nowEpochMs - row.heartbeatEpochMs();
            rows.add(new ParticipantStats(index, pid, startTime, ParticipantDescriptor.roleName(row.role()),
                ParticipantDescriptor.rowStateName(rowState), age, row.leasesHeld(),
                pid > 0 && ProcessInfo.isAlive(pid, startTime), age <= heartbeatTimeoutMs, index == reaper,
                row.isBridge() ? new BridgeStats(row.bridgePublished(), row.bridgeConfirmed(), row.bridgeDuplicates(),
                    row.bridgeInFlight()) : null));
        }
        return new QueueStats(List.copyOf(lanes), deadLetters, counters, List.copyOf(rows), view.header().sealed(),
            reaper, view.header().reaperHeartbeatEpochMs());
    }

    private static LaneStats readRing(final QueueView view, final int ring, final long nowEpochMs)
    {
        final LaneFlyweight lane = view.lane(ring);
        final long tail = lane.tail();
        final long leaseCursor = lane.leaseCursor();
        final long headHint = lane.headHint();
        final long fullEpoch = lane.fullEpoch();
        final int capacity = view.layout().capacity(ring);
        final int[] byState = new int[LeaseState.REDRIVING + 1];
        int invalid = 0;
        DecodedSlot oldest = null;
        for (int i = 0; i < capacity; i++)
        {
            final DecodedSlot slot = view.decode(ring, i, tail);
            if (slot.invalid())
            {
                invalid++;
                continue;
            }
            final int state = slot.state();
            byState[state]++;
            if ((state == LeaseState.READY || state == LeaseState.REQUEUED) && slot.enqueueTimeKnown() &&
                (oldest == null || slot.enqueuedEpochMs() < oldest.enqueuedEpochMs()))
            {
                oldest = slot;
            }
        }
        return new LaneStats(ring, capacity, tail, leaseCursor, headHint, fullEpoch,
            byState[LeaseState.FREE], byState[LeaseState.CLAIMED], byState[LeaseState.READY],
            byState[LeaseState.LEASED], byState[LeaseState.REQUEUED], byState[LeaseState.DEAD_LETTERING],
            byState[LeaseState.PARKED], byState[LeaseState.REDRIVING], invalid,
            oldest == null ? SlotDescriptor.UNKNOWN_ENQUEUE_TIME : oldest.enqueuedEpochMs(),
            oldest == null ? -1 : oldest.ageMs(nowEpochMs));
    }
}
