package io.ipcq.wait;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts, for this process, the system calls the wake-up protocol makes and the times a sleeper came back from
 * the kernel. Tests and benchmarks read them: a producer with no sleeper must make no wake call, and an idle
 * consumer must come back rarely. Only the slow paths touch these.
 */
public final class WaitStats
{
    private static final AtomicLong WAKE_CALLS = new AtomicLong();
    private static final AtomicLong KERNEL_WAITS = new AtomicLong();
    private static final AtomicLong UNWAKEABLE = new AtomicLong();

    private WaitStats()
    {
    }

    /**
     * @return futex wakes and datagrams sent by this process.
     */
    public static long wakeCalls()
    {
        return WAKE_CALLS.get();
    }

    /**
     * @return times a thread of this process blocked in the kernel and came back (woken, timed out, or at once).
     */
    public static long kernelWaits()
    {
        return KERNEL_WAITS.get();
    }

    /**
     * @return futex sleepers this process could not wake because it has no futex (JDK 17): they wake at their cap.
     */
    public static long unwakeable()
    {
        return UNWAKEABLE.get();
    }

    static void wakeCall()
    {
        WAKE_CALLS.incrementAndGet();
    }

    static void kernelWait()
    {
        KERNEL_WAITS.incrementAndGet();
    }

    static void unwakeableSleeper()
    {
        UNWAKEABLE.incrementAndGet();
    }
}
