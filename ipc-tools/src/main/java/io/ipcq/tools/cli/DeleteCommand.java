package io.ipcq.tools.cli;

import io.ipcq.IpcQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

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
    public Integer call()
    {
        if (!IpcQueue.delete(path))
        {
            throw CliException.failure("no queue at " + path + ": file does not exist");
        }
        return 0;
    }
}
