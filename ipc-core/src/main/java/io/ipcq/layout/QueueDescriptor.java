package io.ipcq.layout;

import org.agrona.BitUtil;
import org.agrona.concurrent.AtomicBuffer;

/**
 * Layout of a whole ipcq file and of its header. All words are little-endian; every long is 8-byte aligned.
 * <p>
 * The file, section by section (each section starts on a 128-byte boundary):
 * <pre>
 *   +----------------------------+  0
 *   | Header (1024 bytes)        |  this class
 *   +----------------------------+  LANE_TABLE_OFFSET
 *   | Lane table                 |  (lanes + 1) x {@link LaneDescriptor#LANE_DESCRIPTOR_LENGTH};
 *   |                            |  the last entry describes the dead-letter ring
 *   +----------------------------+  participantTableOffset
 *   | Participants table         |  participantCapacity x {@link ParticipantDescriptor#PARTICIPANT_LENGTH}
 *   +----------------------------+  ringsOffset (4096-aligned)
 *   | Ring of lane 0             |  laneCapacity x slotLength, see {@link SlotDescriptor}
 *   | Ring of lane 1 ...         |
 *   +----------------------------+  deadLetterRingOffset
 *   | Dead-letter ring           |  deadLetterCapacity x slotLength
 *   +----------------------------+  fileLength
 * </pre>
 * The header:
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Magic "IPCQFILE" (8 ASCII bytes)              |  0
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |      Layout Version (written last: 0 means "not ready")       |  8
 *  +---------------------------------------------------------------+
 *  |                         Header Length                         |  12
 *  +---------------------------------------------------------------+
 *  |                        Lanes (1..16)                          |  16
 *  +---------------------------------------------------------------+
 *  |                Lane Capacity (slots, power of 2)              |  20
 *  +---------------------------------------------------------------+
 *  |              Slot Length (bytes, multiple of 64)              |  24
 *  +---------------------------------------------------------------+
 *  |                      Max Payload Length                       |  28
 *  +---------------------------------------------------------------+
 *  |                        Max Deliveries                         |  32
 *  +---------------------------------------------------------------+
 *  |                     Participant Capacity                      |  36
 *  +---------------------------------------------------------------+
 *  |          Dead-Letter Capacity (slots, power of 2)             |  40
 *  +---------------------------------------------------------------+
 *  |                     Reserved (0)                              |  44
 *  +---------------------------------------------------------------+
 *  |                     Lease Timeout (ms)                        |  48
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                   Heartbeat Timeout (ms)                      |  56
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |   Created Epoch ms (origin of every lease deadline)           |  64
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      File Length                              |  72
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                      Creator PID                              |  80
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                   Lane Table Offset                           |  88
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                Participant Table Offset                       |  96
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Rings Offset                              |  104
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                 Dead-Letter Ring Offset                       |  112
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                     Reserved to 128                           |  120
 *  +---------------------------------------------------------------+
 *  |   Sealed (int: 0 open, 1 sealed), padded to 128 bytes         |  128
 *  +---------------------------------------------------------------+
 *  |   Reaper Owner (long: participant index + 1, 0 = none)        |  256
 *  |   Reaper Heartbeat Epoch ms (long)                            |  264
 *  |   ... padded to 128 bytes                                     |
 *  +---------------------------------------------------------------+
 *  |   Counters: COUNTER_COUNT longs, see {@link CounterIndex}     |  384
 *  |   (totals folded in from detached participants and the       |
 *  |    counts of work done outside any participant: the reaper)   |
 *  +---------------------------------------------------------------+
 *  |                     Reserved to 1024                          |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class QueueDescriptor
{
    /** "IPCQFILE" read as a little-endian long. */
    public static final long MAGIC = 0x454C494651435049L;
    /** Bumped on any incompatible change of the layout (2: skipped slots, the Position word and the Full Epoch). */
    public static final int LAYOUT_VERSION = 2;

    public static final int MAX_LANES = 16;
    public static final int MIN_CAPACITY = 2;
    public static final int MAX_CAPACITY = 1 << 24;
    public static final int MAX_PAYLOAD_LENGTH = 16 * 1024 * 1024;
    public static final int MAX_PARTICIPANTS = 1 << 16;
    /** Agrona buffers index with an int: the whole file must fit in one. */
    public static final long MAX_FILE_LENGTH = Integer.MAX_VALUE & ~4095L;

    /**
     * Longest lease timeout, heartbeat timeout or lease extension: 365 days. Deadlines are stored as 40 bits of ms
     * since the file's creation (see {@link SlotDescriptor#DEADLINE_MASK}); bounding every duration lets the queue
     * live {@link #MAX_QUEUE_AGE_MS} without a deadline ever overflowing its field.
     */
    public static final long MAX_DURATION_MS = 365L * 24 * 3600 * 1000;
    /**
     * How long a queue works after its creation: 2^40 ms (about 34.8 years) less the longest duration, about
     * 33.8 years. Opening an older queue fails (its deadlines would wrap).
     */
    public static final long MAX_QUEUE_AGE_MS = SlotDescriptor.DEADLINE_MASK - MAX_DURATION_MS;

    public static final int MAGIC_OFFSET = 0;
    public static final int LAYOUT_VERSION_OFFSET = 8;
    public static final int HEADER_LENGTH_OFFSET = 12;
    public static final int LANES_OFFSET = 16;
    public static final int LANE_CAPACITY_OFFSET = 20;
    public static final int SLOT_LENGTH_OFFSET = 24;
    public static final int MAX_PAYLOAD_LENGTH_OFFSET = 28;
    public static final int MAX_DELIVERIES_OFFSET = 32;
    public static final int PARTICIPANT_CAPACITY_OFFSET = 36;
    public static final int DEAD_LETTER_CAPACITY_OFFSET = 40;
    public static final int LEASE_TIMEOUT_MS_OFFSET = 48;
    public static final int HEARTBEAT_TIMEOUT_MS_OFFSET = 56;
    public static final int CREATED_EPOCH_MS_OFFSET = 64;
    public static final int FILE_LENGTH_OFFSET = 72;
    public static final int CREATOR_PID_OFFSET = 80;
    public static final int LANE_TABLE_OFFSET_OFFSET = 88;
    public static final int PARTICIPANT_TABLE_OFFSET_OFFSET = 96;
    public static final int RINGS_OFFSET_OFFSET = 104;
    public static final int DEAD_LETTER_RING_OFFSET_OFFSET = 112;

    public static final int SEALED_OFFSET = 128;
    public static final int REAPER_OWNER_OFFSET = 256;
    public static final int REAPER_HEARTBEAT_OFFSET = 264;
    public static final int COUNTERS_OFFSET = 384;

    public static final int HEADER_LENGTH = 1024;
    /** The lane table starts right after the header. */
    public static final int LANE_TABLE_OFFSET = HEADER_LENGTH;

    private QueueDescriptor()
    {
    }

    /**
     * Offset of a counter in the header's counters block.
     *
     * @param counterIndex one of {@link CounterIndex}.
     * @return the byte offset of the counter's long.
     */
    public static int counterOffset(final int counterIndex)
    {
        return COUNTERS_OFFSET + counterIndex * BitUtil.SIZE_OF_LONG;
    }

    /**
     * The geometry of a file: the inputs that fix its length, plus the section offsets derived from them.
     *
     * @param lanes               number of priority lanes.
     * @param laneCapacity        slots per lane, a power of two.
     * @param maxPayloadLength    largest payload in bytes.
     * @param participantCapacity rows in the participants table.
     * @param deadLetterCapacity  slots in the dead-letter ring, a power of two.
     */
    public record Geometry(int lanes, int laneCapacity, int maxPayloadLength, int participantCapacity,
        int deadLetterCapacity)
    {
        /**
         * Validates every input and throws {@link IllegalArgumentException} naming the value that is wrong.
         *
         * @return this.
         */
        public Geometry validate()
        {
            checkRange("lanes", lanes, 1, MAX_LANES);
            checkCapacity("capacity", laneCapacity);
            checkRange("max payload length", maxPayloadLength, 1, MAX_PAYLOAD_LENGTH);
            checkRange("participant capacity", participantCapacity, 1, MAX_PARTICIPANTS);
            checkCapacity("dead-letter capacity", deadLetterCapacity);
            if (fileLength() > MAX_FILE_LENGTH)
            {
                throw new IllegalArgumentException("queue would need " + fileLength() + " bytes; at most " +
                    MAX_FILE_LENGTH + " fit one mapping (reduce capacity, slot size or lanes)");
            }
            return this;
        }

        public int slotLength()
        {
            return SlotDescriptor.slotLength(maxPayloadLength);
        }

        public long participantTableOffset()
        {
            return LANE_TABLE_OFFSET + (long)(lanes + 1) * LaneDescriptor.LANE_DESCRIPTOR_LENGTH;
        }

        public long ringsOffset()
        {
            final long end = participantTableOffset() +
                (long)participantCapacity * ParticipantDescriptor.PARTICIPANT_LENGTH;
            return align(end, 4096);
        }

        public long ringOffset(final int lane)
        {
            return ringsOffset() + (long)lane * laneCapacity * slotLength();
        }

        public long deadLetterRingOffset()
        {
            return ringOffset(lanes);
        }

        public long fileLength()
        {
            return align(deadLetterRingOffset() + (long)deadLetterCapacity * slotLength(), 4096);
        }
    }

    /**
     * Writes every header word but the layout version, which {@link #signalReady(AtomicBuffer)} writes last.
     *
     * @param buffer             over the whole file.
     * @param geometry           validated geometry.
     * @param maxDeliveries      deliveries before a message is dead-lettered.
     * @param leaseTimeoutMs     default lease length.
     * @param heartbeatTimeoutMs age after which a silent participant is presumed dead.
     * @param createdEpochMs     creation time, origin of lease deadlines.
     * @param creatorPid         pid of the creating process.
     */
    public static void fillHeader(
        final AtomicBuffer buffer,
        final Geometry geometry,
        final int maxDeliveries,
        final long leaseTimeoutMs,
        final long heartbeatTimeoutMs,
        final long createdEpochMs,
        final long creatorPid)
    {
        buffer.putLong(MAGIC_OFFSET, MAGIC);
        buffer.putInt(HEADER_LENGTH_OFFSET, HEADER_LENGTH);
        buffer.putInt(LANES_OFFSET, geometry.lanes());
        buffer.putInt(LANE_CAPACITY_OFFSET, geometry.laneCapacity());
        buffer.putInt(SLOT_LENGTH_OFFSET, geometry.slotLength());
        buffer.putInt(MAX_PAYLOAD_LENGTH_OFFSET, geometry.maxPayloadLength());
        buffer.putInt(MAX_DELIVERIES_OFFSET, maxDeliveries);
        buffer.putInt(PARTICIPANT_CAPACITY_OFFSET, geometry.participantCapacity());
        buffer.putInt(DEAD_LETTER_CAPACITY_OFFSET, geometry.deadLetterCapacity());
        buffer.putLong(LEASE_TIMEOUT_MS_OFFSET, leaseTimeoutMs);
        buffer.putLong(HEARTBEAT_TIMEOUT_MS_OFFSET, heartbeatTimeoutMs);
        buffer.putLong(CREATED_EPOCH_MS_OFFSET, createdEpochMs);
        buffer.putLong(FILE_LENGTH_OFFSET, geometry.fileLength());
        buffer.putLong(CREATOR_PID_OFFSET, creatorPid);
        buffer.putLong(LANE_TABLE_OFFSET_OFFSET, LANE_TABLE_OFFSET);
        buffer.putLong(PARTICIPANT_TABLE_OFFSET_OFFSET, geometry.participantTableOffset());
        buffer.putLong(RINGS_OFFSET_OFFSET, geometry.ringsOffset());
        buffer.putLong(DEAD_LETTER_RING_OFFSET_OFFSET, geometry.deadLetterRingOffset());
    }

    /**
     * Publishes the header: the version is the "ready" flag, written after every other word.
     *
     * @param buffer over the whole file.
     */
    public static void signalReady(final AtomicBuffer buffer)
    {
        buffer.putIntRelease(LAYOUT_VERSION_OFFSET, LAYOUT_VERSION);
    }

    static void checkRange(final String name, final long value, final long min, final long max)
    {
        if (value < min || value > max)
        {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "]: " + value);
        }
    }

    static void checkCapacity(final String name, final int capacity)
    {
        if (capacity < MIN_CAPACITY || capacity > MAX_CAPACITY || !BitUtil.isPowerOfTwo(capacity))
        {
            throw new IllegalArgumentException(name + " must be a power of two in [" + MIN_CAPACITY + ", " +
                MAX_CAPACITY + "]: " + capacity);
        }
    }

    static long align(final long value, final long alignment)
    {
        return (value + alignment - 1) & ~(alignment - 1);
    }
}
