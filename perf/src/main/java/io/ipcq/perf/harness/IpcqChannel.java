package io.ipcq.perf.harness;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.SendResult;
import io.ipcq.wait.WaitStrategy;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * ipcq: one queue file of one lane, used through the blocking calls as an application would: send is
 * {@code send(..., timeout)} (a copy of the 64-byte message, waiting for room in a full lane), receive is
 * {@code lease(timeout)}, read in place, then {@code ack} once the sink has returned: every message is leased and
 * acked. Both handles wait with the default strategy (spin, yield, then block in the kernel until woken), or with
 * {@code busySpin()} for the ipcq-busy-spin row: the two rows differ only in how they wait.
 */
final class IpcqChannel implements Channel
{
    /**
     * How long one send or receive waits before it answers FULL or nothing, so the harness's loop gets control
     * back (to see the round end). Messages come far more often than this except between rounds.
     */
    private static final Duration WAIT = Duration.ofMillis(1);

    private final Path path;
    private final boolean created;
    private final IpcQueue queue;
    private final IpcqSender[] senders = new IpcqSender[Control.MAX_THREADS];
    private final IpcqReceiver[] receivers = new IpcqReceiver[Control.MAX_THREADS];
    private final WaitStrategy strategy;

    /**
     * @param busySpin true to wait with {@link WaitStrategy#busySpin()}, false with the default.
     */
    IpcqChannel(final Path path, final boolean create, final int capacity, final boolean busySpin)
    {
        this.path = path;
        this.created = create;
        this.strategy = busySpin ? WaitStrategy.busySpin() : WaitStrategy.spinThenBlock();
        if (create)
        {
            queue = IpcQueue.create(path, QueueConfig.builder()
                .lanes(1)
                .capacity(capacity)
                .maxPayloadLength(MESSAGE_LENGTH)
                .leaseTimeout(Duration.ofSeconds(30))
                .build());
        }
        else
        {
            queue = IpcQueue.open(path);
        }
    }

    @Override
    public synchronized Sender sender(final int index)
    {
        if (senders[index] == null)
        {
            senders[index] = new IpcqSender(queue.producer().waitStrategy(strategy));
        }
        return senders[index];
    }

    @Override
    public synchronized Receiver receiver(final int index)
    {
        if (receivers[index] == null)
        {
            receivers[index] = new IpcqReceiver(queue.consumer().waitStrategy(strategy));
        }
        return receivers[index];
    }

    @Override
    public void close()
    {
        queue.close();
        if (created)
        {
            IpcQueue.delete(path);
        }
    }

    private static final class IpcqSender implements Sender
    {
        private final Producer producer;
        private final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE_LENGTH));

        IpcqSender(final Producer producer)
        {
            this.producer = producer;
            for (int i = 0; i < MESSAGE_LENGTH; i++)
            {
                message.putByte(i, (byte)i);
            }
        }

        @Override
        public boolean offer(final long intendedNs, final long sequence, final long sentNs)
        {
            final UnsafeBuffer message = this.message;
            message.putLong(INTENDED_OFFSET, intendedNs);
            message.putLong(SEQUENCE_OFFSET, sequence);
            message.putLong(SENT_OFFSET, sentNs);
            final SendResult result = producer.send(0, message, 0, MESSAGE_LENGTH, WAIT);
            if (result == SendResult.OK)
            {
                return true;
            }
            if (result == SendResult.FULL)
            {
                return false;
            }
            throw new IllegalStateException("queue answered " + result);
        }
    }

    private static final class IpcqReceiver implements Receiver
    {
        private final Consumer consumer;

        IpcqReceiver(final Consumer consumer)
        {
            this.consumer = consumer;
        }

        @Override
        public int poll(final MessageSink sink)
        {
            final Lease lease = consumer.lease(WAIT);
            if (lease == null)
            {
                return 0;
            }
            return deliver(lease, sink);
        }

        @Override
        public int await(final MessageSink sink, final long timeoutNs)
        {
            // The default strategy: spin, yield, then sleep in the kernel until a send wakes it.
            final Lease lease = consumer.lease(Duration.ofNanos(timeoutNs));
            if (lease == null)
            {
                return 0;
            }
            return deliver(lease, sink);
        }

        /** Hands the message's stamps to the sink and acks it: one message received. */
        private static int deliver(final Lease lease, final MessageSink sink)
        {
            final DirectBuffer payload = lease.payload();
            sink.onMessage(payload.getLong(INTENDED_OFFSET), payload.getLong(SEQUENCE_OFFSET),
                payload.getLong(SENT_OFFSET));
            if (!lease.ack())
            {
                throw new IllegalStateException("ack fenced: lease " + lease + " was taken away");
            }
            return 1;
        }
    }
}
