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
 * A redrive's commit by CAS (protocol #19, R4) against the dead-letter ring's repair of the redrive (#19r,
 * {@code RingRepair.repairRedrive}), which decides from the claim alone: CLAIMED by the redriver, tombstone it (the
 * CAS R4 races) and give the dead letter back; READY or committed, finish the commit and free the dead letter. Setup
 * as {@link LaneRingRedriveCommitRepairTest}.
 * <p>
 * r1: 1 if the commit won. r2 (arbiter): 1 if the dead letter ended FREE. r3 (arbiter): 1 if the message is in
 * exactly one place (the lane, delivered once, or the dead-letter ring, REQUEUED with its target cleared) and the
 * lane drains.
 */
@JCStressTest
@Description("Redrive commit CAS against the dead-letter side's repair: the message ends in exactly one place")
@Outcome(id = "1, 1, 1", expect = ACCEPTABLE,
    desc = "commit first (or while the repair looks): the repair sees it committed and frees the dead letter")
@Outcome(id = "0, 0, 1", expect = ACCEPTABLE,
    desc = "repair first: the claim is a tombstone, the dead letter REQUEUED; the redriver's CAS fails")
@Outcome(expect = FORBIDDEN, desc = "a committed copy with the dead letter kept, or a message in two places or none")
@State
public class LaneRingRedriveCommitDeadLetterRepairTest
{
    private final RingFixture fixture = new RingFixture(2, 0, 0);
    private final io.ipcq.ring.SlotLease lease = new io.ipcq.ring.SlotLease();
    private final long claimed;
    private final long redriving;
    private final long target = redriveTarget(0, 0);

    public LaneRingRedriveCommitDeadLetterRepairTest()
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
        fixture.deadLetters.repair().repairRedrive(0, 1, redriving);
    }

    @Arbiter
    public void arbiter(final III_Result r)
    {
        final RingSlots deadLetterRing = fixture.deadLetters.slots();
        final int deadLetter = deadLetterRing.slotOffset(0);
        final long deadLetterWord = deadLetterRing.leaseStateWord(0);
        r.r2 = state(deadLetterWord) == FREE ? 1 : 0;
        boolean ok;
        if (r.r1 == 1)
        {
            ok = fixture.ring.sequence(0) == 1 && state(fixture.ring.leaseStateWord(0)) == READY &&
                state(deadLetterWord) == FREE && deadLetterRing.sequence(0) == 2 &&
                fixture.consumeExactly(0, lease);
        }
        else
        {
            ok = fixture.ring.sequence(0) == 2 && state(fixture.ring.leaseStateWord(0)) == FREE &&
                state(deadLetterWord) == REQUEUED &&
                deadLetterRing.buffer().getLongVolatile(deadLetter + REDRIVE_TARGET_OFFSET) == NO_REDRIVE_TARGET;
        }
        ok &= fixture.isEmptyAndDrained(lease);
        r.r3 = ok ? 1 : 0;
    }
}
