package io.ipcq.perf.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

final class Files2
{
    private Files2()
    {
    }

    /**
     * Best effort: deletes a file or a directory tree, ignoring what is already gone.
     */
    static void deleteRecursively(final Path path)
    {
        if (path == null || !Files.exists(path))
        {
            return;
        }
        try (Stream<Path> walk = Files.walk(path))
        {
            walk.sorted(Comparator.reverseOrder()).forEach(p ->
            {
                try
                {
                    Files.deleteIfExists(p);
                }
                catch (final IOException ignore)
                {
                    // best effort
                }
            });
        }
        catch (final IOException | RuntimeException ignore)
        {
            // best effort
        }
    }
}
