package io.ipcq.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * What a process is, as the kernel says: pid and start time, which together name it even after pid reuse.
 */
public final class ProcessInfo
{
    /** Start time when it cannot be read (no /proc): liveness then rests on the heartbeat alone. */
    public static final long UNKNOWN_START_TIME = -1;

    /** What {@link #statFields} answers when /proc/PID/stat exists but could not be read. */
    private static final String[] UNREADABLE = new String[0];

    private static final long SELF_PID = ProcessHandle.current().pid();
    private static final long SELF_START_TIME = startTime(SELF_PID);

    private ProcessInfo()
    {
    }

    public static long selfPid()
    {
        return SELF_PID;
    }

    public static long selfStartTime()
    {
        return SELF_START_TIME;
    }

    /**
     * Field 22 of /proc/PID/stat: the start time in clock ticks since boot.
     *
     * @param pid the process.
     * @return its start time, or {@link #UNKNOWN_START_TIME} if there is no such process or no /proc.
     */
    public static long startTime(final long pid)
    {
        final String[] fields = statFields(pid);
        if (fields == null || fields == UNREADABLE)
        {
            return UNKNOWN_START_TIME;
        }
        try
        {
            return Long.parseLong(fields[22 - 3]);
        }
        catch (final RuntimeException ex)
        {
            return UNKNOWN_START_TIME;
        }
    }

    /**
     * @param pid       recorded pid.
     * @param startTime recorded start time, or {@link #UNKNOWN_START_TIME}.
     * @return false only when the kernel says that process is gone: no such pid, a zombie ({@code Z}: killed and
     * not yet reaped by its parent, so {@code ProcessHandle.isAlive} still says true) or dead ({@code X}), or the
     * pid now names a process that started at another time.
     */
    public static boolean isAlive(final long pid, final long startTime)
    {
        if (pid <= 0)
        {
            return false;
        }
        final String[] fields = statFields(pid);
        if (fields == null)
        {
            // No /proc entry: either no such process, or no /proc at all (then ask the JDK).
            if (Files.isDirectory(Path.of("/proc/self")))
            {
                return false;
            }
            final var handle = ProcessHandle.of(pid);
            return handle.isPresent() && handle.get().isAlive();
        }
        if (fields == UNREADABLE)
        {
            // Could not read it (interrupted, out of descriptors...): never declare a process gone on a doubt.
            return true;
        }
        // Field 3, the state: Z (zombie) and X (dead) have no memory left: nothing they can still write.
        final String state = fields[0];
        if ("Z".equals(state) || "X".equals(state) || "x".equals(state))
        {
            return false;
        }
        if (startTime == UNKNOWN_START_TIME)
        {
            return true;
        }
        try
        {
            return Long.parseLong(fields[22 - 3]) == startTime;
        }
        catch (final RuntimeException ex)
        {
            return true;
        }
    }

    /**
     * @return the fields of /proc/PID/stat from field 3 (the state) on; null if there is no such file,
     * {@link #UNREADABLE} if it could not be read.
     */
    private static String[] statFields(final long pid)
    {
        try
        {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
            final int afterName = stat.lastIndexOf(')');
            if (afterName < 0 || afterName + 2 >= stat.length())
            {
                return UNREADABLE;
            }
            final String[] fields = stat.substring(afterName + 2).split(" ");
            return fields.length > 22 - 3 ? fields : UNREADABLE;
        }
        catch (final NoSuchFileException ex)
        {
            return null;
        }
        catch (final IOException | RuntimeException ex)
        {
            return UNREADABLE;
        }
    }
}
