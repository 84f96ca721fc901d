package io.ipcq.tools.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict little JSON parser for the tests: the command's JSON must parse, and fields are then read by name.
 */
final class CliJson
{
    private final String text;
    private int at;

    private CliJson(final String text)
    {
        this.text = text;
    }

    static Map<String, Object> object(final String text)
    {
        final CliJson parser = new CliJson(text.strip());
        final Object value = parser.value();
        parser.space();
        if (parser.at != parser.text.length())
        {
            throw new IllegalArgumentException("trailing text at " + parser.at + ": " + text);
        }
        if (!(value instanceof Map))
        {
            throw new IllegalArgumentException("not an object: " + text);
        }
        @SuppressWarnings("unchecked")
        final Map<String, Object> map = (Map<String, Object>)value;
        return map;
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

    private Object value()
    {
        space();
        if (at >= text.length())
        {
            throw error("value expected");
        }
        final char c = text.charAt(at);
        switch (c)
        {
            case '{':
                return parseObject();
            case '[':
                return parseArray();
            case '"':
                return parseString();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                return parseNumber();
        }
    }

    private Map<String, Object> parseObject()
    {
        final Map<String, Object> map = new LinkedHashMap<>();
        at++;
        space();
        if (peek() == '}')
        {
            at++;
            return map;
        }
        while (true)
        {
            space();
            final String name = parseString();
            space();
            expect(':');
            if (map.put(name, value()) != null)
            {
                throw error("duplicate field " + name);
            }
            space();
            if (peek() == ',')
            {
                at++;
                continue;
            }
            expect('}');
            return map;
        }
    }

    private List<Object> parseArray()
    {
        final List<Object> list = new ArrayList<>();
        at++;
        space();
        if (peek() == ']')
        {
            at++;
            return list;
        }
        while (true)
        {
            list.add(value());
            space();
            if (peek() == ',')
            {
                at++;
                continue;
            }
            expect(']');
            return list;
        }
    }

    private String parseString()
    {
        expect('"');
        final StringBuilder out = new StringBuilder();
        while (true)
        {
            final char c = text.charAt(at++);
            if (c == '"')
            {
                return out.toString();
            }
            if (c < 0x20)
            {
                throw error("raw control character in string");
            }
            if (c != '\\')
            {
                out.append(c);
                continue;
            }
            final char e = text.charAt(at++);
            switch (e)
            {
                case 'n': out.append('\n'); break;
                case 'r': out.append('\r'); break;
                case 't': out.append('\t'); break;
                case 'b': out.append('\b'); break;
                case 'f': out.append('\f'); break;
                case 'u':
                    out.append((char)Integer.parseInt(text.substring(at, at + 4), 16));
                    at += 4;
                    break;
                default: out.append(e); break;
            }
        }
    }

    private Number parseNumber()
    {
        final int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0)
        {
            at++;
        }
        final String number = text.substring(start, at);
        if (number.isEmpty())
        {
            throw error("number expected");
        }
        if (number.contains(".") || number.contains("e") || number.contains("E"))
        {
            return Double.parseDouble(number);
        }
        return Long.parseLong(number);
    }

    private Object literal(final String word, final Object value)
    {
        if (!text.startsWith(word, at))
        {
            throw error(word + " expected");
        }
        at += word.length();
        return value;
    }

    private void expect(final char c)
    {
        if (peek() != c)
        {
            throw error("'" + c + "' expected");
        }
        at++;
    }

    private char peek()
    {
        return at < text.length() ? text.charAt(at) : '\0';
    }

    private void space()
    {
        while (at < text.length() && Character.isWhitespace(text.charAt(at)))
        {
            at++;
        }
    }

    private IllegalArgumentException error(final String message)
    {
        return new IllegalArgumentException(message + " at " + at + ": " + text);
    }
}
