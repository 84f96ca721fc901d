package io.ipcq.tools.chaos;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.SendResult;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.SlotDescriptor;
import io.ipcq.read.QueueView;
import org.agrona.IoUtil;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The doctor reads slots the producers skipped (bit 63 of the sequence, the message's position in the Position word)
 * for what they are, and recognises a free of a skipped slot cut before its sequence CAS. The queue is built through
 * the public API; the cut free is then written into the file by hand, as a holder killed at that instant leaves it.
 */
class RingDoctorTest
{
    @TempDir
    Path directory;

    private IpcQueue queue;
    private MappedByteBuffer mapping;
    private QueueView view;

    @AfterEach
    void close()
    {
        if (view != null)
        {
            view.close();
        }
        if (mapping != null)
        {
            IoUtil.unmap(mapping);
        }
        if (queue != null)
        {
            queue.close();
        }
    }

    @Test
    void aSkippedSlotIsDecodedAndItsCutFreeIsFound()
    {
        final Path path = directory.resolve("q");
        // Manual mode: no background reaper to finish the cut free below or to move the Full Epoch.
        queue = IpcQueue.create(path, QueueConfig.builder().capacity(4).maxPayloadLength(64).build(),
            SystemEpochClock.INSTANCE);
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        for (int i = 0; i < 4; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, ("m" + i).getBytes(StandardCharsets.US_ASCII)));
        }
        final Lease held = consumer.tryLease();
        assertEquals(0, held.id());
        for (int i = 1; i < 4; i++)
        {
            assertTrue(consumer.tryLease().ack());
        }
        for (int i = 4; i < 7; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(0, ("m" + i).getBytes(StandardCharsets.US_ASCII)));
        }
        view = QueueView.open(path);
        assertTrue(view.decode(0, 0, view.lane(0).tail()).skipped(), "position 4 skipped slot 0");
        // A writable mapping only to leave what a holder killed mid-free leaves.
        mapping = IoUtil.mapExistingFile(path.toFile(), FileChannel.MapMode.READ_WRITE, "queue");
        final UnsafeBuffer file = new UnsafeBuffer(mapping);
        final int slot0 = view.layout().slotOffset(0, 0);

        List<String> findings = RingDoctor.examine(view);
        assertNoRawSkippedSequence(findings);
        assertTrue(findings.stream().anyMatch(f -> f.startsWith("lane 0 position 4 (slot 0, sequence skipped through " +
            "4): LEASED") && f.contains("the message of position 0, skipped by producers through position 4 " +
            "(message still in the ring)")), findings::toString);
        assertTrue(findings.stream().anyMatch(f -> f.startsWith("lane 0: tail 8, lease cursor 4, head hint 0, " +
            "full epoch 1 (odd: no free since a search past held slots); 4 position(s) not freed")),
            findings::toString);

        // The holder's ack cut between its FREE store and its sequence CAS: FREE, the sequence still skipped.
        final long leased = view.slot(0, 0).leaseStateWord();
        file.putLongVolatile(slot0 + SlotDescriptor.LEASE_STATE_OFFSET,
            LeaseState.next(leased, LeaseState.FREE, LeaseState.NO_HOLDER));
        findings = RingDoctor.examine(view);
        assertNoRawSkippedSequence(findings);
        assertTrue(findings.stream().anyMatch(f -> f.startsWith("lane 0 position 4 (slot 0, sequence skipped through " +
            "4): FREE but its sequence still says skipped (holding position 0, skipped through 4): a free cut")),
            findings::toString);
        file.putLongVolatile(slot0 + SlotDescriptor.LEASE_STATE_OFFSET, leased);
        assertTrue(held.ack(), "the holder's lease is as it was");

        findings = RingDoctor.examine(view);
        assertTrue(findings.stream().anyMatch(f -> f.startsWith("lane 0: tail 8, lease cursor 4, head hint 0, " +
            "full epoch 2; 3 position(s) not freed")), "the ack made the epoch even: " + findings);
        assertFalse(findings.stream().anyMatch(f -> f.contains("slot 0")), "slot 0 freed: " + findings);
    }

    @Test
    void impossibleWordsAreNamed()
    {
        final Path path = directory.resolve("corrupt");
        queue = IpcQueue.create(path, QueueConfig.builder().capacity(4).maxPayloadLength(64).build(),
            SystemEpochClock.INSTANCE);
        final Producer producer = queue.producer();
        assertEquals(SendResult.OK, producer.trySend(0, "a".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(SendResult.OK, producer.trySend(0, "b".getBytes(StandardCharsets.US_ASCII)));
        view = QueueView.open(path);
        mapping = IoUtil.mapExistingFile(path.toFile(), FileChannel.MapMode.READ_WRITE, "queue");
        final int slot1 = view.layout().slotOffset(0, 1);
        // A READY word with a holder: no run of the protocol writes one.
        new UnsafeBuffer(mapping).putLongVolatile(slot1 + SlotDescriptor.LEASE_STATE_OFFSET,
            LeaseState.pack(LeaseState.READY, 1, 2));

        final List<String> findings = RingDoctor.examine(view);
        assertTrue(findings.stream().anyMatch(f -> f.startsWith("lane 0 position 1 (slot 1, sequence 2): INVALID: " +
            "a holder on a state nobody holds")), findings::toString);
        assertTrue(findings.stream().anyMatch(f -> f.startsWith("lane 0 position 0 (slot 0, sequence 1): READY")),
            findings::toString);
    }

    private static void assertNoRawSkippedSequence(final List<String> findings)
    {
        assertFalse(findings.stream().anyMatch(f -> f.contains("-922337203685477")), "a raw skipped sequence: " + findings);
    }
}
