package io.ipcq.tools.chaos;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.zip.CRC32;

/**
 * The soak's message. Its key names it for good: the producer incarnation that sent it (top 24 bits) and that
 * incarnation's sequence number (low 40 bits). Length, lane and whether it is poison all follow from the key, so
 * the verifier can recompute them; a CRC32 over everything before it lets a consumer tell an intact payload from a
 * torn or overwritten one.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                 Key (incarnation, sequence)                   |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                         Total Length                          |
 *  +---------------------------------------------------------------+
 *  |                   Filler derived from the key                ...
 * ...                                                              |
 *  +---------------------------------------------------------------+
 *  |                 CRC32 of all the bytes above                  |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 */
final class ChaosMessages
{
    static final int MIN_LENGTH = 32;
    static final int MAX_LENGTH = 96;
    /** One message in this many is poison: consumers always release it, so it ends in the dead-letter ring. */
    static final int POISON_ONE_IN = 250;

    private static final int KEY_OFFSET = 0;
    private static final int LENGTH_OFFSET = 8;
    private static final int FILLER_OFFSET = 12;
    private static final int SEQUENCE_BITS = 40;
    private static final long SEQUENCE_MASK = (1L << SEQUENCE_BITS) - 1;
    static final int MAX_INCARNATION = (1 << 23) - 1;

    private ChaosMessages()
    {
    }

    static long key(final int incarnation, final long sequence)
    {
        return ((long)incarnation << SEQUENCE_BITS) | (sequence & SEQUENCE_MASK);
    }

    static int incarnation(final long key)
    {
        return (int)(key >>> SEQUENCE_BITS);
    }

    static long sequence(final long key)
    {
        return key & SEQUENCE_MASK;
    }

    static int length(final long key)
    {
        return MIN_LENGTH + (int)Long.remainderUnsigned(mix(key), MAX_LENGTH - MIN_LENGTH + 1);
    }

    static int lane(final long key, final int lanes)
    {
        return (int)Long.remainderUnsigned(mix(key) >>> 17, lanes);
    }

    static boolean isPoison(final long key)
    {
        return Long.remainderUnsigned(mix(key) >>> 29, POISON_ONE_IN) == 0;
    }

    /**
     * @return the length written.
     */
    static int write(final MutableDirectBuffer buffer, final long key, final CRC32 crc, final byte[] scratch)
    {
        final int length = length(key);
        buffer.putLong(KEY_OFFSET, key);
        buffer.putInt(LENGTH_OFFSET, length);
        final int crcOffset = length - Long.BYTES;
        for (int i = FILLER_OFFSET; i < crcOffset; i++)
        {
            buffer.putByte(i, (byte)(key * 31 + i * 7));
        }
        buffer.putLong(crcOffset, crc(buffer, crcOffset, crc, scratch));
        return length;
    }

    /**
     * @param scratch at least {@link #MAX_LENGTH} bytes.
     * @return the key, or -1 if the payload is not an intact message (length, length word, CRC, or the length the
     * key implies).
     */
    static long read(final DirectBuffer buffer, final int length, final CRC32 crc, final byte[] scratch)
    {
        if (length < MIN_LENGTH || length > MAX_LENGTH || buffer.getInt(LENGTH_OFFSET) != length)
        {
            return -1;
        }
        final int crcOffset = length - Long.BYTES;
        if (buffer.getLong(crcOffset) != crc(buffer, crcOffset, crc, scratch))
        {
            return -1;
        }
        final long key = buffer.getLong(KEY_OFFSET);
        return key > 0 && length(key) == length ? key : -1;
    }

    private static long crc(final DirectBuffer buffer, final int length, final CRC32 crc, final byte[] scratch)
    {
        buffer.getBytes(0, scratch, 0, length);
        crc.reset();
        crc.update(scratch, 0, length);
        return crc.getValue();
    }

    /** SplitMix64's finalizer. */
    private static long mix(final long key)
    {
        long z = key + 0x9E37_79B9_7F4A_7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return z ^ (z >>> 31);
    }

    static String describe(final long key)
    {
        return "p" + incarnation(key) + "#" + sequence(key);
    }
}
