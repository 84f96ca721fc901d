package io.ipcq.tools.cli;

import net.openhft.chronicle.bytes.Bytes;
import org.agrona.BitUtil;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Payload rendering, the one place ipcq turns bytes into hex: hex/ASCII dumps through Chronicle Bytes (loaded only
 * when a dump is asked for: its start-up costs a few hundred ms), hex digits through Agrona's {@code BitUtil}, and
 * strict UTF-8 decoding.
 */
final class Hex
{
    /** Bytes shown by a one-line preview. */
    static final int PREVIEW_BYTES = 16;
    /** Chronicle's dump: an 8-hex-digit offset and a space before the bytes of each line. */
    private static final int OFFSET_COLUMN = 9;

    static
    {
        // A dump needs none of Chronicle's native POSIX calls: skip loading JNR (some 300 classes at start-up).
        net.openhft.posix.PosixAPI.useNoOpPosixApi();
    }

    private Hex()
    {
    }

    /**
     * @param bytes a payload.
     * @return a hex/ASCII dump, 16 bytes a line, each line starting with its offset; no trailing newline.
     */
    static String dump(final byte[] bytes)
    {
        if (bytes.length == 0)
        {
            return "(empty)";
        }
        final Bytes<byte[]> wrapped = Bytes.wrapForRead(bytes);
        try
        {
            return stripTrailing(wrapped.toHexString(bytes.length));
        }
        finally
        {
            wrapped.releaseLast();
        }
    }

    /**
     * @param bytes a payload's first bytes.
     * @return two lowercase hex digits a byte, nothing between them (the JSON {@code headHex}), by Agrona's
     * {@link BitUtil#toHex(byte[])}.
     */
    static String digits(final byte[] bytes)
    {
        return BitUtil.toHex(bytes);
    }

    /**
     * @param head        the first bytes of a payload (at most {@link #PREVIEW_BYTES} are shown).
     * @param totalLength the payload's whole length.
     * @return one line of hex and ASCII, with "..." after it if the payload is longer.
     */
    static String preview(final byte[] head, final int totalLength)
    {
        if (totalLength == 0)
        {
            return "(empty)";
        }
        final byte[] shown = head.length > PREVIEW_BYTES ? Arrays.copyOf(head, PREVIEW_BYTES) : head;
        final String dump = dump(shown);
        final int newline = dump.indexOf('\n');
        final String line = newline < 0 ? dump : dump.substring(0, newline);
        final String body = line.length() > OFFSET_COLUMN ? line.substring(OFFSET_COLUMN) : line;
        return body.stripTrailing() + (totalLength > shown.length ? " ..." : "");
    }

    /**
     * @param bytes a payload.
     * @return the text if the bytes are valid UTF-8, else null.
     */
    static String utf8OrNull(final byte[] bytes)
    {
        try
        {
            return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(java.nio.ByteBuffer.wrap(bytes))
                .toString();
        }
        catch (final CharacterCodingException ex)
        {
            return null;
        }
    }

    private static String stripTrailing(final String dump)
    {
        final StringBuilder out = new StringBuilder(dump.length());
        for (final String line : dump.split("\n"))
        {
            if (line.isBlank() || line.startsWith("... "))
            {
                continue;
            }
            if (out.length() > 0)
            {
                out.append('\n');
            }
            out.append(line.stripTrailing());
        }
        return out.toString();
    }
}
