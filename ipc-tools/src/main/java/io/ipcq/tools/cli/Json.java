package io.ipcq.tools.cli;

/**
 * A small JSON writer: enough for one object per line, with no library on the classpath for it.
 * Commas are placed automatically; the caller only opens, names and closes.
 */
final class Json
{
    private final StringBuilder out = new StringBuilder(256);
    private boolean needComma;

    Json beginObject()
    {
        comma();
        out.append('{');
        needComma = false;
        return this;
    }

    Json endObject()
    {
        out.append('}');
        needComma = true;
        return this;
    }

    Json beginArray(final String name)
    {
        name(name);
        out.append('[');
        needComma = false;
        return this;
    }

    Json endArray()
    {
        out.append(']');
        needComma = true;
        return this;
    }

    Json beginObject(final String name)
    {
        name(name);
        out.append('{');
        needComma = false;
        return this;
    }

    Json field(final String name, final String value)
    {
        name(name);
        if (value == null)
        {
            out.append("null");
        }
        else
        {
            string(out, value);
        }
        needComma = true;
        return this;
    }

    Json field(final String name, final long value)
    {
        name(name);
        out.append(value);
        needComma = true;
        return this;
    }

    Json field(final String name, final double value)
    {
        name(name);
        if (Double.isFinite(value))
        {
            out.append(Math.round(value * 1000.0) / 1000.0);
        }
        else
        {
            out.append("null");
        }
        needComma = true;
        return this;
    }

    Json field(final String name, final boolean value)
    {
        name(name);
        out.append(value);
        needComma = true;
        return this;
    }

    private void name(final String name)
    {
        comma();
        string(out, name);
        out.append(':');
        needComma = false;
    }

    private void comma()
    {
        if (needComma)
        {
            out.append(',');
        }
    }

    static void string(final StringBuilder out, final String value)
    {
        out.append('"');
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            switch (c)
            {
                case '"':
                    out.append("\\\"");
                    break;
                case '\\':
                    out.append("\\\\");
                    break;
                case '\n':
                    out.append("\\n");
                    break;
                case '\r':
                    out.append("\\r");
                    break;
                case '\t':
                    out.append("\\t");
                    break;
                default:
                    if (c < 0x20 || c == 0x2028 || c == 0x2029)
                    {
                        out.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        out.append(c);
                    }
                    break;
            }
        }
        out.append('"');
    }

    @Override
    public String toString()
    {
        return out.toString();
    }
}
