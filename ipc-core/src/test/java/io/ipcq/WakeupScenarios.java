package io.ipcq;

import io.ipcq.internal.TickingEpochClock;
import io.ipcq.wait.WaitStats;
import io.ipcq.wait.WaitStrategy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The wake-up scenarios, run by {@link WakeupTest} in this JVM (JDK 17: the socket sleepers) and by
 * {@link FutexWakeupTest} in a child JVM on a JDK 22+ (futex sleepers, the multi-release classes). Each takes a
 * fresh queue path and deletes it. Bounds are on counts (wake calls, kernel waits, clock ticks), never on speed;
 * the few time limits only fail a stuck test instead of hanging it.
 */
final class WakeupScenarios
{
    static final Duration STUCK = Duration.ofSeconds(20);

    private WakeupScenarios()
    {
    }

    static QueueConfig config(final int capacity)
    {
        return QueueConfig.builder().capacity(capacity).maxPayloadLength(64).lanes(2).build();
    }

    /** A consumer parked in the kernel is woken by a send on any lane it serves. */
    static void consumerIsWokenBySend(final Path path) throws Exception
    {
        try (IpcQueue queue = IpcQueue.create(path, config(16));
             Producer producer = queue.producer();
             Consumer consumer = queue.consumer())
        {
            for (final int lane : new int[]{ 0, 1 })
            {
                final CompletableFuture<String> leased = async(() ->
                {
                    try (Lease lease = consumer.lease(Duration.ofSeconds(30)))
                    {
                        assertNotNull(lease, "no lease: " + consumer.status());
                        lease.ack();
                        return lease.length() == 1 ? "ok" : "payload of " + lease.length() + " bytes";
                    }
                });
                awaitTrue(() -> queue.waits().registeredRows(lane, false) == 1, "consumer registered on lane " + lane);
                final long wakeCalls = WaitStats.wakeCalls();
                assertEquals(SendResult.OK, producer.trySend(lane, "x".getBytes(StandardCharsets.UTF_8)));
                assertEquals("ok", leased.get(STUCK.toSeconds(), TimeUnit.SECONDS));
                assertEquals(1, WaitStats.wakeCalls() - wakeCalls, "one wake call for one sleeper");
                awaitTrue(() -> queue.waits().sleepers(0, false) == 0 && queue.waits().sleepers(1, false) == 0,
                    "consumer unregistered from both lanes");
            }
        }
        finally
        {
            IpcQueue.delete(path);
        }
    }

    /**
     * A consumer sleeping in a row above others is woken: wakers scan only the rows below the lane's bound, which
     * the sleeper raised to its row + 1 before it registered (#W1), and never lowered after.
     */
    static void sleeperInAHighRowIsWoken(final Path path) throws Exception
    {
        try (IpcQueue queue = IpcQueue.create(path, config(16));
             Producer producer = queue.producer();
             Producer second = queue.producer();
             Producer third = queue.producer();
             Consumer consumer = queue.consumer())
        {
            assertEquals(0, queue.waits().sleeperRows(0, false), "no one has slept on lane 0 yet");
            for (int round = 0; round < 2; round++)
            {
                final CompletableFuture<String> leased = async(() ->
                {
                    try (Lease lease = consumer.lease(Duration.ofSeconds(30)))
                    {
                        assertNotNull(lease, "no lease: " + consumer.status());
                        lease.ack();
                        return "ok";
                    }
                });
                awaitTrue(() -> queue.waits().registeredRows(0, false) == 1, "consumer registered");
                assertEquals(consumer.row + 1, queue.waits().sleeperRows(0, false), "bound of the rows to scan");
                final long wakeCalls = WaitStats.wakeCalls();
                assertEquals(SendResult.OK, producer.trySend(0, "x".getBytes(StandardCharsets.UTF_8)));
                assertEquals("ok", leased.get(STUCK.toSeconds(), TimeUnit.SECONDS));
                assertEquals(1, WaitStats.wakeCalls() - wakeCalls, "the sleeper in row " + consumer.row + " woken");
            }
            assertEquals(consumer.row + 1, queue.waits().sleeperRows(0, false), "the bound stays after the wake");
        }
        finally
        {
            IpcQueue.delete(path);
        }
    }

