package io.ipcq.tools.cli;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.SendResult;
import org.agrona.concurrent.CachedEpochClock;
import org.agrona.concurrent.SystemEpochClock;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.ipcq.tools.cli.CliRunner.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code ipcq export} as a child process: it serves /metrics on an ephemeral port; the test scrapes it over HTTP,
 * parses the Prometheus text format and checks the numbers against what it did to the queues; the queues' files are
 * unchanged by the scrapes (nothing attached). Then each kind of bad input gets one {@code ipcq:} line and exit 1.
 */
class ExportCommandTest
{
    private static final Pattern SERVING = Pattern.compile("serving http://127\\.0\\.0\\.1:(\\d+)/metrics for (\\d+) ");
    /** One sample line: name, optional {labels}, value. */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");

    @RegisterExtension
    final CliQueues queues = new CliQueues();

    @BeforeAll
    static void buildOnce()
    {
        final Result version = CliRunner.run(null, Duration.ofMinutes(15), "--version");
        assertEquals(0, version.exitCode(), version::toString);
    }

    record Sample(String name, Map<String, String> labels, double value)
    {
    }

    @Test
    void servesEveryQueueAGlobMatchesReadOnly() throws Exception
    {
        final IpcQueue first = manual(QueueConfig.builder().lanes(2).capacity(8).maxPayloadLength(64));
        final IpcQueue second = manual(QueueConfig.builder().capacity(4).maxPayloadLength(64));
        final Producer producer = first.producer();
        final Consumer consumer = first.consumer();
        for (int i = 0; i < 3; i++)
        {
            assertEquals(SendResult.OK, producer.trySend(1, ("m" + i).getBytes(StandardCharsets.US_ASCII)));
        }
        assertEquals(SendResult.OK, producer.trySend(0, "low".getBytes(StandardCharsets.US_ASCII)));
        final Lease lease = consumer.tryLease();                 // lane 1 first: m0
        assertNotNull(lease);
        assertTrue(consumer.tryLease().ack());                  // m1
        // A file the glob matches that is not a queue: skipped, not an error.
        final Path stranger = queues.newPath();
        Files.writeString(stranger, "not a queue");
        final String glob = first.path().getParent().resolve("ipcq-test-" + ProcessHandle.current().pid() + "-*")
            .toString();
        final byte[] before = Files.readAllBytes(first.path());

        try (Running export = new Running("export", "--listen", "127.0.0.1:0", glob))
        {
            final Matcher serving = SERVING.matcher(export.awaitStdout(t -> SERVING.matcher(t).find(), "the address"));
            assertTrue(serving.find());
            assertEquals("2", serving.group(2), "two queues; the stranger skipped");
            final int port = Integer.parseInt(serving.group(1));

            final List<Sample> samples = scrape(port);
            org.junit.jupiter.api.Assertions.assertArrayEquals(before, Files.readAllBytes(first.path()),
                "a scrape changed the file");
            final String q = first.path().toString();
            assertEquals(1.0, value(samples, "ipcq_messages_ready", q, "1"), "m2 ready in lane 1");
            assertEquals(1.0, value(samples, "ipcq_messages_ready", q, "0"));
            assertEquals(1.0, value(samples, "ipcq_messages_leased", q, "1"));
            assertEquals(0.0, value(samples, "ipcq_messages_redelivery", q, "1"));
            assertEquals(6.0, value(samples, "ipcq_slots_free", q, "1"), "m0 leased, m2 ready");
            assertEquals(8.0, value(samples, "ipcq_slots", q, "0"));
            assertEquals(0.0, value(samples, "ipcq_messages_dead_lettered", q, null));
            assertEquals(4.0, value(samples, "ipcq_sent_total", q, null));
            assertEquals(2.0, value(samples, "ipcq_delivered_total", q, null));
            assertEquals(1.0, value(samples, "ipcq_acked_total", q, null));
            assertEquals(2.0, value(samples, "ipcq_participants_alive", q, null), "this JVM's producer and consumer");
            assertEquals(0.0, value(samples, "ipcq_participants_dead", q, null));
            assertEquals(1.0, value(samples, "ipcq_queue_up", q, null));
            assertTrue(samples.stream().anyMatch(s -> s.name().equals("ipcq_participant_heartbeat_age_seconds") &&
                q.equals(s.labels().get("queue")) && "consumer".equals(s.labels().get("role"))), samples::toString);
            assertEquals(0.0, value(samples, "ipcq_sent_total", second.path().toString(), null));
            assertTrue(samples.stream().noneMatch(s -> stranger.toString().equals(s.labels().get("queue"))));

            // Read on each scrape: an ack shows at the next one.
            assertTrue(lease.ack());
            final List<Sample> again = scrape(port);
            assertEquals(0.0, value(again, "ipcq_messages_leased", q, "1"));
            assertEquals(2.0, value(again, "ipcq_acked_total", q, null));
            assertEquals(143, export.terminate(), "SIGTERM ends it (128 + 15)");
        }
        assertEquals(2, first.stats().participants().size(), "only this JVM's two rows: export attached nothing");
    }

