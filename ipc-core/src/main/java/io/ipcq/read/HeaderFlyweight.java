package io.ipcq.read;

import io.ipcq.CorruptQueueException;
import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.QueueDescriptor;
import org.agrona.concurrent.AtomicBuffer;

import static io.ipcq.layout.QueueDescriptor.*;

/**
 * Read-only flyweight over the file header (the words and their diagram: {@link QueueDescriptor},
 * docs/layout.md "Header"). {@link #validate(String, long)} holds every check a reader makes before it trusts the
 * file, in one place: {@code QueueFile} (which attaches) and {@link QueueView} (which only reads) both call it.
 */
public final class HeaderFlyweight
{
    private AtomicBuffer buffer;
    private int offset;

    /**
     * @param buffer over the file.
     * @param offset of the header (0 in a file).
     * @return this.
     */
    public HeaderFlyweight wrap(final AtomicBuffer buffer, final int offset)
    {
        this.buffer = buffer;
        this.offset = offset;
        return this;
    }

    /** @return the Magic word: "IPCQFILE" as a little-endian long in a queue file. */
    public long magic()
    {
        return buffer.getLong(offset + MAGIC_OFFSET);
    }

    /** @return the layout version: 0 while creation has not finished (a release store, read with acquire). */
    public int layoutVersion()
    {
        return buffer.getIntVolatile(offset + LAYOUT_VERSION_OFFSET);
    }

    /** @return the Header Length word (1024). */
    public int headerLength()
    {
        return buffer.getInt(offset + HEADER_LENGTH_OFFSET);
    }

    /** @return the number of priority lanes. */
    public int lanes()
    {
        return buffer.getInt(offset + LANES_OFFSET);
    }

    /** @return slots per lane. */
    public int laneCapacity()
    {
        return buffer.getInt(offset + LANE_CAPACITY_OFFSET);
    }

    /** @return bytes per slot, header included. */
    public int slotLength()
    {
        return buffer.getInt(offset + SLOT_LENGTH_OFFSET);
    }

    /** @return the largest payload in bytes. */
    public int maxPayloadLength()
    {
        return buffer.getInt(offset + MAX_PAYLOAD_LENGTH_OFFSET);
    }

    /** @return deliveries before a message is dead-lettered. */
    public int maxDeliveries()
    {
        return buffer.getInt(offset + MAX_DELIVERIES_OFFSET);
    }

    /** @return rows of the participants table. */
    public int participantCapacity()
    {
        return buffer.getInt(offset + PARTICIPANT_CAPACITY_OFFSET);
    }

    /** @return slots of the dead-letter ring. */
    public int deadLetterCapacity()
    {
        return buffer.getInt(offset + DEAD_LETTER_CAPACITY_OFFSET);
    }

    /** @return the default lease length, ms. */
    public long leaseTimeoutMs()
    {
        return buffer.getLong(offset + LEASE_TIMEOUT_MS_OFFSET);
    }

    /** @return the silence, ms, after which a participant is presumed dead. */
    public long heartbeatTimeoutMs()
    {
        return buffer.getLong(offset + HEARTBEAT_TIMEOUT_MS_OFFSET);
    }

    /** @return the creation time, epoch ms: the origin of every lease deadline. */
    public long createdEpochMs()
    {
        return buffer.getLong(offset + CREATED_EPOCH_MS_OFFSET);
    }

    /** @return the File Length word: must equal the file's size. */
    public long fileLength()
    {
        return buffer.getLong(offset + FILE_LENGTH_OFFSET);
    }

    /** @return the pid of the process that created the file (informational). */
    public long creatorPid()
    {
        return buffer.getLong(offset + CREATOR_PID_OFFSET);
    }

    /** @return the Lane Table Offset word (1024). */
    public long laneTableOffset()
    {
        return buffer.getLong(offset + LANE_TABLE_OFFSET_OFFSET);
    }

    /** @return the Participant Table Offset word. */
    public long participantTableOffset()
    {
        return buffer.getLong(offset + PARTICIPANT_TABLE_OFFSET_OFFSET);
    }

    /** @return the Rings Offset word: where the ring of lane 0 starts. */
    public long ringsOffset()
    {
        return buffer.getLong(offset + RINGS_OFFSET_OFFSET);
    }

    /** @return the Dead-Letter Ring Offset word. */
    public long deadLetterRingOffset()
    {
        return buffer.getLong(offset + DEAD_LETTER_RING_OFFSET_OFFSET);
    }

    /** @return the sealed word: 0 open, 1 sealed. */
    public int sealedWord()
    {
        return buffer.getIntVolatile(offset + SEALED_OFFSET);
    }

    /** @return true once the queue is sealed (the sealed word is 1). */
    public boolean sealed()
    {
        return sealedWord() != 0;
    }