    /** A producer blocked on FULL is woken by an ack. */
    static void producerIsWokenByFree(final Path path) throws Exception
    {
        try (IpcQueue queue = IpcQueue.create(path, config(2));
             Producer producer = queue.producer();
             Consumer consumer = queue.consumer())
        {
            final byte[] message = "m".getBytes(StandardCharsets.UTF_8);
            assertEquals(SendResult.OK, producer.trySend(0, message));
            assertEquals(SendResult.OK, producer.trySend(0, message));
            assertEquals(SendResult.FULL, producer.trySend(0, message));
            final CompletableFuture<SendResult> sent =
                async(() -> producer.send(0, message, Duration.ofSeconds(30)));
            awaitTrue(() -> queue.waits().registeredRows(0, true) == 1, "producer registered for room");
            final Lease lease = consumer.tryLease();
            assertNotNull(lease);
            lease.ack();
            assertEquals(SendResult.OK, sent.get(STUCK.toSeconds(), TimeUnit.SECONDS));
            awaitTrue(() -> queue.waits().sleepers(0, true) == 0, "producer unregistered");
        }
        finally
        {
            IpcQueue.delete(path);
        }
    }

    /** Seal wakes every sleeper: consumers see the end of the stream, producers SEALED. */
    static void sealWakesEverySleeper(final Path path) throws Exception
    {
        try (IpcQueue queue = IpcQueue.create(path, config(2));
             Producer producer = queue.producer();
             Producer second = queue.producer();
             Consumer consumer = queue.consumer())
        {
            final byte[] message = "m".getBytes(StandardCharsets.UTF_8);
            assertEquals(SendResult.OK, producer.trySend(1, message));
            assertEquals(SendResult.OK, producer.trySend(1, message));
            final CompletableFuture<SendResult> sent =
                async(() -> second.send(1, message, Duration.ofSeconds(30)));
            awaitTrue(() -> queue.waits().registeredRows(1, true) == 1, "producer registered for room");
            // Drain lane 1 into held leases, then acks after the seal make the stream end.
            final Lease first = consumer.tryLease();
            final Lease other = consumer.tryLease();
            assertNotNull(first);
            assertNotNull(other);
            final CompletableFuture<ReceiveStatus> ended = async(() ->
            {
                final Lease lease = consumer.lease(Duration.ofSeconds(30));
                return lease == null ? consumer.status() : ReceiveStatus.LEASED;
            });
            awaitTrue(() -> queue.waits().registeredRows(0, false) == 1, "consumer registered");
            queue.seal();
            assertEquals(SendResult.SEALED, sent.get(STUCK.toSeconds(), TimeUnit.SECONDS));
            first.ack();
            other.ack();
            assertEquals(ReceiveStatus.END_OF_STREAM, ended.get(STUCK.toSeconds(), TimeUnit.SECONDS));
        }
        finally
        {
            IpcQueue.delete(path);
        }
    }

    /** With no one asleep, sending, leasing and acking make no wake call (no system call of the protocol). */
    static void noWakeCallWithoutSleepers(final Path path)
    {
        try (IpcQueue queue = IpcQueue.create(path, config(1024));
             Producer producer = queue.producer();
             Consumer consumer = queue.consumer())
        {
            final byte[] message = new byte[64];
            final long wakeCalls = WaitStats.wakeCalls();
            for (int i = 0; i < 100_000; i++)
            {
                assertEquals(SendResult.OK, producer.trySend(i & 1, message));
                final Lease lease = consumer.tryLease();
                assertNotNull(lease);
                if ((i & 3) == 0)
                {
                    lease.release();
                    final Lease again = consumer.tryLease();
                    assertNotNull(again);
                    again.ack();
                }
                else
                {
                    lease.ack();
                }
            }
            assertEquals(0, WaitStats.wakeCalls() - wakeCalls, "wake calls while no one slept");
        }
        finally
        {
            IpcQueue.delete(path);
        }
    }

