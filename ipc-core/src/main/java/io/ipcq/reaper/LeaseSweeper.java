package io.ipcq.reaper;

import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.ring.LaneRing;
import io.ipcq.ring.QueueClock;
import org.agrona.concurrent.AtomicBuffer;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static io.ipcq.layout.LeaseState.*;

/**
 * One pass over every ring's live window [max(head, tail - capacity), tail) (a message older than a lap is found in
 * the slot that was skipped over it, and handled first). Always: revokes leases past their deadline (requeue, or
 * dead-letter after max deliveries), retries PARKED dead letters, and bumps a lane's requeue count when it holds
 * REQUEUED messages so consumers that skipped their scan look again. Given the holders the {@link Reaper} declared
 * dead, also: revokes their leases, and, for holders whose process is gone, tombstones their claims and parks their
 * half-done dead-letter moves. A position claimed but left FREE (its producer died between the tail CAS and the
 * CLAIMED CAS) is tombstoned once it has stayed so for the heartbeat timeout. Work is counted in the header.
 */
public final class LeaseSweeper
{
    /**
     * What one pass did.
     *
     * @param expired        leases revoked because their deadline had passed.
     * @param deadLettered   messages moved to the dead-letter ring.
     * @param parked         messages that found the dead-letter ring full and wait for a later pass.
     * @param requeuedSeen   messages found waiting for redelivery.
     * @param revokedDead    leases taken from participants declared dead.
     * @param repairedClaims claims of dead producers turned into tombstones.
     * @param deadParticipants participants declared dead by this pass.
     * @param reclaimedParticipants rows freed because their process is gone.
     */
    public record Result(int expired, int deadLettered, int parked, int requeuedSeen, int revokedDead,
        int repairedClaims, int deadParticipants, int reclaimedParticipants)
    {
        Result withParticipants(final int dead, final int reclaimed)
        {
            return new Result(expired, deadLettered, parked, requeuedSeen, revokedDead, repairedClaims, dead,
                reclaimed);
        }

        /** @return true if the pass changed anything. */
        public boolean recoveredAnything()
        {
            return expired + deadLettered + revokedDead + repairedClaims + deadParticipants + reclaimedParticipants > 0;
        }
    }

    private static final int EXPIRED = 0;
    private static final int DEAD_LETTERED = 1;
    private static final int PARKED_COUNT = 2;
    private static final int REQUEUED_SEEN = 3;
    private static final int REVOKED_DEAD = 4;
    private static final int REPAIRED_CLAIMS = 5;

    private final AtomicBuffer buffer;
    private final LaneRing[] lanes;
    private final LaneRing deadLetters;
    private final QueueClock clock;
    private final int maxDeliveries;
    private final int holder;
    private final long stalledClaimTimeoutNs;
    /** (lane, position, word) of claims seen left FREE, and when first seen (local nanoTime): the reaper's memory. */
    private final Map<StalledClaim, Long> stalledClaims = new HashMap<>();

    private record StalledClaim(int lane, long position, long word)
    {
    }

    /**
     * @param buffer                the file.
     * @param lanes                 the lanes.
     * @param deadLetters           the dead-letter ring.
     * @param clock                 the shared clock.
     * @param maxDeliveries         deliveries before dead-lettering.
     * @param holder                participant index + 1 of the caller (written while it moves a message).
     * @param stalledClaimTimeoutMs how long a claimed position may stay FREE before it is tombstoned.
     */
    public LeaseSweeper(
        final AtomicBuffer buffer,
        final LaneRing[] lanes,
        final LaneRing deadLetters,
        final QueueClock clock,
        final int maxDeliveries,
        final int holder,
        final long stalledClaimTimeoutMs)
    {
        this.buffer = buffer;
        this.lanes = lanes;
        this.deadLetters = deadLetters;
        this.clock = clock;
        this.maxDeliveries = maxDeliveries;
        this.holder = holder;
        this.stalledClaimTimeoutNs = stalledClaimTimeoutMs * 1_000_000L;
    }

    /**
     * Expiry, parked retries and requeue wake-ups only: no participant is judged.
     *
     * @return what it did.
     */
    public Result sweep()
    {
        return sweep(HolderVerdict.NONE_DEAD);
    }

    /**
     * A full pass, acting on the holders the verdict names.
     *
     * @param verdict which holders are dead, and which of those are gone for good.
     * @return what it did.
     */
    public Result sweep(final HolderVerdict verdict)
    {
        final long now = clock.nowSinceCreated();
        final int[] totals = new int[6];
        final Map<StalledClaim, Long> seenThisPass = new HashMap<>();
        for (final LaneRing lane : lanes)
        {
            sweep(lane, maxDeliveries, now, totals, verdict, seenThisPass);
        }
        sweep(deadLetters, 0, now, totals, verdict, seenThisPass);
        stalledClaims.keySet().retainAll(seenThisPass.keySet());
        add(CounterIndex.EXPIRED, totals[EXPIRED]);
        add(CounterIndex.DEAD_LETTERED, totals[DEAD_LETTERED]);
        add(CounterIndex.REVOKED_DEAD, totals[REVOKED_DEAD]);
        add(CounterIndex.REPAIRED_CLAIMS, totals[REPAIRED_CLAIMS]);
        return new Result(totals[EXPIRED], totals[DEAD_LETTERED], totals[PARKED_COUNT], totals[REQUEUED_SEEN],
            totals[REVOKED_DEAD], totals[REPAIRED_CLAIMS], 0, 0);
    }

