package io.ipcq.read;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.QueueStats;
import io.ipcq.SendResult;
import io.ipcq.TempQueues;
import io.ipcq.layout.CounterIndex;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The read model never calls a healthy queue's words impossible, however busy it is: producers and consumers work a
 * small ring flat out (laps, skips past held leases, releases) while a separate read-only mapping decodes every slot
 * again and again. Bounded by the number of reads, not by time.
 */
class ReadModelUnderLoadTest
{
    private static final int READS = 2_000;

    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void aBusyQueueHasNoImpossibleWords() throws Exception
    {
        final IpcQueue queue = queues.closeLater(IpcQueue.create(queues.newPath(),
            QueueConfig.builder().lanes(2).capacity(8).maxPayloadLength(16).build(), SystemEpochClock.INSTANCE));
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final List<Thread> workers = new ArrayList<>();
        for (int p = 0; p < 2; p++)
        {
            final Producer producer = queue.producer();
            final int lane = p;
            workers.add(new Thread(() ->
            {
                final byte[] payload = new byte[8];
                while (!stop.get())
                {
                    payload[0]++;
                    if (producer.trySend(lane, payload) != SendResult.OK)
                    {
                        Thread.onSpinWait();
                    }
                }
            }, "producer-" + p));
        }
        for (int c = 0; c < 2; c++)
        {
            final Consumer consumer = queue.consumer();
            workers.add(new Thread(() ->
            {
                // Holds a few leases a while (so producers skip their slots), releases some, acks the rest.
                final ArrayDeque<Lease> held = new ArrayDeque<>();
                long n = 0;
                while (!stop.get())
                {
                    final Lease lease = consumer.tryLease();
                    if (lease == null)
                    {
                        Thread.onSpinWait();
                        continue;
                    }
                    n++;
                    if (n % 7 == 0)
                    {
                        lease.release();
                    }
                    else if (n % 5 == 0 && held.size() < 2)
                    {
                        held.add(lease);
                    }
                    else
                    {
                        lease.ack();
                    }
                    if (n % 50 == 0 && !held.isEmpty())
                    {
                        held.poll().ack();
                    }
                }
                held.forEach(Lease::ack);
            }, "consumer-" + c));
        }
        workers.forEach(t -> t.setUncaughtExceptionHandler((thread, ex) -> failure.compareAndSet(null, ex)));
        workers.forEach(Thread::start);

        long skippedSeen = 0;
        long busySeen = 0;
        try (QueueView view = QueueView.open(queue.path()))
        {
            // Bounded by counts, not time: at least READS reads, and on until the workers sent more than READS
            // messages meanwhile (a starved machine runs them late), up to a hundred times as many reads.
            for (int read = 0;
                read < READS || (queue.stats().counter(CounterIndex.SENT) <= READS && read < 100 * READS); read++)
            {
                final QueueStats stats = QueueStats.read(view, System.currentTimeMillis());
                for (final QueueStats.LaneStats lane : stats.lanes())
                {
                    assertEquals(0, lane.invalid(), () -> "impossible words on a healthy queue: " + stats);
                    busySeen += lane.capacity() - lane.free();
                }
                assertEquals(0, stats.deadLetters().invalid(), stats::toString);
                for (int ring = 0; ring < view.layout().ringCount(); ring++)
                {
                    final long tail = view.lane(ring).tail();
                    for (int index = 0; index < view.layout().capacity(ring); index++)
                    {
                        final DecodedSlot slot = view.decode(ring, index, tail);
                        assertFalse(slot.invalid(), slot::toString);
                        skippedSeen += slot.skipped() ? 1 : 0;
                    }
                }
            }
        }
        finally
        {
            stop.set(true);
            for (final Thread worker : workers)
            {
                worker.join();
            }
        }
        assertNull(failure.get(), () -> "a worker failed: " + failure.get());
        assertTrue(queue.stats().counter(CounterIndex.SENT) > READS, "the queue was busy while read");
        assertTrue(busySeen > 0, "busy slots were seen");
        System.out.println("ReadModelUnderLoadTest: " + queue.stats().counter(CounterIndex.SENT) + " sent, " +
            skippedSeen + " skipped slots seen over " + READS + " reads");
    }
}
