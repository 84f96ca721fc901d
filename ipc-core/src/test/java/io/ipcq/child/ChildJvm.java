package io.ipcq.child;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Child JVMs for cross-process tests: launched with this JVM's java binary, flags and classpath, and killing
 * themselves when the JVM that launched them is gone, so a test killed mid-run leaves no orphan behind.
 */
public final class ChildJvm
{
    /** Exit code of a child that ran out of time. */
    public static final int EXIT_TIMED_OUT = 3;
    /** Exit code of a child that saw something the protocol forbids (sealed too early, a fenced ack...). */
    public static final int EXIT_BROKEN = 4;
    /** Exit code of a child whose parent vanished. */
    public static final int EXIT_ORPHANED = 5;

    private ChildJvm()
    {
    }

    /**
     * @param main the child's main class, found on this JVM's classpath.
     * @param args its arguments.
     * @return a builder for {@code java <this JVM's flags> -cp <this JVM's classpath> main args...}
     *     ({@link JavaCommand}).
     */
    public static ProcessBuilder processBuilder(final Class<?> main, final List<String> args)
    {
        return JavaCommand.of(main).args(args).processBuilder();
    }

    /**
     * @return the java binary running this JVM.
     */
    public static String javaBinary()
    {
        return ProcessHandle.current().info().command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * Kills the children that are still running and waits a little for them to go. For finally blocks.
     *
     * @param processes children, some perhaps null or already gone.
     */
    public static void destroyAll(final List<Process> processes)
    {
        for (final Process process : processes)
        {
            if (process != null)
            {
                process.destroyForcibly();
            }
        }
        for (final Process process : processes)
        {
            if (process != null)
            {
                try
                {
                    process.waitFor(10, TimeUnit.SECONDS);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /**
     * For a child's main: halts this JVM when the process {@code parentPid} has gone.
     *
     * @param parentPid the launcher's pid, passed on the command line.
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
            System.err.println("parent " + parentPid + " is gone: exiting");
            Runtime.getRuntime().halt(EXIT_ORPHANED);
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }
}
