package io.ipcq.child;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The one way the tests build a child JVM's command line: this JVM's java binary, this JVM's flags (the surefire
 * argLine, that is the root pom's {@code ipcq.jvm.flags}: children need every one of them and no test adds its own)
 * minus debugger agents (a second JVM on the same debug port would not start), then the child's own flags, this
 * JVM's class path, the main class and its arguments. Shared with ipc-bridge's tests through ipc-core's test jar.
 * <pre>{@code
 * List<String> command = JavaCommand.of(CrashChild.class)
 *     .flags("-Xmx96m")
 *     .property(CrashHooks.PROPERTY, crashAt)        // never inherited; set only if crashAt is not null
 *     .args("produce", path)
 *     .build();
 * }</pre>
 */
public final class JavaCommand
{
    private final Class<?> main;
    private final List<String> flags = new ArrayList<>();
    private final List<String> ownProperties = new ArrayList<>();
    private final List<String> args = new ArrayList<>();
    private String java = ChildJvm.javaBinary();
    private String classPath = System.getProperty("java.class.path");

    private JavaCommand(final Class<?> main)
    {
        this.main = main;
    }

    /**
     * @param main the child's main class.
     * @return a command for it, with this JVM's java, flags and class path.
     */
    public static JavaCommand of(final Class<?> main)
    {
        return new JavaCommand(main);
    }

    /**
     * @param java another java binary (a JDK other than this one).
     * @return this.
     */
    public JavaCommand java(final String java)
    {
        this.java = java;
        return this;
    }

    /**
     * @param classPath another class path.
     * @return this.
     */
    public JavaCommand classPath(final String classPath)
    {
        this.classPath = classPath;
        return this;
    }

    /**
     * @param flags JVM flags after the inherited ones.
     * @return this.
     */
    public JavaCommand flags(final String... flags)
    {
        return flags(List.of(flags));
    }

    /**
     * @param flags JVM flags after the inherited ones.
     * @return this.
     */
    public JavaCommand flags(final List<String> flags)
    {
        this.flags.addAll(flags);
        return this;
    }

    /**
     * A system property the child gets from this command only: an inherited {@code -Dname...} flag is dropped.
     *
     * @param name  the property.
     * @param value its value, or null to leave it unset in the child.
     * @return this.
     */
    public JavaCommand property(final String name, final String value)
    {
        ownProperties.add(name);
        if (value != null)
        {
            flags.add("-D" + name + "=" + value);
        }
        return this;
    }

    /**
     * @param args the child's arguments, after those given before.
     * @return this.
     */
    public JavaCommand args(final String... args)
    {
        return args(List.of(args));
    }

    /**
     * @param args the child's arguments, after those given before.
     * @return this.
     */
    public JavaCommand args(final List<String> args)
    {
        this.args.addAll(args);
        return this;
    }

    /** @return the command line. */
    public List<String> build()
    {
        final List<String> command = new ArrayList<>();
        command.add(java);
        for (final String flag : ManagementFactory.getRuntimeMXBean().getInputArguments())
        {
            if (!flag.startsWith("-agentlib:jdwp") && !flag.startsWith("-Xrunjdwp") && !setHere(flag))
            {
                command.add(flag);
            }
        }
        command.addAll(flags);
        command.add("-cp");
        command.add(classPath);
        command.add(main.getName());
        command.addAll(args);
        return command;
    }

    /** @return a process builder for {@link #build()}. */
    public ProcessBuilder processBuilder()
    {
        return new ProcessBuilder(build());
    }

    private boolean setHere(final String flag)
    {
        for (final String name : ownProperties)
        {
            if (flag.equals("-D" + name) || flag.startsWith("-D" + name + "="))
            {
                return true;
            }
        }
        return false;
    }

}
