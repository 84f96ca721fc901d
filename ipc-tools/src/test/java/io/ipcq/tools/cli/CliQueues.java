package io.ipcq.tools.cli;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Paths for test queues under /dev/shm (ipcq-test-*), removed after each test whatever happened, with any
 * temporary file a create left beside them.
 */
final class CliQueues implements AfterEachCallback
{
    static final Path ROOT = Files.isDirectory(Path.of("/dev/shm")) ?
        Path.of("/dev/shm") : Path.of(System.getProperty("java.io.tmpdir"));

    private final List<Path> paths = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    Path newPath()
    {
        final Path path = ROOT.resolve("ipcq-test-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID());
        paths.add(path);
        return path;
    }

    <T extends AutoCloseable> T closeLater(final T closeable)
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
                // best effort; the files go regardless
            }
        }
        closeables.clear();
        for (final Path path : paths)
        {
            deleteTree(path);
            try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(ROOT,
                "." + path.getFileName() + ".creating-*"))
            {
                for (final Path leftover : leftovers)
                {
                    Files.deleteIfExists(leftover);
                }
            }
        }
        paths.clear();
    }

    private static void deleteTree(final Path path) throws IOException
    {
        if (Files.isDirectory(path, java.nio.file.LinkOption.NOFOLLOW_LINKS))
        {
            try (Stream<Path> walk = Files.walk(path))
            {
                walk.sorted(Comparator.reverseOrder()).forEach(p ->
                {
                    try
                    {
                        Files.deleteIfExists(p);
                    }
                    catch (final IOException ex)
                    {
                        throw new UncheckedIOException(ex);
                    }
                });
            }
        }
        else
        {
            Files.deleteIfExists(path);
        }
    }
}
