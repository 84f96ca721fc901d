package io.ipcq.layout;

/**
 * One slot of a ring: a 64-byte header on its own cache line, then the payload (also cache-line aligned).
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |              Sequence (position + lap state, see below)       |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |      Generation (low 32 bits of the lease-state word)         |  8
 *  +-----------------------------------------------+---------------+
 *  |        Holder (participant index + 1)         |     State     |  12
 *  +-----------------------------------------------+---------------+
 *  |   Deadline, bits 0-31 (ms since Created Epoch ms)             |  16
 *  +---------------+-----------------------------------------------+
 *  | Deadline 32-39|   Deadline Tag (generation, low 24 bits)      |  20
 *  +---------------+-----------------------------------------------+
 *  |                        Message Id                             |  24
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                       Delivery Count                          |  32
 *  +---------------------------------------------------------------+
 *  |                       Payload Length                          |  36
 *  +---------------------------------------------------------------+
 *  |   Position (of the message this slot holds, set at claim)     |  40
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |   Lane slot: Enqueued Epoch ms (commit time; 0 = unknown;     |  48
 *  |   layout version 2, additive).                                |
 *  |   Dead-letter slot: Redrive Target (lane, position + 1)       |
 *  +---------------------------------------------------------------+
 *  |   Origin Word (1 + id of this message in the queue it was     |  56
 *  |   bridged from; 0 = none; layout version 2, additive)         |
 *  +---------------------------------------------------------------+
 *  |                      Payload (max payload, padded to 64)     ...
 *  +---------------------------------------------------------------+
 * </pre>
 * Sequence, for the slot of position p (slot index p &amp; mask), in the lap that holds p:
 * <ul>
 *   <li>{@code p}: free for the producer that claims p (also: claimed by it, not yet committed);</li>
 *   <li>{@code p + 1}: committed; the lease-state word says where the message is in its life;</li>
 *   <li>{@code p + capacity}: freed (acked, dead-lettered or a tombstone): free for position p + capacity.</li>
 *   <li>{@code SKIPPED_BIT | (s + 1)}, bit 63 set: still holds the committed message at the Position word, and a
 *   producer passed this slot by at position s (and every earlier position of this slot's laps since the message's
 *   own). Producers step over a slot whose message is still unacked instead of answering FULL, so one long-held
 *   lease never blocks its lane. Freeing such a slot moves the sequence on to s + capacity.</li>
 * </ul>
 * The lease-state word (offset 8, one long so one CAS changes state, holder and generation together) is
 * described in {@link LeaseState}. Every change of it adds one to the generation.
 */
public final class SlotDescriptor
{
    public static final int SEQUENCE_OFFSET = 0;
    public static final int LEASE_STATE_OFFSET = 8;
    public static final int DEADLINE_OFFSET = 16;
    public static final int MESSAGE_ID_OFFSET = 24;
    public static final int DELIVERY_COUNT_OFFSET = 32;
    public static final int PAYLOAD_LENGTH_OFFSET = 36;
    public static final int POSITION_OFFSET = 40;
    /**
     * In a lane slot only: epoch ms at which the message was committed, read from the producer's queue clock (the
     * process's ticking clock, at most about a millisecond old). Written by the producer with a plain store before
     * the commit, published by the commit like the payload (docs/protocol.md #3, #19 R4). 0 = unknown: writers older
     * than this field leave 0 (an additive field of layout version 2).
     * <p>
     * A dead-letter slot has no such word (offset 48 is its {@link #REDRIVE_TARGET_OFFSET}, and every other word is
     * used there too): a dead letter's enqueue time is unknown, and a redrive stamps its copy with the time of the
     * redrive, as a new enqueue in that lane (docs/layout.md; layout version 3 keeps it in every slot).
     */
    public static final int ENQUEUED_EPOCH_MS_OFFSET = 48;
    /** Enqueued Epoch ms: not known (a writer older than the word, or a dead letter). */
    public static final long UNKNOWN_ENQUEUE_TIME = 0;
    /**
     * In a dead-letter slot only: where the REDRIVING dead letter's copy is claimed, {@code lane << 56 | position + 1}
     * ({@link #redriveTarget}), 0 = none yet (docs/protocol.md #19). 0 whenever the dead letter is not REDRIVING: the
     * dead-letter move writes 0 before its commit, and a redrive given up clears it (CAS) before the dead letter goes
     * back to REQUEUED. An additive field of layout version 2: writers older than it leave it 0.
     */
    public static final int REDRIVE_TARGET_OFFSET = 48;
    /** Redrive Target: none. */
    public static final long NO_REDRIVE_TARGET = 0;
    /**
     * One plus the message's id in the queue it came from through a bridge (docs/bridge.md), 0 for a message sent
     * here (message ids start at 0, so the word is shifted by one to keep 0 for none).
     * Written by the producer before the commit, published by the commit like the payload; copied when the message
     * is dead-lettered. An additive field of layout version 2: writers older than it leave it 0.
     */
    public static final int ORIGIN_ID_OFFSET = 56;
    /** What {@code Lease.originId()} answers for a message that did not come through a bridge. */
    public static final long NO_ORIGIN = -1;
    public static final int SLOT_HEADER_LENGTH = 64;
    public static final int PAYLOAD_OFFSET = SLOT_HEADER_LENGTH;

