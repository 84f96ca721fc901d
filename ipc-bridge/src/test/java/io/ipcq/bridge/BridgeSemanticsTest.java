package io.ipcq.bridge;

import io.ipcq.IpcQueue;
import io.ipcq.QueueConfig;
import io.ipcq.layout.CounterIndex;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static io.ipcq.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The rules of docs/bridge.md that are not about crashes: a full stream is back-pressure (leases held and extended
 * past their timeout, never released, no redelivery); a full local queue is answered with inProgress (JetStream does
 * not redeliver, nothing is NAKed).
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
}
