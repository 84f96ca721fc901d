package io.ipcq.read;

import io.ipcq.layout.LeaseState;
import io.ipcq.layout.SlotDescriptor;

import static io.ipcq.layout.LeaseState.*;

/**
 * Decodes a slot's words into what it holds (docs/layout.md "Decoding a slot" and "Impossible words"): the one place
 * outside the protocol that interprets a sequence, a lease-state word and a Position word together. Pure: it reads
 * no memory, so it decodes words however they were read (see {@link QueueView#decode(int, int, long)} for a read
 * that is consistent while others work).
 */
public final class SlotDecoder
{
    private final int capacity;
    private final long mask;
    private final int maxPayloadLength;
    private final int participantCapacity;

    /**
     * @param capacity            slots of the ring, a power of two.
     * @param maxPayloadLength    the queue's max payload.
     * @param participantCapacity rows of the participants table (the largest holder).
     */
    public SlotDecoder(final int capacity, final int maxPayloadLength, final int participantCapacity)
    {
        if (Integer.bitCount(capacity) != 1)
        {
            throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
        }
        this.capacity = capacity;
        this.mask = capacity - 1;
        this.maxPayloadLength = maxPayloadLength;
        this.participantCapacity = participantCapacity;
    }

    /** @return slots of the ring this decoder decodes. */
    public int capacity()
    {
        return capacity;
    }

    /**
     * @param index          the slot's index in its ring.
     * @param tail           the ring's tail (without the sealed bit), read before the slot: tells a free slot from a
     *                       claim whose CLAIMED word is not stored yet.
     * @param sequence       the Sequence word.
     * @param leaseStateWord the lease-state word.
     * @param positionWord   the Position word.
     * @param payloadLength  the payload length word.
     * @return what the slot holds (enqueue time unknown: see the overload that takes it).
     */
    public DecodedSlot decode(
        final int index, final long tail, final long sequence, final long leaseStateWord, final long positionWord,
        final int payloadLength)
    {
        return decode(index, tail, sequence, leaseStateWord, positionWord, payloadLength,
            SlotDescriptor.UNKNOWN_ENQUEUE_TIME);
    }

    /**
     * @param index           the slot's index in its ring.
     * @param tail            the ring's tail (without the sealed bit), read before the slot.
     * @param sequence        the Sequence word.
     * @param leaseStateWord  the lease-state word.
     * @param positionWord    the Position word.
     * @param payloadLength   the payload length word.
     * @param enqueuedEpochMs the Enqueued Epoch ms word of a lane slot; {@link SlotDescriptor#UNKNOWN_ENQUEUE_TIME}
     *                        for a dead-letter slot (whose word 48 is the Redrive Target).
     * @return what the slot holds; the enqueue time only where it belongs to the message held (MESSAGE, FREEING).
     */
    public DecodedSlot decode(
        final int index, final long tail, final long sequence, final long leaseStateWord, final long positionWord,
        final int payloadLength, final long enqueuedEpochMs)
    {
        final int state = LeaseState.state(leaseStateWord);
        final int holder = LeaseState.holder(leaseStateWord);
        final long generation = Integer.toUnsignedLong(LeaseState.generation(leaseStateWord));
        final boolean skipped = SlotDescriptor.isSkipped(sequence);
        final long skippedThrough = skipped ? SlotDescriptor.lastSkippedPosition(sequence) : -1;

        final ImpossibleWord impossible = impossible(index, sequence, state, holder, positionWord, payloadLength);
        if (impossible != null)
        {
            return new DecodedSlot(sequence, DecodedSlot.Content.INVALID, positionWord, skippedThrough, state, holder,
                generation, impossible, SlotDescriptor.UNKNOWN_ENQUEUE_TIME);
        }
        final DecodedSlot.Content content;
        final long position;
        if (skipped)
        {
            content = state == FREE ? DecodedSlot.Content.FREEING : DecodedSlot.Content.MESSAGE;
            position = positionWord;
        }
        else if ((sequence & mask) == index)
        {
            position = sequence;
            content = state == CLAIMED || state == READY || (state == FREE && sequence < tail) ?
                DecodedSlot.Content.CLAIMED : DecodedSlot.Content.FREE;
        }
        else
        {
            position = sequence - 1;
            content = state == FREE ? DecodedSlot.Content.FREEING : DecodedSlot.Content.MESSAGE;
        }
        // A free slot or a claim keeps the word of the message it held before: not this slot's time.
        final boolean holdsMessage = content == DecodedSlot.Content.MESSAGE || content == DecodedSlot.Content.FREEING;
        return new DecodedSlot(sequence, content, position, skippedThrough, state, holder, generation, null,
            holdsMessage ? enqueuedEpochMs : SlotDescriptor.UNKNOWN_ENQUEUE_TIME);
    }

