package io.ipcq.tools.cli;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.Producer;
import io.ipcq.QueueConfig;
import io.ipcq.SendResult;
import io.ipcq.bridge.LocalNatsServer;
import io.nats.client.Connection;
import io.nats.client.Nats;
import io.nats.client.api.DiscardPolicy;
import io.nats.client.api.StorageType;
import io.nats.client.api.StreamConfiguration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code ipcq bridge out|in} as a user runs it (the real scripts/ipcq in a child process) against a real nats-server:
 * one line and exit 1 for an unreachable server, a missing stream, refused credentials, a stream whose limits cannot
 * hold the queue's messages; and a message carried from one queue to another by the two verbs.
 */
class CliBridgeTest
{
    private static LocalNatsServer server;
    private static LocalNatsServer guarded;
    private Path queue;
    private Path other;

    @BeforeAll
    static void startServers() throws Exception
    {
        // The first run may build ipc-tools (its note on stderr would break the one-line checks below).
        final CliRunner.Result version = CliRunner.run(null, Duration.ofMinutes(15), "--version");
        assertEquals(0, version.exitCode(), version::toString);
        server = LocalNatsServer.start(Path.of("target", "nats", "cli-" + System.nanoTime()).toAbsolutePath());
        guarded = LocalNatsServer.start(Path.of("target", "nats", "cli-auth-" + System.nanoTime()).toAbsolutePath(),
            "--user", "bridge", "--pass", "secret");
    }

    @AfterAll
    static void stopServers()
    {
        if (server != null)
        {
            server.close();
        }
        if (guarded != null)
        {
            guarded.close();
        }
    }

