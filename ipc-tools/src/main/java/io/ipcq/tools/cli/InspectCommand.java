package io.ipcq.tools.cli;

import io.ipcq.tools.common.Durations;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Stack;

@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Show a queue without attaching to it or changing anything (works when all its processes are dead).",
    description = {
        "Maps the file read-only. Counts are read word by word while others may be working: see " +
            "docs/operations.md for what can be off mid-flight.",
        "--watch redraws every D (default 1s) like top, with rates per second from counter deltas; Ctrl-C stops it." })
final class InspectCommand extends Verb
{
    /** ANSI: cursor home, clear screen. */
    static final String CLEAR = "\u001b[H\u001b[2J";

    @Parameters(index = "0", paramLabel = "PATH", description = "The queue file.")
    Path path;

    @Option(names = "--json", description = "One JSON object (one line per refresh with --watch).")
    boolean json;

    @Option(names = "--slots", description = "Also list every slot that is not FREE (with --json: a \"slots\" array).")
    boolean slots;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "1000",
        description = "Most slots --slots lists (default: 1000).")
    int limit;

    @Option(names = "--watch", paramLabel = "D", arity = "0..1", preprocessor = WatchValue.class,
        description = "Refresh every D (default: 1s) until Ctrl-C.")
    Duration watch;

    @Override
    public Integer call()
    {
        if (limit < 0)
        {
            throw CliException.usage("--limit " + limit + " is out of range: it must be at least 0");
        }
        if (watch != null && watch.toMillis() < 10)
        {
            throw CliException.usage("--watch " + Durations.format(watch) + " is too short: at least 10ms");
        }
        try (QueueInspector inspector = QueueInspector.open(path))
        {
            if (watch == null)
            {
                render(inspector, inspector.read(), null);
                flushOrFail("inspect " + path);
                return 0;
            }
            QueueInspector.Snapshot previous = null;
            while (!stopper().stopping())
            {
                final QueueInspector.Snapshot snapshot = inspector.read();
                if (!json)
                {
                    out().print(CLEAR);
                }
                render(inspector, snapshot, previous);
                if (!json)
                {
                    out().println();
                    out().println("every " + Durations.format(watch) + "; Ctrl-C to stop");
                }
                flushOrFail("inspect --watch " + path);
                previous = snapshot;
                stopper().sleep(watch.toMillis());
            }
            return 0;
        }
    }

    /**
     * The value of --watch is optional: take the next argument only if it is a duration, so that
     * {@code inspect --watch PATH} watches PATH every second. An attached value ({@code --watch=2s}) must be one.
     */
    static final class WatchValue implements CommandLine.IParameterPreprocessor
    {
        private static final Duration DEFAULT = Duration.ofSeconds(1);

        @Override
        public boolean preprocess(
            final Stack<String> args,
            final CommandLine.Model.CommandSpec spec,
            final CommandLine.Model.ArgSpec argSpec,
            final Map<String, Object> info)
        {
            // picocli passes " " as the separator when the value was not attached with "=".
            final boolean attached = !String.valueOf(info.getOrDefault("separator", " ")).isBlank();
            Duration value = DEFAULT;
            if (!args.isEmpty() && (attached || Durations.looksLikeDuration(args.peek())))
            {
                final String text = args.pop();
                try
                {
                    value = Durations.parse(text);
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                        "Invalid value for option '--watch': " + ex.getMessage());
                }
            }
            argSpec.setValue(value);
            return true;
        }
    }

    private void render(
        final QueueInspector inspector, final QueueInspector.Snapshot snapshot,
        final QueueInspector.Snapshot previous)
    {
        final PrintWriter out = out();
        final List<QueueInspector.Slot> busy = slots ? inspector.readSlots(limit) : null;
        if (json)
        {
            out.println(inspector.json(snapshot, previous, busy, limit));
            return;
        }
        inspector.printSummary(out, snapshot, previous);
        if (busy != null)
        {
            out.println();
            inspector.printSlots(out, busy, limit, snapshot.nowEpochMs());
        }
    }
}
