package io.ipcq.wait;

/**
 * How a {@code Consumer} waits for a message and a {@code Producer} for room in a full lane, chosen per handle
 * ({@code consumer.waitStrategy(...)}, {@code producer.waitStrategy(...)}). Immutable; one may be shared.
 * <ul>
 *   <li>{@link #busySpin()}: never leaves the CPU ({@link Thread#onSpinWait()} between tries). For pinned threads
 *   on isolated cores, where a wake-up is too slow and the core is theirs anyway.</li>
 *   <li>{@link #backoff()}: spin, yield, then park for 1 us growing to 1 ms between tries (Agrona's
 *   {@code BackoffIdleStrategy}); wakes about a thousand times a second while idle.</li>
 *   <li>{@link #spinThenBlock()} (the default): spin a budget of tries, yield a few, then register as a sleeper in
 *   the file and block in the kernel until a send (or a free, or seal) wakes it or the deadline passes. An idle
 *   waiter costs nothing; a parked one wakes in microseconds.</li>
 * </ul>
 */
public final class WaitStrategy
{
    /** Tries spent spinning before the default strategy blocks. */
    public static final int DEFAULT_SPINS = 1_000;
    /** Tries spent yielding after the spins, before the default strategy blocks. */
    public static final int DEFAULT_YIELDS = 20;

    /** The three ways of waiting. */
    public enum Kind
    {
        BUSY_SPIN,
        BACKOFF,
        SPIN_THEN_BLOCK
    }

    private static final WaitStrategy BUSY_SPIN = new WaitStrategy(Kind.BUSY_SPIN, 0, 0);
    private static final WaitStrategy BACKOFF = new WaitStrategy(Kind.BACKOFF, 10, 5);
    private static final WaitStrategy SPIN_THEN_BLOCK = new WaitStrategy(Kind.SPIN_THEN_BLOCK, DEFAULT_SPINS,
        DEFAULT_YIELDS);

    private final Kind kind;
    private final int spins;
    private final int yields;

    private WaitStrategy(final Kind kind, final int spins, final int yields)
    {
        this.kind = kind;
        this.spins = spins;
        this.yields = yields;
    }

    /**
     * @return spin on the CPU until the deadline: lowest latency, a whole core while waiting.
     */
    public static WaitStrategy busySpin()
    {
        return BUSY_SPIN;
    }

    /**
     * @return spin, yield, then park up to 1 ms between tries (never blocks in the kernel for longer).
     */
    public static WaitStrategy backoff()
    {
        return BACKOFF;
    }

    /**
     * @return the default: {@value #DEFAULT_SPINS} spins, {@value #DEFAULT_YIELDS} yields, then block in the kernel.
     */
    public static WaitStrategy spinThenBlock()
    {
        return SPIN_THEN_BLOCK;
    }

    /**
     * @param spins  tries spent spinning before yielding, at least 0.
     * @param yields tries spent yielding before blocking, at least 0.
     * @return spin, yield, then block in the kernel.
     */
    public static WaitStrategy spinThenBlock(final int spins, final int yields)
    {
        if (spins < 0 || yields < 0)
        {
            throw new IllegalArgumentException("spins and yields must be >= 0: " + spins + ", " + yields);
        }
        return new WaitStrategy(Kind.SPIN_THEN_BLOCK, spins, yields);
    }

    public Kind kind()
    {
        return kind;
    }

    /**
     * @return tries spent spinning before yielding (backoff and spin-then-block).
     */
    public int spins()
    {
        return spins;
    }

    /**
     * @return tries spent yielding before parking (backoff) or blocking (spin-then-block).
     */
    public int yields()
    {
        return yields;
    }

    @Override
    public String toString()
    {
        return kind == Kind.BUSY_SPIN ? "busySpin" : kind == Kind.BACKOFF ? "backoff" :
            "spinThenBlock(" + spins + ", " + yields + ")";
    }
}
