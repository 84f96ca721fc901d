package io.ipcq.ring;

import org.agrona.concurrent.AtomicBuffer;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;

import static io.ipcq.layout.LeaseState.*;
import static io.ipcq.layout.SlotDescriptor.*;

/**
 * The repair path of one ring: everything the reaper does to a slot, and the decisions of its sweep. Expire a lease
 * (#10), revoke a dead holder's (#14), retry a parked dead letter (#12), park an abandoned dead-letter move (#11),
 * repair a claim (#13), finish a half-done commit or free (#13a), wake full producers (#17), and repair a redrive
 * whose redriver is gone (#19), of docs/protocol.md.
 * <p>
 * {@link #sweep} is one pass over the ring's live window [max(head, tail - capacity), tail): a message older than a
 * lap is found in the slot that was skipped over it, and handled first, oldest first. The reaper and its sweeper
 * only decide when a pass runs and with which verdict on the holders.
 */
public final class RingRepair
{
    /** {@link #repairSlot} answer: nothing done. The move answers of {@link RingConsumer} are the others. */
    public static final int NOTHING = -1;
    /** {@link #repairSlot} answer: a message waiting for redelivery was there already. */
    public static final int SAW_REQUEUED = 4;

    private final RingSlots ring;
    private final AtomicBuffer slots;
    private final RingConsumer consumer;
    private final RingProducer deadLetters;
    private final int maxDeliveries;
    /** On the dead-letter ring only: the lanes a redrive can target (#19); null until wired, or on a lane. */
    private RingSlots[] redriveLanes;

    /**
     * @param consumer      this ring's consumer path (a revocation is a release by someone else, #8 or #11).
     * @param deadLetters   the dead-letter ring's producer path.
     * @param maxDeliveries deliveries before dead-lettering; 0 for the dead-letter ring itself.
     */
    public RingRepair(final RingConsumer consumer, final RingProducer deadLetters, final int maxDeliveries)
    {
        this.ring = consumer.ring();
        this.slots = ring.buffer();
        this.consumer = consumer;
        this.deadLetters = deadLetters;
        this.maxDeliveries = maxDeliveries;
    }

    public RingSlots ring()
    {
        return ring;
    }

    /**
     * Wires the dead-letter ring's repair to the lanes, so that it can repair a redrive whose redriver is gone (#19).
     * Until then a REDRIVING dead letter is left as it is.
     *
     * @param lanes the lanes' slots, by lane index.
     */
    public void redriveLanes(final RingSlots[] lanes)
    {
        this.redriveLanes = lanes.clone();
    }

    // ---------------------------------------------------------------------------------------------------------
    // The sweep's decisions
    // ---------------------------------------------------------------------------------------------------------

    /**
     * One pass over the live window: each position's slot gets the repair its words call for (see
     * {@link #repairSlot}); messages older than the window first, oldest first; then, if any message waits for
     * redelivery, the requeue count is bumped, and full producers are woken (#17).
     *
     * @param verdict  which holders are dead, and which of those are gone.
     * @param now      ms since the file's creation epoch.
     * @param mover    participant index + 1 of the caller (written while it moves a message).
     * @param stalled  the caller's memory of claims left FREE.
     * @param counts   what was done is added here.
     * @throws io.ipcq.CorruptQueueException if the head hint is one the protocol cannot produce.
     */
    public void sweep(
        final HolderJudgement verdict,
        final long now,
        final int mover,
        final StalledClaims stalled,
        final RepairCounts counts)
    {
        final long tail = ring.tailPosition();
        final long head = ring.advanceHead(tail);
        // At most one lap: a message older than that sits in a slot of this lap, skipped, and is found there.
        final long from = Math.max(head, tail - ring.capacity());
        boolean sawRequeued = false;
        Set<Long> handledFirst = null;
        if (from > head)
        {
            // Messages older than a lap are met out of their order: handle them first, oldest first, as they would
            // be if the lane had not wrapped (who is dead-lettered first matters when the dead-letter ring fills).
            final TreeMap<Long, Long> older = new TreeMap<>();
            for (long position = from; position < tail; position++)
            {
                final long held = ring.heldPosition(position, ring.sequence(position));
                if (held != RingConsumer.NONE && held < from)
                {
                    older.put(held, position);
                }
            }
            for (final long position : older.values())
            {
                sawRequeued |= isRequeue(repairSlot(position, verdict, now, mover, stalled, counts));
            }
            handledFirst = new HashSet<>(older.values());
        }
        for (long position = from; position < tail; position++)
        {
            if (handledFirst == null || !handledFirst.contains(position))
            {
                sawRequeued |= isRequeue(repairSlot(position, verdict, now, mover, stalled, counts));
            }
        }
        if (sawRequeued)
        {
            ring.bumpRequeueCount();
        }
        // A freer that died between its sequence CAS and its wake-up would leave producers answering FULL.
        ring.wakeFullProducers();
    }

