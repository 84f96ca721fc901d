package io.ipcq.bridge;

import io.ipcq.IpcQueue;
import io.ipcq.QueueConfig;
import io.ipcq.layout.CounterIndex;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static io.ipcq.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The rules of docs/bridge.md that are not about crashes: bridge in serves higher lanes first; a full stream is
 * back-pressure (leases held and extended past their timeout, never released, no redelivery); a full local queue is
 * answered with inProgress (JetStream does not redeliver, nothing is NAKed).
 */
class BridgeSemanticsTest
{
    private static LocalNatsServer server;

    @BeforeAll
    static void startServer() throws Exception
    {
        server = LocalNatsServer.start(storeDir("semantics"));
    }

    @AfterAll
    static void stopServer()
    {
        if (server != null)
        {
            server.close();
        }
    }

    private static IpcQueue queue(final Path path, final int capacity, final Duration leaseTimeout)
    {
        return IpcQueue.create(path, QueueConfig.builder().lanes(2).capacity(capacity).maxPayloadLength(128)
            .maxDeliveries(3).leaseTimeout(leaseTimeout).heartbeatTimeout(Duration.ofSeconds(2)).build());
    }

    /**
     * docs/bridge.md "Lanes map to subjects", the guarantee: messages of 3 lanes waiting in the stream together (put
     * there by bridge out while bridge in was not running) go into B higher lanes first. Bridge in runs in this
     * thread; between each of its steps (where {@link BridgeIn#run} polls its stop condition) the test reads B's
     * tails: no lane may have a message in B before every higher lane has all of its own. Pull batches of 8, so each
     * lane takes several steps.
     */
    @Test
    void higherLanesFirst_noLowerLaneMessageGoesIntoBBeforeEveryHigherLaneMessageWaiting() throws Exception
    {
        final int lanes = 3;
        final int perLane = 40;
        final Path pathA = queuePath("priority-a");
        final Path pathB = queuePath("priority-b");
        final BridgeSettings settings = BridgeSettings.builder(server.url(), "PRIORITY").createStream(true)
            .publishWindow(32).pullBatch(8).ackWait(Duration.ofSeconds(30)).build();
        try (IpcQueue a = create(pathA, lanes, 64, Duration.ofSeconds(2));
             IpcQueue b = create(pathB, lanes, 64, Duration.ofSeconds(2)))
        {
            sendAll(a, lanes, perLane);                     // lane 0, 1, 2, 0, 1, 2, ...: interleaved in the stream
            try (Running out = Running.out(a, settings))
            {
                final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (streamMessages(server.url(), "PRIORITY") < lanes * perLane && System.nanoTime() < deadline)
                {
                    Thread.sleep(50);
                }
            }
            assertEquals(lanes * perLane, streamMessages(server.url(), "PRIORITY"), "the stream holds them all");

            final List<long[]> seen = new ArrayList<>();
            final long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            try (NatsLink link = NatsLink.connect(settings);
                 BridgeIn in = new BridgeIn(b, link))
            {
                in.run(() ->
                {
                    final long[] tails = b.stats().lanes().stream().mapToLong(io.ipcq.QueueStats.LaneStats::tail).toArray();
                    seen.add(tails);
                    return Arrays.stream(tails).sum() == lanes * perLane || System.nanoTime() > deadline;
                });
            }
            final long[] last = seen.get(seen.size() - 1);
            assertArrayEquals(new long[]{ perLane, perLane, perLane }, last, "every message in B");
            for (final long[] tails : seen)
            {
                for (int lower = 0; lower < lanes; lower++)
                {
                    for (int higher = lower + 1; higher < lanes && tails[lower] > 0; higher++)
                    {
                        assertEquals(perLane, tails[higher], "lane " + lower + " served before lane " + higher +
                            " was done; B's tails after each step: " + render(seen));
                    }
                }
            }
            assertTrue(seen.stream().anyMatch(t -> t[2] == perLane && t[1] > 0 && t[1] < perLane),
                "lane 1 seen part done (several steps a lane): " + render(seen));

            // What went into each lane of B is that lane's messages, each once, checksummed.
            try (io.ipcq.Consumer consumer = b.consumer())
            {
                final java.util.Set<Long> keys = new java.util.HashSet<>();
                for (io.ipcq.Lease lease = consumer.tryLease(); lease != null; lease = consumer.tryLease())
                {
                    final long key = check(lease.payload(), lease.length());
                    assertEquals(lease.lane(), key >>> 40, "lane of the message");
                    assertTrue(keys.add(key), "once");
                    lease.ack();
                }
                assertEquals(lanes * perLane, keys.size());
            }
        }
        finally
        {
            delete(pathA);
            delete(pathB);
        }
    }

