package io.ipcq.tools.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The tests' JSON reader (Jackson, strict): the command's JSON must parse as one value with no trailing text and
 * no duplicate field; integers read as {@code Long}. Fields are then read by name.
 */
final class CliJson
{
    static final ObjectMapper MAPPER = JsonMapper.builder()
        .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.USE_LONG_FOR_INTS)
        .build();

    private CliJson()
    {
    }

    static Map<String, Object> object(final String text)
    {
        try
        {
            return MAPPER.readValue(text.strip(), new TypeReference<Map<String, Object>>()
            {
            });
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("not one JSON object (" + ex.getMessage() + "): " + text, ex);
        }
    }

    static JsonNode tree(final String text)
    {
        try
        {
            return MAPPER.readTree(text.strip());
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("not JSON (" + ex.getMessage() + "): " + text, ex);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(final Map<String, Object> json, final String name)
    {
        return (Map<String, Object>)require(json, name);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(final Map<String, Object> json, final String name)
    {
        return (List<Map<String, Object>>)require(json, name);
    }

    static long number(final Map<String, Object> json, final String name)
    {
        return ((Number)require(json, name)).longValue();
    }

    static Object require(final Map<String, Object> json, final String name)
    {
        if (!json.containsKey(name))
        {
            throw new AssertionError("no field '" + name + "' in " + json);
        }
        return json.get(name);
    }
}
