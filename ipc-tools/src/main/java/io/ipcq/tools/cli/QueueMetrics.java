package io.ipcq.tools.cli;

import io.ipcq.QueueException;
import io.ipcq.QueueStats;
import io.ipcq.layout.CounterIndex;
import io.ipcq.read.QueueView;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * What {@code ipcq export} serves: on each scrape, every queue the targets name is read through the read model
 * ({@link QueueView}, read-only, nothing attached) into {@link QueueStats}, and turned into Prometheus snapshots. The
 * exposition format is the Prometheus client's; nothing here writes it.
 */
final class QueueMetrics implements MultiCollector
{
    private static final String QUEUE = "queue";
    private static final String LANE = "lane";

    private final List<String> targets;

    /**
     * @param targets paths, or globs in their last name ({@code /dev/shm/*}).
     */
    QueueMetrics(final List<String> targets)
    {
        this.targets = List.copyOf(targets);
    }

    List<String> targets()
    {
        return targets;
    }

    /**
     * @return the queues the targets name now: explicit paths as they are, glob matches that are queues (others are
     * skipped: /dev/shm holds other programs' files too), sorted, each once.
     */
    List<Path> resolve() throws IOException
    {
        final TreeSet<Path> paths = new TreeSet<>();
        for (final String target : targets)
        {
            final Path path = Path.of(target).toAbsolutePath();
            final String name = path.getFileName() == null ? "" : path.getFileName().toString();
            if (!isGlob(name))
            {
                paths.add(path);
                continue;
            }
            final PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + name);
            final Path directory = path.getParent();
            if (directory == null || !Files.isDirectory(directory))
            {
                continue;
            }
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory))
            {
                for (final Path entry : entries)
                {
                    if (matcher.matches(entry.getFileName()) && Files.isRegularFile(entry) && isQueue(entry))
                    {
                        paths.add(entry);
                    }
                }
            }
        }
        return new ArrayList<>(paths);
    }

    private static boolean isGlob(final String name)
    {
        return name.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    private static boolean isQueue(final Path path)
    {
        try (QueueView ignored = QueueView.open(path))
        {
            return true;
        }
        catch (final QueueException ex)
        {
            return false;
        }
    }

    @Override
    public MetricSnapshots collect()
    {
        final Families families = new Families();
        final long now = System.currentTimeMillis();
        List<Path> paths;
        try
        {
            paths = resolve();
        }
        catch (final IOException ex)
        {
            paths = List.of();
        }
        for (final Path path : paths)
        {
            final String queue = path.toString();
            final QueueStats stats;
            try (QueueView view = QueueView.open(path))
            {
                stats = QueueStats.read(view, now);
            }
            catch (final QueueException ex)
            {
                // Deleted or replaced since it was named: say so, keep serving the others.
                families.gauge("ipcq_queue_up", "1 if the queue could be read at this scrape, 0 if not", null)
                    .put(Labels.of(QUEUE, queue), 0);
                continue;
            }
            families.gauge("ipcq_queue_up", "1 if the queue could be read at this scrape, 0 if not", null)
                .put(Labels.of(QUEUE, queue), 1);
            lanes(families, queue, stats);
            counters(families, queue, stats);
            participants(families, queue, stats, now);
        }
        return families.build();
    }

    private static void lanes(final Families families, final String queue, final QueueStats stats)
    {
        laneGauge(families, queue, stats, "ipcq_messages_ready", "messages committed, never delivered (READY)",
            QueueStats.LaneStats::ready);
        laneGauge(families, queue, stats, "ipcq_messages_leased", "messages leased to a consumer (LEASED)",
            QueueStats.LaneStats::leased);
        laneGauge(families, queue, stats, "ipcq_messages_redelivery",
            "messages waiting for redelivery (REQUEUED), served before new ones", QueueStats.LaneStats::requeued);
        laneGauge(families, queue, stats, "ipcq_messages_moving",
            "messages being moved to the dead-letter ring (DEAD_LETTERING + PARKED)",
            l -> l.deadLettering() + l.parked());
        laneGauge(families, queue, stats, "ipcq_slots_claimed", "slots claimed by a producer, not yet committed",
            QueueStats.LaneStats::claimed);
        laneGauge(families, queue, stats, "ipcq_slots_free", "free slots", QueueStats.LaneStats::free);
        laneGauge(families, queue, stats, "ipcq_slots_invalid",
            "slots holding words no run of the protocol leaves (docs/layout.md, Impossible words)",
            QueueStats.LaneStats::invalid);
        laneGauge(families, queue, stats, "ipcq_slots", "slots of the lane (its capacity)",
            QueueStats.LaneStats::capacity);
        // 0 when nothing waits, as queue-latency gauges do: an empty lane has no lag. Messages sent by an ipcq older
        // than the enqueue-time word are not counted.
        final Family oldest = families.gauge("ipcq_oldest_message_age_seconds",
            "time since the oldest message waiting for a delivery (READY or REQUEUED) was enqueued; 0 if none waits",
            Unit.SECONDS);
        for (final QueueStats.LaneStats lane : stats.lanes())
        {
            oldest.put(Labels.of(LANE, Integer.toString(lane.lane()), QUEUE, queue),
                Math.max(0, lane.oldestReadyAgeMs()) / 1000.0);
        }
        final QueueStats.LaneStats dead = stats.deadLetters();
        families.gauge("ipcq_messages_dead_lettered", "messages in the dead-letter ring now", null)
            .put(Labels.of(QUEUE, queue), dead.occupied());
        families.gauge("ipcq_dead_letter_slots_invalid", "slots of the dead-letter ring holding impossible words", null)
            .put(Labels.of(QUEUE, queue), dead.invalid());
        families.gauge("ipcq_sealed", "1 once the queue is sealed (takes no more messages)", null)
            .put(Labels.of(QUEUE, queue), stats.sealed() ? 1 : 0);
    }

    private static void laneGauge(
        final Families families, final String queue, final QueueStats stats, final String name, final String help,
        final ToDoubleFunction<QueueStats.LaneStats> value)
    {
        final Family family = families.gauge(name, help, null);
        for (final QueueStats.LaneStats lane : stats.lanes())
        {
            family.put(Labels.of(LANE, Integer.toString(lane.lane()), QUEUE, queue), value.applyAsDouble(lane));
        }
    }

    private static void counters(final Families families, final String queue, final QueueStats stats)
    {
        for (int i = 0; i < CounterIndex.COUNTER_COUNT; i++)
        {
            final String name = CounterIndex.name(i);
            families.counter("ipcq_" + snakeCase(name), "the queue's " + name + " counter (header totals plus " +
                "every row in use; docs/layout.md, Counters)").put(Labels.of(QUEUE, queue), stats.counter(i));
        }
    }

    private static void participants(
        final Families families, final String queue, final QueueStats stats, final long now)
    {
        final long alive = stats.participants().stream().filter(QueueStats.ParticipantStats::alive).count();
        families.gauge("ipcq_participants_alive", "participant rows whose process runs and whose heartbeat is fresh",
            null).put(Labels.of(QUEUE, queue), alive);
        families.gauge("ipcq_participants_dead",
            "participant rows in use whose process is gone or whose heartbeat is stale", null)
            .put(Labels.of(QUEUE, queue), stats.participants().size() - alive);
        final Family age = families.gauge("ipcq_participant_heartbeat_age_seconds",
            "time since the row's last heartbeat", Unit.SECONDS);
        for (final QueueStats.ParticipantStats row : stats.participants())
        {
            age.put(Labels.of("participant", Integer.toString(row.id()), "pid", Long.toString(row.pid()),
                QUEUE, queue, "role", row.role()), row.heartbeatAgeMs() / 1000.0);
        }
        families.gauge("ipcq_reaper_elected", "1 while a participant is the elected reaper", null)
            .put(Labels.of(QUEUE, queue), stats.reaperParticipant() >= 0 ? 1 : 0);
        if (stats.reaperHeartbeatEpochMs() > 0)
        {
            families.gauge("ipcq_reaper_last_pass_age_seconds", "time since the elected reaper's last pass",
                Unit.SECONDS).put(Labels.of(QUEUE, queue), (now - stats.reaperHeartbeatEpochMs()) / 1000.0);
        }
    }

    /** deadLettered: dead_lettered. */
    static String snakeCase(final String camel)
    {
        final StringBuilder out = new StringBuilder();
        for (final char c : camel.toCharArray())
        {
            if (Character.isUpperCase(c))
            {
                out.append('_').append(Character.toLowerCase(c));
            }
            else
            {
                out.append(c);
            }
        }
        return out.toString().toLowerCase(Locale.ROOT);
    }

    /** The metric families of one scrape, in the order first named. */
    private static final class Families
    {
        private final Map<String, Family> byName = new LinkedHashMap<>();

        Family gauge(final String name, final String help, final Unit unit)
        {
            return byName.computeIfAbsent(name, n -> new Family(n, help, unit, false));
        }

        Family counter(final String name, final String help)
        {
            return byName.computeIfAbsent(name, n -> new Family(n, help, null, true));
        }

        MetricSnapshots build()
        {
            final MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
            for (final Family family : byName.values())
            {
                snapshots.metricSnapshot(family.build());
            }
            return snapshots.build();
        }
    }

    /** One metric: its data points, one per label set. */
    private static final class Family
    {
        private final String name;
        private final String help;
        private final Unit unit;
        private final boolean counter;
        private final List<Labels> labels = new ArrayList<>();
        private final List<Double> values = new ArrayList<>();

        Family(final String name, final String help, final Unit unit, final boolean counter)
        {
            this.name = name;
            this.help = help;
            this.unit = unit;
            this.counter = counter;
        }

        void put(final Labels labelSet, final double value)
        {
            labels.add(labelSet);
            values.add(value);
        }

        io.prometheus.metrics.model.snapshots.MetricSnapshot build()
        {
            if (counter)
            {
                // The client appends _total to a counter's name in the text format.
                final CounterSnapshot.Builder builder = CounterSnapshot.builder().name(name).help(help);
                for (int i = 0; i < labels.size(); i++)
                {
                    builder.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                        .labels(labels.get(i)).value(values.get(i)).build());
                }
                return builder.build();
            }
            final GaugeSnapshot.Builder builder = GaugeSnapshot.builder().name(name).help(help);
            if (unit != null)
            {
                builder.unit(unit);
            }
            for (int i = 0; i < labels.size(); i++)
            {
                builder.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .labels(labels.get(i)).value(values.get(i)).build());
            }
            return builder.build();
        }
    }
}
