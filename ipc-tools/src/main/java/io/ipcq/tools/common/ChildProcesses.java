package io.ipcq.tools.common;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Launching child JVMs (the demo's, the chaos soak's) with this JVM's java binary, flags and classpath; signalling
 * them; and, in a child, dying with the driver.
 */
public final class ChildProcesses
{
    /** Exit code of a child that ran out of time. */
    public static final int EXIT_TIMED_OUT = 3;
    /** Exit code of a child that met something that must not happen. */
    public static final int EXIT_BROKEN = 4;
    /** Exit code of a child whose driver vanished. */
    public static final int EXIT_ORPHANED = 5;

    private ChildProcesses()
    {
    }

    public static ProcessBuilder javaProcess(final Class<?> main, final List<String> args)
    {
        final List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(main.getName());
        command.addAll(args);
        return new ProcessBuilder(command);
    }

    /**
     * In a child: halts this JVM once the driver's process is gone (a driver killed with -9 runs no cleanup).
     */
    public static void exitWhenParentDies(final long parentPid)
    {
        final Thread watch = new Thread(() ->
        {
            while (ProcessHandle.of(parentPid).map(ProcessHandle::isAlive).orElse(false))
            {
                try
                {
                    Thread.sleep(500);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
            Runtime.getRuntime().halt(EXIT_ORPHANED);
        }, "driver-watch");
        watch.setDaemon(true);
        watch.start();
    }

    /**
     * Sends a signal with the system's {@code kill} command (the JDK sends only TERM and KILL).
     *
     * @param pid    the process.
     * @param signal a signal name without SIG: {@code STOP}, {@code CONT}, {@code KILL}.
     * @return true if {@code kill} said it was delivered.
     */
    public static boolean signal(final long pid, final String signal)
    {
        try
        {
            final Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
            return kill.waitFor() == 0;
        }
        catch (final java.io.IOException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
