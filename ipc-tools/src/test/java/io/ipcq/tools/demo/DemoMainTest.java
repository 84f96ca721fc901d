package io.ipcq.tools.demo;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Runs the crash demo's main in this JVM (its producer and consumers are child JVMs, as in {@code scripts/demo})
 * on a shorter run, and checks what it reports and what it leaves behind.
 */
class DemoMainTest
{
    @Test
    void killedConsumerLosesNothingAndTheDemoCleansUp()
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final int exit;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            exit = DemoMain.run(new String[]{ "--messages", "6000", "--kill-after", "2000", "--lease-timeout", "1s" },
                out, out);
        }
        final String text = bytes.toString(StandardCharsets.UTF_8);
        System.out.print(text);

        assertEquals(0, exit, text);
        assertEquals(6000, number(text, "sent"), text);
        assertEquals(6000, number(text, "acked"), text);
        assertEquals(0, number(text, "lost"), text);
        assertEquals(0, number(text, "duplicate acks"), text);
        assertTrue(number(text, "redelivered") > 0, () -> "the killed consumer held no lease\n" + text);

        final Matcher queueLine = Pattern.compile("queue (/\\S+)").matcher(text);
        assertTrue(queueLine.find(), text);
        assertFalse(Files.exists(Path.of(queueLine.group(1))), "queue file left behind: " + queueLine.group(1));
        assertEquals(0, ProcessHandle.current().children().filter(ProcessHandle::isAlive).count(),
            "child JVMs left running");
    }

    @Test
    void usageErrorsExitTwo()
    {
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8))
        {
            assertEquals(2, DemoMain.run(new String[]{ "--messages", "100", "--kill-after", "100" }, out, out));
            assertEquals(2, DemoMain.run(new String[]{ "--lease-timeout", "soon" }, out, out));
            assertEquals(2, DemoMain.run(new String[]{ "--frobnicate" }, out, out));
        }
        assertTrue(bytes.toString(StandardCharsets.UTF_8).startsWith("ipcq demo: "));
    }

    @Test
    void optionsArePicocliWithTheSharedDurations()
    {
        final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
             PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8))
        {
            assertEquals(0, DemoMain.run(new String[]{ "--help" }, out, err));
            // The old hand-written grammar took a sign and any case; the shared one takes neither.
            assertEquals(2, DemoMain.run(new String[]{ "--lease-timeout", "-1s" }, out, err));
            assertEquals(2, DemoMain.run(new String[]{ "--lease-timeout", "2S" }, out, err));
            assertEquals(2, DemoMain.run(new String[]{ "--messages" }, out, err));
        }
        final String help = outBytes.toString(StandardCharsets.UTF_8);
        for (final String option : new String[]{ "--messages", "--kill-after", "--window", "--rate", "--lease-timeout",
            "--verbose" })
        {
            assertTrue(help.contains(option), () -> option + " in\n" + help);
        }
        final String[] errors = errBytes.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(3, errors.length, () -> String.join("\n", errors));
        assertTrue(errors[0].startsWith("ipcq demo: ") && errors[0].contains("'-1s' is not a duration"), errors[0]);
        assertTrue(errors[1].contains("'2S' is not a duration"), errors[1]);
        assertTrue(errors[2].startsWith("ipcq demo: ") && errors[2].contains("--messages"), errors[2]);
    }

    /**
     * @return the number on the summary line that starts with {@code label}.
     */
    private static long number(final String text, final String label)
    {
        final Matcher matcher = Pattern.compile("^ {2}" + Pattern.quote(label) + " +([0-9,]+)", Pattern.MULTILINE)
            .matcher(text);
        assertTrue(matcher.find(), () -> "no summary line '" + label + "' in\n" + text);
        return Long.parseLong(matcher.group(1).replace(",", ""));
    }
}
