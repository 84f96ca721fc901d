package io.ipcq.tools.cli;

import io.ipcq.IpcQueue;
import io.ipcq.reaper.LeaseSweeper;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(
    name = "reap",
    mixinStandardHelpOptions = true,
    header = "Run one reaper pass now and print what it recovered.",
    description = "Revokes leases past their deadline (requeued, or dead-lettered after max deliveries), retries " +
        "messages parked for a full dead-letter ring, and wakes consumers for messages waiting for redelivery.")
final class ReapCommand extends Verb
{
    @Parameters(index = "0", paramLabel = "PATH", description = "The queue file.")
    Path path;

    @Override
    public Integer call()
    {
        final LeaseSweeper.Result result;
        try (IpcQueue queue = IpcQueue.open(path))
        {
            result = queue.sweep();
        }
        out().println("reaped " + path + ": " + result.expired() + " expired " + plural(result.expired(), "lease") +
            " revoked, " + result.deadLettered() + " " + plural(result.deadLettered(), "message") +
            " dead-lettered, " + result.parked() + " parked (dead-letter ring full), " + result.requeuedSeen() +
            " waiting for redelivery");
        flushOrFail("reap " + path);
        return 0;
    }

    private static String plural(final int n, final String word)
    {
        return n == 1 ? word : word + "s";
    }
}
