package io.ipcq.read;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.SendResult;
import io.ipcq.TempQueues;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.SlotDescriptor;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;

import static io.ipcq.layout.LeaseState.*;
import static io.ipcq.read.DecodedSlot.Content;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The decoder against words a real queue leaves (through the public API, read back through {@link QueueView}), and
 * against each impossible combination of {@link ImpossibleWord}, written as a corrupt file would hold it.
 */
class SlotDecoderTest
{
    private static final int CAPACITY = 8;
    private static final int MAX_PAYLOAD = 64;
    private static final int PARTICIPANTS = 4;

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    private final SlotDecoder decoder = new SlotDecoder(CAPACITY, MAX_PAYLOAD, PARTICIPANTS);

    @Test
    void aQueueInEveryStateDecodesAsItIs()
    {
        final IpcQueue queue = IpcQueue.create(queues.newPath(),
            QueueConfig.builder().capacity(4).maxPayloadLength(MAX_PAYLOAD).build(), SystemEpochClock.INSTANCE);
        queues.closeLater(queue);
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        for (int i = 0; i < 4; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, ("m" + i).getBytes(StandardCharsets.US_ASCII)));
        }
        final Lease held = consumer.tryLease();                   // position 0 stays leased
        assertTrue(consumer.tryLease().ack());                    // position 1 freed
        final Lease released = consumer.tryLease();               // position 2 requeued
        assertTrue(released.release());
        assertEquals(SendResult.OK, producer.trySend(0, "m5".getBytes(StandardCharsets.US_ASCII)));  // skips 4, takes 5

        try (QueueView view = QueueView.open(queue.path()))
        {
            final long tail = view.lane(0).tail();
            assertEquals(6, tail);
            final DecodedSlot slot0 = view.decode(0, 0, tail);
            assertEquals(Content.MESSAGE, slot0.content());
            assertEquals(0, slot0.position());
            assertTrue(slot0.skipped());
            assertEquals(4, slot0.skippedThrough());
            assertEquals(LEASED, slot0.state());
            assertTrue(slot0.holder() >= 1 && slot0.holder() <= view.geometry().participantCapacity());

            final DecodedSlot slot1 = view.decode(0, 1, tail);
            assertEquals(Content.MESSAGE, slot1.content(), "position 5 took the freed slot");
            assertEquals(5, slot1.position());
            assertEquals(READY, slot1.state());

            final DecodedSlot slot2 = view.decode(0, 2, tail);
            assertEquals(Content.MESSAGE, slot2.content());
            assertEquals(2, slot2.position());
            assertEquals(REQUEUED, slot2.state());
            assertFalse(slot2.skipped());

            final DecodedSlot slot3 = view.decode(0, 3, tail);
            assertEquals(3, slot3.position());
            assertEquals(READY, slot3.state());

            final int deadLetters = view.layout().deadLetterRing();
            final DecodedSlot free = view.decode(deadLetters, 1, view.lane(deadLetters).tail());
            assertEquals(Content.FREE, free.content());
            assertEquals(1, free.position(), "the dead-letter ring's slot 1 is free for position 1");
            assertNull(free.impossible());
        }
        assertTrue(held.ack());
    }

    @Test
    void freeClaimedAndHalfDoneSlotsDecode()
    {
        final long free = pack(FREE, NO_HOLDER, 6);
        assertEquals(Content.FREE, decoder.decode(3, 3, 3, free, 0, 0).content());
        assertEquals(Content.FREE, decoder.decode(3, 0, 11, free, 3, 5).content(), "free for position 11");
        assertEquals(11, decoder.decode(3, 0, 11, free, 3, 5).position());
        assertEquals(Content.CLAIMED, decoder.decode(3, 12, 11, free, 3, 5).content(),
            "FREE below the tail: the claim's CLAIMED store not done yet");
        assertEquals(Content.CLAIMED, decoder.decode(3, 12, 11, pack(CLAIMED, 2, 7), 11, 5).content());
        assertEquals(Content.CLAIMED, decoder.decode(3, 12, 11, pack(READY, NO_HOLDER, 8), 11, 5).content(),
            "READY, sequence not moved: a commit half done");
        final DecodedSlot freeing = decoder.decode(3, 12, 12, pack(FREE, NO_HOLDER, 9), 11, 5);
        assertEquals(Content.FREEING, freeing.content(), "committed sequence, FREE word: a free half done");
        assertEquals(11, freeing.position());
        final DecodedSlot skippedFreeing = decoder.decode(3, 40, SlotDescriptor.skippedSequence(19),
            pack(FREE, NO_HOLDER, 9), 11, 5);
        assertEquals(Content.FREEING, skippedFreeing.content());
        assertEquals(19, skippedFreeing.skippedThrough());
    }

    @Test
    void theEnqueueTimeBelongsOnlyToAMessageHeld()
    {
        final long enqueued = 1_780_000_000_000L;
        final DecodedSlot message = decoder.decode(3, 12, 12, pack(READY, NO_HOLDER, 8), 11, 5, enqueued);
        assertEquals(Content.MESSAGE, message.content());
        assertEquals(enqueued, message.enqueuedEpochMs());
        assertEquals(250, message.ageMs(enqueued + 250));
        assertEquals(0, message.ageMs(enqueued - 1), "a clock behind the writer's: never a negative age");
        assertEquals(enqueued, decoder.decode(3, 12, 12, pack(FREE, NO_HOLDER, 9), 11, 5, enqueued)
            .enqueuedEpochMs(), "freeing: still the message's");
        for (final DecodedSlot stale : new DecodedSlot[]{
            decoder.decode(3, 0, 11, pack(FREE, NO_HOLDER, 6), 3, 5, enqueued),
            decoder.decode(3, 12, 11, pack(CLAIMED, 2, 7), 11, 5, enqueued),
            decoder.decode(3, 100, 12, pack(9, 0, 1), 11, 5, enqueued) })
        {
            assertFalse(stale.enqueueTimeKnown(), () -> "left over from an earlier message: " + stale);
            assertEquals(-1, stale.ageMs(enqueued));
        }
        assertFalse(decoder.decode(3, 12, 12, pack(READY, NO_HOLDER, 8), 11, 5).enqueueTimeKnown(),
            "0 = unknown (a writer older than the word)");
    }

    @Test
    void everyImpossibleWordIsNamed()
    {
        final long committed = 12;                               // position 11, slot 3
        assertImpossible(ImpossibleWord.STATE_NOT_IN_TABLE, committed, ((long)(REDRIVING + 1) << 56) | 1, 11, 5);
        assertImpossible(ImpossibleWord.NO_HOLDER_ON_HELD_STATE, committed, pack(REDRIVING, NO_HOLDER, 1), 11, 5);
        assertImpossible(ImpossibleWord.UNCOMMITTED_DELIVERY, 11, pack(REDRIVING, 1, 1), 11, 5);
        assertFalse(decoder.decode(3, 40, committed, pack(REDRIVING, 1, 1), 11, 5).invalid(),
            "a dead letter being redriven");
        assertImpossible(ImpossibleWord.HOLDER_BEYOND_CAPACITY, committed, pack(LEASED, PARTICIPANTS + 1, 1), 11, 5);
        assertImpossible(ImpossibleWord.HOLDER_ON_UNHELD_STATE, committed, pack(READY, 1, 1), 11, 5);
        assertImpossible(ImpossibleWord.HOLDER_ON_UNHELD_STATE, committed, pack(REQUEUED, 2, 1), 11, 5);
        assertImpossible(ImpossibleWord.NO_HOLDER_ON_HELD_STATE, committed, pack(LEASED, NO_HOLDER, 1), 11, 5);
        assertImpossible(ImpossibleWord.LENGTH_BEYOND_MAX_PAYLOAD, committed, pack(READY, 0, 1), 11, MAX_PAYLOAD + 1);
        assertImpossible(ImpossibleWord.LENGTH_BEYOND_MAX_PAYLOAD, committed, pack(READY, 0, 1), 11, -1);
        assertImpossible(ImpossibleWord.SEQUENCE_OF_ANOTHER_SLOT, 14, pack(READY, 0, 1), 11, 5);
        assertImpossible(ImpossibleWord.SKIPPED_POSITION_MISMATCH, SlotDescriptor.skippedSequence(19),
            pack(LEASED, 1, 1), 12, 5);
        assertImpossible(ImpossibleWord.SKIPPED_POSITION_MISMATCH, SlotDescriptor.skippedSequence(19),
            pack(LEASED, 1, 1), 19, 5);
        assertImpossible(ImpossibleWord.SKIPPED_POSITION_MISMATCH, SlotDescriptor.skippedSequence(18),
            pack(LEASED, 1, 1), 11, 5);
        assertImpossible(ImpossibleWord.SKIPPED_CLAIM, SlotDescriptor.skippedSequence(19), pack(CLAIMED, 1, 1), 11, 5);
        assertImpossible(ImpossibleWord.COMMITTED_CLAIM, committed, pack(CLAIMED, 1, 1), 11, 5);
        assertImpossible(ImpossibleWord.UNCOMMITTED_DELIVERY, 11, pack(LEASED, 1, 1), 11, 5);
        assertImpossible(ImpossibleWord.UNCOMMITTED_DELIVERY, 11, pack(PARKED, 0, 1), 11, 5);
        assertImpossible(ImpossibleWord.POSITION_MISMATCH, committed, pack(READY, 0, 1), 3, 5);
        final DecodedSlot valid = decoder.decode(3, 12, committed, pack(LEASED, PARTICIPANTS, 1), 11, MAX_PAYLOAD);
        assertEquals(Content.MESSAGE, valid.content(), "the largest holder and the max length are possible");
    }

    @Test
    void fateFollowsTheLayoutPage()
    {
        final long leased = pack(LEASED, 1, 1);
        assertEquals(SlotDecoder.Fate.HELD, fate(11, 12, leased, 11));
        assertEquals(SlotDecoder.Fate.HELD, fate(11, 12, pack(FREE, 0, 2), 11), "a free half done still holds it");
        assertEquals(SlotDecoder.Fate.CLAIMED_ONLY, fate(11, 11, pack(CLAIMED, 1, 1), 11));
        assertEquals(SlotDecoder.Fate.CLAIMED_ONLY, fate(11, 11, pack(FREE, 0, 2), 3), "tail moved, no CLAIMED yet");
        assertEquals(SlotDecoder.Fate.PASSED, fate(11, 19, pack(FREE, 0, 2), 11));
        assertEquals(SlotDecoder.Fate.PASSED, fate(11, 20, pack(READY, 0, 2), 19));
        assertEquals(SlotDecoder.Fate.HELD, fate(11, SlotDescriptor.skippedSequence(19), leased, 11));
        assertEquals(SlotDecoder.Fate.SKIPPED, fate(19, SlotDescriptor.skippedSequence(19), leased, 11));
        assertEquals(SlotDecoder.Fate.HELD, fate(11, 12, pack(9, 0, 1), 11), "an invalid slot is never passed over");
    }

    private SlotDecoder.Fate fate(final long position, final long sequence, final long word, final long positionWord)
    {
        return SlotDecoder.fate(position, decoder.decode(3, 100, sequence, word, positionWord, 5));
    }

    private void assertImpossible(
        final ImpossibleWord expected, final long sequence, final long word, final long position, final int length)
    {
        final DecodedSlot slot = decoder.decode(3, 100, sequence, word, position, length);
        assertEquals(Content.INVALID, slot.content(), () -> expected + ": " + slot);
        assertEquals(expected, slot.impossible(), () -> LeaseState.toString(word) + " seq " + sequence);
    }
}
