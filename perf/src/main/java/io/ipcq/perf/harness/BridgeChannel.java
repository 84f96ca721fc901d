package io.ipcq.perf.harness;

import io.ipcq.IpcQueue;
import io.ipcq.QueueConfig;
import io.ipcq.bridge.BridgeIn;
import io.ipcq.bridge.BridgeOut;
import io.ipcq.bridge.BridgeSettings;
import io.ipcq.bridge.LocalNatsServer;
import io.ipcq.bridge.NatsLink;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The bridge scenario's ipcq row (docs/bridge.md): side A sends on queue A and runs {@code bridge out} on a thread of
 * its JVM, side B runs {@code bridge in} on a thread of its JVM into queue B and leases there: a send on A to a lease
 * on B through a loopback nats-server (started by side A, its URL left in the run directory for side B). Senders and
 * receivers are {@link IpcqChannel}'s, on A and on B.
 */
final class BridgeChannel implements Channel
{
    static final String STREAM = "BENCH_BRIDGE";

    private final boolean created;
    private final Path pathA;
    private final Path pathB;
    private final LocalNatsServer server;
    private final IpcqChannel local;
    private final Thread bridge;
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile Throwable failure;

    BridgeChannel(final Path runDir, final boolean create, final int capacity)
    {
        this.created = create;
        this.pathA = runDir.resolve("bridge-a.q");
        this.pathB = runDir.resolve("bridge-b.q");
        final Path urlFile = runDir.resolve("bridge-nats.url");
        try
        {
            if (create)
            {
                server = LocalNatsServer.start(runDir.resolve("bridge-nats-store"));
                IpcQueue.create(pathB, config(capacity)).close();
                local = new IpcqChannel(pathA, true, capacity, 1, false);
                Files.writeString(urlFile, server.url(), StandardCharsets.UTF_8);
            }
            else
            {
                server = null;
                local = new IpcqChannel(pathB, false, capacity, 1, false);
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("bridge scenario: " + ex.getMessage(), ex);
        }
        final String url = readUrl(urlFile);
        final BridgeSettings settings = BridgeSettings.builder(url, STREAM).createStream(true)
            .ackWait(Duration.ofSeconds(30)).build();
        final IpcQueue queue = IpcQueue.open(create ? pathA : pathB);
        final NatsLink link = NatsLink.connect(settings);
        final AutoCloseable side = create ? new BridgeOut(queue, link) : new BridgeIn(queue, link);
        bridge = new Thread(() ->
        {
            try (queue; link; side)
            {
                if (side instanceof BridgeOut)
                {
                    ((BridgeOut)side).run(stop::get);
                }
                else
                {
                    ((BridgeIn)side).run(stop::get);
                }
            }
            catch (final Throwable ex)
            {
                failure = ex;
            }
        }, create ? "bridge-out" : "bridge-in");
        bridge.setDaemon(true);
        bridge.start();
    }

    private static QueueConfig config(final int capacity)
    {
        return QueueConfig.builder().lanes(1).capacity(capacity).maxPayloadLength(MESSAGE_LENGTH)
            .leaseTimeout(Duration.ofSeconds(30)).build();
    }

    private static String readUrl(final Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("bridge scenario: no server URL from side A in " + file, ex);
        }
    }

    @Override
    public Sender sender(final int index)
    {
        return local.sender(index);
    }

    @Override
    public Receiver receiver(final int index)
    {
        final Throwable failed = failure;
        if (failed != null)
        {
            throw new IllegalStateException("bridge failed: " + failed, failed);
        }
        return local.receiver(index);
    }

    @Override
    public void close()
    {
        stop.set(true);
        try
        {
            bridge.join(10_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        local.close();
        if (created)
        {
            server.close();
            IpcQueue.delete(pathB);
        }
    }
}
