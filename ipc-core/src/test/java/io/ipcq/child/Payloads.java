package io.ipcq.child;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.zip.CRC32;

/**
 * The test message: who sent it, its sequence number, filler derived from both, and a CRC32 of everything before
 * it, so a consumer can tell a message torn or overwritten in the shared file from an intact one.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                          Producer Id                          |
 *  +---------------------------------------------------------------+
 *  |                        Sequence Number                        |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 *  |                         Total Length                          |
 *  +---------------------------------------------------------------+
 *  |                    Filler (length - 24 bytes)                ...
 * ...                                                              |
 *  +---------------------------------------------------------------+
 *  |                 CRC32 of all the bytes above                  |
 *  |                                                               |
 *  +---------------------------------------------------------------+
 * </pre>
 */
public final class Payloads
{
    public static final int PRODUCER_OFFSET = 0;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int LENGTH_OFFSET = 12;
    public static final int FILLER_OFFSET = 16;
    public static final int MIN_LENGTH = 64;
    public static final int MAX_LENGTH = 128;

    private Payloads()
    {
    }

    /**
     * @return the length of message {@code sequence} of {@code producer}: 64..128 bytes, varying.
     */
    public static int length(final int producer, final long sequence)
    {
        return MIN_LENGTH + Math.floorMod(sequence * 31 + producer * 7, MAX_LENGTH - MIN_LENGTH + 1);
    }

    /**
     * Writes message {@code sequence} of {@code producer}.
     *
     * @return its length.
     */
    public static int write(final MutableDirectBuffer buffer, final int producer, final long sequence)
    {
        final int length = length(producer, sequence);
        buffer.putInt(PRODUCER_OFFSET, producer);
        buffer.putLong(SEQUENCE_OFFSET, sequence);
        buffer.putInt(LENGTH_OFFSET, length);
        final int crcOffset = length - Long.BYTES;
        for (int i = FILLER_OFFSET; i < crcOffset; i++)
        {
            buffer.putByte(i, (byte)(sequence * 31 + i * 7 + producer));
        }
        buffer.putLong(crcOffset, crc(buffer, crcOffset, new byte[MAX_LENGTH], new CRC32()));
        return length;
    }

    /**
     * @param buffer  a received payload.
     * @param length  its length as delivered.
     * @param scratch at least {@link #MAX_LENGTH} bytes.
     * @param crc     reused.
     * @return true if the length fits, the length word matches and the CRC matches.
     */
    public static boolean isIntact(final DirectBuffer buffer, final int length, final byte[] scratch, final CRC32 crc)
    {
        if (length < MIN_LENGTH || length > MAX_LENGTH || buffer.getInt(LENGTH_OFFSET) != length)
        {
            return false;
        }
        final int crcOffset = length - Long.BYTES;
        return buffer.getLong(crcOffset) == crc(buffer, crcOffset, scratch, crc);
    }

    private static long crc(final DirectBuffer buffer, final int length, final byte[] scratch, final CRC32 crc)
    {
        buffer.getBytes(0, scratch, 0, length);
        crc.reset();
        crc.update(scratch, 0, length);
        return crc.getValue();
    }
}
