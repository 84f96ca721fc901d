package io.ipcq.bridge;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code nats-server -js} on loopback, with its own port and its own store directory: what the bridge's tests,
 * {@code scripts/nats} and the bench harness run. Nothing is mocked. {@link #close()} stops it (and a JVM shutdown
 * hook does, if the owner forgets or fails), so no server outlives its owner; {@link #restart()} stops it and starts it
 * again on the same port and store, as an operator's restart would.
 */
public final class LocalNatsServer implements AutoCloseable
{
    /** Where the Debian package puts it; else the PATH is searched. */
    private static final String[] CANDIDATES = { "/usr/sbin/nats-server", "/usr/bin/nats-server",
        "/usr/local/bin/nats-server" };
    private static final long START_TIMEOUT_MS = 30_000;

    private final Path binary;
    private final Path storeDir;
    private final int port;
    private final List<String> extraArgs;
    private final StringBuilder log = new StringBuilder();
    private final Thread shutdownHook;
    private Process process;

    private LocalNatsServer(final Path binary, final Path storeDir, final int port, final List<String> extraArgs)
    {
        this.binary = binary;
        this.storeDir = storeDir;
        this.port = port;
        this.extraArgs = extraArgs;
        this.shutdownHook = new Thread(this::stopQuietly, "nats-server-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts a server on a free loopback port.
     *
     * @param storeDir  JetStream's store directory (created if missing), e.g. under {@code target/}.
     * @param extraArgs more server flags (e.g. {@code --user}, {@code --pass}).
     * @return the running server, ready for clients.
     * @throws IOException if there is no nats-server or it does not come up.
     */
    public static LocalNatsServer start(final Path storeDir, final String... extraArgs) throws IOException
    {
        final LocalNatsServer server = new LocalNatsServer(findBinary(), storeDir, freePort(), List.of(extraArgs));
        try
        {
            server.startProcess();
            return server;
        }
        catch (final IOException | RuntimeException ex)
        {
            server.close();
            throw ex;
        }
    }

    /**
     * @return the server binary.
     * @throws IOException naming the fix, if there is none.
     */
    public static Path findBinary() throws IOException
    {
        for (final String candidate : CANDIDATES)
        {
            if (Files.isExecutable(Path.of(candidate)))
            {
                return Path.of(candidate);
            }
        }
        final String path = System.getenv("PATH");
        if (path != null)
        {
            for (final String dir : path.split(":"))
            {
                final Path candidate = Path.of(dir.isEmpty() ? "." : dir, "nats-server");
                if (Files.isExecutable(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new IOException("nats-server not found: install it with 'scripts/nats install' (Debian package " +
            "nats-server)");
    }

    public int port()
    {
        return port;
    }

    public String url()
    {
        return "nats://127.0.0.1:" + port;
    }

    public Path storeDir()
    {
        return storeDir;
    }

    public long pid()
    {
        return process.pid();
    }

    /**
     * Stops the server (SIGTERM: it flushes its store) and starts it again on the same port and store directory.
     */
    public synchronized void restart() throws IOException
    {
        stopQuietly();
        startProcess();
    }

    /**
     * What is done to the store of a stopped server: {@link #restart(StoreAction)}.
     */
    @FunctionalInterface
    public interface StoreAction
    {
        void apply(Path storeDir) throws IOException;
    }

    /**
     * Stops the server (SIGTERM), does something to its store while it is down (as an operator restoring a backup
     * would), and starts it again on the same port and store directory.
     *
     * @param whileStopped what to do to the store directory.
     */
    public synchronized void restart(final StoreAction whileStopped) throws IOException
    {
        stopQuietly();
        whileStopped.apply(storeDir);
        startProcess();
    }

    /**
     * @return what the server logged so far, for failure messages.
     */
    public String log()
    {
        synchronized (log)
        {
            return log.toString();
        }
    }

    private synchronized void startProcess() throws IOException
    {
        Files.createDirectories(storeDir);
        // Readiness is read from what this start logs, not from an earlier start's lines.
        final int logFrom;
        synchronized (log)
        {
            logFrom = log.length();
        }
        final List<String> command = new ArrayList<>(List.of(binary.toString(), "-js", "-a", "127.0.0.1",
            "-p", Integer.toString(port), "-sd", storeDir.toString(), "--no_advertise"));
        command.addAll(extraArgs);
        final Process started = new ProcessBuilder(command).redirectErrorStream(true).start();
        process = started;
        final Thread pump = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(started.getInputStream(),
                StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = reader.readLine()) != null)
                {
                    synchronized (log)
                    {
                        log.append(line).append('\n');
                    }
                }
            }
            catch (final IOException ignore)
            {
                // the server is gone
            }
        }, "nats-server-log-" + port);
        pump.setDaemon(true);
        pump.start();
        final long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline)
        {
            if (!started.isAlive())
            {
                throw new IOException("nats-server exited with status " + started.exitValue() + " at start: " +
                    log().strip().replace('\n', ' '));
            }
            if (log().indexOf("Server is ready", logFrom) >= 0 && accepts())
            {
                return;
            }
            try
            {
                Thread.sleep(20);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while nats-server started", ex);
            }
        }
        throw new IOException("nats-server did not get ready within " + START_TIMEOUT_MS + " ms: " + log());
    }

    private boolean accepts()
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress()))
        {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private synchronized void stopQuietly()
    {
        final Process running = process;
        if (running == null || !running.isAlive())
        {
            return;
        }
        running.destroy();
        try
        {
            if (!running.waitFor(10, TimeUnit.SECONDS))
            {
                running.destroyForcibly();
                running.waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            running.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the server. Its store directory is left (under target/, for a look after a failure).
     */
    @Override
    public void close()
    {
        stopQuietly();
        try
        {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        }
        catch (final IllegalStateException ignore)
        {
            // the JVM is shutting down: the hook runs anyway
        }
    }
}
