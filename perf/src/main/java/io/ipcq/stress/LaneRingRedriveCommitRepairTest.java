package io.ipcq.stress;

import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.LeaseState;
import io.ipcq.ring.RingSlots;
import org.agrona.concurrent.AtomicBuffer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

import static io.ipcq.layout.LeaseState.*;
import static io.ipcq.layout.SlotDescriptor.*;
import static io.ipcq.stress.RingFixture.*;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A redrive's commit by CAS (protocol #19, R4: {@code RingProducer.commitRedriven}) against the reaper's repair of
 * the same claim (#13, {@code RingRepair.repairClaim}, which gives back a REDRIVING dead letter naming the claim
 * before it frees it). The redriver (PRODUCER_1) has made dead letter 0 REDRIVING, claimed position 0 of lane 0,
 * written the copy and stored the Redrive Target (R1-R3); the reaper judged it gone (a pid misjudged, or the
 * instant before its death) and repairs the claim while it commits. Exactly one of the two CASes on the claim's
 * lease-state word wins.
 * <p>
 * r1: 1 if the commit won. r2: 1 if the repair won. r3 (arbiter): 1 if the message is in exactly one place: committed
 * in the lane with the dead letter still REDRIVING (which the dead-letter repair then frees, checked), or tombstoned
 * with the dead letter back (REQUEUED, target cleared); and the lane then drains to exactly what it should hold.
 */
@JCStressTest
@Description("Redrive commit CAS against claim repair: the message ends in exactly one place")
@Outcome(id = "1, 0, 1", expect = ACCEPTABLE,
    desc = "commit first: the copy is READY in the lane; the repair's CAS fails; the dead letter is freed later")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE,
    desc = "repair first: the claim is a tombstone, the dead letter REQUEUED; the redriver's CAS fails")
@Outcome(expect = FORBIDDEN, desc = "both, neither, or the message in two places or none")
@State
public class LaneRingRedriveCommitRepairTest
{
    private final RingFixture fixture = new RingFixture(2, 0, 0);
    private final io.ipcq.ring.SlotLease lease = new io.ipcq.ring.SlotLease();
    private final long claimed;
    private final long redriving;
    private final long target = redriveTarget(0, 0);

    public LaneRingRedriveCommitRepairTest()
    {
        // Dead letter 0 of the dead-letter ring, committed and delivered past by the cursor, now REDRIVING.
        final RingSlots deadLetterRing = fixture.deadLetters.slots();
        final AtomicBuffer deadLetterSlots = deadLetterRing.buffer();
        final int deadLetter = deadLetterRing.slotOffset(0);
        redriving = LeaseState.pack(REDRIVING, PRODUCER_1, 5);
        deadLetterSlots.putLong(deadLetter + SEQUENCE_OFFSET, 1);
        deadLetterSlots.putLong(deadLetter + POSITION_OFFSET, 0);
        deadLetterSlots.putLong(deadLetter + LEASE_STATE_OFFSET, redriving);
        deadLetterSlots.putLong(deadLetter + MESSAGE_ID_OFFSET, 0);
        deadLetterSlots.putInt(deadLetter + PAYLOAD_LENGTH_OFFSET, MAX_PAYLOAD);
        deadLetterRing.laneEntry().putLong(LaneDescriptor.TAIL_OFFSET, 1);
        deadLetterRing.laneEntry().putLong(LaneDescriptor.LEASE_CURSOR_OFFSET, 1);
        fixture.deadLetters.repair().redriveLanes(new RingSlots[]{ fixture.ring });
        // R2, R3: the claim in lane 0, the copy written, the target stored.
        final long position = fixture.lane.producer().tryClaim(PRODUCER_1);
        final int slot = fixture.ring.slotOffset(position);
        claimed = fixture.slots.getLong(slot + LEASE_STATE_OFFSET);
        fixture.slots.putLong(slot + MESSAGE_ID_OFFSET, 0);
        fixture.slots.putLong(slot + PAYLOAD_OFFSET, payloadWord(0, 0));
        fixture.slots.putLong(slot + PAYLOAD_OFFSET + 8, payloadWord(0, 1));
        deadLetterSlots.putLong(deadLetter + REDRIVE_TARGET_OFFSET, target);
    }

    @Actor
    public void redriver(final III_Result r)
    {
        r.r1 = fixture.lane.producer().commitRedriven(0, MAX_PAYLOAD, claimed) ? 1 : 0;
    }

    @Actor
    public void reaper(final III_Result r)
    {
        r.r2 = fixture.lane.repair().repairClaim(0, claimed) ? 1 : 0;
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        final RingSlots deadLetterRing = fixture.deadLetters.slots();
        final int deadLetter = deadLetterRing.slotOffset(0);
        final long deadLetterWord = deadLetterRing.leaseStateWord(0);
        boolean ok;
        if (r.r1 == 1 && r.r2 == 0)
        {
            ok = fixture.ring.sequence(0) == 1 && state(fixture.ring.leaseStateWord(0)) == READY &&
                deadLetterWord == redriving;
            // The redriver then vanishes before R5: the dead-letter repair sees the copy committed and frees it.
            fixture.deadLetters.repair().repairRedrive(0, 1, deadLetterWord);
            ok &= state(deadLetterRing.leaseStateWord(0)) == FREE && deadLetterRing.sequence(0) == 2;
            ok &= fixture.consumeExactly(0, lease);
        }
        else if (r.r1 == 0 && r.r2 == 1)
        {
            ok = fixture.ring.sequence(0) == 2 && state(fixture.ring.leaseStateWord(0)) == FREE &&
                state(deadLetterWord) == REQUEUED &&
                deadLetterRing.buffer().getLongVolatile(deadLetter + REDRIVE_TARGET_OFFSET) == NO_REDRIVE_TARGET;
        }
        else
        {
            ok = false;
        }
        ok &= fixture.isEmptyAndDrained(lease);
        r.r3 = ok ? 1 : 0;
    }
}
