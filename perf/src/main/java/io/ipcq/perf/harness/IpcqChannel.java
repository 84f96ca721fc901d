package io.ipcq.perf.harness;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.LeaseBatch;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.SendBatch;
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
 * With a batch of more than 1 (system {@code ipcq-batch}): the producer loop sends {@code batch} messages per
 * {@code trySend(lane, SendBatch)} and a poll leases up to {@code batch} with {@code tryLease(LeaseBatch, max)},
 * hands each to the sink, then {@code ackAll}.
 */
final class IpcqChannel implements Channel
{
    /** Messages per batch of {@code ipcq-batch}: within a consumer's default maximum of held leases (64). */
    static final int BATCH = 32;

    /**
     * How long one send or receive waits before it answers FULL or nothing, so the harness's loop gets control
     * back (to see the round end). Messages come far more often than this except between rounds.
     */
    private static final Duration WAIT = Duration.ofMillis(1);

    private final Path path;
    private final boolean created;
    private final IpcQueue queue;
    private final Sender[] senders = new Sender[Control.MAX_THREADS];
    private final Receiver[] receivers = new Receiver[Control.MAX_THREADS];

    private final int batch;
    private final WaitStrategy strategy;

    /**
     * @param batch    messages per batch call, 1 for the single calls.
     * @param busySpin true to wait with {@link WaitStrategy#busySpin()}, false with the default.
     */
    IpcqChannel(final Path path, final boolean create, final int capacity, final int batch, final boolean busySpin)
    {
        this.strategy = busySpin ? WaitStrategy.busySpin() : WaitStrategy.spinThenBlock();
        this.path = path;
        this.batch = batch;
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
            final Producer producer = queue.producer().waitStrategy(strategy);
            senders[index] = batch > 1 ? new IpcqBatchSender(producer, batch) : new IpcqSender(producer);
        }
        return senders[index];
    }

    @Override
    public synchronized Receiver receiver(final int index)
    {
        if (receivers[index] == null)
        {
            final Consumer consumer = queue.consumer().waitStrategy(strategy);
            receivers[index] = batch > 1 ? new IpcqBatchReceiver(consumer, batch) : new IpcqReceiver(consumer);
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

    /** Fills a batch of messages (each its own buffer: the batch keeps references), sends it with one call. */
    private static final class IpcqBatchSender implements Sender
    {
        private final Producer producer;
        private final UnsafeBuffer[] messages;
        private final SendBatch batch;

        IpcqBatchSender(final Producer producer, final int size)
        {
            this.producer = producer;
            this.messages = new UnsafeBuffer[size];
            this.batch = new SendBatch(size);
            for (int m = 0; m < size; m++)
            {
                messages[m] = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE_LENGTH));
                for (int i = 0; i < MESSAGE_LENGTH; i++)
                {
                    messages[m].putByte(i, (byte)i);
                }
            }
        }

        @Override
        public boolean offer(final long intendedNs, final long sequence, final long sentNs)
        {
            final UnsafeBuffer message = messages[0];
            message.putLong(INTENDED_OFFSET, intendedNs);
            message.putLong(SEQUENCE_OFFSET, sequence);
            message.putLong(SENT_OFFSET, sentNs);
            batch.clear().add(message, 0, MESSAGE_LENGTH);
            return send() == 1;
        }

        @Override
        public int batchSize()
        {
            return messages.length;
        }

        @Override
        public int offerBatch(final long firstSequence, final long stampMask)
        {
            final SendBatch batch = this.batch.clear();
            for (int m = 0; m < messages.length; m++)
            {
                final long sequence = firstSequence + m;
                final long stamp = (sequence & stampMask) == 0 ? System.nanoTime() : 0;
                final UnsafeBuffer message = messages[m];
                message.putLong(INTENDED_OFFSET, stamp);
                message.putLong(SEQUENCE_OFFSET, sequence);
                message.putLong(SENT_OFFSET, stamp);
                batch.add(message, 0, MESSAGE_LENGTH);
            }
            return send();
        }

        private int send()
        {
            final int sent = producer.trySend(0, batch);
            if (batch.result() == SendResult.SEALED)
            {
                throw new IllegalStateException("queue answered " + batch.result());
            }
            return sent;
        }
    }

    /** Leases up to a batch per poll, hands each message to the sink, then acks them all. */
    private static final class IpcqBatchReceiver implements Receiver
    {
        private final Consumer consumer;
        private final LeaseBatch batch;

        IpcqBatchReceiver(final Consumer consumer, final int size)
        {
            this.consumer = consumer;
            this.batch = new LeaseBatch(size);
        }

        @Override
        public int poll(final MessageSink sink)
        {
            final LeaseBatch batch = this.batch;
            final int leased = consumer.tryLease(batch, batch.capacity());
            for (int i = 0; i < leased; i++)
            {
                final DirectBuffer payload = batch.payload(i);
                sink.onMessage(payload.getLong(INTENDED_OFFSET), payload.getLong(SEQUENCE_OFFSET),
                    payload.getLong(SENT_OFFSET));
            }
            if (leased > 0 && batch.ackAll() != leased)
            {
                throw new IllegalStateException("ack fenced: a lease of the batch was taken away");
            }
            return leased;
        }
    }
}
