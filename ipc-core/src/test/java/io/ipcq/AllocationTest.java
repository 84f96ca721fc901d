package io.ipcq;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.management.ManagementFactory;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The hot path allocates nothing: after warm-up, N messages on one thread must allocate less than {@link #BOUND_BYTES}
 * in total (that is, 0 bytes per message; the bound leaves room for the measuring calls themselves). Bytes, not time:
 * measured with {@link com.sun.management.ThreadMXBean#getCurrentThreadAllocatedBytes()}.
 */
class AllocationTest
{
    private static final int N = 200_000;
    private static final int WARMUP_ROUNDS = 5;
    private static final long BOUND_BYTES = 4096;
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @FunctionalInterface
    interface Loop
    {
        /**
         * @param iterations how many.
         * @return a checksum, so nothing is optimised away.
         */
        long run(int iterations);
    }

    @BeforeAll
    static void checkSupported()
    {
        assumeTrue(THREADS.isThreadAllocatedMemorySupported(), "thread allocation accounting is not supported");
        THREADS.setThreadAllocatedMemoryEnabled(true);
    }

    @Test
    void sendLeaseAck_allocatesNothing()
    {
        final IpcQueue queue = queues.create(config());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final UnsafeBuffer message = new UnsafeBuffer(new byte[64]);
        assertNoAllocation("trySend+tryLease+ack", iterations ->
        {
            long sum = 0;
            for (int i = 0; i < iterations; i++)
            {
                message.putInt(0, i);
                if (producer.trySend(0, message, 0, 64) != SendResult.OK)
                {
                    throw new AssertionError("send " + i);
                }
                final Lease lease = consumer.tryLease();
                sum += lease.payload().getInt(0) + lease.length() + lease.deliveryCount();
                if (!lease.ack())
                {
                    throw new AssertionError("ack " + i);
                }
            }
            return sum;
        });
    }

    @Test
    void sendBytesLeaseAck_allocatesNothing()
    {
        final IpcQueue queue = queues.create(config());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final byte[] message = new byte[32];
        assertNoAllocation("trySend(byte[])+tryLease+ack (try-with-resources)", iterations ->
        {
            long sum = 0;
            for (int i = 0; i < iterations; i++)
            {
                message[0] = (byte)i;
                producer.trySend(0, message);
                try (Lease lease = consumer.tryLease())
                {
                    sum += lease.payload().getByte(0) + lease.id();
                    lease.ack();
                }
            }
            return sum;
        });
    }

    @Test
    void claimCommitLeaseAck_allocatesNothing()
    {
        final IpcQueue queue = queues.create(config());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final Claim claim = new Claim();
        assertNoAllocation("tryClaim+commit+tryLease+ack", iterations ->
        {
            long sum = 0;
            for (int i = 0; i < iterations; i++)
            {
                if (producer.tryClaim(0, 16, claim) != SendResult.OK)
                {
                    throw new AssertionError("claim " + i);
                }
                claim.buffer().putLong(0, i);
                claim.commit();
                final Lease lease = consumer.tryLease();
                sum += lease.payload().getLong(0);
                lease.ack();
            }
            return sum;
        });
    }

    @Test
    void chronicleBytesViews_allocateNothing()
    {
        final IpcQueue queue = queues.create(config());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final Claim claim = new Claim();
        final String symbol = "XYZ";
        assertNoAllocation("tryClaim+bytes().write+commit+tryLease+bytes().read+ack", iterations ->
        {
            long sum = 0;
            for (int i = 0; i < iterations; i++)
            {
                if (producer.tryClaim(0, 24, claim) != SendResult.OK)
                {
                    throw new AssertionError("claim " + i);
                }
                claim.bytes().writeDouble(i * 0.5).writeLong(i).write8bit(symbol);
                claim.commit();
                final Lease lease = consumer.tryLease();
                final net.openhft.chronicle.bytes.Bytes<Void> fields = lease.bytes();
                sum += (long)fields.readDouble() + fields.readLong() + fields.readStopBit() + fields.readUnsignedByte();
                lease.ack();
            }
            return sum;
        });
    }

    @Test
    void sendOnAFullLane_allocatesNothing()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(4).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final UnsafeBuffer message = new UnsafeBuffer(new byte[8]);
        while (producer.trySend(0, message, 0, 8) == SendResult.OK)
        {
            // fill the lane
        }
        assertNoAllocation("trySend on a full lane", iterations ->
        {
            long sum = 0;
            for (int i = 0; i < iterations; i++)
            {
                sum += producer.trySend(0, message, 0, 8).ordinal();
            }
            if (sum != (long)SendResult.FULL.ordinal() * iterations)
            {
                throw new AssertionError("not FULL every time");
            }
            return sum;
        });
    }

    /** Every send comes round to the slot of a message leased for good, and skips it (the slow path of a claim). */
    @Test
    void sendPastAHeldMessage_allocatesNothing()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(4).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final UnsafeBuffer message = new UnsafeBuffer(new byte[8]);
        producer.trySend(0, message, 0, 8);
        final Lease held = consumer.tryLease();
        assertNoAllocation("trySend skipping a held slot+tryLease+ack", iterations ->
        {
            long sum = 0;
            for (int i = 0; i < iterations; i++)
            {
                if (producer.trySend(0, message, 0, 8) != SendResult.OK)
                {
                    throw new AssertionError("send " + i);
                }
                final Lease lease = consumer.tryLease();
                sum += lease.id();
                if (!lease.ack())
                {
                    throw new AssertionError("ack " + i);
                }
            }
            return sum;
        });
        assertTrue(held.ack());
    }

    @Test
    void extend_allocatesNothing()
    {
        final IpcQueue queue = queues.create(config());
        queue.producer().trySend(0, new byte[8]);
        final Lease lease = queue.consumer().tryLease();
        final Duration duration = Duration.ofSeconds(30);
        assertNoAllocation("extend", iterations ->
        {
            long sum = 0;
            for (int i = 0; i < iterations; i++)
            {
                if (!lease.extend(duration))
                {
                    throw new AssertionError("extend " + i);
                }
                sum += lease.deadlineEpochMs();
            }
            return sum;
        });
        assertTrue(lease.ack());
    }

    @Test
    void emptyTryLease_allocatesNothing()
    {
        final IpcQueue queue = queues.create(config());
        final Consumer consumer = queue.consumer();
        assertNoAllocation("tryLease on an empty queue", iterations ->
        {
            long sum = 0;
            for (int i = 0; i < iterations; i++)
            {
                sum += consumer.tryLease() == null ? 1 : 0;
            }
            return sum;
        });
    }

    /** A batch of 16 sent with one tail step, leased with one cursor step, acked with one call. */
    @Test
    void sendBatchLeaseBatchAckAll_allocatesNothing()
    {
        final IpcQueue queue = queues.create(config());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer();
        final UnsafeBuffer message = new UnsafeBuffer(new byte[64]);
        final SendBatch sendBatch = new SendBatch(16);
        final LeaseBatch leaseBatch = new LeaseBatch(16);
        assertNoAllocation("trySend(batch 16)+tryLease(batch 16)+ackAll, per batch", iterations ->
        {
            long sum = 0;
            for (int i = 0; i < iterations / 16; i++)
            {
                sendBatch.clear();
                for (int j = 0; j < 16; j++)
                {
                    sendBatch.add(message, 0, 64);
                }
                if (producer.trySend(0, sendBatch) != 16)
                {
                    throw new AssertionError("batch send " + i + ": " + sendBatch.result());
                }
                if (consumer.tryLease(leaseBatch, 16) != 16)
                {
                    throw new AssertionError("batch lease " + i);
                }
                for (int j = 0; j < 16; j++)
                {
                    sum += leaseBatch.payload(j).getInt(0) + leaseBatch.length(j) + leaseBatch.deliveryCount(j) +
                        leaseBatch.id(j);
                }
                if (leaseBatch.ackAll() != 16)
                {
                    throw new AssertionError("ackAll " + i);
                }
            }
            return sum;
        });
    }

    /** Batches that come round to a held message: the run at the tail, then the skip path, then the next run. */
    @Test
    void sendBatchPastAHeldMessage_allocatesNothing()
    {
        final IpcQueue queue = queues.create(QueueConfig.builder().capacity(16).maxPayloadLength(64).build());
        final Producer producer = queue.producer();
        final Consumer consumer = queue.consumer(32);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[8]);
        producer.trySend(0, message, 0, 8);
        final Lease held = consumer.tryLease();
        final SendBatch sendBatch = new SendBatch(5);
        final LeaseBatch leaseBatch = new LeaseBatch(5);
        assertNoAllocation("trySend(batch 5) skipping a held slot+tryLease(batch 5)+ackAll, per batch", iterations ->
        {
            long sum = 0;
            for (int i = 0; i < iterations / 5; i++)
            {
                sendBatch.clear();
                for (int j = 0; j < 5; j++)
                {
                    sendBatch.add(message, 0, 8);
                }
                if (producer.trySend(0, sendBatch) != 5)
                {
                    throw new AssertionError("batch send " + i + ": " + sendBatch.result());
                }
                int leased = 0;
                while (leased < 5)
                {
                    final int n = consumer.tryLease(leaseBatch, 5 - leased);
                    if (n == 0)
                    {
                        throw new AssertionError("batch lease " + i);
                    }
                    leased += n;
                    sum += leaseBatch.id(0);
                    leaseBatch.ackAll();
                }
            }
            return sum;
        });
        assertTrue(held.ack());
    }

    /** The batch lease with nothing to lease. */
    @Test
    void emptyBatchLease_allocatesNothing()
    {
        final IpcQueue queue = queues.create(config());
        final Consumer consumer = queue.consumer();
        final LeaseBatch leaseBatch = new LeaseBatch(16);
        assertNoAllocation("tryLease(batch) on an empty queue", iterations ->
        {
            long sum = 0;
            for (int i = 0; i < iterations; i++)
            {
                sum += consumer.tryLease(leaseBatch, 16);
            }
            return sum;
        });
    }

    private static QueueConfig config()
    {
        return QueueConfig.builder().capacity(1024).maxPayloadLength(64).build();
    }

    private static void assertNoAllocation(final String what, final Loop loop)
    {
        long checksum = 0;
        for (int round = 0; round < WARMUP_ROUNDS; round++)
        {
            checksum += loop.run(N);
        }
        final long calibrationBefore = THREADS.getCurrentThreadAllocatedBytes();
        final long calibrationAfter = THREADS.getCurrentThreadAllocatedBytes();
        final long before = THREADS.getCurrentThreadAllocatedBytes();
        checksum += loop.run(N);
        final long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        System.out.printf("%s: %d bytes for %d iterations = %.4f bytes/message (measuring call: %d bytes; checksum %d)%n",
            what, allocated, N, allocated / (double)N, calibrationAfter - calibrationBefore, checksum);
        assertTrue(allocated < BOUND_BYTES,
            what + " allocated " + allocated + " bytes for " + N + " iterations (" + allocated / (double)N +
            " bytes/message)");
    }
}
