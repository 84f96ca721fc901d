package io.ipcq.wait;

/**
 * Linux futex on a word of the shared mapping. This is the JDK 17 version of the class: no futex (calling into
 * the kernel needs the Foreign Function and Memory API, final in JDK 22), so sleepers use {@link WakeSocket}
 * instead. The multi-release jar carries the real one under {@code META-INF/versions/22}.
 */
public final class Futex
{
    private Futex()
    {
    }

    /**
     * @return true if this JVM can wait on and wake a futex (JDK 22+ on Linux, native access allowed).
     */
    public static boolean isAvailable()
    {
        return false;
    }

    /**
     * Blocks while the int at {@code address} holds {@code expected}, for at most {@code timeoutNs}.
     *
     * @param address   native address of a 4-aligned int in a shared mapping.
     * @param expected  the value read before the caller's recheck.
     * @param timeoutNs at most this long.
     */
    public static void await(final long address, final int expected, final long timeoutNs)
    {
        throw new UnsupportedOperationException("no futex on JDK " + Runtime.version().feature());
    }

    /**
     * Wakes up to {@code count} threads blocked on the int at {@code address}.
     *
     * @param address native address of the word.
     * @param count   how many to wake.
     * @return how many were woken.
     */
    public static int wake(final long address, final int count)
    {
        throw new UnsupportedOperationException("no futex on JDK " + Runtime.version().feature());
    }
}
