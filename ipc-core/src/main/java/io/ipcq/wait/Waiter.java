package io.ipcq.wait;

import io.ipcq.internal.CrashPoint;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;

import static io.ipcq.wait.WaitDescriptor.*;

/**
 * One handle's waiting: the idle steps of its {@link WaitStrategy}, and the sleeper side of the wake-up protocol
 * (docs/protocol.md #W1 register, #W2 recheck then sleep, #W6 unregister) on the handle's participant row. One
 * thread at a time, like the handle. The caller's loop:
 * <pre>
 *   waiter.reset();
 *   while (nothing) {
 *       if (deadline passed) return;
 *       if (waiter.idle()) {                 // the strategy says block now
 *           waiter.register(lanes, side);    // #W1
 *           if (try again finds something) { waiter.unregister(); return it; }   // #W2, the recheck
 *           waiter.sleep(deadlineNs, capNs); // #W2 blocks, then #W6
 *       }
 *   }
 * </pre>
 */
public final class Waiter implements AutoCloseable
{
    private final WaitRegistry registry;
    private final AtomicBuffer buffer;
    private final int row;
    private final int registrationOffset;
    private final int wakeWordOffset;
    private final boolean futex;
    private WaitStrategy strategy;
    private BackoffIdleStrategy backoff;
    private WakeSocket socket;
    private int tries;
    /** The last wait ended at its deadline with nothing: the next one blocks without spinning first. */
    private boolean idleBefore;
    private int registration;
    private int wakeSeen;

    /**
     * @param registry the queue's sleepers.
     * @param row      the handle's participant index.
     * @param strategy how to wait.
     */
    public Waiter(final WaitRegistry registry, final int row, final WaitStrategy strategy)
    {
        this(registry, row, strategy, Futex.isAvailable());
    }

    /**
     * @param futex true to sleep on the row's futex word, false on a UDP socket (tests choose).
     */
    Waiter(final WaitRegistry registry, final int row, final WaitStrategy strategy, final boolean futex)
    {
        this.registry = registry;
        this.buffer = registry.buffer();
        this.row = row;
        final int rowOffset = registry.rowOffset(row);
        this.registrationOffset = rowOffset + REGISTRATION_OFFSET;
        this.wakeWordOffset = rowOffset + WAKE_WORD_OFFSET;
        this.futex = futex;
        strategy(strategy);
    }

    /**
     * For the jcstress test: a waiter that sleeps on the futex word whether or not this JVM can call futex.
     *
     * @param registry the queue's sleepers.
     * @param row      participant index.
     * @return a futex-kind waiter with the default strategy.
     */
    public static Waiter futexKind(final WaitRegistry registry, final int row)
    {
        return new Waiter(registry, row, WaitStrategy.spinThenBlock(), true);
    }

    public void strategy(final WaitStrategy strategy)
    {
        this.strategy = java.util.Objects.requireNonNull(strategy, "strategy");
        this.backoff = strategy.kind() == WaitStrategy.Kind.BACKOFF ?
            new BackoffIdleStrategy(strategy.spins(), strategy.yields(), 1_000L, 1_000_000L) : null;
    }

    public WaitStrategy strategy()
    {
        return strategy;
    }

    /**
     * Starts a new wait: the spin budget is full again, unless the last wait timed out with nothing (an idle
     * handle polled in a loop with short timeouts sleeps at once instead of spinning on every call).
     */
    public void reset()
    {
        tries = idleBefore ? Integer.MAX_VALUE : 0;
        if (backoff != null)
        {
            backoff.reset();
        }
    }

    /**
     * Ends a wait.
     *
     * @param found true if it found what it waited for, false if its deadline passed first.
     */
    public void finished(final boolean found)
    {
        idleBefore = !found;
    }

    /**
     * One idle step after a try that found nothing.
     *
     * @return true if the caller should now register, recheck and sleep; false if it idled and should try again.
     */
    public boolean idle()
    {
        switch (strategy.kind())
        {
            case BUSY_SPIN:
                Thread.onSpinWait();
                return false;
            case BACKOFF:
                backoff.idle();
                return false;
            default:
                final int tries = this.tries;
                if (tries == Integer.MAX_VALUE)
                {
                    return true;
                }
                if (tries < strategy.spins())
                {
                    this.tries = tries + 1;
                    Thread.onSpinWait();
                    return false;
                }
                if (tries < strategy.spins() + strategy.yields())
                {
                    this.tries = tries + 1;
                    Thread.yield();
                    return false;
                }
                return true;
        }
    }

    /**
     * Protocol #W1: registers as a sleeper on every lane of {@code lanesMask}. The caller must recheck for what it
     * waits for after this (#W2) and then call {@link #sleep} or {@link #unregister}.
     *
     * @param lanesMask bit i for lane i.
     * @param room      true to wait for room (a producer), false for a message (a consumer).
     */
    public void register(final int lanesMask, final boolean room)
    {
        int registration = lanesMask | (room ? SIDE_ROOM_BIT : 0);
        if (futex)
        {
            wakeSeen = buffer.getIntVolatile(wakeWordOffset);
        }
        else
        {
            if (socket == null)
            {
                socket = new WakeSocket();
            }
            socket.drain();
            buffer.putIntVolatile(wakeWordOffset, socket.port());
            registration |= KIND_SOCKET_BIT;
        }
        // The bound on the rows wakers scan, the counts, then the registration: a crash in between leaves a bound
        // or a count too high (wakers scan and find no one), never too low (a sleeper no one wakes).
        registry.raiseSleeperRows(registration, row);
        registry.addToCounts(registration, 1);
        buffer.putIntVolatile(registrationOffset, registration);
        this.registration = registration;
        if (CrashPoint.ENABLED)
        {
            CrashPoint.WAIT_AFTER_REGISTER.reached();
        }
    }

    /**
     * @return the wake word as read at registration (futex kind), for the jcstress test.
     */
    public int wakeSeen()
    {
        return wakeSeen;
    }

    /**
     * Protocol #W6: no longer a sleeper. Undoes the counts only if the registration is still this one's (the reaper
     * may have undone it, #W5, while this process was paused).
     */
    public void unregister()
    {
        final int registration = this.registration;
        if (registration != 0)
        {
            this.registration = 0;
            if (buffer.compareAndSetInt(registrationOffset, registration, 0))
            {
                registry.addToCounts(registration, -1);
            }
        }
    }

    /**
     * Protocol #W2: blocks in the kernel until woken, the deadline, or {@code capNs}, whichever comes first; then
     * unregisters. Returns at once if a wake came since {@link #register}.
     *
     * @param deadlineNs {@link System#nanoTime()} deadline of the caller's wait.
     * @param capNs      the longest block (the caller rechecks at least this often).
     */
    public void sleep(final long deadlineNs, final long capNs)
    {
        final long timeoutNs = Math.min(deadlineNs - System.nanoTime(), capNs);
        try
        {
            if (timeoutNs > 0)
            {
                if (futex)
                {
                    Futex.await(registry.baseAddress() + wakeWordOffset, wakeSeen, timeoutNs);
                }
                else
                {
                    socket.await(timeoutNs);
                }
                WaitStats.kernelWait();
            }
        }
        finally
        {
            unregister();
        }
    }

    @Override
    public void close()
    {
        unregister();
        if (socket != null)
        {
            socket.close();
            socket = null;
        }
    }
}
