package io.ipcq.bridge;

import io.ipcq.BridgeCounters;
import io.ipcq.IpcQueue;
import io.ipcq.QueueStats;
import io.ipcq.layout.CounterIndex;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static io.ipcq.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A → bridge out → JetStream → bridge in → B, both bridges on threads of this JVM, against a real nats-server.
 */
class BridgeEndToEndTest
{
    private static LocalNatsServer server;

    @BeforeAll
    static void startServer() throws Exception
    {
        server = LocalNatsServer.start(storeDir("end-to-end"));
    }

    @AfterAll
    static void stopServer()
    {
        if (server != null)
        {
            server.close();
        }
    }

    @Test
    void everyMessageArrivesOnceWithItsOriginIdAndTheStreamEndsEmpty() throws Exception
    {
        final Path pathA = queuePath("e2e-a");
        final Path pathB = queuePath("e2e-b");
        final BridgeSettings settings = BridgeSettings.builder(server.url(), "E2E").createStream(true)
            .publishWindow(64).pullBatch(64).ackWait(Duration.ofSeconds(5)).build();
        final int lanes = 3;
        final int perLane = 1_000;
        try (IpcQueue a = create(pathA, lanes, 256, Duration.ofSeconds(2));
             IpcQueue b = create(pathB, lanes, 256, Duration.ofSeconds(2));
             Drainer drainer = new Drainer(b))
        {
            try (Running out = Running.out(a, settings);
                 Running in = Running.in(b, settings))
            {
                sendAll(a, lanes, perLane);
                drainer.awaitDistinct(lanes * perLane, 60_000, () -> true);
                assertBridgeRows(a, b);
                awaitConfirmed(out.counters, lanes * perLane);
                assertEquals(lanes * perLane, out.counters.confirmed(), "out: every publish stored once");
                assertEquals(0, out.counters.duplicates());
                assertEquals(lanes * perLane, in.counters.published(), "in: every message committed once");
                assertEquals(lanes * perLane, in.counters.confirmed(), "in: every message acked to JetStream");
                assertEquals(0, in.counters.duplicates());
            }
            assertEquals(0, drainer.duplicates.get(), "no crash, no duplicate");
            assertEquals(0, streamMessages(server.url(), "E2E"), "the work-queue stream ends empty");
            final long[] countersA = a.stats().counters();
            assertEquals(lanes * perLane, countersA[CounterIndex.ACKED], "every message of A acked once");
            assertEquals(0, countersA[CounterIndex.RELEASED], "the bridge never releases");
            assertEquals(0, countersA[CounterIndex.REDELIVERED]);
            assertEquals(0, a.stats().ready() + a.stats().leased(), "A drained");
        }
        finally
        {
            delete(pathA);
            delete(pathB);
        }
    }

    static void awaitConfirmed(final BridgeCounters counters, final long expected) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + 30_000;
        while (counters.confirmed() + counters.duplicates() < expected && System.currentTimeMillis() < deadline)
        {
            Thread.sleep(10);
        }
    }

    private static void assertBridgeRows(final IpcQueue a, final IpcQueue b)
    {
        boolean sawOut = false;
        boolean sawIn = false;
        for (final QueueStats.ParticipantStats row : a.stats().participants())
        {
            sawOut |= row.role().equals("bridge-out");
        }
        for (final QueueStats.ParticipantStats row : b.stats().participants())
        {
            sawIn |= row.role().equals("bridge-in");
        }
        assertTrue(sawOut, "A shows a bridge-out participant");
        assertTrue(sawIn, "B shows a bridge-in participant");
    }
}
