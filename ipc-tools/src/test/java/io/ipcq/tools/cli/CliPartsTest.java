package io.ipcq.tools.cli;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The parts of the command that need no child process: JSON escaping, rates, previews (durations: DurationsTest).
 */
class CliPartsTest
{
    @Test
    void jsonEscapesEverythingAndParsesBack()
    {
        final String nasty = "quote\" backslash\\ newline\n tab\t nul\u0000 bell\u0007 line-sep\u2028 é 😀";
        final var node = JsonLines.object().put("s", nasty).put("n", -3).put("b", true)
            .put("d", JsonLines.rounded(1.23456));
        node.putArray("a").addObject().put("x", 1);
        node.put("nan", JsonLines.rounded(Double.NaN));
        final String json = JsonLines.line(node);
        assertFalse(json.contains("\n"), json);
        final Map<String, Object> parsed = CliJson.object(json);
        assertEquals(nasty, parsed.get("s"));
        assertEquals(-3L, parsed.get("n"));
        assertEquals(Boolean.TRUE, parsed.get("b"));
        assertEquals(1.235, (Double)parsed.get("d"), 1e-9);
        assertEquals(1L, CliJson.list(parsed, "a").get(0).get("x"));
        assertNull(CliJson.require(parsed, "nan"), "JSON has no NaN: null");
        assertThrows(IllegalArgumentException.class, () -> CliJson.object("{\"a\":1,\"a\":2}"), "duplicate");
        assertThrows(IllegalArgumentException.class, () -> CliJson.object("{\"a\":1} x"), "trailing text");
    }

    @Test
    void ratesNeverGoNegative()
    {
        assertEquals(10.0, QueueInspector.rate(20, 10, 1.0), 1e-9);
        assertEquals(0.0, QueueInspector.rate(5, 10, 1.0), 1e-9, "a detaching participant can dip a total");
        assertEquals(0.0, QueueInspector.rate(5, 1, 0.0), 1e-9);
    }

    @Test
    void previewsAreOneLineOfHexAndAscii()
    {
        final byte[] hello = "hello".getBytes(StandardCharsets.US_ASCII);
        final String preview = Hex.preview(hello, hello.length);
        assertTrue(preview.startsWith("68 65 6c 6c 6f"), preview);
        assertTrue(preview.endsWith("hello"), preview);
        final byte[] longer = "0123456789abcdefXYZ".getBytes(StandardCharsets.US_ASCII);
        final String cut = Hex.preview(java.util.Arrays.copyOf(longer, Hex.PREVIEW_BYTES), longer.length);
        assertFalse(cut.contains("\n"), cut);
        assertTrue(cut.endsWith(" ..."), cut);
        assertEquals("(empty)", Hex.preview(new byte[0], 0));
        final String dump = Hex.dump(longer);
        assertEquals(2, dump.split("\n").length, dump);
        assertTrue(dump.split("\n")[1].startsWith("00000010 58 59 5a"), dump);
        assertNull(Hex.utf8OrNull(new byte[]{ (byte)0xc3 }));
        assertEquals("é", Hex.utf8OrNull("é".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void headHexIsTwoLowercaseDigitsAByte()
    {
        assertEquals("00ab7fff68", Hex.digits(new byte[]{ 0, (byte)0xab, 0x7f, (byte)0xff, 'h' }));
        assertEquals("", Hex.digits(new byte[0]));
    }
}
