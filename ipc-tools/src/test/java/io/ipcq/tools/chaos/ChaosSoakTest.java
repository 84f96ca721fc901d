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
    void optionsArePicocliWithTheSharedDurations()
    {
        final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
             PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8))
        {
            assertEquals(0, ChaosMain.run(new String[]{ "--help" }, out, err));
            assertEquals(2, ChaosMain.run(new String[]{ "--interval", "10" }, out, err));
        }
        final String help = outBytes.toString(StandardCharsets.UTF_8);
        for (final String option : new String[]{ "--duration", "--quick", "--producers", "--consumers", "--seed",
            "--rate", "--interval", "--heartbeat-timeout", "--lease-timeout", "--queue", "--work-dir", "--keep",
            "--crash-points", "--verbose" })
        {
            assertTrue(help.contains(option), () -> option + " in\n" + help);
        }
        final String error = errBytes.toString(StandardCharsets.UTF_8);
        assertTrue(error.startsWith("ipcq chaos: ") && error.contains("'10' is not a duration") &&
            error.indexOf('\n') == error.length() - 1, error);
    }
}
