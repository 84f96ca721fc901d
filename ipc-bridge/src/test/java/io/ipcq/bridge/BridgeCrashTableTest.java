package io.ipcq.bridge;

import io.ipcq.IpcQueue;
import io.ipcq.layout.CounterIndex;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Path;
import java.time.Duration;

import static io.ipcq.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The crash table of docs/bridge.md, one row each: a bridge in its own JVM halts right after the step (the bridge's
 * crash-point hook, as {@code kill -9} there would leave it); a new bridge JVM is started in its place; the other
 * bridge runs in this JVM. Then: every message is in B (none lost), duplicates only where the row says so and each
 * with the original id, A and B drained, A's dead-letter ring empty, the stream empty.
 */
class BridgeCrashTableTest
{
    private static final int LANES = 3;
    private static final int PER_LANE = 100;
    private static final int HALT_AT = 40;
    private static final long ACK_WAIT_MS = 1_000;
    private static final int WINDOW = 16;

    private static LocalNatsServer server;

    @BeforeAll
    static void startServer() throws Exception
    {
        server = LocalNatsServer.start(storeDir("crash-table"));
    }

    @AfterAll
    static void stopServer()
    {
        if (server != null)
        {
            server.close();
        }
    }

    @ParameterizedTest
    @EnumSource(BridgeCrashPoint.class)
    void aBridgeHaltedAfterTheStepLosesNothing(final BridgeCrashPoint point) throws Exception
    {
        final boolean outSide = point.name().startsWith("OUT_");
        final String stream = "CRASH_" + point.name();
        final Path pathA = queuePath("crash-a");
        final Path pathB = queuePath("crash-b");
        final BridgeSettings settings = BridgeSettings.builder(server.url(), stream).createStream(true)
            .publishWindow(WINDOW).pullBatch(WINDOW).ackWait(Duration.ofMillis(ACK_WAIT_MS)).build();
        final int total = LANES * PER_LANE;
        try (IpcQueue a = create(pathA, LANES, 512, Duration.ofSeconds(1));
             IpcQueue b = create(pathB, LANES, 512, Duration.ofSeconds(1)))
        {
            sendAll(a, LANES, PER_LANE);
            final String[] childArgs = { outSide ? "out" : "in", (outSide ? pathA : pathB).toString(), server.url(),
                stream, Integer.toString(WINDOW), Long.toString(ACK_WAIT_MS) };
            // The in-JVM side is made first when it is "out", so the stream exists with A's limits either way.
            try (Drainer drainer = new Drainer(b);
                 Running local = outSide ? Running.in(b, settings) : Running.out(a, settings))
            {
                try (ChildBridge crashing = ChildBridge.start(point.name() + ":" + HALT_AT, childArgs))
                {
                    assertEquals(BridgeCrashPoint.HALT_STATUS, crashing.awaitExit(60_000),
                        () -> point + ": the bridge halts at the crash point; its output: " + crashing.log());
                }
                final int before = drainer.distinct();
                assertTrue(before < total, point + ": the halt came before the end (" + before + " of " + total + ")");
                try (ChildBridge restarted = ChildBridge.start(null, childArgs))
                {
                    restarted.awaitReady(60_000);
                    drainer.awaitDistinct(total, 60_000, () -> true);
                    // Redeliveries of acks lost with the halted bridge in are still to come: drain them first.
                    awaitStreamEmpty(stream);
                    assertEquals(0, restarted.stop(60_000), () -> "clean stop: " + restarted.log());
                }
                final long duplicates = drainer.duplicates.get();
                switch (point)
                {
                    case IN_AFTER_COMMIT:
                        // Committed into B, never acked to JetStream: redelivered after its ack wait, committed again.
                        assertTrue(duplicates >= 1 && duplicates <= WINDOW, point + ": " + duplicates + " duplicates");
                        break;
                    case IN_AFTER_ACK:
                        // The acks sent just before the halt may still have been in the client's buffer.
                        assertTrue(duplicates <= WINDOW, point + ": " + duplicates + " duplicates");
                        break;
                    default:
                        // Out: JetStream's dedupe answers the republish "duplicate"; in, before the commit: nothing
                        // reached B.
                        assertEquals(0, duplicates, point + ": no duplicate");
                }
            }
            assertEquals(0, a.stats().ready() + a.stats().leased() + a.stats().redelivery(), point + ": A drained");
            assertEquals(0, b.stats().ready() + b.stats().leased() + b.stats().redelivery(), point + ": B drained");
            assertEquals(0, a.stats().deadLettered(), point + ": no dead letter in A");
            assertEquals(0, a.stats().counters()[CounterIndex.RELEASED], point + ": the bridge never released");
            assertEquals(0, streamMessages(server.url(), stream), point + ": stream empty");
        }
        finally
        {
            delete(pathA);
            delete(pathB);
        }
    }

    private static void awaitStreamEmpty(final String stream) throws Exception
    {
        final long deadline = System.currentTimeMillis() + 30_000;
        while (streamMessages(server.url(), stream) > 0 && System.currentTimeMillis() < deadline)
        {
            Thread.sleep(50);
        }
    }
}
