package io.ipcq.tools.common;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The one duration grammar of {@code ipcq}, {@code scripts/demo} and {@code scripts/chaos}.
 */
class DurationsTest
{
    @Test
    void aWholeNumberAndAUnit()
    {
        assertEquals(Duration.ofMillis(250), Durations.parse("250ms"));
        assertEquals(Duration.ofSeconds(5), Durations.parse("5s"));
        assertEquals(Duration.ofMinutes(2), Durations.parse("2m"));
        assertEquals(Duration.ofHours(1), Durations.parse("60m"));
        assertEquals(Duration.ZERO, Durations.parse("0ms"));
    }

    @Test
    void nothingElse()
    {
        for (final String bad : new String[]{ "", "5", "5x", "1h", "1d", "-1s", "+1s", "1.5s", " 5s", "5s ", "5 s", "5S",
            "ms", "1m30s", "9999999999999m" })
        {
            final IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> Durations.parse(bad), bad);
            assertTrue(ex.getMessage().contains("'" + bad + "'"), ex.getMessage());
        }
    }

    @Test
    void formatsInTheLargestExactUnit()
    {
        assertEquals("250ms", Durations.format(Duration.ofMillis(250)));
        assertEquals("5s", Durations.format(Duration.ofSeconds(5)));
        assertEquals("2m", Durations.format(Duration.ofMinutes(2)));
        assertEquals("90s", Durations.format(Duration.ofSeconds(90)));
        assertEquals("0ms", Durations.format(Duration.ZERO));
    }

    @Test
    void asAPicocliConverterABadValueIsAUsageError()
    {
        final Durations converter = new Durations();
        assertEquals(Duration.ofSeconds(5), converter.convert("5s"));
        final CommandLine.TypeConversionException ex =
            assertThrows(CommandLine.TypeConversionException.class, () -> converter.convert("soon"));
        assertTrue(ex.getMessage().contains("'soon' is not a duration"), ex.getMessage());
    }
}
