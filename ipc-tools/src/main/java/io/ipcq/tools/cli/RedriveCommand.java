package io.ipcq.tools.cli;

import io.ipcq.IpcQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

@Command(
    name = "redrive",
    mixinStandardHelpOptions = true,
    header = "Move dead letters back to their lane; print how many.",
    description = "Moves each dead letter that is not leased by a dead-letter consumer back to the lane it was sent " +
        "on (or to --lane L), oldest first, with its original id, its origin id and its payload byte for byte. " +
        "Its delivery count starts again at 0: max deliveries apply afresh. Stops early when a lane is full or " +
        "sealed (that dead letter stays a dead letter). Crash-safe: a kill at any point leaves each message either " +
        "a dead letter or in its lane, once a reaper pass has run. Prints 'redrove N dead letters from PATH " +
        "(M left in the dead-letter ring)'.")
final class RedriveCommand extends Verb
{
    @Parameters(index = "0", paramLabel = "PATH", description = "The queue file.")
    Path path;

    @Option(names = "--count", paramLabel = "N", description = "At most N dead letters (default: all).")
    Long count;

    @Option(names = "--lane", paramLabel = "L", description = "Move them all to lane L (default: each to its own).")
    Integer lane;

    @Override
    public Integer call()
    {
        if (count != null && count < 0)
        {
            throw CliException.usage("--count " + count + " is negative");
        }
        final long moved;
        final int left;
        try (IpcQueue queue = IpcQueue.open(path))
        {
            if (lane != null)
            {
                checkLane(queue, path, lane);
            }
            moved = queue.redrive(count == null ? Long.MAX_VALUE : count, lane == null ? -1 : lane);
            left = queue.stats().deadLettered();
        }
        out().println("redrove " + moved + (moved == 1 ? " dead letter" : " dead letters") + " from " + path +
            (lane == null ? "" : " to lane " + lane) + " (" + left + " left in the dead-letter ring)");
        flushOrFail("redrive " + path);
        return 0;
    }
}
