package io.ipcq;

import io.ipcq.layout.CounterIndex;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Many threads in one process, each with its own handle: 4 producers and 3 consumers move 200k messages over two
 * lanes while consumers release some of them once. Every message must be acked exactly once, each consumer must see
 * each producer's first deliveries of a lane in send order, and the queue must be back to empty at the end.
 */
class ConcurrentDeliveryTest
{
    private static final int PRODUCERS = 4;
    private static final int CONSUMERS = 3;
    private static final int MESSAGES = 200_000;
    private static final int PER_PRODUCER = MESSAGES / PRODUCERS;
    private static final int LANES = 2;
    private static final int RELEASE_EVERY = 61;
    private static final long JOIN_MS = TimeUnit.MINUTES.toMillis(3);

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void everyMessageAckedExactlyOnce_4producers3consumers() throws InterruptedException
    {
        final IpcQueue queue = queues.create(QueueConfig.builder()
            .lanes(LANES).capacity(512).maxPayloadLength(16).leaseTimeout(Duration.ofMinutes(5)).build());
        final AtomicIntegerArray acks = new AtomicIntegerArray(MESSAGES);
        final AtomicLong releases = new AtomicLong();
        final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        final CountDownLatch producersDone = new CountDownLatch(PRODUCERS);
        final List<Thread> threads = new ArrayList<>();
        final AtomicBoolean stop = new AtomicBoolean();

        for (int p = 0; p < PRODUCERS; p++)
        {
            final int producerIndex = p;
            threads.add(new Thread(() ->
            {
                try (Producer producer = queue.producer())
                {
                    final UnsafeBuffer message = new UnsafeBuffer(new byte[12]);
                    for (int i = 0; i < PER_PRODUCER; i++)
                    {
                        final int sequence = producerIndex * PER_PRODUCER + i;
                        message.putInt(0, sequence);
                        message.putInt(4, producerIndex);
                        message.putInt(8, i);
                        final SendResult result = producer.send(sequence % LANES, message, 0, 12, Duration.ofMinutes(1));
                        if (result != SendResult.OK)
                        {
                            throw new AssertionError("send of " + sequence + " answered " + result);
                        }
                    }
                }
                catch (final Throwable t)
                {
                    errors.add(t);
                }
                finally
                {
                    producersDone.countDown();
                }
            }, "producer-" + p));
        }
        for (int c = 0; c < CONSUMERS; c++)
        {
            threads.add(new Thread(() ->
            {
                try (Consumer consumer = queue.consumer())
                {
                    // Last first-delivery index seen per (producer, lane): positions leased by one consumer only grow.
                    final int[][] lastFirstDelivery = new int[PRODUCERS][LANES];
                    for (final int[] row : lastFirstDelivery)
                    {
                        java.util.Arrays.fill(row, -1);
                    }
                    while (!stop.get())
                    {
                        final Lease lease = consumer.lease(Duration.ofMillis(200));
                        if (lease == null)
                        {
                            if (consumer.status() == ReceiveStatus.END_OF_STREAM)
                            {
                                return;
                            }
                            continue;
                        }
                        assertEquals(12, lease.length());
                        final int sequence = lease.payload().getInt(0);
                        final int producerIndex = lease.payload().getInt(4);
                        final int index = lease.payload().getInt(8);
                        assertEquals(producerIndex * PER_PRODUCER + index, sequence, "payload intact");
                        assertEquals(sequence % LANES, lease.lane());
                        if (lease.deliveryCount() == 1)
                        {
                            final int[] last = lastFirstDelivery[producerIndex];
                            if (index <= last[lease.lane()])
                            {
                                throw new AssertionError("producer " + producerIndex + " lane " + lease.lane() +
                                    ": first delivery of " + index + " after " + last[lease.lane()]);
                            }
                            last[lease.lane()] = index;
                            if (sequence % RELEASE_EVERY == 0)
                            {
                                assertTrue(lease.release());
                                releases.incrementAndGet();
                                continue;
                            }
                        }
                        if (!lease.ack())
                        {
                            throw new AssertionError("ack of " + sequence + " fenced");
                        }
                        acks.incrementAndGet(sequence);
                    }
                }
                catch (final Throwable t)
                {
                    errors.add(t);
                }
            }, "consumer-" + c));
        }

        threads.forEach(Thread::start);
        try
        {
            assertTrue(producersDone.await(JOIN_MS, TimeUnit.MILLISECONDS), "producers did not finish");
            queue.seal();
            for (final Thread thread : threads)
            {
                thread.join(JOIN_MS);
            }
        }
        finally
        {
            stop.set(true);
            for (final Thread thread : threads)
            {
                thread.join(JOIN_MS);
            }
        }
        for (final Thread thread : threads)
        {
            assertFalse(thread.isAlive(), thread.getName() + " still running");
        }
        if (!errors.isEmpty())
        {
            final AssertionError failure = new AssertionError(errors.size() + " thread(s) failed");
            errors.forEach(failure::addSuppressed);
            throw failure;
        }

        int missing = 0;
        int duplicated = 0;
        for (int i = 0; i < MESSAGES; i++)
        {
            final int count = acks.get(i);
            missing += count == 0 ? 1 : 0;
            duplicated += count > 1 ? 1 : 0;
        }
        assertEquals(0, missing, "messages never acked");
        assertEquals(0, duplicated, "messages acked more than once");

        assertTrue(queue.isEndOfStream());
        final QueueStats stats = queue.stats();
        assertEquals(stats.capacity(), stats.free(), "capacity back to full");
        assertEquals(0, stats.ready() + stats.leased() + stats.redelivery());
        assertEquals(0, stats.deadLettered());
        assertEquals(MESSAGES, stats.counter(CounterIndex.SENT));
        assertEquals(MESSAGES, stats.counter(CounterIndex.ACKED));
        assertEquals(releases.get(), stats.counter(CounterIndex.RELEASED));
        assertEquals(MESSAGES + releases.get(), stats.counter(CounterIndex.DELIVERED));
        assertEquals(0, stats.counter(CounterIndex.FENCED_ACKS));
        assertTrue(releases.get() >= MESSAGES / RELEASE_EVERY, "releases: " + releases.get());
    }
}
