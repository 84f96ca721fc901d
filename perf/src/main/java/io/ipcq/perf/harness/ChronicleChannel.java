package io.ipcq.perf.harness;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.core.threads.EventHandler;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.threads.Pauser;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.IoUtil;

import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * Chronicle Queue (OSS, binary wire, default roll cycle and block size, analytics off by the JVM flags) in a
 * directory under /dev/shm. Send writes the 64 bytes inside {@code writingDocument()}; receive reads them in place
 * inside {@code readingDocument()} (its zero-copy path). A journal never frees space, so each round starts on a fresh
 * queue directory and the previous one is deleted: /dev/shm would fill up otherwise.
 * <p>
 * The pretoucher Chronicle recommends is an Enterprise feature: in OSS 2026.4 {@code createPretoucher()} recurses
 * until StackOverflowError and {@code createPretoucherEventHandler()} returns a no-op. The writing side still runs
 * that handler every 100 ms as Chronicle advises, so an Enterprise jar on the class path would pretouch.
 */
final class ChronicleChannel implements Channel
{
    private static final byte[] FILLER = new byte[MESSAGE_LENGTH - 24];

    private final Path runDir;
    private final String name;
    private final boolean writerSide;
    private volatile ChronicleQueue queue;
    private Path queueDir;
    private Thread pretoucher;
    private final ChronicleSender[] senders = new ChronicleSender[Control.MAX_THREADS];
    private final ChronicleReceiver[] receivers = new ChronicleReceiver[Control.MAX_THREADS];

    ChronicleChannel(final Path runDir, final String name, final boolean writerSide)
    {
        this.runDir = runDir;
        this.name = name;
        this.writerSide = writerSide;
    }

    @Override
    public synchronized void prepare(final long round)
    {
        closeQueue();
        queueDir = runDir.resolve("chronicle-" + name + "-" + round);
        queue = ChronicleQueue.singleBuilder(queueDir).build();
        if (writerSide)
        {
            startPretoucher(queue);
        }
    }

    private void startPretoucher(final ChronicleQueue queue)
    {
        final EventHandler handler = queue.createPretoucherEventHandler();
        pretoucher = new Thread(() ->
        {
            while (!Thread.currentThread().isInterrupted() && !queue.isClosed())
            {
                try
                {
                    handler.action();
                }
                catch (final Exception ex)
                {
                    return;
                }
                LockSupport.parkNanos(100_000_000L);
            }
        }, "chronicle-pretoucher");
        pretoucher.setDaemon(true);
        pretoucher.start();
    }

    @Override
    public synchronized Sender sender(final int index)
    {
        if (senders[index] == null || senders[index].queue != queue)
        {
            senders[index] = new ChronicleSender(queue);
        }
        return senders[index];
    }

    @Override
    public synchronized Receiver receiver(final int index)
    {
        if (receivers[index] == null || receivers[index].queue != queue)
        {
            receivers[index] = new ChronicleReceiver(queue);
        }
        return receivers[index];
    }

    private void closeQueue()
    {
        if (pretoucher != null)
        {
            pretoucher.interrupt();
            pretoucher = null;
        }
        if (queue != null)
        {
            for (final ChronicleSender sender : senders)
            {
                if (sender != null)
                {
                    sender.appender.close();
                }
            }
            for (final ChronicleReceiver receiver : receivers)
            {
                if (receiver != null)
                {
                    receiver.tailer.close();
                }
            }
            java.util.Arrays.fill(senders, null);
            java.util.Arrays.fill(receivers, null);
            queue.close();
            queue = null;
            if (writerSide)
            {
                IoUtil.delete(queueDir.toFile(), true);
            }
        }
    }

    @Override
    public synchronized void close()
    {
        closeQueue();
    }

    private static final class ChronicleSender implements Sender
    {
        private final ChronicleQueue queue;
        private final ExcerptAppender appender;

        ChronicleSender(final ChronicleQueue queue)
        {
            this.queue = queue;
            this.appender = queue.createAppender();
        }

        @Override
        public boolean offer(final long intendedNs, final long sequence, final long sentNs)
        {
            try (DocumentContext dc = appender.writingDocument())
            {
                final Bytes<?> bytes = dc.wire().bytes();
                bytes.writeLong(intendedNs);
                bytes.writeLong(sequence);
                bytes.writeLong(sentNs);
                bytes.write(FILLER);
            }
            return true;
        }
    }

    private static final class ChronicleReceiver implements Receiver
    {
        private final ChronicleQueue queue;
        private final ExcerptTailer tailer;
        private final Pauser pauser = Pauser.balanced();

        ChronicleReceiver(final ChronicleQueue queue)
        {
            this.queue = queue;
            this.tailer = queue.createTailer();
        }

        @Override
        public int poll(final MessageSink sink)
        {
            try (DocumentContext dc = tailer.readingDocument())
            {
                if (!dc.isPresent())
                {
                    return 0;
                }
                final Bytes<?> bytes = dc.wire().bytes();
                final long intendedNs = bytes.readLong();
                final long sequence = bytes.readLong();
                final long sentNs = bytes.readLong();
                sink.onMessage(intendedNs, sequence, sentNs);
                return 1;
            }
        }

        @Override
        public int await(final MessageSink sink, final long timeoutNs)
        {
            // Chronicle Threads' balanced pauser: busy, then yield, then sleep growing up to 20 ms.
            final long deadlineNs = System.nanoTime() + timeoutNs;
            pauser.reset();
            int n;
            while ((n = poll(sink)) == 0 && System.nanoTime() - deadlineNs < 0)
            {
                pauser.pause();
            }
            return n;
        }
    }
}
