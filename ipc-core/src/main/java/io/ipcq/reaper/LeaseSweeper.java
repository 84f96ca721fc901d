package io.ipcq.reaper;

import io.ipcq.internal.ParticipantTable;
import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.ring.LaneRing;
import io.ipcq.ring.QueueClock;
import org.agrona.concurrent.AtomicBuffer;

import static io.ipcq.layout.LeaseState.*;

/**
 * One pass over every ring's live window [head, tail): revokes leases past their deadline (requeue, or
 * dead-letter after max deliveries), retries PARKED dead letters, and bumps a lane's requeue count when it holds
 * REQUEUED messages, so consumers that skipped their scan look again. What it does is counted in the header.
 * <p>
 * The reaper (dead participants, stalled claims) builds on this pass.
 */
public final class LeaseSweeper
{
    /**
     * What one pass did.
     *
     * @param expired      leases revoked because their deadline had passed.
     * @param deadLettered messages moved to the dead-letter ring.
     * @param parked       messages that found the dead-letter ring full and wait for a later pass.
     * @param requeuedSeen messages found waiting for redelivery.
     */
    public record Result(int expired, int deadLettered, int parked, int requeuedSeen)
    {
    }

    private final AtomicBuffer buffer;
    private final LaneRing[] lanes;
    private final LaneRing deadLetters;
    private final QueueClock clock;
    private final int maxDeliveries;
    private final int row;
    private final int holder;

    public LeaseSweeper(
        final AtomicBuffer buffer,
        final LaneRing[] lanes,
        final LaneRing deadLetters,
        final QueueClock clock,
        final int maxDeliveries,
        final int row,
        final ParticipantTable participants)
    {
        this.buffer = buffer;
        this.lanes = lanes;
        this.deadLetters = deadLetters;
        this.clock = clock;
        this.maxDeliveries = maxDeliveries;
        this.row = row;
        this.holder = row + 1;
    }

    public int row()
    {
        return row;
    }

    public Result sweep()
    {
        final long now = clock.nowSinceCreated();
        final int[] totals = new int[4];
        for (final LaneRing lane : lanes)
        {
            sweep(lane, maxDeliveries, now, totals);
        }
        sweep(deadLetters, 0, now, totals);
        add(CounterIndex.EXPIRED, totals[0]);
        add(CounterIndex.DEAD_LETTERED, totals[1]);
        return new Result(totals[0], totals[1], totals[2], totals[3]);
    }

    private void sweep(final LaneRing ring, final int maxDeliveries, final long now, final int[] totals)
    {
        final long tail = ring.tailPosition();
        boolean sawRequeued = false;
        for (long position = ring.advanceHead(tail); position < tail; position++)
        {
            final long committed = position + 1;
            if (ring.sequence(position) != committed)
            {
                continue;
            }
            final long word = ring.leaseStateWord(position);
            if (ring.sequence(position) != committed)
            {
                continue;
            }
            switch (state(word))
            {
                case LEASED:
                    if (ring.claimExpiry(position, word, now))
                    {
                        final int result = ring.requeueOrDeadLetter(position, word, maxDeliveries, deadLetters, holder);
                        if (result != LaneRing.FENCED)
                        {
                            totals[0]++;
                            tally(result, totals);
                            sawRequeued |= result == LaneRing.REQUEUED_OK;
                        }
                    }
                    break;

                case PARKED:
                    tally(ring.retryParked(position, word, deadLetters, holder), totals);
                    break;

                case REQUEUED:
                    totals[3]++;
                    sawRequeued = true;
                    break;

                default:
                    break;
            }
        }
        if (sawRequeued)
        {
            ring.bumpRequeueCount();
        }
    }

    private static void tally(final int result, final int[] totals)
    {
        if (result == LaneRing.DEAD_LETTERED_OK)
        {
            totals[1]++;
        }
        else if (result == LaneRing.PARKED_OK)
        {
            totals[2]++;
        }
    }

    private void add(final int counterIndex, final int delta)
    {
        if (delta != 0)
        {
            buffer.getAndAddLong(QueueDescriptor.counterOffset(counterIndex), delta);
        }
    }
}
