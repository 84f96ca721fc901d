package io.ipcq.bridge;

import io.ipcq.IpcQueue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A bridge in a JVM of its own, for the tests that kill it: {@code out|in QUEUE URL STREAM WINDOW_OR_BATCH ACK_WAIT_MS}.
 * Prints {@code READY} once connected and attached; runs until its stdin closes (the parent's way to stop it cleanly)
 * or it is killed; prints {@code ERROR ...} and exits 1 on a bridge failure. With {@code -Dipcq.bridge.crashAt} it halts
 * at that step (exit {@link BridgeCrashPoint#HALT_STATUS}).
 */
public final class BridgeChild
{
    private BridgeChild() {}

    public static void main(final String[] args) throws Exception
    {
        final String direction = args[0];
        final Path path = Path.of(args[1]);
        final BridgeSettings settings = BridgeSettings.builder(args[2], args[3])
            .publishWindow(Integer.parseInt(args[4]))
            .pullBatch(Integer.parseInt(args[4]))
            .ackWait(Duration.ofMillis(Long.parseLong(args[5])))
            .createStream(true)
            // The machine may be loaded (2 cores, several JVMs restarting): give the handshake time.
            .connectTimeout(Duration.ofSeconds(30))
            .build();
        final Thread stdinWatch = new Thread(() ->
        {
            try
            {
                while (System.in.read() >= 0)
                {
                    // until the parent closes it
                }
            }
            catch (final IOException ignore)
            {
                // parent gone
            }
            stopped = true;
        }, "stdin-watch");
        stdinWatch.setDaemon(true);
        stdinWatch.start();
        try (IpcQueue queue = IpcQueue.open(path);
             NatsLink link = NatsLink.connect(settings))
        {
            if (direction.equals("out"))
            {
                try (BridgeOut out = new BridgeOut(queue, link))
                {
                    ready();
                    out.run(() -> stopped);
                }
            }
            else
            {
                try (BridgeIn in = new BridgeIn(queue, link))
                {
                    ready();
                    in.run(() -> stopped);
                }
            }
        }
        catch (final BridgeException ex)
        {
            System.out.println("ERROR " + ex.getMessage());
            System.out.flush();
            System.exit(1);
        }
        System.out.println("STOPPED");
        System.out.flush();
        System.exit(0);
    }

    private static volatile boolean stopped;

    private static void ready()
    {
        System.out.println("READY");
        System.out.flush();
    }
}
