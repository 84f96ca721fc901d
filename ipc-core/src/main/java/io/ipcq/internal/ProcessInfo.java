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
        try
        {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // The command name (field 2) is in parentheses and may hold spaces: count fields after its ')'.
            final int afterName = stat.lastIndexOf(')');
            final String[] fields = stat.substring(afterName + 2).split(" ");
            return Long.parseLong(fields[22 - 3]);
        }
        catch (final NoSuchFileException ex)
        {
            return UNKNOWN_START_TIME;
        }
        catch (final IOException | RuntimeException ex)
        {
            return UNKNOWN_START_TIME;
        }
    }

    /**
     * @param pid       recorded pid.
     * @param startTime recorded start time, or {@link #UNKNOWN_START_TIME}.
     * @return false only when the kernel says that process is gone (no such pid, or the pid now names a
     * process that started at another time).
     */
    public static boolean isAlive(final long pid, final long startTime)
    {
        final var handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive())
        {
            return false;
        }
        if (startTime == UNKNOWN_START_TIME)
        {
            return true;
        }
        final long now = startTime(pid);
        return now == UNKNOWN_START_TIME || now == startTime;
    }
}
