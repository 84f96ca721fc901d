package io.ipcq.perf.harness;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * A small streaming JSON writer (two-space indent), enough for the report.
 */
final class Json
{
    private final StringBuilder out = new StringBuilder();
    private final Deque<Boolean> first = new ArrayDeque<>();
    private boolean afterKey;

    Json open()
    {
        separator();
        out.append('{');
        first.push(true);
        return this;
    }

    Json close()
    {
        first.pop();
        newline();
        out.append('}');
        return this;
    }

    Json openArray()
    {
        separator();
        out.append('[');
        first.push(true);
        return this;
    }

    Json closeArray()
    {
        first.pop();
        newline();
        out.append(']');
        return this;
    }

    Json key(final String key)
    {
        separator();
        quote(key);
        out.append(": ");
        afterKey = true;
        return this;
    }

    void field(final String key, final Object value)
    {
        key(key);
        value(value);
    }

    void element(final Object value)
    {
        value(value);
    }

    void rawElement(final String raw)
    {
        separator();
        out.append(raw);
    }

    private void value(final Object value)
    {
        separator();
        if (value == null)
        {
            out.append("null");
        }
        else if (value instanceof Boolean || value instanceof Integer || value instanceof Long)
        {
            out.append(value);
        }
        else if (value instanceof Double || value instanceof Float)
        {
            final double d = ((Number)value).doubleValue();
            out.append(Double.isFinite(d) ? String.format(Locale.ROOT, "%.4f", d) : "null");
        }
        else
        {
            quote(value.toString());
        }
    }

    private void separator()
    {
        if (afterKey)
        {
            afterKey = false;
            return;
        }
        if (!first.isEmpty())
        {
            if (!first.peek())
            {
                out.append(',');
            }
            else
            {
                first.pop();
                first.push(false);
            }
            newline();
        }
    }

    private void newline()
    {
        out.append('\n');
        for (int i = 0; i < first.size(); i++)
        {
            out.append("  ");
        }
    }

    private void quote(final String text)
    {
        out.append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default ->
                {
                    if (c < 0x20)
                    {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    @Override
    public String toString()
    {
        return out.append('\n').toString();
    }
}