    private void sweep(
        final LaneRing ring,
        final int maxDeliveries,
        final long now,
        final int[] totals,
        final HolderVerdict verdict,
        final Map<StalledClaim, Long> seenThisPass)
    {
        final long tail = ring.tailPosition();
        final long head = ring.advanceHead(tail);
        // At most one lap: a message older than that sits in a slot of this lap, skipped, and is found there.
        final long from = Math.max(head, tail - ring.capacity());
        boolean sawRequeued = false;
        final TreeMap<Long, Long> older = new TreeMap<>();
        if (from > head)
        {
            // Messages older than a lap are met out of their order: handle them first, oldest first, as they would
            // be if the lane had not wrapped (who is dead-lettered first matters when the dead-letter ring fills).
            for (long position = from; position < tail; position++)
            {
                final long held = ring.heldPosition(position, ring.sequence(position));
                if (held != LaneRing.NONE && held < from)
                {
                    older.put(held, position);
                }
            }
            for (final long position : older.values())
            {
                sawRequeued |= sweepSlot(ring, position, maxDeliveries, now, totals, verdict, seenThisPass);
            }
        }
        final Set<Long> handledFirst = new HashSet<>(older.values());
        for (long position = from; position < tail; position++)
        {
            if (!handledFirst.contains(position))
            {
                sawRequeued |= sweepSlot(ring, position, maxDeliveries, now, totals, verdict, seenThisPass);
            }
        }
        if (sawRequeued)
        {
            ring.bumpRequeueCount();
        }
        // A freer that died between its sequence CAS and its wake-up would leave producers answering FULL.
        ring.wakeFullProducers();
    }

    /**
     * Looks at the slot of one position and acts on what it holds.
     *
     * @return true if it saw (or made) a message waiting for redelivery.
     */
    private boolean sweepSlot(
        final LaneRing ring,
        final long position,
        final int maxDeliveries,
        final long now,
        final int[] totals,
        final HolderVerdict verdict,
        final Map<StalledClaim, Long> seenThisPass)
    {
        boolean sawRequeued = false;
        final long sequence = ring.sequence(position);
        final long held = sequence == position ? position : ring.heldPosition(position, sequence);
        if (held == LaneRing.NONE)
        {
            return sawRequeued;
        }
        final long word = ring.leaseStateWord(position);
        if (ring.sequence(position) != sequence)
        {
            return sawRequeued;
        }
        final int state = state(word);
        if (sequence == position)
        {
            // Claimed, not committed.
            if (state == CLAIMED && verdict.isGone(holder(word)))
            {
                if (ring.repairClaim(position, word))
                {
                    totals[REPAIRED_CLAIMS]++;
                }
            }
            else if (state == FREE)
            {
                repairIfStalled(ring, position, word, seenThisPass, totals);
            }
            else if (state == READY)
            {
                // Committed up to the sequence store: publish it (its producer died there, or stalls).
                ring.completeCommit(position);
            }
            return sawRequeued;
        }
        switch (state)
        {
            case LEASED:
                if (verdict.isDead(holder(word)))
                {
                    final int result = ring.requeueOrDeadLetter(held, word, maxDeliveries, deadLetters, holder);
                    if (result != LaneRing.FENCED)
                    {
                        totals[REVOKED_DEAD]++;
                        tally(result, totals);
                        sawRequeued |= result == LaneRing.REQUEUED_OK;
                    }
                }
                else if (ring.claimExpiry(held, word, now))
                {
                    final int result = ring.requeueOrDeadLetter(held, word, maxDeliveries, deadLetters, holder);
                    if (result != LaneRing.FENCED)
                    {
                        totals[EXPIRED]++;
                        tally(result, totals);
                        sawRequeued |= result == LaneRing.REQUEUED_OK;
                    }
                }
                break;

            case DEAD_LETTERING:
                if (verdict.isGone(holder(word)) && ring.parkAbandonedMove(held, word))
                {
                    tally(ring.retryParked(held, ring.leaseStateWord(held), deadLetters, holder), totals);
                }
                break;

            case PARKED:
                tally(ring.retryParked(held, word, deadLetters, holder), totals);
                break;

            case REQUEUED:
                totals[REQUEUED_SEEN]++;
                sawRequeued = true;
                break;

            case FREE:
                // Freed (acked or dead-lettered) up to the sequence store: move the sequence on, or producers
                // skip this slot for ever as if it held a message, and the head never passes it.
                ring.completeFree(held, sequence);
                break;

            default:
                break;
        }
        return sawRequeued;
    }

    private void repairIfStalled(
        final LaneRing ring,
        final long position,
        final long word,
        final Map<StalledClaim, Long> seenThisPass,
        final int[] totals)
    {
        final StalledClaim key = new StalledClaim(ring.lane(), position, word);
        final long nowNs = System.nanoTime();
        final Long firstSeen = stalledClaims.putIfAbsent(key, nowNs);
        seenThisPass.put(key, nowNs);
        if (firstSeen != null && nowNs - firstSeen >= stalledClaimTimeoutNs && ring.repairClaim(position, word))
        {
            totals[REPAIRED_CLAIMS]++;
            stalledClaims.remove(key);
            seenThisPass.remove(key);
        }
    }

    private static void tally(final int result, final int[] totals)
    {
        if (result == LaneRing.DEAD_LETTERED_OK)
        {
            totals[DEAD_LETTERED]++;
        }
        else if (result == LaneRing.PARKED_OK)
        {
            totals[PARKED_COUNT]++;
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