    private static String render(final List<long[]> seen)
    {
        final StringBuilder out = new StringBuilder();
        for (final long[] tails : seen)
        {
            out.append(Arrays.toString(tails)).append(' ');
        }
        return out.toString();
    }

    @Test
    void aFullStreamIsBackPressureWithLeasesExtendedNeverReleased() throws Exception
    {
        final Path pathA = queuePath("full-stream-a");
        final Path pathB = queuePath("full-stream-b");
        // The stream made from A's geometry holds lanes x capacity = 2 x 8 = 16 messages: 64 must wait for room.
        final BridgeSettings settings = BridgeSettings.builder(server.url(), "FULLSTREAM").createStream(true)
            .publishWindow(32).pullBatch(8).ackWait(Duration.ofSeconds(5)).build();
        try (IpcQueue a = queue(pathA, 8, Duration.ofMillis(500));
             IpcQueue b = queue(pathB, 64, Duration.ofSeconds(5)))
        {
            try (Running out = Running.out(a, settings))
            {
                sendAll(a, 2, 8);
                // Fill A again behind the window while the stream is full.
                final Thread more = new Thread(() -> sendMore(a), "more");
                more.start();
                final long until = System.currentTimeMillis() + 2_500;
                while (System.currentTimeMillis() < until)
                {
                    assertTrue(streamMessages(server.url(), "FULLSTREAM") <= 16);
                    Thread.sleep(100);
                }
                assertEquals(16, streamMessages(server.url(), "FULLSTREAM"), "the stream is full");
                assertTrue(out.counters.inFlight() > 0, "leases held while the stream is full");
                final long[] held = a.stats().counters();
                assertEquals(0, held[CounterIndex.EXPIRED], "held past A's 500 ms lease timeout: extended, not expired");
                assertEquals(0, held[CounterIndex.RELEASED], "never released");
                assertEquals(0, held[CounterIndex.REDELIVERED], "a full stream is not a redelivery");
                try (Drainer drainer = new Drainer(b);
                     Running in = Running.in(b, settings))
                {
                    drainer.awaitDistinct(16 + 48, 60_000, () -> true);
                    more.join(30_000);
                    assertEquals(0, drainer.duplicates.get());
                }
            }
            final long[] counters = a.stats().counters();
            assertEquals(64, counters[CounterIndex.ACKED]);
            assertEquals(0, counters[CounterIndex.EXPIRED] + counters[CounterIndex.RELEASED] +
                counters[CounterIndex.REDELIVERED] + counters[CounterIndex.DEAD_LETTERED]);
        }
        finally
        {
            delete(pathA);
            delete(pathB);
        }
    }

    private static void sendMore(final IpcQueue a)
    {
        try (io.ipcq.Producer producer = a.producer())
        {
            for (int seq = 8; seq < 32; seq++)
            {
                for (int lane = 0; lane < 2; lane++)
                {
                    assertEquals(io.ipcq.SendResult.OK, producer.send(lane, message(lane, seq), Duration.ofSeconds(60)));
                }
            }
        }
    }

    @Test
    void aFullLocalQueueIsAnsweredWithInProgressNotNak() throws Exception
    {
        final Path pathA = queuePath("full-local-a");
        final Path pathB = queuePath("full-local-b");
        // B takes 4 per lane; JetStream's ack wait is 1 s; B is left full for 3.5 s: without inProgress JetStream
        // would redeliver the held messages (a duplicate in B once committed), with NAK at once.
        final BridgeSettings settings = BridgeSettings.builder(server.url(), "FULLLOCAL").createStream(true)
            .publishWindow(32).pullBatch(8).ackWait(Duration.ofSeconds(1)).build();
        try (IpcQueue a = queue(pathA, 64, Duration.ofSeconds(5));
             IpcQueue b = queue(pathB, 4, Duration.ofSeconds(5)))
        {
            try (Running out = Running.out(a, settings);
                 Running in = Running.in(b, settings))
            {
                sendAll(a, 2, 20);
                Thread.sleep(3_500);
                assertEquals(8, b.stats().ready(), "B is full");
                assertTrue(in.counters.inFlight() > 0, "bridge in holds what does not fit");
                try (Drainer drainer = new Drainer(b))
                {
                    drainer.awaitDistinct(40, 60_000, () -> true);
                    assertEquals(0, drainer.duplicates.get(), "no redelivery while B was full");
                }
                assertEquals(0, in.counters.duplicates(), "JetStream redelivered nothing to bridge in");
                assertEquals(40, in.counters.confirmed());
            }
            assertEquals(0, streamMessages(server.url(), "FULLLOCAL"));
        }
        finally
        {
            delete(pathA);
            delete(pathB);
        }
    }

