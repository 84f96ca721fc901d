package io.ipcq.perf.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * latest.json as the real {@link Report} writes it, read back with Jackson: the contract's row fields, the values
 * that went in, a row not run, paced depth pairs, and a note with characters JSON must escape.
 */
class ReportJsonTest
{
    @Test
    void theReportIsValidJsonWithTheContractFields(@TempDir final Path dir) throws Exception
    {
        final BenchMain.Options options = new BenchMain.Options();
        options.quick();
        options.systems = new ArrayList<>(List.of(SystemKind.IPCQ, SystemKind.ARRAY_BLOCKING_QUEUE));
        options.scenarios = new ArrayList<>(List.of(Scenario.RTT_1P1C, Scenario.PACED_8P4C));
        final Environment environment = Environment.capture(false, options);
        environment.finish(Map.of("ipcq-A", "5 ns (+/- 10 ns)"), 12.5);

        final BenchMain.Row rtt = new BenchMain.Row(SystemKind.IPCQ, Scenario.RTT_1P1C);
        for (int round = 1; round <= 2; round++)
        {
            rtt.add(new RoundResult(round, 0.5, 1000, histogram(800, 1200, 9000), histogram(1), 0, 0,
                new long[0], new long[0]));
        }
        final BenchMain.Row paced = new BenchMain.Row(SystemKind.IPCQ, Scenario.PACED_8P4C);
        paced.add(new RoundResult(1, 1.0, 100_000, histogram(5000, 7000), histogram(4000, 6000), 3, 1,
            new long[]{ 10, 20 }, new long[]{ 6, 2 }));
        final BenchMain.Row skipped = new BenchMain.Row(SystemKind.ARRAY_BLOCKING_QUEUE, Scenario.RTT_1P1C);
        skipped.skipped = "not in this run";
        final List<String> notes = List.of("quote \" backslash \\ newline \n tab \t é");

        final Report report = new Report(options, environment, List.of(rtt, paced, skipped), List.of(), null, notes,
            Map.of("ipcq/rtt-1p1c", 2));
        report.write(dir);

        final String text = Files.readString(dir.resolve("latest.json"), StandardCharsets.UTF_8);
        final JsonNode json = new ObjectMapper().readTree(text);
        assertEquals("quick", json.get("mode").asText());
        assertEquals(13, json.get("durationSeconds").asLong(), "12.5 s, rounded");
        assertEquals("5 ns (+/- 10 ns)", json.get("clockOffsets").get("ipcq-A").asText());

        final JsonNode rows = json.get("rows");
        assertEquals(2, rows.size(), text);
        final JsonNode first = rows.get(0);
        for (final String field : new String[]{ "system", "scenario", "msgsPerSec", "p50Ns", "p99Ns", "p999Ns",
            "maxNs" })
        {
            assertTrue(first.has(field), () -> field + " in " + first);
        }
        assertEquals("ipcq", first.get("system").asText());
        assertEquals("rtt-1p1c", first.get("scenario").asText());
        assertEquals(2000, first.get("msgsPerSec").asLong(), "1000 messages in 0.5 s a round");
        assertEquals(rtt.histogram.getMaxValue(), first.get("maxNs").asLong());
        assertEquals(2, first.get("perRound").size());
        assertEquals(2, first.get("warmupRounds").asInt());

        final JsonNode pacedJson = rows.get(1);
        assertEquals(3, pacedJson.get("fullAnswers").asLong());
        final JsonNode depth = pacedJson.get("perRound").get(0).get("depth");
        assertEquals(2, depth.size());
        assertEquals(10, depth.get(0).get(0).asLong());
        assertEquals(6, depth.get(0).get(1).asLong());
        assertTrue(pacedJson.get("depthGrowthMedian").isNumber());

        assertEquals("not in this run", json.get("notRun").get(0).get("reason").asText());
        assertEquals(notes.get(0), json.get("notes").get(0).asText(), "escaped and read back unchanged");
        assertTrue(text.contains("\"mode\": \"quick\""), "two-space layout, \"key\": value");
    }

    private static Histogram histogram(final long... values)
    {
        final Histogram histogram = new Histogram(RoleThread.MAX_NS, 3);
        for (final long value : values)
        {
            histogram.recordValue(value);
        }
        return histogram;
    }
}