    public static final int SLOT_ALIGNMENT = 64;

    /** Bit 63 of a sequence: the slot still holds its message and producers have skipped it (see above). */
    public static final long SKIPPED_BIT = 1L << 63;

    /** Deadline words carry the deadline in their low 40 bits: about 34 years of milliseconds. */
    public static final int DEADLINE_BITS = 40;
    public static final long DEADLINE_MASK = (1L << DEADLINE_BITS) - 1;
    /** A deadline of 0 with a matching tag means: the sweeper has claimed this lease for expiry. */
    public static final long DEADLINE_EXPIRING = 0;

    private SlotDescriptor()
    {
    }

    /**
     * @param maxPayloadLength largest payload.
     * @return bytes of one slot: header plus payload, rounded up to a whole number of cache lines.
     */
    public static int slotLength(final int maxPayloadLength)
    {
        return (int)QueueDescriptor.align(SLOT_HEADER_LENGTH + (long)maxPayloadLength, SLOT_ALIGNMENT);
    }

    /**
     * A deadline word: the deadline tagged with the lease's generation, so a deadline left over from an
     * earlier lease of the slot is never taken for the current one's.
     *
     * @param generation           the lease's generation (the lease-state word's).
     * @param deadlineSinceCreated deadline in ms since the file's creation epoch.
     * @return the word.
     */
    public static long deadlineWord(final int generation, final long deadlineSinceCreated)
    {
        return ((long)(generation & 0xFF_FFFF) << DEADLINE_BITS) | (deadlineSinceCreated & DEADLINE_MASK);
    }

    public static int deadlineTag(final long deadlineWord)
    {
        return (int)(deadlineWord >>> DEADLINE_BITS);
    }

    public static boolean deadlineBelongsTo(final long deadlineWord, final int generation)
    {
        return deadlineTag(deadlineWord) == (generation & 0xFF_FFFF);
    }

    public static long deadlineSinceCreated(final long deadlineWord)
    {
        return deadlineWord & DEADLINE_MASK;
    }

    /**
     * @param sequence a sequence word.
     * @return true if it says: the message at the Position word is still here and later positions skipped it.
     */
    public static boolean isSkipped(final long sequence)
    {
        return sequence < 0;
    }

    /**
     * @param sequence a sequence word with {@link #SKIPPED_BIT} set.
     * @return the last position that skipped the slot.
     */
    public static long lastSkippedPosition(final long sequence)
    {
        return (sequence & ~SKIPPED_BIT) - 1;
    }

    /**
     * @param lastSkipped the position a producer steps over.
     * @return the sequence that says so.
     */
    public static long skippedSequence(final long lastSkipped)
    {
        return SKIPPED_BIT | (lastSkipped + 1);
    }

    /**
     * @param lane     the lane the copy is claimed in.
     * @param position its position there.
     * @return the Redrive Target word.
     */
    public static long redriveTarget(final int lane, final long position)
    {
        return ((long)lane << 56) | ((position + 1) & 0x00FF_FFFF_FFFF_FFFFL);
    }

    /**
     * @param target a Redrive Target word other than {@link #NO_REDRIVE_TARGET}.
     * @return its lane.
     */
    public static int redriveTargetLane(final long target)
    {
        return (int)(target >>> 56);
    }

    /**
     * @param target a Redrive Target word other than {@link #NO_REDRIVE_TARGET}.
     * @return its position.
     */
    public static long redriveTargetPosition(final long target)
    {
        return (target & 0x00FF_FFFF_FFFF_FFFFL) - 1;
    }
}
