package io.ipcq.tools.cli;

import io.ipcq.IpcQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(
    name = "seal",
    mixinStandardHelpOptions = true,
    header = "Mark the end of the stream: no more sends; receivers stop once it is drained.",
    description = "Prints nothing. Sealing a sealed queue is not an error.")
final class SealCommand extends Verb
{
    @Parameters(index = "0", paramLabel = "PATH", description = "The queue file.")
    Path path;

    @Override
    public Integer call()
    {
        try (IpcQueue queue = IpcQueue.open(path))
        {
            queue.seal();
        }
        return 0;
    }
}
