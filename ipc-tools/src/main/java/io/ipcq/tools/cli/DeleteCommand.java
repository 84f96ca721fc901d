package io.ipcq.tools.cli;

import io.ipcq.IpcQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(
    name = "delete",
    mixinStandardHelpOptions = true,
    header = "Remove a queue file (its dead-letter ring lives inside it).",
    description = {
        "Refuses a file that does not start with the ipcq magic, so a typo never deletes something else; a " +
            "queue with a corrupt or unfinished header is still removed.",
        "Refuses a queue that live processes are attached to unless --force: they would keep using a file nobody " +
            "else can open. Also removes what creators of the queue killed mid-create left (.NAME.creating-*). " +
            "Prints nothing." })
final class DeleteCommand extends Verb
{
    @Parameters(index = "0", paramLabel = "PATH", description = "The queue file.")
    Path path;

    @Option(names = "--force", description = "Delete even while live processes are attached to the queue.")
    boolean force;

    @Override
    public Integer call()
    {
        if (path.toString().isBlank())
        {
            throw CliException.usage("PATH is empty: give the queue's file path");
        }
        if (!IpcQueue.delete(path, force))
        {
            throw CliException.failure("no queue at " + path + ": file does not exist");
        }
        return 0;
    }
}
