package io.ipcq.perf.harness;

import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.MappedByteBuffer;

/**
 * The floor: no queue at all, one counter word per direction in one mapped file, the two words 128 bytes apart (so
 * neither the line nor its adjacent-line prefetch pair is shared). A send stores the sequence + 1 with release; a
 * receive sees a new value with an acquire load. Holds one message in flight, which is all a ping-pong needs.
 */
final class FloorChannel implements Channel
{
    static final String FILE_NAME = "floor.map";
    private static final int FILE_LENGTH = 4096;

    private final File file;
    private final boolean created;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;
    private final int wordOffset;
    private final FloorSender sender = new FloorSender();
    private final FloorReceiver receiver = new FloorReceiver();

    FloorChannel(final File file, final boolean create, final int wordOffset)
    {
        this.file = file;
        this.created = create && !file.exists();
        this.mapped = created ? IoUtil.mapNewFile(file, FILE_LENGTH) : IoUtil.mapExistingFile(file, "floor");
        this.buffer = new UnsafeBuffer(mapped);
        this.wordOffset = wordOffset;
        receiver.last = buffer.getLongVolatile(wordOffset);
    }

    @Override
    public Sender sender(final int index)
    {
        return sender;
    }

    @Override
    public Receiver receiver(final int index)
    {
        return receiver;
    }

    @Override
    public void close()
    {
        IoUtil.unmap(mapped);
        if (created)
        {
            IoUtil.deleteIfExists(file);
        }
    }

    private final class FloorSender implements Sender
    {
        @Override
        public boolean offer(final long intendedNs, final long sequence, final long sentNs)
        {
            buffer.putLongRelease(wordOffset, sequence + 1);
            return true;
        }
    }

    private final class FloorReceiver implements Receiver
    {
        private long last;

        @Override
        public int poll(final MessageSink sink)
        {
            final long value = buffer.getLongVolatile(wordOffset);
            if (value == last)
            {
                return 0;
            }
            last = value;
            sink.onMessage(0, value - 1, 0);
            return 1;
        }
    }
}