    private static boolean isRequeue(final int answer)
    {
        return answer == RingConsumer.REQUEUED_OK || answer == SAW_REQUEUED;
    }

    /**
     * Looks at the slot of one position and acts on what it holds: claimed and not committed (repair the claim of a
     * gone producer, #13; a FREE claim stalled past the timeout, #13; a half-done commit, #13a), a LEASED message
     * (revoke a dead holder's lease, #14; expire one past its deadline, #10), an abandoned or parked dead-letter move
     * (#11, #12), a half-done free (#13a).
     *
     * @param position the position.
     * @param verdict  which holders are dead, and which of those are gone.
     * @param now      ms since the file's creation epoch.
     * @param mover    participant index + 1 of the caller.
     * @param stalled  the caller's memory of claims left FREE.
     * @param counts   what was done is added here.
     * @return {@link #NOTHING}, {@link #SAW_REQUEUED}, or the answer of a revocation or dead-letter move
     * ({@link RingConsumer#REQUEUED_OK}, {@code DEAD_LETTERED_OK}, {@code PARKED_OK}, {@code FENCED}).
     */
    public int repairSlot(
        final long position,
        final HolderJudgement verdict,
        final long now,
        final int mover,
        final StalledClaims stalled,
        final RepairCounts counts)
    {
        final long sequence = ring.sequence(position);
        final long held = sequence == position ? position : ring.heldPosition(position, sequence);
        if (held == RingConsumer.NONE)
        {
            return NOTHING;
        }
        final long word = ring.leaseStateWord(position);
        if (ring.sequence(position) != sequence)
        {
            return NOTHING;
        }
        final int state = state(word);
        if (sequence == position)
        {
            // Claimed, not committed.
            if (state == CLAIMED && verdict.isGone(holder(word)))
            {
                if (repairClaim(position, word))
                {
                    counts.repairedClaims++;
                }
            }
            else if (state == FREE)
            {
                if (stalled.stalled(ring.lane(), position, word) && repairClaim(position, word))
                {
                    counts.repairedClaims++;
                    stalled.repaired(ring.lane(), position, word);
                }
            }
            else if (state == READY)
            {
                // Committed up to the sequence store: publish it (its producer died there, or stalls).
                completeCommit(position);
            }
            return NOTHING;
        }
        switch (state)
        {
            case LEASED:
                if (verdict.isDead(holder(word)))
                {
                    final int result = revoke(held, word, mover);
                    if (result != RingConsumer.FENCED)
                    {
                        counts.revokedDead++;
                        counts.tally(result);
                    }
                    return result;
                }
                if (claimExpiry(held, word, now))
                {
                    final int result = revoke(held, word, mover);
                    if (result != RingConsumer.FENCED)
                    {
                        counts.expired++;
                        counts.tally(result);
                    }
                    return result;
                }
                return NOTHING;

            case DEAD_LETTERING:
                if (verdict.isGone(holder(word)) && parkAbandonedMove(held, word))
                {
                    final int result = retryParked(held, ring.leaseStateWord(held), mover);
                    counts.tally(result);
                    return result;
                }
                return NOTHING;

            case PARKED:
            {
                final int result = retryParked(held, word, mover);
                counts.tally(result);
                return result;
            }

            case REDRIVING:
                if (verdict.isGone(holder(word)))
                {
                    repairRedrive(held, sequence, word);
                }
                return NOTHING;

            case REQUEUED:
                counts.requeuedSeen++;
                return SAW_REQUEUED;

            case FREE:
                // Freed (acked or dead-lettered) up to the sequence store: move the sequence on, or producers
                // skip this slot for ever as if it held a message, and the head never passes it.
                completeFree(held, sequence);
                return NOTHING;

            default:
                return NOTHING;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The repairs
    // ---------------------------------------------------------------------------------------------------------

    /**
     * #10 and #14, after the decision: requeues a lease taken from its holder, or dead-letters it after max
     * deliveries (#8, #11 with the observed word).
     *
     * @param position the message's position.
     * @param observed the LEASED word observed.
     * @param mover    participant index + 1 of the caller.
     * @return the answer of {@link RingConsumer#requeueOrDeadLetter}.
     */
    public int revoke(final long position, final long observed, final int mover)
    {
        return consumer.requeueOrDeadLetter(position, observed, maxDeliveries, deadLetters, mover);
    }

    /**
     * #10, first step: claims an expired lease for revocation: CAS its deadline to EXPIRING, so a racing extend
     * fails.
     *
     * @param position        position of the slot.
     * @param observed        the LEASED word observed.
     * @param nowSinceCreated now, ms since the file's creation epoch.
     * @return true if the lease is past its deadline and the caller now owns its revocation.
     */
    public boolean claimExpiry(final long position, final long observed, final long nowSinceCreated)
    {
        final int slot = ring.slotOffset(position);
        final long deadline = slots.getLongVolatile(slot + DEADLINE_OFFSET);
        final int generation = generation(observed);
        if (!deadlineBelongsTo(deadline, generation))
        {
            // The holder has not written this lease's deadline yet: it is fresh.
            return false;
        }
        final long since = deadlineSinceCreated(deadline);
        if (since == DEADLINE_EXPIRING)
        {
            return true;
        }
        if (since - nowSinceCreated > 0)
        {
            return false;
        }
        if (!slots.compareAndSetLong(slot + DEADLINE_OFFSET, deadline, deadlineWord(generation, DEADLINE_EXPIRING)))
        {
            return false;
        }
        if (io.ipcq.internal.CrashPoint.ENABLED)
        {
            io.ipcq.internal.CrashPoint.EXPIRE_AFTER_DEADLINE_CAS.reached();
        }
        return true;
    }

    /**
     * #13: turns a claim that will never be committed into a tombstone: a slot CLAIMED by a producer whose process
     * is gone, or a slot left FREE at a claimed position (its producer died between the tail CAS and the CLAIMED
     * CAS; if it was only stalled, its CAS now fails and it claims again).
     *
     * @param position position of the slot.
     * @param observed the CLAIMED or FREE word observed, with the slot's sequence equal to position.
     * @return true if this call repaired it.
     */
    public boolean repairClaim(final long position, final long observed)
    {
        final int slot = ring.slotOffset(position);
        if (slots.compareAndSetLong(slot + LEASE_STATE_OFFSET, observed, next(observed, FREE, NO_HOLDER)))
        {
            // A redrive's claim (#19): its dead letter goes back before this claim's free moves the sequence on.
            returnRedriveOf(position);
            ring.finishFree(slot, position, position);
            return true;
        }
        return false;
    }

    /**
     * #19, after a claim of this lane at {@code position} was tombstoned: if a REDRIVING dead letter names it as its
     * Redrive Target, gives that dead letter back (REQUEUED). Done before the claim's sequence moves on, so that a
     * REDRIVING dead letter whose target has moved on always means "committed" to {@link #repairRedrive}. A look at
     * one lap of the dead-letter ring, only when a claim is repaired (rare).
     */
    private void returnRedriveOf(final long position)
    {
        final RingSlots deadLetterRing = deadLetters.ring();
        if (deadLetterRing == ring)
        {
            return;
        }
        final AtomicBuffer deadLetterSlots = deadLetterRing.buffer();
        final long target = redriveTarget(ring.lane(), position);
        for (long index = 0; index < deadLetterRing.capacity(); index++)
        {
            final int slot = deadLetterRing.slotOffset(index);
            final long word = deadLetterSlots.getLongVolatile(slot + LEASE_STATE_OFFSET);
            if (state(word) == REDRIVING && deadLetterSlots.getLongVolatile(slot + REDRIVE_TARGET_OFFSET) == target)
            {
                deadLetterRing.returnRedrive(slot, word, target);
                return;
            }
        }
    }

    /**
     * #19, repair: a dead letter REDRIVING by a participant whose process is gone. Its Redrive Target decides:
     * <ul>
     *   <li>none: the copy was never committed (R3 comes before R4): back to REQUEUED; a claim it made in a lane is
     *   tombstoned by that lane's claim repair (#13, its holder is gone);</li>
     *   <li>(lane, q) with q still claimed by the redriver: tombstone q (CAS CLAIMED to FREE, the CAS the redriver's
     *   R4 races), give the dead letter back, finish q's free;</li>
     *   <li>q FREE at sequence q: tombstoned by someone else whose free is not finished: the same, helping;</li>
     *   <li>q READY at sequence q (R4 done, its sequence CAS not): finish that commit (#13a), free the dead letter;</li>
     *   <li>q's sequence past q: committed (a tombstone gives the dead letter back before q's sequence moves on):
     *   free the dead letter.</li>
     * </ul>
     *
     * @param position  the dead letter's position.
     * @param sequence  its sequence as observed.
     * @param redriving the REDRIVING word observed.
     */
    public void repairRedrive(final long position, final long sequence, final long redriving)
    {
        final int slot = ring.slotOffset(position);
        final long target = slots.getLongVolatile(slot + REDRIVE_TARGET_OFFSET);
        if (target == NO_REDRIVE_TARGET)
        {
            ring.returnRedrive(slot, redriving, NO_REDRIVE_TARGET);
            return;
        }
        final RingSlots[] lanes = this.redriveLanes;
        final int lane = redriveTargetLane(target);
        if (lanes == null || lane >= lanes.length)
        {
            return;
        }
        final RingSlots laneRing = lanes[lane];
        final AtomicBuffer laneSlots = laneRing.buffer();
        final long claim = redriveTargetPosition(target);
        final int claimSlot = laneRing.slotOffset(claim);
        while (true)
        {
            final long claimSequence = laneSlots.getLongVolatile(claimSlot + SEQUENCE_OFFSET);
            final long claimWord = laneSlots.getLongVolatile(claimSlot + LEASE_STATE_OFFSET);
            if (laneSlots.getLongVolatile(claimSlot + SEQUENCE_OFFSET) != claimSequence)
            {
                continue;
            }
            if (claimSequence != claim)
            {
                // Committed (and perhaps delivered and freed since).
                ring.freeRedriven(slot, position, sequence, redriving);
                return;
            }
            final int claimState = state(claimWord);
            if (claimState == CLAIMED && holder(claimWord) == holder(redriving))
            {
                if (laneSlots.compareAndSetLong(
                    claimSlot + LEASE_STATE_OFFSET, claimWord, next(claimWord, FREE, NO_HOLDER)))
                {
                    ring.returnRedrive(slot, redriving, target);
                    laneRing.finishFree(claimSlot, claim, claim);
                    return;
                }
                continue;
            }
            if (claimState == FREE)
            {
                ring.returnRedrive(slot, redriving, target);
                laneRing.finishFree(claimSlot, claim, claim);
                return;
            }
            if (claimState == READY)
            {
                laneSlots.compareAndSetLong(claimSlot + SEQUENCE_OFFSET, claim, claim + 1);
                ring.freeRedriven(slot, position, sequence, redriving);
                return;
            }
            // Claimed by another holder: not this redrive's claim (a corrupt target); leave it.
            return;
        }
    }

    /**
     * #13a: finishes a commit whose producer stopped between the READY store and the sequence store (it died there,
     * or stalls): publishes the message. Safe whoever does it first: the payload and length were written before
     * READY, and the producer's own sequence CAS fails once this succeeded.
     *
     * @param position position of a slot observed READY with sequence == position.
     * @return true if this call published it.
     */
    public boolean completeCommit(final long position)
    {
        final boolean published =
            slots.compareAndSetLong(ring.slotOffset(position) + SEQUENCE_OFFSET, position, position + 1);
        ring.wakeups().messageAvailable();
        return published;
    }

    /**
     * #13a: finishes a free (ack, dead-letter move) whose owner stopped between the FREE word and the sequence
     * store: moves the sequence on to the next lap (#16). The owner's own sequence CAS fails once this succeeded.
     *
     * @param position position of the message of a slot observed FREE.
     * @param sequence the sequence observed with it: position + 1, or skipped.
     * @return true if this call finished it.
     */
    public boolean completeFree(final long position, final long sequence)
    {
        return ring.finishFree(ring.slotOffset(position), position, sequence);
    }

    /**
     * #11, repair: hands the message of a mover that died mid-copy (DEAD_LETTERING) to the next sweep: PARKED, so
     * the move is retried. If the copy had been committed already, the dead-letter ring gets it twice (at least
     * once).
     *
     * @param position position of the slot.
     * @param observed the DEAD_LETTERING word observed.
     * @return true if this call parked it.
     */
    public boolean parkAbandonedMove(final long position, final long observed)
    {
        return slots.compareAndSetLong(
            ring.slotOffset(position) + LEASE_STATE_OFFSET, observed, next(observed, PARKED, NO_HOLDER));
    }

    /**
     * #12: retries the move of a PARKED message (one that found the dead-letter ring full).
     *
     * @param position its position.
     * @param observed the PARKED word observed.
     * @param mover    participant index + 1 of the caller.
     * @return {@link RingConsumer#DEAD_LETTERED_OK}, {@code PARKED_OK} or {@code FENCED}.
     */
    public int retryParked(final long position, final long observed, final int mover)
    {
        final int slot = ring.slotOffset(position);
        final long moving = next(observed, DEAD_LETTERING, mover);
        if (!slots.compareAndSetLong(slot + LEASE_STATE_OFFSET, observed, moving))
        {
            return RingConsumer.FENCED;
        }
        return consumer.moveToDeadLetters(slot, position, moving, deadLetters, mover);
    }
}
