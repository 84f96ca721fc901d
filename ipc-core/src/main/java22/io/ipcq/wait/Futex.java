package io.ipcq.wait;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Linux futex on a word of the shared mapping, through the Foreign Function and Memory API (JDK 22+): the
 * {@code META-INF/versions/22} version of the class. Shared futexes (no FUTEX_PRIVATE_FLAG): the kernel keys them
 * on the mapped file and offset, so a wake in one process reaches a waiter in another.
 */
public final class Futex
{
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAKE = 1;
    private static final MethodHandle SYSCALL;
    private static final long SYS_FUTEX;
    /** One relative timeout (struct timespec) per thread: waits allocate nothing. */
    private static final ThreadLocal<MemorySegment> TIMESPEC =
        ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16, 8));

    static
    {
        MethodHandle handle = null;
        long number = -1;
        try
        {
            final String arch = System.getProperty("os.arch");
            number = "amd64".equals(arch) || "x86_64".equals(arch) ? 202 : "aarch64".equals(arch) ? 98 : -1;
            if (number > 0 && System.getProperty("os.name").startsWith("Linux"))
            {
                final Linker linker = Linker.nativeLinker();
                final MemorySegment syscall = linker.defaultLookup().find("syscall").orElseThrow();
                // long syscall(long number, ...): every argument passed as a long.
                handle = linker.downcallHandle(syscall, FunctionDescriptor.of(ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG,
                    ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG),
                    Linker.Option.firstVariadicArg(1));
            }
        }
        catch (final Throwable unavailable)
        {
            // Native access refused, or no libc: sleepers use the socket fallback.
            handle = null;
        }
        SYSCALL = handle;
        SYS_FUTEX = number;
    }

    private Futex()
    {
    }

    /**
     * @return true if this JVM can wait on and wake a futex (JDK 22+ on Linux, native access allowed).
     */
    public static boolean isAvailable()
    {
        return SYSCALL != null;
    }

    /**
     * Blocks while the int at {@code address} holds {@code expected}, for at most {@code timeoutNs}: returns on a
     * wake, on a changed value (at once), on a signal or at the timeout. The caller rechecks in every case.
     *
     * @param address   native address of a 4-aligned int in a shared mapping.
     * @param expected  the value read before the caller's recheck.
     * @param timeoutNs at most this long.
     */
    public static void await(final long address, final int expected, final long timeoutNs)
    {
        final MemorySegment timespec = TIMESPEC.get();
        timespec.set(ValueLayout.JAVA_LONG, 0, timeoutNs / 1_000_000_000L);
        timespec.set(ValueLayout.JAVA_LONG, 8, timeoutNs % 1_000_000_000L);
        try
        {
            final long ignored = (long)SYSCALL.invokeExact(
                SYS_FUTEX, address, (long)FUTEX_WAIT, (long)expected, timespec.address(), 0L, 0L);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("futex wait failed", t);
        }
    }

    /**
     * Wakes up to {@code count} threads blocked on the int at {@code address}.
     *
     * @param address native address of the word.
     * @param count   how many to wake.
     * @return how many were woken (negative: the kernel refused).
     */
    public static int wake(final long address, final int count)
    {
        try
        {
            return (int)(long)SYSCALL.invokeExact(SYS_FUTEX, address, (long)FUTEX_WAKE, (long)count, 0L, 0L, 0L);
        }
        catch (final Throwable t)
        {
            throw new IllegalStateException("futex wake failed", t);
        }
    }
}