    /**
     * @return the first impossible combination of the words (in {@link ImpossibleWord}'s order), or null.
     */
    private ImpossibleWord impossible(
        final int index, final long sequence, final int state, final int holder, final long positionWord,
        final int payloadLength)
    {
        if (!LeaseState.isValidState(state))
        {
            return ImpossibleWord.STATE_NOT_IN_TABLE;
        }
        if (holder > participantCapacity)
        {
            return ImpossibleWord.HOLDER_BEYOND_CAPACITY;
        }
        final boolean held = state == CLAIMED || state == LEASED || state == DEAD_LETTERING || state == REDRIVING;
        if (!held && holder != NO_HOLDER)
        {
            return ImpossibleWord.HOLDER_ON_UNHELD_STATE;
        }
        if (held && holder == NO_HOLDER)
        {
            return ImpossibleWord.NO_HOLDER_ON_HELD_STATE;
        }
        if (SlotDescriptor.isSkipped(sequence))
        {
            final long last = SlotDescriptor.lastSkippedPosition(sequence);
            if ((last & mask) != index || (positionWord & mask) != index || positionWord < 0 || positionWord >= last)
            {
                return ImpossibleWord.SKIPPED_POSITION_MISMATCH;
            }
            if (state == CLAIMED)
            {
                return ImpossibleWord.SKIPPED_CLAIM;
            }
            return messageLength(state, payloadLength);
        }
        if ((sequence & mask) == index)
        {
            final boolean delivered = state == LEASED || state == REQUEUED || state == DEAD_LETTERING ||
                state == PARKED || state == REDRIVING;
            return delivered ? ImpossibleWord.UNCOMMITTED_DELIVERY : null;
        }
        if (((sequence - 1) & mask) != index || sequence < 1)
        {
            return ImpossibleWord.SEQUENCE_OF_ANOTHER_SLOT;
        }
        if (state == CLAIMED)
        {
            return ImpossibleWord.COMMITTED_CLAIM;
        }
        if (positionWord != sequence - 1)
        {
            return ImpossibleWord.POSITION_MISMATCH;
        }
        return messageLength(state, payloadLength);
    }

    /**
     * The length of a committed message: a slot that no longer holds one (FREE) may keep any left-over length.
     */
    private ImpossibleWord messageLength(final int state, final int payloadLength)
    {
        final boolean holdsMessage = state != FREE;
        return holdsMessage && (payloadLength < 0 || payloadLength > maxPayloadLength) ?
            ImpossibleWord.LENGTH_BEYOND_MAX_PAYLOAD : null;
    }

    /** What happened to one position, seen from its slot (docs/layout.md, "What happened to position p"). */
    public enum Fate
    {
        /** The slot holds p's committed message (skipped by later positions or not). */
        HELD,
        /** p is claimed and not committed: consumers wait here. */
        CLAIMED_ONLY,
        /** p was skipped: an older message sits in its slot; p carries no message, ever. */
        SKIPPED,
        /** The slot serves a later position: p was freed (or skipped, and the older message freed since). */
        PASSED
    }

    /**
     * The layout page's {@code fate_of}, from a decoded slot.
     *
     * @param position a position below the tail, served by the slot decoded.
     * @param slot     the slot, decoded.
     * @return what happened to that position; an INVALID slot counts as HELD (it is reported, never passed over).
     */
    public static Fate fate(final long position, final DecodedSlot slot)
    {
        if (slot.invalid())
        {
            return Fate.HELD;
        }
        if (slot.skipped())
        {
            if (slot.position() == position)
            {
                return Fate.HELD;
            }
            return slot.position() < position ? Fate.SKIPPED : Fate.PASSED;
        }
        if (slot.position() != position)
        {
            return Fate.PASSED;
        }
        final DecodedSlot.Content content = slot.content();
        return content == DecodedSlot.Content.MESSAGE || content == DecodedSlot.Content.FREEING ?
            Fate.HELD : Fate.CLAIMED_ONLY;
    }
}