    @Test
    void theAgeOfEachLanesOldestWaitingMessageIsAGaugeInSeconds() throws Exception
    {
        // The producer's clock an hour back: the age read is an hour plus the few seconds this test takes.
        final CachedEpochClock clock = new CachedEpochClock();
        clock.update(System.currentTimeMillis() - Duration.ofHours(1).toMillis());
        final IpcQueue queue = queues.closeLater(IpcQueue.create(queues.newPath(),
            QueueConfig.builder().lanes(3).capacity(4).maxPayloadLength(64).build(), clock));
        final Producer producer = queue.producer();
        assertEquals(SendResult.OK, producer.trySend(0, "old".getBytes(StandardCharsets.US_ASCII)));
        clock.advance(Duration.ofMinutes(50).toMillis());
        assertEquals(SendResult.OK, producer.trySend(0, "newer".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(SendResult.OK, producer.trySend(1, "leased".getBytes(StandardCharsets.US_ASCII)));
        final Lease lease = queue.consumer().tryLease();
        assertEquals(1, lease.lane());

        try (Running export = new Running("export", "--listen", "127.0.0.1:0", queue.path().toString()))
        {
            final Matcher serving = SERVING.matcher(export.awaitStdout(t -> SERVING.matcher(t).find(), "the address"));
            assertTrue(serving.find());
            final List<Sample> samples = scrape(Integer.parseInt(serving.group(1)));
            final String q = queue.path().toString();
            final double age = value(samples, "ipcq_oldest_message_age_seconds", q, "0");
            assertTrue(age >= 3600 && age < 3600 + 300, "lane 0: the oldest of its two, an hour: " + age);
            assertEquals(0.0, value(samples, "ipcq_oldest_message_age_seconds", q, "1"), "leased: none waits");
            assertEquals(0.0, value(samples, "ipcq_oldest_message_age_seconds", q, "2"), "empty");
            assertEquals(143, export.terminate());
        }
        assertTrue(lease.ack());
    }

    @Test
    void badInputIsOneLineAndExitOne() throws IOException
    {
        final Path missing = queues.newPath();
        run("export", "--listen", "127.0.0.1:0", missing.getParent().resolve("ipcq-none-" +
            ProcessHandle.current().pid() + "-*").toString()).fails(1, "no queue matches");
        run("export", "--listen", "127.0.0.1:0", missing.toString()).fails(1, "does not exist");
        final Path text = queues.newPath();
        Files.writeString(text, "0123456789".repeat(200));
        run("export", "--listen", "127.0.0.1:0", text.toString()).fails(1, "is not an ipcq queue");

        final IpcQueue queue = manual(QueueConfig.builder().capacity(4));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1")))
        {
            run("export", "--listen", "127.0.0.1:" + taken.getLocalPort(), queue.path().toString())
                .fails(1, "cannot listen on 127.0.0.1:" + taken.getLocalPort());
        }
        run("export", "--listen", "localhost", queue.path().toString()).fails(2, "not HOST:PORT");
        run("export", "--listen", "127.0.0.1:70000", queue.path().toString()).fails(2, "[0, 65535]");
    }

    private IpcQueue manual(final QueueConfig.Builder config)
    {
        return queues.closeLater(IpcQueue.create(queues.newPath(), config.build(), SystemEpochClock.INSTANCE));
    }

    private static List<Sample> scrape(final int port) throws IOException, InterruptedException
    {
        final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        final HttpResponse<String> response = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(60)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response::body);
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
            response.headers()::toString);
        final List<Sample> samples = new ArrayList<>();
        for (final String line : response.body().split("\n"))
        {
            if (line.isBlank() || line.startsWith("#"))
            {
                assertTrue(line.isBlank() || line.startsWith("# HELP ") || line.startsWith("# TYPE "), line);
                continue;
            }
            final Matcher sample = SAMPLE.matcher(line);
            assertTrue(sample.matches(), "not a sample line: " + line);
            final Map<String, String> labels = new LinkedHashMap<>();
            if (sample.group(2) != null)
            {
                final Matcher label = LABEL.matcher(sample.group(2));
                int end = 0;
                while (label.find() && label.start() == end)
                {
                    labels.put(label.group(1), label.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
                    end = label.end();
                }
                assertEquals(sample.group(2).length(), end, "labels of " + line);
            }
            samples.add(new Sample(sample.group(1), labels, Double.parseDouble(sample.group(3))));
        }
        return samples;
    }

    private static double value(final List<Sample> samples, final String name, final String queue, final String lane)
    {
        final List<Sample> found = samples.stream().filter(s -> s.name().equals(name) &&
            queue.equals(s.labels().get("queue")) && (lane == null || lane.equals(s.labels().get("lane")))).toList();
        assertEquals(1, found.size(), () -> name + " queue=" + queue + " lane=" + lane + " in " + samples);
        return found.get(0).value();
    }
}