    /**
     * An idle consumer waiting 3 s on an empty queue: it comes back from the kernel only at its cap (the reaper's
     * period, 1 s here) and the clock thread stays parked. Before issue 13 this was about 3,000 parks of the
     * back-off and 3,000 clock ticks.
     */
    static void idleConsumerWakesRarely(final Path path)
    {
        try (IpcQueue queue = IpcQueue.create(path, config(16));
             Consumer consumer = queue.consumer())
        {
            assertNull(consumer.lease(Duration.ofMillis(50)));
            final long kernelWaits = WaitStats.kernelWaits();
            final long ticks = TickingEpochClock.instance().ticks();
            final long startNs = System.nanoTime();
            assertNull(consumer.lease(Duration.ofSeconds(3)));
            assertEquals(ReceiveStatus.TIMED_OUT, consumer.status());
            assertTrue(System.nanoTime() - startNs >= Duration.ofSeconds(3).toNanos(), "waited the whole timeout");
            final long waits = WaitStats.kernelWaits() - kernelWaits;
            final long ticked = TickingEpochClock.instance().ticks() - ticks;
            assertTrue(waits >= 1 && waits <= 8, "kernel waits in 3 s idle: " + waits);
            assertTrue(ticked <= 3 * TickingEpochClock.IDLE_TICKS, "clock ticks in 3 s idle: " + ticked);
        }
        finally
        {
            IpcQueue.delete(path);
        }
    }

    /** Every strategy honours the timeout; busy-spin and back-off never register. */
    static void strategiesKeepTheirTimeout(final Path path)
    {
        try (IpcQueue queue = IpcQueue.create(path, config(16));
             Consumer consumer = queue.consumer())
        {
            for (final WaitStrategy strategy : new WaitStrategy[]{
                WaitStrategy.busySpin(), WaitStrategy.backoff(), WaitStrategy.spinThenBlock(0, 0) })
            {
                consumer.waitStrategy(strategy);
                final long kernelWaits = WaitStats.kernelWaits();
                final long startNs = System.nanoTime();
                assertNull(consumer.lease(Duration.ofMillis(200)));
                assertEquals(ReceiveStatus.TIMED_OUT, consumer.status());
                assertTrue(System.nanoTime() - startNs >= Duration.ofMillis(200).toNanos(), strategy.toString());
                final long waits = WaitStats.kernelWaits() - kernelWaits;
                if (strategy.kind() == WaitStrategy.Kind.SPIN_THEN_BLOCK)
                {
                    assertTrue(waits >= 1, strategy + " blocked");
                }
                else
                {
                    assertEquals(0, waits, strategy + " never blocks in the kernel");
                }
                assertEquals(0, queue.waits().sleepers(0, false));
            }
        }
        finally
        {
            IpcQueue.delete(path);
        }
    }

    /** On a thread of its own: the common pool may have a single worker, which a blocked send would hold. */
    static <T> CompletableFuture<T> async(final java.util.function.Supplier<T> task)
    {
        final CompletableFuture<T> result = new CompletableFuture<>();
        final Thread thread = new Thread(() ->
        {
            try
            {
                result.complete(task.get());
            }
            catch (final Throwable t)
            {
                result.completeExceptionally(t);
            }
        }, "wakeup-scenario");
        thread.setDaemon(true);
        thread.start();
        return result;
    }

    static void awaitTrue(final BooleanSupplier condition, final String what) throws InterruptedException
    {
        final long deadline = System.nanoTime() + STUCK.toNanos();
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
            {
                fail("stuck waiting for: " + what);
            }
            Thread.sleep(1);
        }
    }
}
