package io.ipcq;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Queue paths under /dev/shm (or the temp dir where there is none), removed after each test whatever happened.
 * Register with {@code @RegisterExtension final TempQueues queues = new TempQueues();}.
 */
public final class TempQueues implements AfterEachCallback
{
    private static final Path ROOT = Files.isDirectory(Path.of("/dev/shm")) ?
        Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));

    private final List<Path> paths = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    public Path newPath()
    {
        final Path path = ROOT.resolve("ipcq-test-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
        paths.add(path);
        return path;
    }

    public IpcQueue create(final QueueConfig config)
    {
        final IpcQueue queue = IpcQueue.create(newPath(), config);
        closeables.add(queue);
        return queue;
    }

    public <T extends AutoCloseable> T closeLater(final T closeable)
    {
        closeables.add(closeable);
        return closeable;
    }

    @Override
    public void afterEach(final ExtensionContext context) throws IOException
    {
        for (int i = closeables.size() - 1; i >= 0; i--)
        {
            try
            {
                closeables.get(i).close();
            }
            catch (final Exception ignore)
            {
                // closing is best effort; the files go regardless
            }
        }
        closeables.clear();
        for (final Path path : paths)
        {
            Files.deleteIfExists(path);
        }
        paths.clear();
    }
}
