package io.ipcq.perf.harness;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.SendResult;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * ipcq: one queue file of one lane. Send is {@code trySend} (a copy of the 64-byte message); receive is
 * {@code tryLease}, read in place, then {@code ack} once the sink has returned: every message is leased and acked.
 */
final class IpcqChannel implements Channel
{
    private final Path path;
    private final boolean created;
    private final IpcQueue queue;
    private final IpcqSender[] senders = new IpcqSender[Control.MAX_THREADS];
    private final IpcqReceiver[] receivers = new IpcqReceiver[Control.MAX_THREADS];

    IpcqChannel(final Path path, final boolean create, final int capacity)
    {
        this.path = path;
        this.created = create;
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
            senders[index] = new IpcqSender(queue.producer());
        }
        return senders[index];
    }

    @Override
    public synchronized Receiver receiver(final int index)
    {
        if (receivers[index] == null)
        {
            receivers[index] = new IpcqReceiver(queue.consumer());
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
            final SendResult result = producer.trySend(0, message, 0, MESSAGE_LENGTH);
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
            final Lease lease = consumer.tryLease();
            if (lease == null)
            {
                return 0;
            }
            return deliver(lease, sink);
        }

        @Override
        public int await(final MessageSink sink, final long timeoutNs)
        {
            // The consumer's default wait strategy: spin, yield, then sleep in the kernel until a send wakes it.
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
