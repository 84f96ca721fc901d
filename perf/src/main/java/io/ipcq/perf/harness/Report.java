package io.ipcq.perf.harness;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Writes latest.json, latest.md and latest.svg: one row per system and scenario (histograms merged over the
 * measured rounds), the ipcq/peer ratios taken round by round, the goals, and the JMH allocation figures.
 */
final class Report
{
    static final String[] METRICS = { "msgsPerSec", "p50Ns", "p99Ns", "p999Ns" };

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Two-space indent, arrays one element a line, {@code "key": value}. */
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter()
        .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER))
        .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);

    /** One ratio ipcq / peer over the rounds both ran. */
    record Ratio(Scenario scenario, SystemKind peer, String metric, double[] values)
    {
        double median()
        {
            return quantile(0.5);
        }

        double quantile(final double q)
        {
            final double[] sorted = values.clone();
            Arrays.sort(sorted);
            if (sorted.length == 0)
            {
                return Double.NaN;
            }
            final double position = q * (sorted.length - 1);
            final int lower = (int)Math.floor(position);
            final int upper = (int)Math.ceil(position);
            return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
        }

        double min()
        {
            return Arrays.stream(values).min().orElse(Double.NaN);
        }

        double max()
        {
            return Arrays.stream(values).max().orElse(Double.NaN);
        }
    }

    /** A goal from the brief, checked against this run. */
    record Goal(String name, String measured, double value, String target, Boolean met, String margin)
    {
    }

    private final BenchMain.Options options;
    private final Environment environment;
    private final List<BenchMain.Row> rows;
    private final List<JmhRunner.Result> jmh;
    private final String jmhFailure;
    private final List<String> notes;
    private final java.util.Map<String, Integer> warmups;
    private final List<Ratio> ratios = new ArrayList<>();
    private final List<Goal> goals = new ArrayList<>();

    Report(
        final BenchMain.Options options,
        final Environment environment,
        final List<BenchMain.Row> rows,
        final List<JmhRunner.Result> jmh,
        final String jmhFailure,
        final List<String> notes,
        final java.util.Map<String, Integer> warmups)
    {
        this.warmups = warmups;
        this.options = options;
        this.environment = environment;
        this.rows = rows;
        this.jmh = jmh;
        this.jmhFailure = jmhFailure;
        this.notes = notes;
        computeRatios();
        computeGoals();
    }

    private BenchMain.Row row(final SystemKind system, final Scenario scenario)
    {
        for (final BenchMain.Row row : rows)
        {
            if (row.system == system && row.scenario == scenario)
            {
                return row;
            }
        }
        return null;
    }

    private void computeRatios()
    {
        for (final Scenario scenario : options.scenarios)
        {
            final BenchMain.Row ipcq = row(SystemKind.IPCQ, scenario);
            if (ipcq == null || !ipcq.hasData())
            {
                continue;
            }
            for (final BenchMain.Row peer : rows)
            {
                if (peer.scenario != scenario || peer.system == SystemKind.IPCQ || !peer.hasData())
                {
                    continue;
                }
                for (final String metric : METRICS)
                {
                    final List<Double> values = new ArrayList<>();
                    for (final RoundResult mine : ipcq.rounds)
                    {
                        final RoundResult theirs = peer.round(mine.round());
                        if (theirs != null && theirs.metric(metric) > 0)
                        {
                            values.add(mine.metric(metric) / theirs.metric(metric));
                        }
                    }
                    if (!values.isEmpty())
                    {
                        ratios.add(new Ratio(scenario, peer.system, metric,
                            values.stream().mapToDouble(Double::doubleValue).toArray()));
                    }
                }
            }
        }
    }

    private Ratio ratio(final Scenario scenario, final SystemKind peer, final String metric)
    {
        for (final Ratio ratio : ratios)
        {
            if (ratio.scenario() == scenario && ratio.peer() == peer && ratio.metric().equals(metric))
            {
                return ratio;
            }
        }
        return null;
    }

    private void ratioGoal(final String name, final Scenario scenario, final SystemKind peer, final String metric,
        final double target, final boolean atMost)
    {
        final Ratio ratio = ratio(scenario, peer, metric);
        final String targetText = (atMost ? "<= " : ">= ") + fmt2(target) + "x";
        if (ratio == null)
        {
            goals.add(new Goal(name, "not measured", Double.NaN, targetText, null, "no data for both systems"));
            return;
        }
        final double median = ratio.median();
        final boolean met = atMost ? median <= target : median >= target;
        final String spread = String.format(Locale.ROOT, "%sx (IQR %s-%s, n=%d)", fmt2(median),
            fmt2(ratio.quantile(0.25)), fmt2(ratio.quantile(0.75)), ratio.values().length);
        final double miss = atMost ? median / target - 1 : 1 - median / target;
        goals.add(new Goal(name, spread, median, targetText, met, met ? "" : pct(miss) + " off"));
    }

    private void computeGoals()
    {
        ratioGoal("rtt-1p1c p50 vs agrona-one-to-one", Scenario.RTT_1P1C, SystemKind.AGRONA_ONE_TO_ONE, "p50Ns",
            1.2, true);
        ratioGoal("rtt-1p1c p50 vs floor", Scenario.RTT_1P1C, SystemKind.FLOOR, "p50Ns", 1.5, true);
        ratioGoal("rtt-1p1c p99.9 vs agrona-one-to-one", Scenario.RTT_1P1C, SystemKind.AGRONA_ONE_TO_ONE, "p999Ns",
            1.0, true);
        ratioGoal("rtt-1p1c p99.9 vs chronicle-queue", Scenario.RTT_1P1C, SystemKind.CHRONICLE_QUEUE, "p999Ns",
            0.2, true);
        ratioGoal("throughput-1p1c msgs/s vs agrona-one-to-one", Scenario.THROUGHPUT_1P1C,
            SystemKind.AGRONA_ONE_TO_ONE, "msgsPerSec", 0.8, false);
        ratioGoal("throughput-4p4c msgs/s vs array-blocking-queue", Scenario.THROUGHPUT_4P4C,
            SystemKind.ARRAY_BLOCKING_QUEUE, "msgsPerSec", 2.0, false);
        // The default wait strategy costs the hot path nothing beyond noise (10%) against busy-spinning.
        ratioGoal("rtt-1p1c p50 vs ipcq-busy-spin", Scenario.RTT_1P1C, SystemKind.IPCQ_BUSY_SPIN, "p50Ns", 1.1, true);
        ratioGoal("throughput-1p1c msgs/s vs ipcq-busy-spin", Scenario.THROUGHPUT_1P1C, SystemKind.IPCQ_BUSY_SPIN,
            "msgsPerSec", 0.9, false);
        wakeupGoals();

        final BenchMain.Row paced = row(SystemKind.IPCQ, Scenario.PACED_8P4C);
        if (paced != null && paced.hasData())
        {
            final double offered = Scenario.PACED_8P4C.pacedRate;
            final double rate = paced.msgsPerSec();
            final boolean holds = rate >= 0.99 * offered;
            goals.add(new Goal("paced-8p4c holds the offered rate", String.format(Locale.ROOT, "%,.0f msgs/s", rate),
                rate, String.format(Locale.ROOT, ">= 99%% of %,.0f", offered), holds,
                holds ? "" : pct(1 - rate / (0.99 * offered)) + " short"));
            final long full = paced.rounds.stream().mapToLong(RoundResult::fullAnswers).sum();
            final long rejected = paced.rounds.stream().mapToLong(RoundResult::rejected).sum();
            goals.add(new Goal("paced-8p4c FULL answers (capacity 65,536)",
                String.format(Locale.ROOT, "%d FULL, %d rejected", full, rejected), full, "0", full == 0,
                full == 0 ? "" : full + " FULL answers"));
            final long p99 = paced.histogram.getValueAtPercentile(99);
            goals.add(new Goal("paced-8p4c p99 from intended send time", ns(p99), p99, "< 200 us", p99 < 200_000,
                p99 < 200_000 ? "" : pct(p99 / 200_000.0 - 1) + " over"));
            final double growth = median(paced.rounds.stream().mapToDouble(RoundResult::depthGrowth).toArray());
            final long depthMax = paced.rounds.stream().mapToLong(RoundResult::depthMax).max().orElse(0);
            final double limit = Scenario.PACED_8P4C.capacity * 0.01;
            final boolean flat = Math.abs(growth) <= limit && depthMax < Scenario.PACED_8P4C.capacity / 10;
            goals.add(new Goal("paced-8p4c depth flat", String.format(Locale.ROOT,
                "median growth %.1f msgs/window, max depth %d", growth, depthMax), growth,
                "growth <= 1% of capacity (655) and max < 10%", flat, flat ? "" : "depth grows"));
        }
        else
        {
            goals.add(new Goal("paced-8p4c", "not measured", Double.NaN, "", null, "no ipcq paced-8p4c data"));
        }
        if (!jmh.isEmpty())
        {
            double worst = 0;
            String which = "";
            for (final JmhRunner.Result result : jmh)
            {
                if (!result.benchmark().startsWith("HotPathBenchmark."))
                {
                    continue;
                }
                if (result.allocBytesPerOp() >= worst)
                {
                    worst = result.allocBytesPerOp();
                    which = result.benchmark();
                }
            }
            final boolean met = worst < 0.5;
            goals.add(new Goal("bytes allocated per message (JMH -prof gc, worst benchmark)",
                String.format(Locale.ROOT, "%.3f B/op (%s)", worst, which), worst, "0 (< 0.5 B/op)", met,
                met ? "" : String.format(Locale.ROOT, "%.1f B/op", worst)));
        }
        else
        {
            goals.add(new Goal("bytes allocated per message", "not measured", Double.NaN, "0", null,
                jmhFailure == null ? "JMH not run (--no-jmh)" : "JMH failed: " + jmhFailure));
        }
    }

    /**
     * A consumer parked 12 ms woken by a send: ipcq's p99 against the absolute target, and the floor's own
     * percentiles (the bare futex or socket wake-up on this machine), which bound what any waiter can do here.
     */
    private void wakeupGoals()
    {
        final BenchMain.Row ipcq = row(SystemKind.IPCQ, Scenario.WAKEUP);
        if (ipcq != null && ipcq.hasData())
        {
            final long p99 = ipcq.histogram.getValueAtPercentile(99);
            goals.add(new Goal("wakeup p99, send to lease", ns(p99), p99, "<= 100 us", p99 <= 100_000,
                p99 <= 100_000 ? "" : pct(p99 / 100_000.0 - 1) + " over"));
        }
        else
        {
            goals.add(new Goal("wakeup", "not measured", Double.NaN, "", null, "no ipcq wakeup data"));
        }
        final BenchMain.Row floor = row(SystemKind.FLOOR, Scenario.WAKEUP);
        if (floor != null && floor.hasData())
        {
            goals.add(new Goal("wakeup floor (bare kernel wake-up) p50 / p99",
                ns(floor.histogram.getValueAtPercentile(50)) + " / " + ns(floor.histogram.getValueAtPercentile(99)),
                floor.histogram.getValueAtPercentile(99), "(what the machine allows)", null, ""));
        }
        ratioGoal("wakeup p50 vs floor", Scenario.WAKEUP, SystemKind.FLOOR, "p50Ns", 1.5, true);
        ratioGoal("wakeup p99 vs floor", Scenario.WAKEUP, SystemKind.FLOOR, "p99Ns", 1.5, true);
    }

    void write(final Path dir) throws IOException
    {
        Files.writeString(dir.resolve("latest.json"), json());
        Files.writeString(dir.resolve("latest.md"), markdown());
        Files.writeString(dir.resolve("latest.svg"), Svg.percentilePlot(rows, options.scenarios, environment));
    }

    // ---- JSON ---------------------------------------------------------------------------------------------------

    private String json() throws IOException
    {
        final ObjectNode json = JSON.createObjectNode();
        put(json, "generatedBy", "scripts/bench (io.ipcq.perf.harness.BenchMain)");
        put(json, "mode", environment.mode);
        put(json, "date", environment.date);
        put(json, "jdk", environment.jdk);
        put(json, "os", environment.os);
        put(json, "cpu", environment.cpu);
        put(json, "cpus", environment.cpus);
        put(json, "pinned", environment.pinned);
        put(json, "pinning", environment.pinning);
        put(json, "loadAverageAtStart", environment.loadAtStart);
        put(json, "loadAverageAtEnd", environment.loadAtEnd);
        put(json, "durationSeconds", Math.round(environment.seconds));
        put(json, "nanoTimeCostNs", environment.nanoTimeCostNs);
        final ObjectNode settings = json.putObject("settings");
        put(settings, "rounds", options.rounds);
        put(settings, "warmupMs", options.warmupMs);
        put(settings, "warmupRule", "rounds of warmupMs until the JIT compiled < " + options.quietJitMs +
            " ms in one (min 2, max " + options.maxWarmupRounds + ")");
        put(settings, "settleMs", options.settleMs);
        put(settings, "measureMs", options.measureMs);
        put(settings, "pacedMeasureMs", options.pacedMeasureMs);
        put(settings, "payloadBytes", Channel.MESSAGE_LENGTH);
        put(settings, "interleaving", "round r runs every system once, order reversed every other round");
        final ObjectNode clockOffsets = json.putObject("clockOffsets");
        environment.clockOffsets.forEach(clockOffsets::put);

        final ArrayNode rowsJson = json.putArray("rows");
        for (final BenchMain.Row row : rows)
        {
            if (!row.hasData())
            {
                continue;
            }
            final Histogram h = row.histogram;
            final ObjectNode rowJson = rowsJson.addObject();
            put(rowJson, "system", row.system.id);
            put(rowJson, "scenario", row.scenario.id);
            put(rowJson, "msgsPerSec", Math.round(row.msgsPerSec()));
            put(rowJson, "p50Ns", h.getValueAtPercentile(50));
            put(rowJson, "p99Ns", h.getValueAtPercentile(99));
            put(rowJson, "p999Ns", h.getValueAtPercentile(99.9));
            put(rowJson, "maxNs", h.getMaxValue());
            put(rowJson, "samples", h.getTotalCount());
            put(rowJson, "rounds", row.rounds.size());
            put(rowJson, "warmupRounds", warmups.getOrDefault(row.system.id + "/" + row.scenario.id, 0));
            put(rowJson, "latency", latencyMeaning(row.scenario));
            put(rowJson, "pinning", row.pinning);
            final ArrayNode perRound = rowJson.putArray("perRound");
            for (final RoundResult round : row.rounds)
            {
                final ObjectNode roundJson = perRound.addObject();
                put(roundJson, "round", round.round());
                put(roundJson, "msgsPerSec", Math.round(round.msgsPerSec()));
                put(roundJson, "p50Ns", (long)round.metric("p50Ns"));
                put(roundJson, "p99Ns", (long)round.metric("p99Ns"));
                put(roundJson, "p999Ns", (long)round.metric("p999Ns"));
                put(roundJson, "maxNs", (long)round.metric("maxNs"));
                if (row.scenario.isPaced())
                {
                    put(roundJson, "fullAnswers", round.fullAnswers());
                    put(roundJson, "rejected", round.rejected());
                    put(roundJson, "depthMax", round.depthMax());
                    put(roundJson, "depthGrowth", round.depthGrowth());
                    final ArrayNode depth = roundJson.putArray("depth");
                    for (int i = 0; i < round.depth().length; i++)
                    {
                        depth.addArray().add(round.depthMs()[i]).add(round.depth()[i]);
                    }
                }
            }
            if (row.scenario.isPaced())
            {
                put(rowJson, "offeredMsgsPerSec", row.scenario.pacedRate);
                put(rowJson, "capacity", row.scenario.capacity);
                put(rowJson, "fullAnswers", row.rounds.stream().mapToLong(RoundResult::fullAnswers).sum());
                put(rowJson, "rejected", row.rounds.stream().mapToLong(RoundResult::rejected).sum());
                put(rowJson, "depthMax", row.rounds.stream().mapToLong(RoundResult::depthMax).max().orElse(0));
                put(rowJson, "depthGrowthMedian",
                    median(row.rounds.stream().mapToDouble(RoundResult::depthGrowth).toArray()));
                put(rowJson, "fromSentP50Ns", row.fromSent.getValueAtPercentile(50));
                put(rowJson, "fromSentP99Ns", row.fromSent.getValueAtPercentile(99));
                put(rowJson, "fromSentP999Ns", row.fromSent.getValueAtPercentile(99.9));
            }
        }

        final ArrayNode notRun = json.putArray("notRun");
        for (final BenchMain.Row row : rows)
        {
            if (row.hasData())
            {
                continue;
            }
            final ObjectNode skipped = notRun.addObject();
            put(skipped, "system", row.system.id);
            put(skipped, "scenario", row.scenario.id);
            put(skipped, "reason", row.skipped != null ? row.skipped :
                "failed: " + (row.failure == null ? "no data" : row.failure));
        }

        final ArrayNode ratiosJson = json.putArray("ratios");
        for (final Ratio ratio : ratios)
        {
            final ObjectNode ratioJson = ratiosJson.addObject();
            put(ratioJson, "scenario", ratio.scenario().id);
            put(ratioJson, "numerator", "ipcq");
            put(ratioJson, "denominator", ratio.peer().id);
            put(ratioJson, "metric", ratio.metric());
            put(ratioJson, "median", ratio.median());
            put(ratioJson, "p25", ratio.quantile(0.25));
            put(ratioJson, "p75", ratio.quantile(0.75));
            put(ratioJson, "min", ratio.min());
            put(ratioJson, "max", ratio.max());
            put(ratioJson, "rounds", ratio.values().length);
        }

        final ArrayNode goalsJson = json.putArray("goals");
        for (final Goal goal : goals)
        {
            final ObjectNode goalJson = goalsJson.addObject();
            put(goalJson, "goal", goal.name());
            put(goalJson, "measured", goal.measured());
            put(goalJson, "target", goal.target());
            put(goalJson, "met", goal.met());
            put(goalJson, "margin", goal.margin());
        }

        final ArrayNode jmhJson = json.putArray("jmh");
        for (final JmhRunner.Result result : jmh)
        {
            final ObjectNode resultJson = jmhJson.addObject();
            put(resultJson, "benchmark", result.benchmark());
            put(resultJson, "nsPerOp", result.nsPerOp());
            put(resultJson, "error", result.error());
            put(resultJson, "allocBytesPerOp", result.allocBytesPerOp());
        }
        if (jmhFailure != null)
        {
            put(json, "jmhFailure", jmhFailure);
        }
        final ArrayNode notesJson = json.putArray("notes");
        notes.forEach(notesJson::add);
        return JSON.writer(PRETTY).writeValueAsString(json) + "\n";
    }

    /**
     * One field: strings, whole numbers and booleans as they are; a double rounded to 4 decimals, or null when it
     * is not finite (JSON has no NaN); null as null.
     */
    private static void put(final ObjectNode node, final String key, final Object value)
    {
        if (value == null)
        {
            node.putNull(key);
        }
        else if (value instanceof Boolean b)
        {
            node.put(key, b);
        }
        else if (value instanceof Integer || value instanceof Long)
        {
            node.put(key, ((Number)value).longValue());
        }
        else if (value instanceof Double || value instanceof Float)
        {
            final double d = ((Number)value).doubleValue();
            if (Double.isFinite(d))
            {
                node.put(key, BigDecimal.valueOf(d).setScale(4, RoundingMode.HALF_EVEN));
            }
            else
            {
                node.putNull(key);
            }
        }
        else
        {
            node.put(key, value.toString());
        }
    }

    static String latencyMeaning(final Scenario scenario)
    {
        return switch (scenario)
        {
            case RTT_1P1C -> "round trip, timed by the pinger (send, then pong received; ipcq: leased and acked)";
            case THROUGHPUT_1P1C, THROUGHPUT_4P4C ->
                "one-way under saturation (queueing included), 1 message in 32 timestamped";
            case PACED_8P4C -> "one-way from the intended send time (corrected for coordinated omission)";
            case BRIDGE -> "send on queue A to lease on queue B through a loopback JetStream (jetstream: publish to " +
                "pull), under saturation, 1 message in 32 timestamped";
            case WAKEUP -> "one-way, send to lease, of a consumer that waited (parked) 12 ms for each message";
        };
    }

    // ---- Markdown -------------------------------------------------------------------------------------------

    private String markdown()
    {
        final StringBuilder md = new StringBuilder();
        md.append("# ipcq benchmark: latest run\n\n");
        md.append("Generated by `scripts/bench").append(options.quick ? " --quick" : "").append("`; raw data in ")
            .append("`latest.json`, percentile plot in `latest.svg`.\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| date | ").append(environment.date).append(" |\n");
        md.append("| mode | ").append(environment.mode).append(": ").append(options.rounds)
            .append(" interleaved rounds, ").append(options.measureMs).append(" ms windows (paced ")
            .append(options.pacedMeasureMs).append(" ms) after ").append(options.settleMs)
            .append(" ms settle; warm-up: rounds of ").append(options.warmupMs)
            .append(" ms until the JIT compiled less than ").append(options.quietJitMs).append(" ms in one (2 to ")
            .append(options.maxWarmupRounds).append(" rounds, same rule for every system) |\n");
        md.append("| JDK | ").append(environment.jdk).append(" |\n");
        md.append("| CPU | ").append(environment.cpu).append(", ").append(environment.cpus).append(" cpus |\n");
        md.append("| OS | ").append(environment.os).append(" |\n");
        md.append("| pinning | ").append(environment.pinning).append(" |\n");
        md.append("| load average | ").append(environment.loadAtStart).append(" at start, ")
            .append(environment.loadAtEnd).append(" at end |\n");
        md.append("| clock offsets (child vs coordinator) | ");
        final List<String> offsets = new ArrayList<>();
        environment.clockOffsets.forEach((k, v) -> offsets.add(k + " " + v));
        md.append(String.join("; ", offsets)).append(" |\n");
        md.append("| System.nanoTime() cost | ").append(String.format(Locale.ROOT, "%.0f", environment.nanoTimeCostNs))
            .append(" ns (every rtt sample includes about one; every one-way sample two clock reads in two ")
            .append("JVMs) |\n");
        md.append("| duration | ").append(Math.round(environment.seconds)).append(" s |\n\n");

        md.append(markdownSummary());

        md.append("\n## Ratios ipcq / peer, round by round\n\n");
        md.append("Each ratio is taken between the two systems' runs in the same round (seconds apart), then the ")
            .append("median and the spread over rounds are reported. For msgsPerSec higher is better for ipcq; ")
            .append("for latencies lower is better.\n\n");
        md.append("| scenario | peer | metric | median | IQR | min-max | rounds |\n|---|---|---|---|---|---|---|\n");
        for (final Ratio ratio : ratios)
        {
            md.append("| ").append(ratio.scenario().id).append(" | ").append(ratio.peer().id).append(" | ")
                .append(ratio.metric()).append(" | ").append(fmt2(ratio.median())).append(" | ")
                .append(fmt2(ratio.quantile(0.25))).append("-").append(fmt2(ratio.quantile(0.75))).append(" | ")
                .append(fmt2(ratio.min())).append("-").append(fmt2(ratio.max())).append(" | ")
                .append(ratio.values().length).append(" |\n");
        }

        final List<BenchMain.Row> paced = new ArrayList<>();
        for (final BenchMain.Row row : rows)
        {
            if (row.scenario.isPaced() && row.hasData())
            {
                paced.add(row);
            }
        }
        if (!paced.isEmpty())
        {
            md.append("\n## paced-8p4c: admission and depth\n\n");
            md.append("Offered ").append(String.format(Locale.ROOT, "%,d", Scenario.PACED_8P4C.pacedRate))
                .append(" msgs/s by 8 producers, capacity ")
                .append(String.format(Locale.ROOT, "%,d", Scenario.PACED_8P4C.capacity))
                .append(". Latency in the main table is from the intended send time; \"from sent\" is from the ")
                .append("actual send (what an uncorrected benchmark would show). Depth = sent - received, sampled ")
                .append("every ").append(options.depthSampleMs).append(" ms; growth = least-squares slope over a ")
                .append("window.\n\n");
            md.append("| system | msgs/s | FULL answers | rejected | from sent p50 | from sent p99 | depth max | ")
                .append("depth growth/window (median) | depth per round (max) |\n|---|---|---|---|---|---|---|---|---|\n");
            for (final BenchMain.Row row : paced)
            {
                final StringBuilder perRound = new StringBuilder();
                for (final RoundResult round : row.rounds)
                {
                    perRound.append(perRound.length() > 0 ? " " : "").append(round.depthMax());
                }
                md.append("| ").append(row.system.id).append(" | ")
                    .append(String.format(Locale.ROOT, "%,.0f", row.msgsPerSec())).append(" | ")
                    .append(row.rounds.stream().mapToLong(RoundResult::fullAnswers).sum()).append(" | ")
                    .append(row.rounds.stream().mapToLong(RoundResult::rejected).sum()).append(" | ")
                    .append(ns(row.fromSent.getValueAtPercentile(50))).append(" | ")
                    .append(ns(row.fromSent.getValueAtPercentile(99))).append(" | ")
                    .append(row.rounds.stream().mapToLong(RoundResult::depthMax).max().orElse(0)).append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f",
                        median(row.rounds.stream().mapToDouble(RoundResult::depthGrowth).toArray())))
                    .append(" | ").append(perRound).append(" |\n");
            }
        }

        md.append("\n## JMH hot path (`-prof gc`)\n\n");
        if (jmh.isEmpty())
        {
            md.append(jmhFailure == null ? "Not run (--no-jmh).\n" : "Failed: " + jmhFailure + "\n");
        }
        else
        {
            md.append("One op = one message, one thread, 64-byte payload, lane of 1024 in /dev/shm. Allocation is ")
                .append("JMH's gc.alloc.rate.norm. BaselineBenchmark rows are reference points (Agrona write + read ")
                .append("of one message; the clock ipcq reads on every lease).\n\n");
            md.append("| benchmark | ns/op | +/- | bytes allocated/op |\n|---|---|---|---|\n");
            for (final JmhRunner.Result result : jmh)
            {
                md.append("| ").append(result.benchmark()).append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f", result.nsPerOp())).append(" | ")
                    .append(String.format(Locale.ROOT, "%.1f", result.error())).append(" | ")
                    .append(String.format(Locale.ROOT, "%.3f", result.allocBytesPerOp())).append(" |\n");
            }
        }

        md.append("\n## Not run\n\n| system | scenario | why |\n|---|---|---|\n");
        for (final BenchMain.Row row : rows)
        {
            if (!row.hasData())
            {
                md.append("| ").append(row.system.id).append(" | ").append(row.scenario.id).append(" | ")
                    .append(row.skipped != null ? row.skipped :
                        "FAILED: " + (row.failure == null ? "no data" : row.failure)).append(" |\n");
            }
        }

        md.append("\n## What each scenario does\n\n");
        md.append("- Every message is 64 bytes (intended send time, sequence, actual send time, filler), copied in ")
            .append("by the sender. ipcq: `send` then `lease`, read in place, `ack` after handling: every ")
            .append("message is leased and acked. Cross-process systems put producers in JVM A and consumers in JVM B.\n");
        md.append("- `rtt-1p1c`: ping-pong, one message in flight, both threads busy-spin. ipcq uses two queue files ")
            .append("(ping, pong), one lane each. The ponger sends the pong from inside its handler, then acks the ")
            .append("ping; the pinger's sample ends once the pong is received (and acked). msgsPerSec = round trips/s. ")
            .append("floor = a counter per direction in one mapped file, 128 bytes apart.\n");
        md.append("- `wakeup`: one message every 12 ms, so the consumer has waited its own way (ipcq: default ")
            .append("strategy, asleep in the kernel; Agrona: back-off; Chronicle: balanced pauser) when it comes; ")
            .append("latency from the send to the lease. floor = the bare kernel wake-up ipcq uses on this JDK (a ")
            .append("futex on a word of a mapped file on JDK 22+, ipcq's UDP wake socket on JDK 17): no queue, no ")
            .append("spin, the sender wakes on every send.\n");
        md.append("- `ipcq` waits with its default strategy (spin, yield, then block in the kernel) through the ")
            .append("blocking calls (`send` and `lease` with a 1 ms timeout); `ipcq-busy-spin` makes the same calls ")
            .append("with `WaitStrategy.busySpin()` on both handles.\n");
        md.append("- `throughput-1p1c`, `throughput-4p4c`: producers send as fast as the queue takes them (a FULL ")
            .append("answer is retried); consumers receive. Latency is one-way under saturation, so mostly queueing ")
            .append("time. In 4p4c, 8 threads share 2 cpus: waiting threads spin 64 times, then yield.\n");
        md.append("- `paced-8p4c`: 8 producers, each on a fixed schedule (12,500 msgs/s, staggered), stamp the ")
            .append("intended send time; a FULL answer is counted and retried only until the next message is due, ")
            .append("then the message is rejected (counted). 4 consumers. Queue depth sampled over the window.\n");
        md.append("- Chronicle Queue: default (binary wire, FAST_DAILY roll, default block size), analytics off, ")
            .append("zero-copy `writingDocument`/`readingDocument`; a fresh journal per round so /dev/shm stays ")
            .append("bounded. Its pretoucher is Enterprise-only: OSS 2026.4's `createPretoucher()` recurses to ")
            .append("StackOverflowError and `createPretoucherEventHandler()` is a no-op (run every 100 ms anyway).\n");
        md.append("- Agrona rings: capacity = the power of two of bytes the scenario's message count needs; the ")
            .append("reader takes every message available per `read` (its batching). ArrayBlockingQueue and JCTools: ")
            .append("`offer`/`poll`, pooled messages, in one JVM.\n");
        if (!notes.isEmpty())
        {
            md.append("\n## Notes\n\n");
            for (final String note : notes)
            {
                md.append("- ").append(note).append('\n');
            }
        }
        return md.toString();
    }

    /**
     * @return the goals and results tables (also printed at the end of a run).
     */
    String markdownSummary()
    {
        final StringBuilder md = new StringBuilder();
        md.append("## Goals\n\n| goal | measured | target | met | missed by |\n|---|---|---|---|---|\n");
        for (final Goal goal : goals)
        {
            md.append("| ").append(goal.name()).append(" | ").append(goal.measured()).append(" | ")
                .append(goal.target()).append(" | ")
                .append(goal.met() == null ? "n/a" : goal.met() ? "met" : "**missed**").append(" | ")
                .append(goal.margin()).append(" |\n");
        }
        md.append("\n## Results\n\nHistograms merged over the measured rounds (a round that ran faster holds more ")
            .append("samples, so it weighs more here; the ratios compare round by round instead). Latency: rtt = ")
            .append("round trip; throughput = one-way under saturation; paced = one-way from the intended send ")
            .append("time. msgsPerSec: rtt = round trips/s. warm-up = rounds run before measuring.\n\n");
        md.append("| system | scenario | msgsPerSec | p50Ns | p99Ns | p999Ns | maxNs | samples | rounds | warm-up |\n")
            .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final Scenario scenario : options.scenarios)
        {
            for (final BenchMain.Row row : rows)
            {
                if (row.scenario != scenario || !row.hasData())
                {
                    continue;
                }
                final Histogram h = row.histogram;
                md.append("| ").append(row.system.id).append(" | ").append(scenario.id).append(" | ")
                    .append(String.format(Locale.ROOT, "%,.0f", row.msgsPerSec())).append(" | ")
                    .append(String.format(Locale.ROOT, "%,d", h.getValueAtPercentile(50))).append(" | ")
                    .append(String.format(Locale.ROOT, "%,d", h.getValueAtPercentile(99))).append(" | ")
                    .append(String.format(Locale.ROOT, "%,d", h.getValueAtPercentile(99.9))).append(" | ")
                    .append(String.format(Locale.ROOT, "%,d", h.getMaxValue())).append(" | ")
                    .append(String.format(Locale.ROOT, "%,d", h.getTotalCount())).append(" | ")
                    .append(row.rounds.size()).append(" | ")
                    .append(warmups.getOrDefault(row.system.id + "/" + row.scenario.id, 0)).append(" |\n");
            }
        }
        return md.toString();
    }

    // ---- formatting --------------------------------------------------------------------------------------------

    static double median(final double[] values)
    {
        if (values.length == 0)
        {
            return Double.NaN;
        }
        final double[] sorted = values.clone();
        Arrays.sort(sorted);
        final int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    static String fmt2(final double value)
    {
        return String.format(Locale.ROOT, "%.2f", value);
    }

    static String pct(final double fraction)
    {
        return String.format(Locale.ROOT, "%.0f%%", fraction * 100);
    }

    static String ns(final double value)
    {
        if (value >= 1_000_000)
        {
            return String.format(Locale.ROOT, "%.2f ms", value / 1_000_000);
        }
        if (value >= 1_000)
        {
            return String.format(Locale.ROOT, "%.1f us", value / 1_000);
        }
        return String.format(Locale.ROOT, "%.0f ns", value);
    }
}
