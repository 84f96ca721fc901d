package io.ipcq.tools.demo;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The demo's message: its sequence number and a check word derived from it.
 */
final class DemoMessages
{
    static final int LENGTH = 16;
    private static final int SEQUENCE_OFFSET = 0;
    private static final int CHECK_OFFSET = 8;

    private DemoMessages()
    {
    }

    static int write(final MutableDirectBuffer buffer, final long sequence)
    {
        buffer.putLong(SEQUENCE_OFFSET, sequence);
        buffer.putLong(CHECK_OFFSET, check(sequence));
        return LENGTH;
    }

    /**
     * @return the sequence number, or -1 if the message fails its check.
     */
    static long read(final DirectBuffer buffer, final int length)
    {
        if (length != LENGTH)
        {
            return -1;
        }
        final long sequence = buffer.getLong(SEQUENCE_OFFSET);
        return buffer.getLong(CHECK_OFFSET) == check(sequence) ? sequence : -1;
    }

    private static long check(final long sequence)
    {
        return Long.rotateLeft(sequence * 0x9E37_79B9_7F4A_7C15L, 17) ^ 0x1BD1_1BDA_A9FC_1A22L;
    }
}
