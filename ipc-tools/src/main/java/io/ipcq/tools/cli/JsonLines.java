package io.ipcq.tools.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.UncheckedIOException;

/**
 * The one JSON writer of the ipcq command (Jackson): one object per line, fields in the order they were put.
 */
final class JsonLines
{
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonLines()
    {
    }

    static ObjectNode object()
    {
        return MAPPER.createObjectNode();
    }

    /**
     * @param node what to write.
     * @return it as one line of JSON (control characters escaped, so never a line break inside).
     */
    static String line(final JsonNode node)
    {
        try
        {
            return MAPPER.writeValueAsString(node);
        }
        catch (final JsonProcessingException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * @param value a rate or another measured number.
     * @return it rounded to 3 decimals, or null (JSON has no NaN or infinity).
     */
    static Double rounded(final double value)
    {
        return Double.isFinite(value) ? Math.round(value * 1000.0) / 1000.0 : null;
    }
}