    /** @return the Reaper Owner word: participant index + 1 of the elected reaper, 0 when none is elected. */
    public long reaperOwner()
    {
        return buffer.getLongVolatile(offset + REAPER_OWNER_OFFSET);
    }

    /** @return epoch ms of the elected reaper's last pass (0 if no reaper ever ran). */
    public long reaperHeartbeatEpochMs()
    {
        return buffer.getLongVolatile(offset + REAPER_HEARTBEAT_OFFSET);
    }

    /**
     * @param counterIndex one of {@link CounterIndex}.
     * @return the header's total of that counter (counts folded in from detached rows, and sweeps' work).
     */
    public long counter(final int counterIndex)
    {
        return buffer.getLongVolatile(offset + QueueDescriptor.counterOffset(counterIndex));
    }

    /**
     * Checks every header word against the geometry it implies and the file's size (docs/layout.md: "A reader must
     * check, before trusting anything"), and throws a {@link CorruptQueueException} that names the first word wrong.
     *
     * @param name     how to name the file in a message (its path).
     * @param fileSize bytes the file (or the buffer) holds.
     * @return the validated geometry.
     */
    public Geometry validate(final String name, final long fileSize)
    {
        final long magic = magic();
        if (magic != MAGIC)
        {
            throw new CorruptQueueException(name + " is not an ipcq queue: magic is 0x" + Long.toHexString(magic) +
                ", expected 0x" + Long.toHexString(MAGIC) + " (\"IPCQFILE\")");
        }
        final int version = layoutVersion();
        if (version == 0)
        {
            throw new CorruptQueueException(name + " is not ready: layout version is 0 (its creation never finished)");
        }
        if (version != LAYOUT_VERSION)
        {
            throw new CorruptQueueException(name + " has layout version " + version + "; this ipcq reads version " +
                LAYOUT_VERSION);
        }
        checkWord(name, "header length", headerLength(), HEADER_LENGTH);

        final Geometry geometry = new Geometry(
            lanes(), laneCapacity(), maxPayloadLength(), participantCapacity(), deadLetterCapacity());
        try
        {
            geometry.validate();
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CorruptQueueException(name + " has a corrupt header: " + ex.getMessage());
        }
        checkWord(name, "slot length", slotLength(), geometry.slotLength());
        final long fileLength = fileLength();
        if (fileLength != fileSize)
        {
            throw new CorruptQueueException(name + (fileSize < fileLength ? " is truncated" : " has a corrupt length") +
                ": header says " + fileLength + " bytes, file has " + fileSize);
        }
        checkWord(name, "file length", fileLength, geometry.fileLength());
        checkWord(name, "lane table offset", laneTableOffset(), LANE_TABLE_OFFSET);
        checkWord(name, "participant table offset", participantTableOffset(), geometry.participantTableOffset());
        checkWord(name, "rings offset", ringsOffset(), geometry.ringsOffset());
        checkWord(name, "dead-letter ring offset", deadLetterRingOffset(), geometry.deadLetterRingOffset());
        if (maxDeliveries() < 1)
        {
            throw new CorruptQueueException(name + " has a corrupt header: max deliveries is " + maxDeliveries());
        }
        if (leaseTimeoutMs() < 1 || leaseTimeoutMs() > QueueDescriptor.MAX_DURATION_MS)
        {
            throw new CorruptQueueException(name + " has a corrupt header: lease timeout is " + leaseTimeoutMs() +
                "ms");
        }
        if (heartbeatTimeoutMs() < 1 || heartbeatTimeoutMs() > QueueDescriptor.MAX_DURATION_MS)
        {
            throw new CorruptQueueException(name + " has a corrupt header: heartbeat timeout is " +
                heartbeatTimeoutMs() + "ms");
        }
        final int sealed = sealedWord();
        if (sealed != 0 && sealed != 1)
        {
            throw new CorruptQueueException(name + " has a corrupt header: sealed word is " + sealed);
        }
        return geometry;
    }

    /**
     * The checks made before the file is even mapped: a queue is at least a header long and fits one mapping.
     *
     * @param name     how to name the file in a message (its path).
     * @param fileSize the file's size in bytes.
     * @throws CorruptQueueException if no queue can be that long.
     */
    public static void checkFileSize(final String name, final long fileSize)
    {
        if (fileSize < HEADER_LENGTH)
        {
            throw new CorruptQueueException(name + " is not a queue: " + fileSize + " bytes is shorter than the " +
                HEADER_LENGTH + "-byte header");
        }
        if (fileSize > MAX_FILE_LENGTH)
        {
            throw new CorruptQueueException(name + " is not a queue: " + fileSize + " bytes is larger than any queue");
        }
    }

    private static void checkWord(final String name, final String word, final long actual, final long expected)
    {
        if (actual != expected)
        {
            throw new CorruptQueueException(name + " has a corrupt header: " + word + " is " + actual +
                ", expected " + expected);
        }
    }
}
