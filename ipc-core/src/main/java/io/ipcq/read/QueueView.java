package io.ipcq.read;

import io.ipcq.CorruptQueueException;
import io.ipcq.QueueException;
import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.layout.SlotDescriptor;
import org.agrona.IoUtil;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * A read-only view of a queue file: the validated header, its {@link QueueLayout}, flyweights over its parts and a
 * {@link SlotDecoder} per ring. It never writes and never attaches, so it works on a queue whose processes are all
 * dead; modelled on Aeron's CncFileReader. Nothing read through it is a consistent snapshot of the whole queue while
 * others work on it: each word is as it was when loaded (see docs/operations.md).
 * <p>
 * Not thread-safe: each thread reads through its own view (the flyweights are reused).
 */
public final class QueueView implements AutoCloseable
{
    /** Reads of a slot that retry while its sequence moves, before the last read is decoded as it is. */
    private static final int STABLE_READ_ATTEMPTS = 8;

    private final String name;
    private final AtomicBuffer buffer;
    private final MappedByteBuffer mapping;
    private final QueueLayout layout;
    private final SlotDecoder laneDecoder;
    private final SlotDecoder deadLetterDecoder;
    private final HeaderFlyweight header = new HeaderFlyweight();
    private final LaneFlyweight lane = new LaneFlyweight();
    private final SlotFlyweight slot = new SlotFlyweight();
    private final ParticipantFlyweight participant = new ParticipantFlyweight();

    private QueueView(final String name, final AtomicBuffer buffer, final MappedByteBuffer mapping)
    {
        this.name = name;
        this.buffer = buffer;
        this.mapping = mapping;
        header.wrap(buffer, 0);
        final QueueDescriptor.Geometry geometry = header.validate(name, buffer.capacity());
        this.layout = new QueueLayout(geometry);
        this.laneDecoder = new SlotDecoder(
            geometry.laneCapacity(), geometry.maxPayloadLength(), geometry.participantCapacity());
        this.deadLetterDecoder = new SlotDecoder(
            geometry.deadLetterCapacity(), geometry.maxPayloadLength(), geometry.participantCapacity());
    }

    /**
     * Maps a queue file read-only and validates its header.
     *
     * @param path the queue file.
     * @return the view; close it to unmap.
     * @throws CorruptQueueException if the file is not a queue (a message that says why).
     * @throws QueueException        if it cannot be read.
     */
    public static QueueView open(final Path path)
    {
        return QueueMapping.map(path, true, false,
            (channel, fileKey, mapping) -> new QueueView(path.toString(), new UnsafeBuffer(mapping), mapping));
    }

    /**
     * A view over a buffer that already maps a whole queue file (for example an attached queue's own mapping). The
     * header is validated; closing the view leaves the buffer mapped.
     *
     * @param name   how to name the file in messages.
     * @param buffer over the whole file.
     * @return the view.
     */
    public static QueueView over(final String name, final AtomicBuffer buffer)
    {
        HeaderFlyweight.checkFileSize(name, buffer.capacity());
        return new QueueView(name, buffer, null);
    }

    /** @return how messages name the file (its path). */
    public String name()
    {
        return name;
    }

    /** @return where everything is in this file. */
    public QueueLayout layout()
    {
        return layout;
    }

    /** @return the validated geometry. */
    public QueueDescriptor.Geometry geometry()
    {
        return layout.geometry();
    }

    /** @return the header flyweight (always wrapped at 0). */
    public HeaderFlyweight header()
    {
        return header;
    }

    /**
     * @param ring a lane, or the dead-letter ring ({@link QueueLayout#deadLetterRing()}).
     * @return the view's lane flyweight wrapped at that ring's lane table entry.
     */
    public LaneFlyweight lane(final int ring)
    {
        return lane.wrap(buffer, layout.laneOffset(ring));
    }

    /**
     * @param ring  a lane, or the dead-letter ring.
     * @param index a slot index.
     * @return the view's slot flyweight wrapped at that slot.
     */
    public SlotFlyweight slot(final int ring, final int index)
    {
        return slot.wrap(buffer, layout.slotOffset(ring, index));
    }

    /**
     * @param index a participant row.
     * @return the view's participant flyweight wrapped at that row.
     */
    public ParticipantFlyweight participant(final int index)
    {
        return participant.wrap(buffer, layout.participantOffset(index));
    }

    /**
     * @param ring a lane, or the dead-letter ring.
     * @return the decoder for that ring's slots.
     */
    public SlotDecoder decoder(final int ring)
    {
        return layout.isDeadLetterRing(ring) ? deadLetterDecoder : laneDecoder;
    }

    /**
     * Reads a slot's words consistently (the sequence, then the other words, then the sequence again, until it did
     * not move; docs/layout.md) and decodes them. Leaves {@link #slot(int, int)}'s flyweight on this slot.
     *
     * @param ring  a lane, or the dead-letter ring.
     * @param index a slot index.
     * @param tail  the ring's tail, read before (see {@link SlotDecoder#decode}).
     * @return what the slot holds.
     */
    public DecodedSlot decode(final int ring, final int index, final long tail)
    {
        final SlotFlyweight slot = slot(ring, index);
        // Word 48 is the enqueue time only in a lane; in a dead-letter slot it is the Redrive Target.
        final boolean enqueueTime = !layout.isDeadLetterRing(ring);
        long sequence = slot.sequence();
        long word;
        long position;
        int length;
        long enqueued;
        int attempt = 0;
        while (true)
        {
            word = slot.leaseStateWord();
            position = slot.position();
            length = slot.payloadLength();
            enqueued = enqueueTime ? slot.enqueuedEpochMs() : SlotDescriptor.UNKNOWN_ENQUEUE_TIME;
            final long again = slot.sequence();
            if (again == sequence || ++attempt == STABLE_READ_ATTEMPTS)
            {
                break;
            }
            sequence = again;
        }
        return decoder(ring).decode(index, tail, sequence, word, position, length, enqueued);
    }

    /**
     * @param counterIndex one of {@link CounterIndex}.
     * @return the header's total plus every row in use (rows change while this reads: see docs/operations.md).
     */
    public long counterTotal(final int counterIndex)
    {
        long total = header.counter(counterIndex);
        for (int index = 0; index < layout.geometry().participantCapacity(); index++)
        {
            final ParticipantFlyweight row = participant(index);
            if (row.rowState() != ParticipantDescriptor.ROW_FREE)
            {
                total += row.counter(counterIndex);
            }
        }
        return total;
    }

    /**
     * @return the row index of the elected reaper, or -1 when none is elected (or the word names no row).
     */
    public int reaperParticipant()
    {
        final long owner = header.reaperOwner();
        return owner >= 1 && owner <= layout.geometry().participantCapacity() ? (int)owner - 1 : -1;
    }

    /** Unmaps the file if {@link #open(Path)} mapped it. */
    @Override
    public void close()
    {
        if (mapping != null)
        {
            IoUtil.unmap(mapping);
        }
    }
}
