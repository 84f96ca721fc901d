package io.ipcq.perf.harness;

import io.ipcq.wait.Futex;
import io.ipcq.wait.WakeSocket;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.File;
import java.nio.MappedByteBuffer;

/**
 * The floor: no queue at all, one counter word per direction in one mapped file, the two words 128 bytes apart (so
 * neither the line nor its adjacent-line prefetch pair is shared). A send stores the sequence + 1 with release; a
 * receive sees a new value with an acquire load. Holds one message in flight, which is all a ping-pong needs (a
 * receiver that sees the word jump by more than one counts every send, times the last).
 * <p>
 * In the wakeup scenario the floor is the bare kernel wake-up ipcq uses on this JDK, with nothing around it: the
 * receiver blocks on a futex on a word of the mapping (JDK 22+, {@link Futex}) or in epoll on ipcq's UDP
 * {@link WakeSocket} (JDK 17), and every send wakes it: one store, then one futex wake or one datagram. No spin
 * before blocking, no registration, no lease.
 * <pre>
 *   wordOffset +0   sequence + 1 of the last send (long)
 *              +8   its send time, System.nanoTime (long, stored before the sequence)
 *              +64  futex word: bumped before each futex wake (int)
 *              +72  the receiver's UDP port, 0 before it has one (int)
 * </pre>
 */
final class FloorChannel implements Channel
{
    static final String FILE_NAME = "floor.map";
    private static final int FILE_LENGTH = 4096;
    private static final int SENT_WORD = 8;
    private static final int FUTEX_WORD = 64;
    private static final int PORT_WORD = 72;

    private final File file;
    private final boolean created;
    private final MappedByteBuffer mapped;
    private final UnsafeBuffer buffer;
    private final int wordOffset;
    /** The wakeup scenario: a send wakes the receiver in the kernel. */
    private final boolean wakes;
    private final boolean futex = Futex.isAvailable();
    private final FloorSender sender = new FloorSender();
    private final FloorReceiver receiver = new FloorReceiver();

    FloorChannel(final File file, final boolean create, final int wordOffset, final boolean wakes)
    {
        this.file = file;
        this.created = create && !file.exists();
        this.mapped = created ? IoUtil.mapNewFile(file, FILE_LENGTH) : IoUtil.mapExistingFile(file, "floor");
        this.buffer = new UnsafeBuffer(mapped);
        this.wordOffset = wordOffset;
        this.wakes = wakes;
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
        receiver.close();
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
            buffer.putLong(wordOffset + SENT_WORD, sentNs);
            buffer.putLongRelease(wordOffset, sequence + 1);
            if (wakes)
            {
                if (futex)
                {
                    buffer.getAndAddInt(wordOffset + FUTEX_WORD, 1);
                    Futex.wake(buffer.addressOffset() + wordOffset + FUTEX_WORD, 1);
                }
                else
                {
                    final int port = buffer.getIntVolatile(wordOffset + PORT_WORD);
                    if (port != 0)
                    {
                        WakeSocket.send(port);
                    }
                }
            }
            return true;
        }
    }

    private final class FloorReceiver implements Receiver
    {
        private long last;
        private WakeSocket socket;

        @Override
        public int poll(final MessageSink sink)
        {
            final long value = buffer.getLongVolatile(wordOffset);
            if (value == last)
            {
                return 0;
            }
            // Sends the receiver was too late to see one by one (a descheduled receiver in wakeup) still count.
            final int sends = (int)(value - last);
            last = value;
            final long sentNs = buffer.getLong(wordOffset + SENT_WORD);
            sink.onMessage(sentNs, value - 1, sentNs);
            return sends;
        }

        @Override
        public int await(final MessageSink sink, final long timeoutNs)
        {
            final long deadlineNs = System.nanoTime() + timeoutNs;
            while (true)
            {
                final long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0)
                {
                    return 0;
                }
                if (futex)
                {
                    // The futex word read before the check: a send after it moves the word, so the wait returns.
                    final int seen = buffer.getIntVolatile(wordOffset + FUTEX_WORD);
                    final int n = poll(sink);
                    if (n > 0)
                    {
                        return n;
                    }
                    Futex.await(buffer.addressOffset() + wordOffset + FUTEX_WORD, seen, leftNs);
                }
                else
                {
                    if (socket == null)
                    {
                        socket = new WakeSocket();
                        buffer.putIntVolatile(wordOffset + PORT_WORD, socket.port());
                    }
                    // Drop old wakes, then check: a send after the check leaves its datagram in the socket.
                    socket.drain();
                    final int n = poll(sink);
                    if (n > 0)
                    {
                        return n;
                    }
                    socket.await(leftNs);
                }
            }
        }

        void close()
        {
            if (socket != null)
            {
                buffer.putIntVolatile(wordOffset + PORT_WORD, 0);
                socket.close();
                socket = null;
            }
        }
    }
}
