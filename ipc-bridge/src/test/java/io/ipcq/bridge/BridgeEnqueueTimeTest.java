package io.ipcq.bridge;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.QueueConfig;
import io.ipcq.SendResult;
import io.nats.client.Connection;
import io.nats.client.Nats;
import org.agrona.concurrent.CachedEpochClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import static io.ipcq.bridge.BridgeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A message's enqueue time survives the hop A → bridge out → JetStream → bridge in → B (header
 * {@code Ipcq-Enqueued-Ms}, docs/bridge.md); a message another client published without it is stamped when bridge in
 * commits it. Both bridges on threads of this JVM, against a real nats-server.
 */
class BridgeEnqueueTimeTest
{
    private static LocalNatsServer server;

    @BeforeAll
    static void startServer() throws Exception
    {
        server = LocalNatsServer.start(storeDir("enqueue-time"));
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
    void theAgeOfABridgedMessageCountsFromItsSendInTheQueueItCameFrom() throws Exception
    {
        final Path pathA = queuePath("age-a");
        final Path pathB = queuePath("age-b");
        final BridgeSettings settings = BridgeSettings.builder(server.url(), "AGE").createStream(true).build();
        // A's producer clock an hour back: B's own stamp (now) could never be taken for it.
        final CachedEpochClock clockA = new CachedEpochClock();
        final long sentInA = System.currentTimeMillis() - Duration.ofHours(1).toMillis();
        clockA.update(sentInA);
        try (IpcQueue a = IpcQueue.create(pathA, QueueConfig.builder().capacity(8).maxPayloadLength(128).build(),
                clockA);
             IpcQueue b = create(pathB, 1, 8, Duration.ofSeconds(2));
             Consumer consumer = b.consumer())
        {
            try (Running in = Running.in(b, settings);
                 Running out = Running.out(a, settings))
            {
                assertEquals(SendResult.OK, a.producer().trySend(0, "from A".getBytes(StandardCharsets.US_ASCII)));
                try (Lease bridged = consumer.lease(Duration.ofSeconds(60)))
                {
                    assertNotNull(bridged, "bridged to B");
                    assertEquals(0, bridged.originId(), "the first message of A");
                    assertEquals(sentInA, bridged.enqueuedAtEpochMs(), "A's enqueue time, not B's");
                    assertTrue(bridged.ack());
                }

                final long before = System.currentTimeMillis();
                publishWithoutIpcqHeaders(settings.subject(0), "from elsewhere");
                try (Lease foreign = consumer.lease(Duration.ofSeconds(60)))
                {
                    assertNotNull(foreign, "bridged to B");
                    assertEquals(-1, foreign.originId());
                    // B's ticking clock may read up to a tick (more on a loaded machine) behind the system clock.
                    final long enqueued = foreign.enqueuedAtEpochMs();
                    assertTrue(enqueued >= before - 250 && enqueued <= System.currentTimeMillis(),
                        "no header: stamped when bridge in sent it to B, " + enqueued + " vs " + before);
                    assertTrue(foreign.ack());
                }
            }
        }
        finally
        {
            delete(pathA);
            delete(pathB);
        }
    }

    private static void publishWithoutIpcqHeaders(final String subject, final String text) throws Exception
    {
        final io.nats.client.Options options = new io.nats.client.Options.Builder().server(server.url())
            .connectionTimeout(Duration.ofSeconds(20)).build();
        try (Connection connection = Nats.connect(options))
        {
            connection.jetStream().publish(subject, text.getBytes(StandardCharsets.US_ASCII));
        }
    }
}