    @BeforeEach
    void createQueues()
    {
        queue = Path.of("/dev/shm", "ipcq-cli-bridge-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        other = Path.of(queue + "-b");
        final QueueConfig config = QueueConfig.builder().lanes(2).capacity(64).maxPayloadLength(128).build();
        IpcQueue.create(queue, config).close();
        IpcQueue.create(other, config).close();
    }

    @AfterEach
    void deleteQueues() throws Exception
    {
        Files.deleteIfExists(queue);
        Files.deleteIfExists(other);
    }

    @Test
    void anUnreachableServerIsOneLine() throws Exception
    {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0))
        {
            closedPort = socket.getLocalPort();
        }
        final String url = "nats://127.0.0.1:" + closedPort;
        CliRunner.run("bridge", "out", queue.toString(), "--nats", url, "--stream", "S", "--connect-timeout", "2s")
            .fails(1, "ipcq: bridge out: ", "cannot reach the NATS server at " + url);
        CliRunner.run("bridge", "in", queue.toString(), "--nats", url, "--stream", "S", "--connect-timeout", "2s")
            .fails(1, "ipcq: bridge in: ", "cannot reach the NATS server at " + url);
    }

    @Test
    void aMissingStreamIsOneLine()
    {
        CliRunner.run("bridge", "out", queue.toString(), "--nats", server.url(), "--stream", "NOSUCH")
            .fails(1, "stream NOSUCH does not exist", "--create-stream");
        CliRunner.run("bridge", "in", queue.toString(), "--nats", server.url(), "--stream", "NOSUCH")
            .fails(1, "stream NOSUCH does not exist", "--create-stream");
    }

    @Test
    void badCredentialsAreOneLineAndThePasswordIsNotPrinted() throws Exception
    {
        final String url = "nats://bridge:wrong@127.0.0.1:" + guarded.port();
        final CliRunner.Result result = CliRunner.run("bridge", "out", queue.toString(), "--nats", url, "--stream",
            "S").fails(1, "refused the credentials", "Authorization Violation");
        assertFalse(result.stderr().contains("wrong"), result::toString);
        final Path creds = Files.createTempFile("ipcq-bad", ".creds");
        try
        {
            Files.writeString(creds, "not a credentials file\n", StandardCharsets.UTF_8);
            CliRunner.run("bridge", "in", queue.toString(), "--nats", "nats://127.0.0.1:" + guarded.port(),
                "--stream", "S", "--creds", creds.toString()).fails(1, "ipcq: bridge in: ");
        }
        finally
        {
            Files.deleteIfExists(creds);
        }
    }

    @Test
    void aStreamThatCannotHoldOurMessagesIsOneLine() throws Exception
    {
        try (Connection connection = Nats.connect(new io.nats.client.Options.Builder().server(server.url())
            .connectionTimeout(Duration.ofSeconds(20)).build()))
        {
            connection.jetStreamManagement().addStream(StreamConfiguration.builder().name("TINY")
                .subjects("TINY.lane.*").storageType(StorageType.Memory).maxMsgSize(64).build());
            connection.jetStreamManagement().addStream(StreamConfiguration.builder().name("OLD")
                .subjects("OLD.lane.*").storageType(StorageType.Memory).maxMessages(10)
                .discardPolicy(DiscardPolicy.Old).build());
            connection.jetStreamManagement().addStream(StreamConfiguration.builder().name("ONELANE")
                .subjects("ONELANE.lane.0").storageType(StorageType.Memory).build());
        }
        CliRunner.run("bridge", "out", queue.toString(), "--nats", server.url(), "--stream", "TINY")
            .fails(1, "stream TINY", "takes messages of at most 64 bytes", "max payload 128");
        CliRunner.run("bridge", "out", queue.toString(), "--nats", server.url(), "--stream", "OLD")
            .fails(1, "stream OLD", "discard old", "lose messages");
        CliRunner.run("bridge", "in", queue.toString(), "--nats", server.url(), "--stream", "ONELANE")
            .fails(1, "does not take subject ONELANE.lane.1");
    }

    @Test
    void theTwoVerbsCarryMessagesFromOneQueueToAnother() throws Exception
    {
        try (CliRunner.Running out = new CliRunner.Running("bridge", "out", queue.toString(), "--nats",
                 server.url(), "--stream", "CARRY", "--create-stream");
             CliRunner.Running in = startIn(out))
        {
            try (IpcQueue a = IpcQueue.open(queue);
                 Producer producer = a.producer())
            {
                for (int i = 0; i < 100; i++)
                {
                    assertEquals(SendResult.OK, producer.send(i % 2, ("m" + i).getBytes(StandardCharsets.UTF_8),
                        Duration.ofSeconds(30)));
                }
            }
            final Set<String> received = new HashSet<>();
            try (IpcQueue b = IpcQueue.open(other);
                 Consumer consumer = b.consumer())
            {
                final long deadline = System.currentTimeMillis() + 60_000;
                while (received.size() < 100 && System.currentTimeMillis() < deadline)
                {
                    try (Lease lease = consumer.lease(Duration.ofMillis(100)))
                    {
                        if (lease != null)
                        {
                            final byte[] bytes = new byte[lease.length()];
                            lease.payload().getBytes(0, bytes);
                            assertTrue(lease.originId() >= 0, "origin id carried");
                            assertTrue(received.add(new String(bytes, StandardCharsets.UTF_8)), "no duplicate");
                            lease.ack();
                        }
                    }
                }
            }
            assertEquals(100, received.size());
            assertEquals(143, out.terminate(), "SIGTERM stops bridge out (exit 128 + 15, as every verb)");
            assertEquals(143, in.terminate(), "SIGTERM stops bridge in");
            for (final Path path : new Path[]{ queue, other })
            {
                try (IpcQueue q = IpcQueue.open(path))
                {
                    assertTrue(q.stats().participants().stream().noneMatch(row -> row.role().startsWith("bridge")),
                        "a stopped bridge detaches from " + path);
                }
            }
        }
    }

    private CliRunner.Running startIn(final CliRunner.Running out) throws InterruptedException
    {
        out.awaitStdout(text -> text.startsWith("bridge out: "), "bridge out's first line");
        final CliRunner.Running in = new CliRunner.Running("bridge", "in", other.toString(), "--nats", server.url(),
            "--stream", "CARRY", "--ack-wait", "5s");
        in.awaitStdout(text -> text.startsWith("bridge in: "), "bridge in's first line");
        return in;
    }
}
