package io.ipcq;

import io.ipcq.internal.CrashPoint;

import java.util.Arrays;
import java.util.List;

/**
 * The test-only halt hooks, by name, for tools that launch JVMs to crash at a chosen step of the protocol (the chaos
 * soak, crash tests; docs/crash-matrix.md). A JVM started with {@code -Dipcq.test.crashAt=NAME} or
 * {@code NAME:N} halts ({@link Runtime#halt(int)} with {@link #HALT_STATUS}: no shutdown hook, no finally block) the
 * Nth time it reaches step NAME. Without the property every hook is a constant false that the JIT removes.
 * <p>
 * This is the public face of an internal enum: it lets code outside ipc-core name the hooks without depending on
 * ipc-core's internals. {@link CrashTrigger} is the mechanism itself (parsing the property, counting passages).
 */
public final class CrashHooks
{
    /** The system property that arms one hook. */
    public static final String PROPERTY = CrashPoint.PROPERTY;
    /** Exit status of a JVM halted by a hook. */
    public static final int HALT_STATUS = CrashPoint.HALT_STATUS;

    private static final List<String> NAMES = Arrays.stream(CrashPoint.values()).map(Enum::name).toList();

    private CrashHooks()
    {
    }

    /** @return every hook's name, in protocol order (claim, skip, send, commit, lease, read, ack, ...). */
    public static List<String> names()
    {
        return NAMES;
    }

    /**
     * @param name a hook's name.
     * @param nth  halt the Nth time the step is reached, at least 1.
     * @return the value of {@link #PROPERTY} that arms it: {@code NAME:N}.
     * @throws IllegalArgumentException if there is no such hook or nth is below 1.
     */
    public static String spec(final String name, final int nth)
    {
        if (!NAMES.contains(name))
        {
            throw new IllegalArgumentException("no crash hook named " + name + "; hooks: " + NAMES);
        }
        if (nth < 1)
        {
            throw new IllegalArgumentException("crash hook " + name + ": N must be at least 1, not " + nth);
        }
        return name + ":" + nth;
    }

    /**
     * @param spec a value of {@link #PROPERTY} ({@code NAME} or {@code NAME:N}).
     * @return the JVM flag that passes it to a child JVM.
     */
    public static String jvmFlag(final String spec)
    {
        return "-D" + PROPERTY + "=" + spec;
    }
}
