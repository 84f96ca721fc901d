package io.ipcq.reaper;

import io.ipcq.ReapResult;
import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.ring.HolderJudgement;
import io.ipcq.ring.LaneRing;
import io.ipcq.ring.QueueClock;
import io.ipcq.ring.RepairCounts;
import io.ipcq.ring.StalledClaims;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Runs one repair pass ({@link io.ipcq.ring.RingRepair#sweep}) over every lane and the dead-letter ring, and adds
 * what it did to the header's counters. What each slot gets is decided by the repair path; this class only decides
 * that a pass runs now, over which rings, with which verdict on the holders (from the {@link Reaper}, or
 * {@link HolderVerdict#NONE_DEAD} for expiry, parked retries and requeue wake-ups only). It keeps the memory of
 * claims left FREE between passes (a claimed position is tombstoned once it has stayed FREE for the heartbeat
 * timeout).
 */
public final class LeaseSweeper
{
    private final AtomicBuffer header;
    private final LaneRing[] lanes;
    private final LaneRing deadLetters;
    private final QueueClock clock;
    private final int holder;
    private final StalledClaims stalledClaims;
    private final RepairCounts counts = new RepairCounts();

    /**
     * @param header                the file's header (its counters are added to).
     * @param lanes                 the lanes.
     * @param deadLetters           the dead-letter ring.
     * @param clock                 the shared clock.
     * @param holder                participant index + 1 of the caller (written while it moves a message).
     * @param stalledClaimTimeoutMs how long a claimed position may stay FREE before it is tombstoned.
     */
    public LeaseSweeper(
        final AtomicBuffer header,
        final LaneRing[] lanes,
        final LaneRing deadLetters,
        final QueueClock clock,
        final int holder,
        final long stalledClaimTimeoutMs)
    {
        this.header = header;
        this.lanes = lanes;
        this.deadLetters = deadLetters;
        this.clock = clock;
        this.holder = holder;
        this.stalledClaims = new StalledClaims(stalledClaimTimeoutMs);
    }

    /**
     * Expiry, parked retries and requeue wake-ups only: no participant is judged.
     *
     * @return what it did.
     */
    public ReapResult sweep()
    {
        return sweep(HolderVerdict.NONE_DEAD);
    }

    /**
     * A full pass, acting on the holders the verdict names.
     *
     * @param verdict which holders are dead, and which of those are gone for good.
     * @return what it did.
     */
    public ReapResult sweep(final HolderJudgement verdict)
    {
        final long now = clock.nowSinceCreated();
        counts.clear();
        stalledClaims.beginPass();
        for (final LaneRing lane : lanes)
        {
            lane.repair().sweep(verdict, now, holder, stalledClaims, counts);
        }
        deadLetters.repair().sweep(verdict, now, holder, stalledClaims, counts);
        stalledClaims.endPass();
        add(CounterIndex.EXPIRED, counts.expired());
        add(CounterIndex.DEAD_LETTERED, counts.deadLettered());
        add(CounterIndex.REVOKED_DEAD, counts.revokedDead());
        add(CounterIndex.REPAIRED_CLAIMS, counts.repairedClaims());
        return new ReapResult(counts.expired(), counts.deadLettered(), counts.parked(), counts.requeuedSeen(),
            counts.revokedDead(), counts.repairedClaims(), 0, 0);
    }

    private void add(final int counterIndex, final int delta)
    {
        if (delta != 0)
        {
            header.getAndAddLong(QueueDescriptor.counterOffset(counterIndex), delta);
        }
    }
}
