package io.ipcq.tools.demo;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Launching the demo's child JVMs with this JVM's java binary, flags and classpath; and, in a child, dying with
 * the driver.
 */
final class ChildProcesses
{
    /** Exit code of a child that ran out of time. */
    static final int EXIT_TIMED_OUT = 3;
    /** Exit code of a child that met something that must not happen. */
    static final int EXIT_BROKEN = 4;
    /** Exit code of a child whose driver vanished. */
    static final int EXIT_ORPHANED = 5;

    private ChildProcesses()
    {
    }

    static ProcessBuilder javaProcess(final Class<?> main, final List<String> args)
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
    static void exitWhenParentDies(final long parentPid)
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
}
