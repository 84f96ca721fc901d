package io.ipcq.tools.chaos;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * What one producer incarnation sent, in a small memory-mapped file that survives its {@code kill -9}. A producer
 * sends its sequence numbers in order, one at a time, and stores {@code logged = n + 1} only after
 * {@code trySend} of message n answered OK: so messages 0..logged-1 were committed for sure, message {@code logged}
 * may have been committed just before a kill (it is then delivered but was never logged: fine), and nothing above
 * it was ever sent.
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  |                     Incarnation (long)                        |
 *  +---------------------------------------------------------------+
 *  |             Logged: messages sent with OK (long)              |
 *  +---------------------------------------------------------------+
 *  |                  Sends answered FULL (long)                   |
 *  +---------------------------------------------------------------+
 *  |          Evictions: declared dead while alive (long)          |
 *  +---------------------------------------------------------------+
 *  |                  Saw SEALED: 1, else 0 (long)                 |
 *  +---------------------------------------------------------------+
 * </pre>
 * Only its producer writes it; the driver creates it (zeros) before starting the producer.
 */
final class SendLog implements AutoCloseable
{
    private static final int INCARNATION_OFFSET = 0;
    private static final int LOGGED_OFFSET = 8;
    private static final int FULL_OFFSET = 16;
    private static final int EVICTIONS_OFFSET = 24;
    private static final int SEALED_OFFSET = 32;
    private static final int LENGTH = 64;

    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;

    private SendLog(final MappedByteBuffer mapped)
    {
        this.mapped = mapped;
        this.buffer = new UnsafeBuffer(mapped);
    }

    static SendLog create(final Path path, final int incarnation)
    {
        final SendLog log = new SendLog(IoUtil.mapNewFile(path.toFile(), LENGTH, true));
        log.buffer.putLongVolatile(INCARNATION_OFFSET, incarnation);
        return log;
    }

    static SendLog open(final Path path)
    {
        return new SendLog(IoUtil.mapExistingFile(path.toFile(), "send log"));
    }

    void logged(final long count)
    {
        buffer.putLongRelease(LOGGED_OFFSET, count);
    }

    void full()
    {
        buffer.putLongRelease(FULL_OFFSET, buffer.getLong(FULL_OFFSET) + 1);
    }

    void evicted()
    {
        buffer.putLongRelease(EVICTIONS_OFFSET, buffer.getLong(EVICTIONS_OFFSET) + 1);
    }

    void sealed()
    {
        buffer.putLongRelease(SEALED_OFFSET, 1);
    }

    int incarnation()
    {
        return (int)buffer.getLongVolatile(INCARNATION_OFFSET);
    }

    long logged()
    {
        return buffer.getLongVolatile(LOGGED_OFFSET);
    }

    long fulls()
    {
        return buffer.getLongVolatile(FULL_OFFSET);
    }

    long evictions()
    {
        return buffer.getLongVolatile(EVICTIONS_OFFSET);
    }

    boolean sawSealed()
    {
        return buffer.getLongVolatile(SEALED_OFFSET) != 0;
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
    }
}
