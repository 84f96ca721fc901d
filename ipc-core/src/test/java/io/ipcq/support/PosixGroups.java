package io.ipcq.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;

/**
 * For tests of a queue's group ({@code create --group}, {@code QueueConfig.group}): shared with ipc-tools' tests
 * through ipc-core's test jar.
 */
public final class PosixGroups
{
    private PosixGroups()
    {
    }

    /**
     * Tries the groups of {@code /etc/group} on a temporary file until one is allowed.
     *
     * @return a group this process may give files to and that is not its own primary group (root may give any); its
     *     own primary group if there is no other.
     */
    public static String otherGroup() throws IOException
    {
        final Path probe = Files.createTempFile("ipcq-group", "");
        try
        {
            final String own = Files.readAttributes(probe, PosixFileAttributes.class).group().getName();
            for (final String line : Files.readAllLines(Path.of("/etc/group"), StandardCharsets.UTF_8))
            {
                final String name = line.split(":")[0];
                if (name.isEmpty() || name.equals(own))
                {
                    continue;
                }
                try
                {
                    Files.getFileAttributeView(probe, PosixFileAttributeView.class).setGroup(
                        probe.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(name));
                    return name;
                }
                catch (final IOException notAMember)
                {
                    // try the next
                }
            }
            return own;
        }
        finally
        {
            Files.deleteIfExists(probe);
        }
    }
}
