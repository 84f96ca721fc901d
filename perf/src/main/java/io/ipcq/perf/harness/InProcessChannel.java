package io.ipcq.perf.harness;

import org.agrona.BitUtil;
import org.jctools.queues.MpmcArrayQueue;

import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * An on-heap queue between threads of one JVM: {@link ArrayBlockingQueue} (one lock, the "mutex + deque" baseline)
 * or JCTools {@link MpmcArrayQueue}, both bounded to the scenario's capacity and used with non-blocking
 * {@code offer}/{@code poll}. Messages are pooled per producer (the pool is larger than the queue plus what
 * consumers can hold), and each send copies the 64 bytes into the pooled message, so nothing is allocated per
 * message.
 */
final class InProcessChannel implements Channel
{
    private final Queue<Message> queue;
    private final int poolSize;
    private final InProcessSender[] senders = new InProcessSender[Control.MAX_THREADS];
    private final InProcessReceiver receiver;

    InProcessChannel(final int capacity, final boolean jctools)
    {
        this.queue = jctools ? new MpmcArrayQueue<>(capacity) : new ArrayBlockingQueue<>(capacity);
        this.poolSize = BitUtil.findNextPositivePowerOfTwo(capacity + 2 * Control.MAX_THREADS);
        this.receiver = new InProcessReceiver(queue);
    }

    @Override
    public synchronized Sender sender(final int index)
    {
        if (senders[index] == null)
        {
            senders[index] = new InProcessSender(queue, poolSize);
        }
        return senders[index];
    }

    @Override
    public Receiver receiver(final int index)
    {
        return receiver;
    }

    @Override
    public void close()
    {
        queue.clear();
    }

    static final class Message
    {
        long intendedNs;
        long sequence;
        long sentNs;
        final byte[] rest = new byte[MESSAGE_LENGTH - 24];
    }

    private static final class InProcessSender implements Sender
    {
        private final Queue<Message> queue;
        private final Message[] pool;
        private final int mask;
        private final byte[] filler = new byte[MESSAGE_LENGTH - 24];
        private long next;

        InProcessSender(final Queue<Message> queue, final int poolSize)
        {
            this.queue = queue;
            this.pool = new Message[poolSize];
            this.mask = poolSize - 1;
            for (int i = 0; i < poolSize; i++)
            {
                pool[i] = new Message();
            }
            for (int i = 0; i < filler.length; i++)
            {
                filler[i] = (byte)i;
            }
        }

        @Override
        public boolean offer(final long intendedNs, final long sequence, final long sentNs)
        {
            final Message message = pool[(int)(next & mask)];
            message.intendedNs = intendedNs;
            message.sequence = sequence;
            message.sentNs = sentNs;
            System.arraycopy(filler, 0, message.rest, 0, filler.length);
            if (queue.offer(message))
            {
                next++;
                return true;
            }
            return false;
        }
    }

    private static final class InProcessReceiver implements Receiver
    {
        private final Queue<Message> queue;

        InProcessReceiver(final Queue<Message> queue)
        {
            this.queue = queue;
        }

        @Override
        public int poll(final MessageSink sink)
        {
            final Message message = queue.poll();
            if (message == null)
            {
                return 0;
            }
            sink.onMessage(message.intendedNs, message.sequence, message.sentNs);
            return 1;
        }
    }
}
