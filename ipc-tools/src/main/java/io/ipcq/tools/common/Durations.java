package io.ipcq.tools.common;

import picocli.CommandLine;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration grammar of every command ({@code ipcq}, {@code scripts/demo}, {@code scripts/chaos}): a whole
 * number followed by {@code ms}, {@code s} or {@code m} ({@code 250ms}, {@code 5s}, {@code 2m}; an hour is
 * {@code 60m}). Nothing else is accepted (no sign, no fraction, no space, no other unit, lower case only), so a typo
 * never becomes a surprising wait. Use it as a picocli converter: {@code @Option(converter = Durations.class)}.
 */
public final class Durations implements CommandLine.ITypeConverter<Duration>
{
    private static final Pattern FORM = Pattern.compile("([0-9]{1,12})(ms|s|m)");
    /** 2^40 ms, about 34 years: far beyond any sensible wait, far below any overflow. */
    private static final long MAX_MS = 1L << 40;

    /**
     * @param text a duration such as {@code 250ms}.
     * @return the duration.
     * @throws IllegalArgumentException if the text is not of the form, or longer than 2^40 ms (about 34 years).
     */
    public static Duration parse(final String text)
    {
        final Matcher matcher = FORM.matcher(text);
        if (!matcher.matches())
        {
            throw new IllegalArgumentException("'" + text + "' is not a duration: use a whole number and a unit, " +
                "ms, s or m (e.g. 250ms, 5s, 2m)");
        }
        final long amount = Long.parseLong(matcher.group(1));
        final long ms;
        switch (matcher.group(2))
        {
            case "ms":
                ms = amount;
                break;
            case "s":
                ms = amount * 1000;
                break;
            default:
                ms = amount * 60_000;
                break;
        }
        if (ms > MAX_MS)
        {
            throw new IllegalArgumentException("'" + text + "' is too long a duration (at most " + MAX_MS + "ms)");
        }
        return Duration.ofMillis(ms);
    }

    /**
     * @param text an argument.
     * @return true if it has the form of a duration (a number and a unit), valid or not in range.
     */
    public static boolean looksLikeDuration(final String text)
    {
        return text != null && text.matches("[0-9]+(ms|s|m)");
    }

    /**
     * @param duration a duration.
     * @return it in the largest unit that states it exactly: {@code 2m}, {@code 5s}, {@code 250ms}.
     */
    public static String format(final Duration duration)
    {
        final long ms = duration.toMillis();
        if (ms % 60_000 == 0 && ms != 0)
        {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0 && ms != 0)
        {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }

    /**
     * @param value an option's value.
     * @return the duration.
     * @throws CommandLine.TypeConversionException if it is not one: picocli reports it as a usage error.
     */
    @Override
    public Duration convert(final String value)
    {
        try
        {
            return parse(value);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new CommandLine.TypeConversionException(ex.getMessage());
        }
    }
}
