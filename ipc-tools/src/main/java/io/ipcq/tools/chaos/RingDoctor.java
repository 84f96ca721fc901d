package io.ipcq.tools.chaos;

import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.layout.SlotDescriptor;
import org.agrona.concurrent.UnsafeBuffer;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a queue file (a read-only mapping is enough) and says, ring by ring, what is still in the live window
 * [head, tail) and which slots are in a state the protocol cannot get out of by itself: the evidence to print when a
 * soak does not drain.
 */
final class RingDoctor
{
    private static final int MAX_FINDINGS_PER_RING = 8;

    private RingDoctor()
    {
    }

    static List<String> examine(final UnsafeBuffer file)
    {
        final List<String> findings = new ArrayList<>();
        final int lanes = file.getInt(QueueDescriptor.LANES_OFFSET);
        final int capacity = file.getInt(QueueDescriptor.LANE_CAPACITY_OFFSET);
        final int slotLength = file.getInt(QueueDescriptor.SLOT_LENGTH_OFFSET);
        final long rings = file.getLong(QueueDescriptor.RINGS_OFFSET_OFFSET);
        final long deadLetterRing = file.getLong(QueueDescriptor.DEAD_LETTER_RING_OFFSET_OFFSET);
        final int deadLetterCapacity = file.getInt(QueueDescriptor.DEAD_LETTER_CAPACITY_OFFSET);
        for (int lane = 0; lane <= lanes; lane++)
        {
            final boolean deadLetters = lane == lanes;
            final long ringOffset = deadLetters ? deadLetterRing : rings + (long)lane * capacity * slotLength;
            examine(file, deadLetters ? "dead-letter ring" : "lane " + lane, lane,
                ringOffset, deadLetters ? deadLetterCapacity : capacity, slotLength, findings);
        }
        return findings;
    }

    private static void examine(
        final UnsafeBuffer file,
        final String name,
        final int lane,
        final long ringOffset,
        final int capacity,
        final int slotLength,
        final List<String> findings)
    {
        final int laneOffset = LaneDescriptor.laneDescriptorOffset(lane);
        final long tail = file.getLongVolatile(laneOffset + LaneDescriptor.TAIL_OFFSET) & ~LaneDescriptor.SEALED_BIT;
        final long cursor = file.getLongVolatile(laneOffset + LaneDescriptor.LEASE_CURSOR_OFFSET);
        final long head = file.getLongVolatile(laneOffset + LaneDescriptor.HEAD_OFFSET);
        final long fullEpoch = file.getLongVolatile(laneOffset + LaneDescriptor.FULL_EPOCH_OFFSET);
        int found = 0;
        int live = 0;
        // One lap at most: every slot is looked at once; a message older than that sits in a slot producers skipped.
        for (long position = Math.max(head, tail - capacity); position < tail; position++)
        {
            final int slot = (int)(ringOffset + (position & (capacity - 1)) * (long)slotLength);
            final long sequence = file.getLongVolatile(slot + SlotDescriptor.SEQUENCE_OFFSET);
            final long word = file.getLongVolatile(slot + SlotDescriptor.LEASE_STATE_OFFSET);
            final boolean skipped = SlotDescriptor.isSkipped(sequence);
            if (!skipped && sequence >= position + capacity)
            {
                continue; // freed
            }
            live++;
            final int state = LeaseState.state(word);
            final String problem;
            if (skipped)
            {
                problem = skippedProblem(file, slot, sequence, state, word);
            }
            else if (sequence == position && state == LeaseState.READY)
            {
                problem = "READY but its sequence still says " + position + ": a commit cut between its two " +
                    "stores; nothing publishes it, and the cursor cannot pass it (ring wedged here)";
            }
            else if (sequence == position + 1 && state == LeaseState.FREE)
            {
                problem = "FREE but its sequence still says committed: an ack cut between its FREE store and its " +
                    "sequence CAS; until a reaper pass finishes the free, producers skip the slot (one slot of " +
                    "capacity lost)";
            }
            else if (sequence == position && state == LeaseState.CLAIMED)
            {
                problem = "CLAIMED by holder " + LeaseState.holder(word) + ", not committed" +
                    holderInfo(file, LeaseState.holder(word));
            }
            else if (sequence == position)
            {
                problem = LeaseState.stateName(state) + " at a claimed position, not committed";
            }
            else
            {
                problem = LeaseState.toString(word) + " (message still in the ring)";
            }
            if (found++ < MAX_FINDINGS_PER_RING)
            {
                findings.add(name + " position " + position + " (slot " + (position & (capacity - 1)) + ", sequence " +
                    sequenceText(sequence) + "): " + problem);
            }
        }
        if (live > 0 || cursor < tail)
        {
            final String odd = (fullEpoch & 1) != 0 ? " (odd: no free since a search past held slots)" : "";
            findings.add(name + ": tail " + tail + ", lease cursor " + cursor + ", head hint " + head +
                ", full epoch " + fullEpoch + odd + "; " + live + " position(s) not freed" +
                (found > MAX_FINDINGS_PER_RING ? " (first " + MAX_FINDINGS_PER_RING + " shown)" : ""));
        }
    }

    /**
     * @param sequence a sequence word.
     * @return it as a number, or for a skipped slot (bit 63) what it says: never a huge negative number.
     */
    static String sequenceText(final long sequence)
    {
        return SlotDescriptor.isSkipped(sequence) ?
            "skipped through " + SlotDescriptor.lastSkippedPosition(sequence) : Long.toString(sequence);
    }

    private static String skippedProblem(
        final UnsafeBuffer file, final int slot, final long sequence, final int state, final long word)
    {
        final long held = file.getLongVolatile(slot + SlotDescriptor.POSITION_OFFSET);
        final long through = SlotDescriptor.lastSkippedPosition(sequence);
        if (state == LeaseState.FREE)
        {
            return "FREE but its sequence still says skipped (holding position " + held + ", skipped through " +
                through + "): a free cut between its FREE store and its sequence CAS; until a reaper pass finishes " +
                "the free, producers keep skipping the slot (one slot of capacity lost)";
        }
        if (state == LeaseState.CLAIMED)
        {
            return "CLAIMED but its sequence says skipped (holding position " + held + ", skipped through " + through +
                "): only a committed message is ever skipped (corrupt?)";
        }
        return LeaseState.toString(word) + ", the message of position " + held + ", skipped by producers through " +
            "position " + through + " (message still in the ring)";
    }

    private static String holderInfo(final UnsafeBuffer file, final int holder)
    {
        final int participants = file.getInt(QueueDescriptor.PARTICIPANT_CAPACITY_OFFSET);
        if (holder < 1 || holder > participants)
        {
            return " (no such participant row)";
        }
        final long row = file.getLong(QueueDescriptor.PARTICIPANT_TABLE_OFFSET_OFFSET) +
            (long)(holder - 1) * ParticipantDescriptor.PARTICIPANT_LENGTH;
        final int rowState = file.getIntVolatile((int)row + ParticipantDescriptor.ROW_STATE_OFFSET);
        final long pid = file.getLongVolatile((int)row + ParticipantDescriptor.PID_OFFSET);
        return " (its row: " + ParticipantDescriptor.rowStateName(rowState) + ", pid " + pid + ", process " +
            (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? "alive" : "gone") + ")";
    }
}
