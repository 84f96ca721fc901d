package io.ipcq.tools.cli;

import io.ipcq.IpcQueue;
import io.ipcq.layout.QueueDescriptor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    header = "Remove a queue file (its dead-letter ring lives inside it).",
    description = {
        "Refuses a file that does not start with the ipcq magic, so a typo never deletes something else; a " +
            "queue with a corrupt or unfinished header is still removed.",
        "Processes that have the queue mapped keep using their mapping until they close it. Prints nothing." })
final class DeleteCommand extends Verb
{
    @Parameters(index = "0", paramLabel = "PATH", description = "The queue file.")
    Path path;

    @Override
    public Integer call() throws IOException
    {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS))
        {
            throw CliException.failure("no queue at " + path + ": file does not exist");
        }
        if (!Files.isRegularFile(path))
        {
            throw CliException.failure(path + " is not a queue: not a regular file (not deleted)");
        }
        final byte[] head = new byte[Long.BYTES];
        int read = 0;
        try (InputStream in = Files.newInputStream(path))
        {
            while (read < head.length)
            {
                final int n = in.read(head, read, head.length - read);
                if (n < 0)
                {
                    break;
                }
                read += n;
            }
        }
        final long magic = read == head.length ? ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong() : 0;
        if (magic != QueueDescriptor.MAGIC)
        {
            throw CliException.failure(path + " is not an ipcq queue: " + (read < head.length ?
                "only " + read + " bytes long" : "its first 8 bytes are not \"IPCQFILE\"") + " (not deleted)");
        }
        if (!IpcQueue.delete(path))
        {
            throw CliException.failure("no queue at " + path + ": it was removed meanwhile");
        }
        return 0;
    }
}
