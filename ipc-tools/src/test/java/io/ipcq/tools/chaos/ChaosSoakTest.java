package io.ipcq.tools.chaos;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Runs the chaos soak's driver in this JVM (its producers and consumers are child JVMs, as in
 * {@code scripts/chaos}) on a short run: 30 s of kill -9 and SIGSTOP/SIGCONT, then seal, drain and check.
 */
class ChaosSoakTest
{
    @Test
    void killsAndStopsLoseNothing() throws Exception
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final ChaosSoak soak = new ChaosSoak()
            .withDuration(Duration.ofSeconds(30))
            .withInterval(Duration.ofMillis(600));
        final ChaosReport report;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            report = soak.run(out);
        }
        final String text = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(text);

        assertEquals(0, report.lost(), text);
        assertTrue(report.ok(), () -> String.join("\n", report.failures()) + "\n" + text);
        assertTrue(report.kills() >= 10, () -> "only " + report.kills() + " kills\n" + text);
        assertTrue(report.logged > 1000, text);
        assertTrue(report.drained, text);

        assertFalse(Files.exists(Path.of(report.queuePath)), "queue file left behind: " + report.queuePath);
        assertEquals(0, ProcessHandle.current().children().filter(ProcessHandle::isAlive).count(),
            "child JVMs left running");
    }

    @Test
    void usageErrorsExitTwo()
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            assertEquals(2, ChaosMain.run(new String[]{ "--duration", "soon" }, out, out));
            assertEquals(2, ChaosMain.run(new String[]{ "--producers" }, out, out));
            assertEquals(2, ChaosMain.run(new String[]{ "--frobnicate" }, out, out));
            assertEquals(2, ChaosMain.run(new String[]{ "--consumers", "0", "--duration", "1s" }, out, out));
        }
        assertTrue(bytes.toString(StandardCharsets.UTF_8).startsWith("ipcq chaos: "));
    }

    @Test
    void durations()
    {
        assertEquals(Duration.ofMillis(250), ChaosMain.duration("--x", "250ms"));
        assertEquals(Duration.ofMillis(1500), ChaosMain.duration("--x", "1.5s"));
        assertEquals(Duration.ofMinutes(10), ChaosMain.duration("--x", "10m"));
        assertEquals(Duration.ofHours(1), ChaosMain.duration("--x", "1h"));
        assertThrows(IllegalArgumentException.class, () -> ChaosMain.duration("--x", "10"));
    }
}
