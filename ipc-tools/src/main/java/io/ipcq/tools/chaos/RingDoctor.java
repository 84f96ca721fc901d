package io.ipcq.tools.chaos;

import io.ipcq.layout.LeaseState;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.read.DecodedSlot;
import io.ipcq.read.LaneFlyweight;
import io.ipcq.read.QueueLayout;
import io.ipcq.read.QueueView;
import io.ipcq.read.SlotDecoder;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a queue through its read-only view and says, ring by ring, what is still in the live window [head, tail)
 * and which slots are in a state the protocol cannot get out of by itself: the evidence to print when a soak does
 * not drain. Every word is decoded by the read model ({@link SlotDecoder}); this class only words the findings.
 */
final class RingDoctor
{
    private static final int MAX_FINDINGS_PER_RING = 8;

    private RingDoctor()
    {
    }

    static List<String> examine(final QueueView view)
    {
        final List<String> findings = new ArrayList<>();
        final QueueLayout layout = view.layout();
        for (int ring = 0; ring < layout.ringCount(); ring++)
        {
            examine(view, layout.isDeadLetterRing(ring) ? "dead-letter ring" : "lane " + ring, ring, findings);
        }
        return findings;
    }

    private static void examine(final QueueView view, final String name, final int ring, final List<String> findings)
    {
        final LaneFlyweight lane = view.lane(ring);
        final long tail = lane.tail();
        final long cursor = lane.leaseCursor();
        final long head = lane.headHint();
        final long fullEpoch = lane.fullEpoch();
        final int capacity = view.layout().capacity(ring);
        int found = 0;
        int live = 0;
        // One lap at most: every slot is looked at once; a message older than that sits in a slot producers skipped.
        for (long position = Math.max(head, tail - capacity); position < tail; position++)
        {
            final int index = view.layout().slotIndex(ring, position);
            final DecodedSlot slot = view.decode(ring, index, tail);
            final SlotDecoder.Fate fate = SlotDecoder.fate(position, slot);
            if (fate == SlotDecoder.Fate.PASSED)
            {
                continue; // freed
            }
            live++;
            final String problem = problem(view, position, slot, fate);
            if (found++ < MAX_FINDINGS_PER_RING)
            {
                findings.add(name + " position " + position + " (slot " + index + ", sequence " +
                    sequenceText(slot) + "): " + problem);
            }
        }
        if (live > 0 || cursor < tail)
        {
            final String odd = LaneFlyweight.isFullEpochOdd(fullEpoch) ?
                " (odd: no free since a search past held slots)" : "";
            findings.add(name + ": tail " + tail + ", lease cursor " + cursor + ", head hint " + head +
                ", full epoch " + fullEpoch + odd + "; " + live + " position(s) not freed" +
                (found > MAX_FINDINGS_PER_RING ? " (first " + MAX_FINDINGS_PER_RING + " shown)" : ""));
        }
    }

    private static String problem(
        final QueueView view, final long position, final DecodedSlot slot, final SlotDecoder.Fate fate)
    {
        final String word = slot.stateName() + "/holder=" + slot.holder() + "/gen=" + slot.generation();
        if (slot.invalid())
        {
            return "INVALID: " + slot.impossible().description() + " (" + word + "; corrupt?)";
        }
        if (slot.skipped())
        {
            return skippedProblem(slot, word);
        }
        if (fate == SlotDecoder.Fate.CLAIMED_ONLY)
        {
            if (slot.state() == LeaseState.READY)
            {
                return "READY but its sequence still says " + position + ": a commit cut between its two " +
                    "stores; nothing publishes it, and the cursor cannot pass it (ring wedged here)";
            }
            if (slot.state() == LeaseState.CLAIMED)
            {
                return "CLAIMED by holder " + slot.holder() + ", not committed" + holderInfo(view, slot.holder());
            }
            return slot.stateName() + " at a claimed position, not committed";
        }
        if (slot.content() == DecodedSlot.Content.FREEING)
        {
            return "FREE but its sequence still says committed: an ack cut between its FREE store and its " +
                "sequence CAS; until a reaper pass finishes the free, producers skip the slot (one slot of " +
                "capacity lost)";
        }
        return word + " (message still in the ring)";
    }

    /**
     * @return the sequence as a number, or for a skipped slot (bit 63) what it says: never a huge negative number.
     */
    static String sequenceText(final DecodedSlot slot)
    {
        return slot.skipped() ? "skipped through " + slot.skippedThrough() : Long.toString(slot.sequence());
    }

    private static String skippedProblem(final DecodedSlot slot, final String word)
    {
        final long held = slot.position();
        final long through = slot.skippedThrough();
        if (slot.content() == DecodedSlot.Content.FREEING)
        {
            return "FREE but its sequence still says skipped (holding position " + held + ", skipped through " +
                through + "): a free cut between its FREE store and its sequence CAS; until a reaper pass finishes " +
                "the free, producers keep skipping the slot (one slot of capacity lost)";
        }
        return word + ", the message of position " + held + ", skipped by producers through " +
            "position " + through + " (message still in the ring)";
    }

    private static String holderInfo(final QueueView view, final int holder)
    {
        if (holder < 1 || holder > view.geometry().participantCapacity())
        {
            return " (no such participant row)";
        }
        final var row = view.participant(holder - 1);
        final long pid = row.pid();
        return " (its row: " + ParticipantDescriptor.rowStateName(row.rowState()) + ", pid " + pid + ", process " +
            (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? "alive" : "gone") + ")";
    }
}
