package io.ipcq.perf.harness;

import org.agrona.BitUtil;
import org.agrona.IoUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RecordDescriptor;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;

/**
 * Agrona's {@link OneToOneRingBuffer} or {@link ManyToOneRingBuffer} over a file mapped from /dev/shm. Its
 * capacity is the power of two of bytes that the scenario's message count needs (72-byte records). Send is
 * {@code write} (a copy); receive is {@code read} with a handler, which takes every message there (its batching).
 */
final class AgronaChannel implements Channel
{
    private static final int MSG_TYPE_ID = 1;

    private final File file;
    private final boolean created;
    private final MappedByteBuffer mapped;
    private final RingBuffer ring;
    private final AgronaSender sender;
    private final AgronaReceiver receiver;

    AgronaChannel(final File file, final boolean create, final int capacityMessages, final boolean manyToOne)
    {
        this.file = file;
        this.created = create;
        final int recordLength = BitUtil.align(RecordDescriptor.HEADER_LENGTH + MESSAGE_LENGTH,
            RecordDescriptor.ALIGNMENT);
        final int ringBytes = BitUtil.findNextPositivePowerOfTwo(capacityMessages * recordLength);
        final int fileLength = ringBytes + RingBufferDescriptor.TRAILER_LENGTH;
        this.mapped = create ? IoUtil.mapNewFile(file, fileLength) : IoUtil.mapExistingFile(file, "agrona ring");
        final UnsafeBuffer buffer = new UnsafeBuffer(mapped);
        this.ring = manyToOne ? new ManyToOneRingBuffer(buffer) : new OneToOneRingBuffer(buffer);
        this.sender = new AgronaSender(ring);
        this.receiver = new AgronaReceiver(ring);
    }

    @Override
    public Sender sender(final int index)
    {
        // ManyToOneRingBuffer is safe for many producer threads; OneToOne is only ever given one.
        return index == 0 ? sender : new AgronaSender(ring);
    }

    @Override
    public Receiver receiver(final int index)
    {
        if (index != 0)
        {
            throw new IllegalStateException("an Agrona ring buffer has one consumer");
        }
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

    private static final class AgronaSender implements Sender
    {
        private final RingBuffer ring;
        private final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(MESSAGE_LENGTH));

        AgronaSender(final RingBuffer ring)
        {
            this.ring = ring;
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
            return ring.write(MSG_TYPE_ID, message, 0, MESSAGE_LENGTH);
        }
    }

    private static final class AgronaReceiver implements Receiver, MessageHandler
    {
        private final RingBuffer ring;
        private MessageSink sink;
        private final BackoffIdleStrategy idle = new BackoffIdleStrategy();

        AgronaReceiver(final RingBuffer ring)
        {
            this.ring = ring;
        }

        @Override
        public int poll(final MessageSink sink)
        {
            this.sink = sink;
            return ring.read(this);
        }

        @Override
        public int await(final MessageSink sink, final long timeoutNs)
        {
            // Agrona's default back-off: 10 spins, 5 yields, then park from 1 us doubling up to 1 ms.
            final long deadlineNs = System.nanoTime() + timeoutNs;
            idle.reset();
            int n;
            while ((n = poll(sink)) == 0 && System.nanoTime() - deadlineNs < 0)
            {
                idle.idle();
            }
            return n;
        }

        @Override
        public void onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
        {
            sink.onMessage(buffer.getLong(index + INTENDED_OFFSET), buffer.getLong(index + SEQUENCE_OFFSET),
                buffer.getLong(index + SENT_OFFSET));
        }
    }
}