    /**
     * docs/bridge.md row I4: messages the stream holds although the lane's consumer has acked past them (nats-server
     * 2.9 left such after a restart in the two-host test; made here as an operator would, by restoring the stream's
     * message store, copied while the messages were in it, after the consumer had acked them: the stream has them
     * again, the consumer's ack floor is above them, nothing pending, nothing awaiting an ack) go into B again, each
     * counted as a possible duplicate, and are deleted from the stream; later messages flow as usual.
     */
    @Test
    void messagesStrandedBelowTheAckFloorGoIntoBAndLeaveTheStream() throws Exception
    {
        final int stranded = 5;
        final int later = 3;
        final Path pathA = queuePath("stranded-a");
        final Path pathB = queuePath("stranded-b");
        final String stream = "STRANDED";
        final Path backup = storeDir("stranded-backup");
        try (LocalNatsServer own = LocalNatsServer.start(storeDir("stranded"));
             IpcQueue a = create(pathA, 1, 64, Duration.ofSeconds(2));
             IpcQueue b = create(pathB, 1, 64, Duration.ofSeconds(2)))
        {
            final BridgeSettings settings = BridgeSettings.builder(own.url(), stream).createStream(true)
                .publishWindow(8).pullBatch(8).ackWait(Duration.ofSeconds(1)).build();
            sendAll(a, 1, stranded);
            try (Running out = Running.out(a, settings))
            {
                awaitStream(own, stream, stranded);
            }
            own.restart(store -> copyTree(messageStoreOf(store, stream), backup));
            try (Running in = Running.in(b, settings))
            {
                awaitTail(b, stranded);
            }
            awaitStream(own, stream, 0);
            own.restart(store -> copyTree(backup, messageStoreOf(store, stream)));
            assertEquals(stranded, streamMessages(own.url(), stream), "the restored store holds them again");

            try (Running in = Running.in(b, settings))
            {
                awaitTail(b, 2 * stranded);
                assertEquals(stranded, in.counters.duplicates(), "each counted as a possible duplicate");
                awaitStream(own, stream, 0);
                sendAll(a, 1, later);
                try (Running out = Running.out(a, settings))
                {
                    awaitTail(b, 2 * stranded + later);
                }
                awaitStream(own, stream, 0);
            }
            try (io.ipcq.Consumer consumer = b.consumer())
            {
                final java.util.Map<Long, Integer> keys = new java.util.HashMap<>();
                for (io.ipcq.Lease lease = consumer.tryLease(); lease != null; lease = consumer.tryLease())
                {
                    keys.merge(check(lease.payload(), lease.length()), 1, Integer::sum);
                    assertTrue(lease.originId() >= 0, "the origin id came with it");
                    lease.ack();
                }
                // sendAll numbers its messages from 0 each time: keys 0..2 three times, 3..4 twice.
                assertEquals(stranded, keys.size());
                assertEquals(2 * stranded + later, keys.values().stream().mapToInt(Integer::intValue).sum());
            }
        }
        finally
        {
            delete(pathA);
            delete(pathB);
        }
    }

    /** Where nats-server keeps a stream's messages in its store directory (2.9: jetstream/$G/streams/NAME/msgs). */
    private static Path messageStoreOf(final Path store, final String stream) throws java.io.IOException
    {
        try (java.util.stream.Stream<Path> found = java.nio.file.Files.walk(store))
        {
            return found.filter(p -> p.getFileName().toString().equals("msgs") &&
                    p.getParent().getFileName().toString().equals(stream)).findFirst()
                .orElseThrow(() -> new java.io.IOException("no message store of " + stream + " in " + store));
        }
    }

    private static void copyTree(final Path from, final Path to) throws java.io.IOException
    {
        if (java.nio.file.Files.exists(to))
        {
            try (java.util.stream.Stream<Path> old = java.nio.file.Files.walk(to))
            {
                for (final Path p : old.sorted(java.util.Comparator.reverseOrder()).toList())
                {
                    java.nio.file.Files.delete(p);
                }
            }
        }
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(from))
        {
            for (final Path p : files.toList())
            {
                java.nio.file.Files.copy(p, to.resolve(from.relativize(p).toString()));
            }
        }
    }

    private static void awaitTail(final IpcQueue queue, final long tail) throws InterruptedException
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (queue.stats().lanes().get(0).tail() < tail && System.nanoTime() < deadline)
        {
            Thread.sleep(20);
        }
        assertEquals(tail, queue.stats().lanes().get(0).tail(), "messages sent into lane 0 of " + queue.path());
    }

    private static void awaitStream(final LocalNatsServer on, final String stream, final long messages)
        throws Exception
    {
        final long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (streamMessages(on.url(), stream) != messages && System.nanoTime() < deadline)
        {
            Thread.sleep(50);
        }
        assertEquals(messages, streamMessages(on.url(), stream), "messages in stream " + stream);
    }
}
