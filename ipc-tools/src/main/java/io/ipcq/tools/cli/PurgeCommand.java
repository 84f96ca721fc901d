package io.ipcq.tools.cli;

import io.ipcq.IpcQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(
    name = "purge",
    mixinStandardHelpOptions = true,
    header = "Drop the messages waiting for a delivery (or the dead letters); print how many.",
    description = "Drops every message that is ready or waiting for a redelivery, on every lane or on --lane L; " +
        "with --dead-letters, every dead letter instead. Leased messages are never dropped: their holders ack or " +
        "release them as usual. Refused (exit 1, nothing dropped) while leases are held on what would be purged, " +
        "unless --force. Each message is dropped by one CAS, so a crash mid-purge leaves every message either " +
        "dropped or still there. Prints 'purged N messages from PATH (...)'.")
final class PurgeCommand extends Verb
{
    @Parameters(index = "0", paramLabel = "PATH", description = "The queue file.")
    Path path;

    @Option(names = "--lane", paramLabel = "L", description = "Only this lane (default: every lane).")
    Integer lane;

    @Option(names = "--dead-letters", description = "Drop the dead letters instead of the lanes' messages.")
    boolean deadLetters;

    @Option(names = "--force", description = "Purge even while leases are held (leased messages stay).")
    boolean force;

    @Override
    public Integer call()
    {
        if (deadLetters && lane != null)
        {
            throw CliException.usage("--lane and --dead-letters cannot be combined: the dead-letter ring has no lanes");
        }
        final long purged;
        final String what;
        try (IpcQueue queue = IpcQueue.open(path))
        {
            if (deadLetters)
            {
                purged = queue.purgeDeadLetters(force);
                what = "the dead-letter ring";
            }
            else if (lane != null)
            {
                checkLane(queue, path, lane);
                purged = queue.purge(lane, force);
                what = "lane " + lane;
            }
            else
            {
                purged = queue.purge(force);
                what = queue.lanes() == 1 ? "lane 0" : "lanes 0.." + (queue.lanes() - 1);
            }
        }
        out().println("purged " + purged + (deadLetters ?
            (purged == 1 ? " dead letter" : " dead letters") : (purged == 1 ? " message" : " messages")) +
            " from " + path + " (" + what + ")");
        flushOrFail("purge " + path);
        return 0;
    }
}
