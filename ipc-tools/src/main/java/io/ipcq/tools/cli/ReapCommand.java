package io.ipcq.tools.cli;

import io.ipcq.IpcQueue;
import io.ipcq.ReapResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(
    name = "reap",
    mixinStandardHelpOptions = true,
    header = "Run one reaper pass now and print what it recovered.",
    description = "Declares dead every participant whose process is gone or whose heartbeat is older than the " +
        "heartbeat timeout, and requeues its leases; once its process is gone, also repairs its unfinished claims " +
        "and frees its row. Revokes leases past their deadline (requeued, or dead-lettered after max deliveries), " +
        "retries messages parked for a full dead-letter ring, and wakes consumers for messages waiting for " +
        "redelivery.")
final class ReapCommand extends Verb
{
    @Parameters(index = "0", paramLabel = "PATH", description = "The queue file.")
    Path path;

    @Override
    public Integer call()
    {
        final ReapResult result;
        try (IpcQueue queue = IpcQueue.open(path))
        {
            result = queue.reap();
        }
        out().println("reaped " + path + ": " +
            result.deadParticipants() + " " + plural(result.deadParticipants(), "participant") + " declared dead (" +
            result.reclaimedParticipants() + " " + plural(result.reclaimedParticipants(), "row") + " freed), " +
            result.revokedDead() + " " + plural(result.revokedDead(), "lease") + " taken from the dead, " +
            result.repairedClaims() + " unfinished " + plural(result.repairedClaims(), "claim") + " repaired, " +
            result.expired() + " expired " + plural(result.expired(), "lease") + " revoked, " +
            result.deadLettered() + " " + plural(result.deadLettered(), "message") + " dead-lettered, " +
            result.parked() + " parked (dead-letter ring full), " +
            result.requeuedSeen() + " waiting for redelivery");
        flushOrFail("reap " + path);
        return 0;
    }

    private static String plural(final int n, final String word)
    {
        return n == 1 ? word : word + "s";
    }
}
